"""results/tables/scaling.csv: kept entries at the target eps vs N log N (rule scaling_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables  # noqa: E402

summary = tables.read_summaries(snakemake.params.files)
frame = tables.scaling_table(summary, snakemake.params.experiments, snakemake.params.target_eps)
log.info("%d rows", len(frame))
io.save_table(snakemake.output.table, frame)
