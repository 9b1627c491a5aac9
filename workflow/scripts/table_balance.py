"""results/tables/balance.csv: excitatory and inhibitory input per neuron before and
after pruning, for the networks of kind dale (rule balance_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables_balance  # noqa: E402

frame = tables_balance.balance_table(snakemake.params.draws)
log.info("balance: %d rows", len(frame))
io.save_table(snakemake.output.table, frame)
