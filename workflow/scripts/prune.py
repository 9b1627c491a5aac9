"""Sample one pruned network (rule prune)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io, pruning  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

w = snakemake.wildcards
A = io.load_dense(snakemake.input.A)
P = io.load_sparse(snakemake.input.P).toarray()
rng = rng_for(int(w.pseed), "prune", w.exp, int(w.seed), w.cov, w.method, w.keep)
A_sparse = pruning.prune(A, P, rng=rng, diagonal=snakemake.params.diagonal)
log.info("kept %d of %d off-diagonal entries", pruning.offdiag_nnz(A_sparse), pruning.offdiag_nnz(A))
io.save_sparse(snakemake.output.A_sparse, A_sparse)
