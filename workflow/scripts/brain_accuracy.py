"""Estimation error of the rule's quantity against the duration (rule brain_accuracy)."""

from _job import setup

log = setup(snakemake)

from noiseprune import brain_scale, io, networks  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

cfg = snakemake.params.accuracy
seed = int(snakemake.wildcards.brain_seed)
A = networks.build(cfg["network"], rng=rng_for(seed, "brain_accuracy", cfg["name"], "network"))
rows = brain_scale.accuracy(A, cfg["durations"], dt=cfg["dt"], burn_in=cfg["burn_in"], replicas=cfg["replicas"],
                            rng=rng_for(seed, "brain_accuracy", cfg["name"], "covariance"))
for row in rows:
    log.info("duration %g: median relative error %.4f", row["duration"], row["median_rel_err"])
io.save_json(snakemake.output.result, {"n": int(A.shape[0]), "rows": rows})
