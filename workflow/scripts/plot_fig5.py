"""Fig. 5: keep-fraction sweeps and scaling with N (rule fig5_sweeps)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

sweeps = io.load_table(snakemake.input.sweeps)
scaling = io.load_table(snakemake.input.scaling)
log.info("%d sweep rows, %d scaling rows", len(sweeps), len(scaling))
fig = plotting.fig5_sweeps(sweeps, scaling)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
