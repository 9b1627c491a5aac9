"""Fig. 8: a non-symmetric network (rule fig8_nonsymmetric)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

network = snakemake.params.network
summary = io.load_table(snakemake.input.summary)
eigen = io.load_table(snakemake.input.eigen, filters=[("network", "==", network)])
log.info("%s: %d eigenvalue rows", network, len(eigen))
fig = plotting.fig8_nonsymmetric(eigen, summary, network)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
