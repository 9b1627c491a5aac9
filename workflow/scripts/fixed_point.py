"""Background input, fixed point, active set and Jacobian eigenvalues of one
rectified-linear network (rule fixed_point). A network without a stable fixed point,
or an input that silences every neuron, fails here with one line naming the
experiment and seed, before any job that needs the fixed point runs."""

import sys

from _job import setup

log = setup(snakemake)

from noiseprune import io, rectified  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

w = snakemake.wildcards
spec = snakemake.params.input
A = io.load_dense(snakemake.input.A)
b = rng_for(int(w.seed), "input", w.exp).normal(spec["mean"], spec["std"], size=A.shape[0])
try:
    x = rectified.fixed_point(A, b)
except ValueError as err:
    message = f"experiment {w.exp}, seed {w.seed}: {err}"
    log.error(message)
    sys.exit(message)
S = rectified.active_set(A, x, b)
eigenvalues = rectified.jacobian_eigenvalues(A, S)
log.info("active fraction %.4f, ||x*|| = %.4g, largest Jacobian eigenvalue real part %.4g", S.mean(), (x @ x) ** 0.5, eigenvalues.real.max())
io.save_arrays(snakemake.output.fp, b=b, x_star=x, active=S, eigenvalues=eigenvalues)
