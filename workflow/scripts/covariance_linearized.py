"""Covariance of a rectified-linear network linearized at its fixed point (rule covariance_linearized)."""

from _job import setup

log = setup(snakemake)

from noiseprune import covariance, io  # noqa: E402

A = io.load_dense(snakemake.input.A)
fp = io.load_arrays(snakemake.input.fp)
C = covariance.linearized(A, fp["b"])
io.save_dense(snakemake.output.C, C)
