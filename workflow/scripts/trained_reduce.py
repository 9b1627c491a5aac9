"""Reduce one trained network by one reducer at one keep fraction, for each of the
reducer's pruning seeds, and evaluate each reduced network on the held-out batch (rule
trained_reduce); each draw's files go into the job's draws directory."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.trained import rnn, experiment  # noqa: E402

cfg = snakemake.params.trained
w = snakemake.wildcards
params = rnn.load(snakemake.input.params)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
reference = io.load_arrays(snakemake.input.original)["y"]
interval = io.load_arrays(snakemake.input.original)["interval"]
for k, pseed in enumerate(snakemake.params.prune_seeds):
    arrays, rows, produced, factors = experiment.reduce_and_evaluate(
        params, C, cfg, int(w.trained_seed), w.reducer, w.trained_cov, float(w.trained_keep), int(pseed), reference, log=log.info
    )
    io.save_arrays(snakemake.params.files["reduced"][k], **arrays)
    io.save_json(snakemake.params.files["metrics"][k], {
        "rows": rows, "produced": produced, "interval": [float(v) for v in interval],
        "factors": {variant: experiment.factor_quantiles(f) for variant, f in factors.items()}})
