"""Keep probabilities, pruned networks and rectified-linear metrics of one (network, seed,
covariance, keep fraction), for every method that prunes with that covariance and every
pruning seed (rule prune_relu).

Pruning is that of prune_measure (noiseprune.draws, same probabilities, same random
streams); the metrics are those of noiseprune.rectified.compare: fixed point, active set
and Jacobian spectrum of each pruned network against the original's. Each draw's files
go into the job's output directories (``params.members``).
"""

from _job import setup

log = setup(snakemake)

from noiseprune import draws, io, pruning, rectified
from noiseprune.pipeline import draw_rows  # noqa: E402
from noiseprune.seeding import pruning_rng  # noqa: E402

w = snakemake.wildcards
params = snakemake.params
A = io.load_dense(snakemake.input.A)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
fp = io.load_arrays(snakemake.input.fp)
edges = pruning.offdiag_nnz(A)
for method, member in params.members.items():
    files = member["files"]
    rngs = [pruning_rng(pseed, w.exp, w.seed, w.cov, method, w.keep) for pseed in params.prune_seeds]
    P, results = draws.prune_and_measure(
        A,
        C,
        probability=member["pruning"],
        diagonal=params.diagonal,
        rngs=rngs,
        measure=lambda A_sparse: rectified.compare(A, A_sparse, fp["b"], x_star=fp["x_star"], eigenvalues=fp["eigenvalues"]),
    )
    io.save_sparse(member["P"], P)
    del P
    for k, (pseed, (A_sparse, result)) in enumerate(zip(params.prune_seeds, results)):
        kept = pruning.offdiag_nnz(A_sparse)
        ids = dict(member["ids"], prune_seed=int(pseed))
        row = draw_rows.relu_row(ids, result, edges_original=edges, edges_kept=kept)
        log.info("%s, prune seed %s: %s", method, pseed, row)
        io.save_sparse(files["pruned"][k], A_sparse)
        io.save_table(files["eigen"][k], draw_rows.relu_eigen_columns(ids, result))
        io.save_json(files["metrics"][k], row)
    del results
