"""results/tables/sweeps.csv: keep-fraction sweeps (rule sweeps_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables  # noqa: E402

summary = tables.read_summaries(snakemake.params.files)
frame = tables.sweeps_table(summary, snakemake.params.experiments)
log.info("%d rows", len(frame))
io.save_table(snakemake.output.table, frame)
