"""Keep probabilities, pruned networks and rectified-linear metrics of one (network, seed,
covariance, keep fraction), for every method that prunes with that covariance and every
pruning seed (rule prune_relu; the loop is _pruning.run).

Pruning is that of prune_measure (same probabilities, same random streams); the metrics
are those of noiseprune.rectified.compare: fixed point, active set and Jacobian spectrum
of each pruned network against the original's. Each draw's files go into the job's
output directories.
"""

from _job import setup

log = setup(snakemake)

import _pruning  # noqa: E402
from noiseprune import io, rectified  # noqa: E402
from noiseprune.pipeline import draw_rows  # noqa: E402

A = io.load_dense(snakemake.input.A)
C = io.load_dense(snakemake.input.C) if "C" in snakemake.input.keys() else None
fp = io.load_arrays(snakemake.input.fp)


def write(files, k, ids, result, edges, kept):
    row = draw_rows.relu_row(ids, result, edges_original=edges, edges_kept=kept)
    log.info("metrics %s", row)
    io.save_table(files["eigen"][k], draw_rows.relu_eigen_columns(ids, result))
    io.save_json(files["metrics"][k], row)


_pruning.run(
    snakemake,
    A,
    C,
    lambda A_sparse: rectified.compare(A, A_sparse, fp["b"], x_star=fp["x_star"], eigenvalues=fp["eigenvalues"]),
    write,
    log,
)
