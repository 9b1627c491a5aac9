"""Fig. 9: task-trained networks (rule fig9_trained)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

table = io.load_table(snakemake.input.table)
intervals = io.load_table(snakemake.input.intervals)
log.info("%d networks, %d interval rows", len(table), len(intervals))
fig = plotting.fig9_trained(table, intervals, snakemake.params.network, float(snakemake.params.keep_fraction))
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
