"""Empirical covariance from a simulated run (rule covariance_empirical)."""

from _job import progress, setup

log = setup(snakemake)

from noiseprune import covariance, io  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

wildcards = snakemake.wildcards
emp = snakemake.params.empirical
cov = f"T{wildcards.duration}"
A = io.load_dense(snakemake.input.A)
relu = {}
if "fp" in snakemake.input.keys():  # rectified-linear experiment: its input b
    relu = dict(nonlinearity="relu", background=io.load_arrays(snakemake.input.fp)["b"])
C = covariance.empirical(
    A,
    duration=snakemake.params.duration,
    dt=emp["dt"],
    burn_in=emp["burn_in"],
    replicas=emp["replicas"],
    rng=rng_for(int(wildcards.seed), "empirical", wildcards.exp, cov),
    progress=progress(log, f"simulating {cov}"),
    **relu,
)
io.save_dense(snakemake.output.C, C)
