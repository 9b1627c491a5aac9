"""Fig. 7: rectified-linear networks (rule fig7_relu)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

networks = list(snakemake.params.networks)
relu = io.load_table(snakemake.input.relu)
eigen = io.load_table(snakemake.input.eigen, filters=[("network", "in", networks)])
dynamics = io.load_table(snakemake.input.dynamics, filters=[("network", "in", networks)])
log.info("%s: %d rows, %d eigenvalue rows, %d dynamics rows", networks, len(relu), len(eigen), len(dynamics))
fig = plotting.fig7_relu(relu, eigen, dynamics, networks)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
