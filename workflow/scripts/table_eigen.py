"""results/tables/eigen.parquet from the per-job eigenpair tables (rule eigen_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables  # noqa: E402

eigen = tables.eigen_table(io.load_table(path) for path in snakemake.params.files)
log.info("%d rows", len(eigen))
io.save_table(snakemake.output.table, eigen)
