"""Fig. 1: the noise probe on the small fig1 network (rule fig1_probe)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

A = io.load_dense(snakemake.input.A)
C = io.load_dense(snakemake.input.C)
P = io.load_sparse(snakemake.input.P)
probe = snakemake.params.probe
log.info("N = %d, clusters %s", A.shape[0], probe["clusters"])
fig = plotting.fig1_probe(A, C, P, clusters=probe["clusters"], highlight=probe["highlight"])
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
