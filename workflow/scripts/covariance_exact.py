"""Exact covariance of the noise-driven network (rule covariance_exact)."""

from _job import setup

log = setup(snakemake)

from noiseprune import covariance, io  # noqa: E402

A = io.load_dense(snakemake.input.A)
C = covariance.exact(A)
log.info("lyapunov residual %.3g", covariance.lyapunov_residual(A, C))
io.save_dense(snakemake.output.C, C)
