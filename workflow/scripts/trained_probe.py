"""Covariances of a trained network (L-NP, S-NP) and its evaluation on the held-out
batch (rule trained_probe)."""

import numpy as np
from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.trained import reducers, rnn, experiment  # noqa: E402

cfg = snakemake.params.trained
seed = int(snakemake.wildcards.trained_seed)
params = rnn.load(snakemake.input.params)
covs = experiment.probe(params, cfg, seed, snakemake.params.covariances, log=log.info)
for path, name in zip(snakemake.output.covariances, snakemake.params.covariances):
    C = covs[name]
    if not np.all(np.isfinite(C)):
        raise ValueError(f"{name} covariance has non-finite entries")
    log.info("%s covariance: trace %.4g, largest variance %.4g", name, np.trace(C), np.diagonal(C).max())
    io.save_dense(path, C)
batch = experiment.eval_batch(cfg)
interval = batch.interval if batch.interval is not None else np.zeros(0)  # ready-set-go only
metrics, produced, y = experiment.evaluate(params, cfg, seed, batch)
row = experiment.row(cfg, seed, experiment.ORIGINAL, "none", "none", 1.0, 0, False, params, metrics,
                  reducers.weights_kept(params["W"]))
log.info("original network: %s", row)
io.save_arrays(snakemake.output.original, y=y, produced=produced, interval=interval)
io.save_json(snakemake.output.metrics, {"rows": [row], "produced": [[float(v) for v in produced]],
                                        "interval": [float(v) for v in interval]})
