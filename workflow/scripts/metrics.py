"""Spectral metrics of one pruned network (rule metrics).

Writes the per-eigenpair long table (parquet; empty with spectra: eps) and the
one-row summary (JSON; NaN written as null).
"""

import math

from _job import setup

log = setup(snakemake)

from noiseprune import io, pruning, spectra, tables  # noqa: E402

A = io.load_dense(snakemake.input.A)
A_sparse = io.load_sparse(snakemake.input.A_sparse)
eig = None
if "eig" in snakemake.input.keys():
    cached = io.load_arrays(snakemake.input.eig)
    eig = (cached["w"], cached["V"])
result = spectra.compare(A, A_sparse, eig=eig, metrics=snakemake.params.spectra)
ids = snakemake.params.ids
row = tables.metrics_row(
    ids,
    result,
    edges_original=pruning.offdiag_nnz(A),
    edges_kept=pruning.offdiag_nnz(A_sparse),
)
log.info("summary %s", row)
io.save_table(snakemake.output.eigen, tables.eigen_frame(ids, result))
io.save_json(
    snakemake.output.summary,
    {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()},
)
