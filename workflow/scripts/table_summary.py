"""results/tables/summary.csv from the per-job metrics summaries (rule summary_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables  # noqa: E402

summary = tables.read_summaries(snakemake.params.files)
log.info("%d rows", len(summary))
io.save_table(snakemake.output.table, summary)
