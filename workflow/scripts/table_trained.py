"""results/tables/trained.csv (one row per evaluated network) and
trained_intervals.parquet (one row per network and held-out trial) (rule trained_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables_trained  # noqa: E402

docs = [io.load_json(path) for path in [*snakemake.input.originals, *snakemake.params.metrics]]
table, intervals = tables_trained.frames(docs)
log.info("%d networks, %d interval rows", len(table), len(intervals))
io.save_table(snakemake.output.table, table)
io.save_table(snakemake.output.intervals, intervals)
