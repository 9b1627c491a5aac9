"""Reduce one trained network at one keep fraction by every reducer of one covariance
(rule trained_reduce; ``params.members``: each reducer's pruning seeds and files), and
evaluate each reduced network on the held-out batch. The network, its covariance and the
original's evaluation are loaded or computed once; each draw's files go into the job's
draws directory."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.trained import rnn, experiment  # noqa: E402

w = snakemake.wildcards
members = snakemake.params.members
params = rnn.load(snakemake.input.params)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
original = io.load_arrays(snakemake.input.original)
interval = [float(v) for v in original["interval"]]
for reducer, k, pseed, (arrays, rows, produced, factors) in experiment.reduce_members(
    params, C, snakemake.params.trained, int(w.trained_seed), w.trained_cov, float(w.trained_keep),
    {reducer: member["prune_seeds"] for reducer, member in members.items()}, original["y"], log=log.info
):
    files = members[reducer]["files"]
    io.save_arrays(files["reduced"][k], **arrays)
    io.save_json(files["metrics"][k], {
        "rows": rows, "produced": produced, "interval": interval,
        "factors": {variant: experiment.factor_quantiles(f) for variant, f in factors.items()}})
