"""Exact covariance of the noise-driven network (rules covariance_exact, covariance_exact_colored).

The Lyapunov residual is estimated from 16 probe vectors (O(N^2); forming A C would
cost twice the solve at N = 10000) and must be below ``RESIDUAL_LIMIT``, so a covariance
that does not solve the equation never reaches the results directory."""

import sys

from _job import setup

log = setup(snakemake)

from noiseprune import covariance, io  # noqa: E402

RESIDUAL_LIMIT = 1e-8  # relative; solved covariances give 1e-19 to 1e-15

A = io.load_dense(snakemake.input.A)
noise_tau = getattr(snakemake.params, "noise_tau", 0.0)  # rule covariance_exact_colored
S = covariance.colored_cross_covariance(A, noise_tau) if noise_tau else None
C = covariance.exact(A, noise_tau=noise_tau, cross=S)
residual = covariance.lyapunov_residual(A, C, None if S is None else S + S.T, probes=16)
log.info("noise tau %g, lyapunov residual %.3g (16 probes)", noise_tau, residual)
if not residual <= RESIDUAL_LIMIT:
    message = f"{snakemake.output.C}: the covariance does not solve the Lyapunov equation (relative residual {residual:.3g} > {RESIDUAL_LIMIT:g})"
    log.error(message)
    sys.exit(message)
io.save_dense(snakemake.output.C, C)
