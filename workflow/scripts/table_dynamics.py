"""results/tables/dynamics.parquet: mean and std over trials; results/tables/
trajectories.parquet: the stored trajectory samples (rule dynamics_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables  # noqa: E402

records = [io.load_arrays(path) for path in snakemake.params.files]
frame = tables.dynamics_table(records)
log.info("dynamics: %d rows", len(frame))
io.save_table(snakemake.output.table, frame)
samples = tables.trajectories_table(records)
log.info("trajectories: %d rows", len(samples))
io.save_table(snakemake.output.trajectories, samples)
