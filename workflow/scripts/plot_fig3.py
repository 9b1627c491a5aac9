"""Fig. 3: trajectory error over time (rule fig3_dynamics)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

network = snakemake.params.network
dynamics = io.load_table(snakemake.input.dynamics, filters=[("network", "==", network)])
log.info("%s: %d rows", network, len(dynamics))
fig = plotting.fig3_dynamics(dynamics, network)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
