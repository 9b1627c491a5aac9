"""Fig. 3: trajectory error over time and example trajectories (rule fig3_dynamics)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

network = snakemake.params.network
dynamics = io.load_table(snakemake.input.dynamics, filters=[("network", "==", network)])
trajectories = io.load_table(snakemake.input.trajectories, filters=[("network", "==", network)])
log.info("%s: %d error rows, %d trajectory rows", network, len(dynamics), len(trajectories))
fig = plotting.fig3_dynamics(dynamics, network, trajectories, keep_fraction=snakemake.params.keep_fraction)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
