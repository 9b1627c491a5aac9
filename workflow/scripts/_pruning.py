"""The loop of the pruning jobs (rules prune_measure and prune_relu), imported from the
scripts' own directory.

A pruning job covers one (network, seed, covariance, keep fraction) and every method of
that covariance (``params.members``, plan.job_methods). For each method in turn it saves
the keep probabilities, then for each pruning seed the pruned network (CSR .npz) and
hands the draw's metrics to the rule's own ``write``. Each method and pruning seed has
its own random stream (noiseprune.seeding.pruning_rng), so a draw does not depend on
which other methods the job runs (noiseprune.draws.prune_methods).
"""

from collections.abc import Callable

from noiseprune import draws, io, pruning
from noiseprune.seeding import pruning_rng


def run(snakemake, A, C, measure: Callable, write: Callable, log, workers: int = 1) -> None:
    """Every draw of the job: ``write(files, k, ids, result, edges, kept)`` for the k-th
    pruning seed of each method (``files``: the method's per-draw files by key, ``ids``:
    its rows' identifying columns with the pruning seed)."""
    w, params = snakemake.wildcards, snakemake.params
    edges = pruning.offdiag_nnz(A)
    target = pruning.target_edges(A, float(w.keep))  # the job's keep fraction, every method's
    for method, P, results in draws.prune_methods(
        A,
        C,
        {method: member["pruning"] for method, member in params.members.items()},
        diagonal=params.diagonal,
        rngs=lambda method: [pruning_rng(p, w.exp, w.seed, w.cov, method, w.keep) for p in params.prune_seeds],
        measure=measure,
        workers=workers,
    ):
        member = params.members[method]
        log.info("%s: expected kept entries %.1f of %d (target %.1f)", method, P.sum(), edges, target)
        io.save_sparse(member["P"], P)
        del P
        for k, (pseed, (A_sparse, result)) in enumerate(zip(params.prune_seeds, results)):
            kept = pruning.offdiag_nnz(A_sparse)
            log.info("%s, prune seed %s: kept %d of %d off-diagonal entries", method, pseed, kept, edges)
            io.save_sparse(member["files"]["pruned"][k], A_sparse)
            write(member["files"], k, dict(member["ids"], prune_seed=int(pseed)), result, edges, kept)
