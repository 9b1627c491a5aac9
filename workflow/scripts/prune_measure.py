"""Keep probabilities, pruned networks and spectral metrics of one (network, seed,
covariance, keep fraction), for every method that prunes with that covariance and every
pruning seed (rule prune_measure; the loop is _pruning.run).

A, C, the eigendecomposition and the Cholesky factor of -A are loaded once; each draw
writes, into the job's output directories, its pruned network (CSR .npz), its
per-eigenpair table (parquet; empty with spectra: eps) and its one-row summary (JSON;
io.save_json writes NaN as null).
"""

from _job import setup

log = setup(snakemake)

import _pruning  # noqa: E402
from noiseprune import draws, io  # noqa: E402
from noiseprune.pipeline import draw_rows  # noqa: E402

A = io.load_dense(snakemake.input.A)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
eig = None
if "eig" in snakemake.input.keys():
    cached = io.load_arrays(snakemake.input.eig)
    eig = (cached["w"], cached["V"])
factor = io.load_dense(snakemake.input.factor) if "factor" in snakemake.input.keys() else None


def write(files, k, ids, result, edges, kept):
    row = draw_rows.metrics_row(ids, result, edges_original=edges, edges_kept=kept)
    log.info("summary %s", row)
    io.save_table(files["eigen"][k], draw_rows.eigen_columns(ids, result))
    io.save_json(files["summary"][k], row)


_pruning.run(
    snakemake,
    A,
    C,
    draws.spectral(A, eig=eig, metrics=snakemake.params.spectra, factor=factor),
    write,
    log,
    workers=snakemake.threads,  # draws at once, each on one BLAS thread (plan.draw_workers)
)
