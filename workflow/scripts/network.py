"""Build one network A = W - D of the configured kind (rule network)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io, networks, pruning  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

wildcards = snakemake.wildcards
net = snakemake.params.network
seed = int(wildcards.seed)
A = networks.build(net, rng=rng_for(seed, "network", wildcards.exp))
edges = pruning.offdiag_nnz(A)
log.info("N = %d, %d off-diagonal nonzeros", A.shape[0], edges)
io.save_dense(snakemake.output.A, A)
io.save_json(
    snakemake.output.meta,
    {
        "experiment": wildcards.exp,
        "seed": seed,
        "n": int(A.shape[0]),
        "edges": int(edges),
        "parameters": dict(net),
    },
)
