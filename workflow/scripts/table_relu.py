"""results/tables/relu.csv and relu_eigen.parquet (rule relu_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables_relu  # noqa: E402

dynamics = io.load_table(snakemake.input.dynamics)
frame = tables_relu.relu_table(tables_relu.read_rows(snakemake.params.metrics), dynamics)
log.info("relu: %d rows", len(frame))
io.save_table(snakemake.output.table, frame)
eigen = tables_relu.relu_eigen_table(io.load_table(p) for p in snakemake.params.eigen)
io.save_table(snakemake.output.eigen, eigen)
