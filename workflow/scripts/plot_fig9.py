"""Fig. 9: task-trained networks (rule fig9_trained)."""

from pathlib import Path

import pandas as pd
from _job import setup

log = setup(snakemake)

from noiseprune import plotting  # noqa: E402

table = pd.read_csv(snakemake.input.table)
intervals = pd.read_parquet(snakemake.input.intervals)
log.info("%d networks, %d interval rows", len(table), len(intervals))
fig = plotting.fig9_trained(table, intervals, snakemake.params.network, float(snakemake.params.keep_fraction))
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
