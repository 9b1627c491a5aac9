"""Cholesky factor of -A, shared by the spectral eps of every pruned network (rule stiffness_factor)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io, spectra  # noqa: E402

A = io.load_dense(snakemake.input.A)
L = spectra.stiffness_factor(A)
if L is None:
    raise ValueError(f"-A is not positive definite ({snakemake.input.A}): the spectral eps needs a stable network")
io.save_dense(snakemake.output.factor, L)
