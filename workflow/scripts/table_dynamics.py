"""results/tables/dynamics.parquet: mean and std over trials (rule dynamics_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io, tables  # noqa: E402

frame = tables.dynamics_table(io.load_arrays(path) for path in snakemake.input)
log.info("%d rows", len(frame))
io.save_table(snakemake.output.table, frame)
