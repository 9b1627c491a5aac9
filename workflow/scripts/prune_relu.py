"""Keep probabilities, pruned networks and rectified-linear metrics of one (network, seed,
covariance, method, keep fraction), for every pruning seed (rule prune_relu).

Pruning is that of prune_measure (noiseprune.draws, same probabilities, same random
streams); the metrics are those of noiseprune.rectified.compare: fixed point, active set
and Jacobian spectrum of each pruned network against the original's. Each draw's files
go into the job's draws directories (``params.files``).
"""

from _job import setup

log = setup(snakemake)

from noiseprune import draws, io, pruning, rectified
from noiseprune.pipeline import draw_rows  # noqa: E402
from noiseprune.seeding import pruning_rng  # noqa: E402

w = snakemake.wildcards
params = snakemake.params
files = params.files
A = io.load_dense(snakemake.input.A)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
fp = io.load_arrays(snakemake.input.fp)
rngs = [pruning_rng(pseed, w.exp, w.seed, w.cov, w.method, w.keep) for pseed in params.prune_seeds]
P, results = draws.prune_and_measure(
    A,
    C,
    probability=params.pruning,
    diagonal=params.diagonal,
    rngs=rngs,
    measure=lambda A_sparse: rectified.compare(A, A_sparse, fp["b"], x_star=fp["x_star"], eigenvalues=fp["eigenvalues"]),
)
edges = pruning.offdiag_nnz(A)
io.save_sparse(snakemake.output.P, P)
del P
for k, (pseed, (A_sparse, result)) in enumerate(zip(params.prune_seeds, results)):
    kept = pruning.offdiag_nnz(A_sparse)
    ids = dict(params.ids, prune_seed=int(pseed))
    row = draw_rows.relu_row(ids, result, edges_original=edges, edges_kept=kept)
    log.info("prune seed %s: %s", pseed, row)
    io.save_sparse(files["pruned"][k], A_sparse)
    io.save_table(files["eigen"][k], draw_rows.relu_eigen_columns(ids, result))
    io.save_json(files["metrics"][k], row)
