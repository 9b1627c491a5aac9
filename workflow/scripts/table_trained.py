"""results/tables/trained.csv (one row per evaluated network), trained_intervals.parquet
(one row per network and held-out trial), the factors, tests, schedule and reach tables
(rule trained_table; noiseprune.pipeline.tables_trained)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables_trained  # noqa: E402

docs = [io.load_json(path) for path in [*snakemake.input.originals, *snakemake.params.metrics]]
schedule = tables_trained.schedule_frame([io.load_json(path) for path in snakemake.input.schedules], docs)
table, intervals = tables_trained.frames(docs)
factors = tables_trained.factor_frame(docs)
tests = tables_trained.wilcoxon_tests(table)
reach = tables_trained.reach_frame(table, schedule)
log.info("%d networks, %d interval rows, %d factor rows, %d tests", len(table), len(intervals), len(factors), len(tests))
io.save_table(snakemake.output.table, table)
io.save_table(snakemake.output.intervals, intervals)
io.save_table(snakemake.output.factors, factors)
io.save_table(snakemake.output.tests, tests)
io.save_table(snakemake.output.schedule, schedule)
io.save_table(snakemake.output.reach, reach)
