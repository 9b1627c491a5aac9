"""Keep probabilities of one method and keep fraction (rule probabilities).

P is zero wherever A is, so it is stored sparse (CSR).
"""

from _job import setup

log = setup(snakemake)

from noiseprune import io, pruning  # noqa: E402

A = io.load_dense(snakemake.input.A)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
P = pruning.probabilities(A, C, **snakemake.params.pruning)
log.info(
    "expected kept entries %.1f of %d (target %.1f)",
    P.sum(),
    pruning.offdiag_nnz(A),
    pruning.target_edges(A, snakemake.params.pruning["keep_fraction"]),
)
io.save_sparse(snakemake.output.P, P)
