"""Exact covariance of the noise-driven network (rules covariance_exact, covariance_exact_colored)."""

from _job import setup

log = setup(snakemake)

from noiseprune import covariance, io  # noqa: E402

A = io.load_dense(snakemake.input.A)
noise_tau = getattr(snakemake.params, "noise_tau", 0.0)  # rule covariance_exact_colored
C = covariance.exact(A, noise_tau=noise_tau)
if noise_tau:
    S = covariance.colored_cross_covariance(A, noise_tau)
    log.info("noise tau %g, lyapunov residual of the x-block %.3g", noise_tau, covariance.lyapunov_residual(A, C, S + S.T))
else:
    log.info("lyapunov residual %.3g", covariance.lyapunov_residual(A, C))
io.save_dense(snakemake.output.C, C)
