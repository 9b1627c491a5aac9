"""Eigendecomposition of the original network, cached for the metrics (rule eigendecompose)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io, spectra  # noqa: E402

A = io.load_dense(snakemake.input.A)
w, V = spectra.eigendecompose(A)
log.info("eigenvalues in [%s, %s]", w[0], w[-1])
io.save_arrays(snakemake.output.eig, w=w, V=V)
