"""Empirical covariance from a simulated run (rules covariance_empirical, covariance_empirical_colored)."""

from _job import progress, setup

log = setup(snakemake)

from noiseprune import covariance, io  # noqa: E402
from noiseprune.pipeline.ids import colored_id  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

wildcards = snakemake.wildcards
emp = snakemake.params.empirical
noise_tau = getattr(snakemake.params, "noise_tau", 0.0)  # rule covariance_empirical_colored
cov = colored_id(f"T{wildcards.duration}", noise_tau)
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
    noise_tau=noise_tau,
    **relu,
)
io.save_dense(snakemake.output.C, C)
