"""Keep probabilities, pruned networks and spectral metrics of one (network, seed,
covariance, keep fraction), for every method that prunes with that covariance and every
pruning seed (rule prune_measure).

A, C, the eigendecomposition and the Cholesky factor of -A are loaded once; for each
method in turn (``params.members``), each pruning seed writes, into the job's output
directories, its pruned network (CSR .npz), its per-eigenpair table (parquet; empty with
spectra: eps) and its one-row summary (JSON; io.save_json writes NaN as null). Each
method's draws use their own random streams (noiseprune.seeding.pruning_rng), so they
do not depend on which other methods the job runs.
"""

from _job import setup

log = setup(snakemake)

from noiseprune import draws, io, pruning
from noiseprune.pipeline import draw_rows  # noqa: E402
from noiseprune.seeding import pruning_rng  # noqa: E402

w = snakemake.wildcards
params = snakemake.params
A = io.load_dense(snakemake.input.A)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
eig = None
if "eig" in snakemake.input.keys():
    cached = io.load_arrays(snakemake.input.eig)
    eig = (cached["w"], cached["V"])
factor = io.load_dense(snakemake.input.factor) if "factor" in snakemake.input.keys() else None
measure = draws.spectral(A, eig=eig, metrics=params.spectra, factor=factor)
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
        measure=measure,
        workers=snakemake.threads,  # draws at once, each on one BLAS thread (plan.draw_workers)
    )
    log.info(
        "%s: expected kept entries %.1f of %d (target %.1f)",
        method,
        P.sum(),
        edges,
        pruning.target_edges(A, member["pruning"]["keep_fraction"]),
    )
    io.save_sparse(member["P"], P)
    del P
    for k, (pseed, (A_sparse, result)) in enumerate(zip(params.prune_seeds, results)):
        kept = pruning.offdiag_nnz(A_sparse)
        log.info("%s, prune seed %s: kept %d of %d off-diagonal entries", method, pseed, kept, edges)
        io.save_sparse(files["pruned"][k], A_sparse)
        ids = dict(member["ids"], prune_seed=int(pseed))
        row = draw_rows.metrics_row(ids, result, edges_original=edges, edges_kept=kept)
        log.info("summary %s", row)
        io.save_table(files["eigen"][k], draw_rows.eigen_columns(ids, result))
        io.save_json(files["summary"][k], row)
    del results
