"""The iterative loop (reduce a step, re-probe, retrain, evaluate) of one trained network,
reducer and covariance along trained.schedule (rule trained_iterate)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.trained import rnn, experiment  # noqa: E402

cfg = snakemake.params.trained
w = snakemake.wildcards
params = rnn.load(snakemake.input.params)
rows = experiment.iterate(params, cfg, int(w.trained_seed), w.reducer, w.trained_cov, cfg["schedule"],
                          int(cfg["prune_seeds"][0]), log=log.info)
io.save_json(snakemake.output.schedule, {"rows": rows})
