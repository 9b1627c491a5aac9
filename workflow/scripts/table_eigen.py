"""results/tables/eigen.parquet from the per-job eigenpair tables (rule eigen_table)."""

import pandas as pd
from _job import setup

log = setup(snakemake)

from noiseprune import io, tables  # noqa: E402

eigen = tables.eigen_table(pd.read_parquet(path) for path in snakemake.input)
log.info("%d rows", len(eigen))
io.save_table(snakemake.output.table, eigen)
