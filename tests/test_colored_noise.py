"""Colored (Ornstein-Uhlenbeck) noise: the exact covariance against the augmented Lyapunov
equation and the symmetric closed form, the exact OU increments, and the simulations."""

import math

import numpy as np
import pytest
import scipy.linalg as la

from noiseprune import covariance, dynamics, networks


@pytest.fixture(scope="module")
def sym():
    return networks.clustered([30, 20], long_range=100, rng=np.random.default_rng(0))


def _augmented(A, tau):
    """x-block of the 2N x 2N Lyapunov solve of z = (x, eta) (scipy, the reference)."""
    n = A.shape[0]
    eye = np.eye(n)
    M = np.block([[A, eye], [np.zeros((n, n)), -eye / tau]])
    BBt = np.zeros((2 * n, 2 * n))
    BBt[n:, n:] = eye / tau**2
    return la.solve_continuous_lyapunov(M, -BBt)[:n, :n]


def test_zero_tau_is_white_noise_bit_for_bit(sym):
    assert np.array_equal(covariance.exact(sym, noise_tau=0), covariance.exact(sym))
    assert np.array_equal(covariance.exact(sym, noise_tau=0.0), covariance.exact(sym))


@pytest.mark.parametrize("tau", [1e-3, 0.5, 10.0, 1000.0])
def test_symmetric_matches_augmented_solve_and_closed_form(sym, tau):
    C = covariance.exact(sym, noise_tau=tau)
    assert np.array_equal(C, C.T)
    assert covariance.colored_residual(sym, C, tau) <= 1e-10
    ref = _augmented(sym, tau)
    np.testing.assert_allclose(C, ref, rtol=0, atol=1e-9 * np.abs(ref).max())
    # eigenbasis: C = V diag(1 / (2 |l| (1 + tau |l|))) V^T
    w, V = np.linalg.eigh(sym)
    closed = (V / (2 * -w * (1 - tau * w))) @ V.T
    np.testing.assert_allclose(C, closed, rtol=0, atol=1e-9 * np.abs(closed).max())


def test_colored_noise_shrinks_fast_modes_more(sym):
    """A mode of rate |l| keeps the fraction 1 / (1 + tau |l|) of its white-noise variance."""
    w, V = np.linalg.eigh(sym)
    tau = 2.0
    ratio = np.einsum("ij,ij->j", V, covariance.exact(sym, noise_tau=tau) @ V) / np.einsum(
        "ij,ij->j", V, covariance.exact(sym) @ V
    )
    np.testing.assert_allclose(ratio, 1 / (1 - tau * w), rtol=1e-9)
    assert ratio[0] < ratio[-1]  # w ascending: the fastest mode first


@pytest.mark.parametrize("tau", [0.05, 3.0])
def test_general_matches_augmented_solve(tau):
    rng = np.random.default_rng(3)
    n = 60
    A = rng.standard_normal((n, n)) / np.sqrt(n) - 1.5 * np.eye(n)
    C = covariance.exact(A, noise_tau=tau)
    assert np.array_equal(C, C.T)
    assert covariance.colored_residual(A, C, tau) <= 1e-10
    ref = _augmented(A, tau)
    np.testing.assert_allclose(C, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


def test_small_tau_approaches_white_noise(sym):
    C0 = covariance.exact(sym)
    gaps = [np.abs(covariance.exact(sym, noise_tau=t) - C0).max() for t in (1e-2, 1e-3, 1e-4)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-3 * np.abs(C0).max()


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "1"])
def test_bad_tau_rejected_naming_it(sym, bad):
    with pytest.raises(ValueError, match=r"noise_tau must be a non-negative number, got"):
        covariance.exact(sym, noise_tau=bad)
    with pytest.raises(ValueError, match=r"noise_tau"):
        covariance.empirical(sym, duration=10.0, burn_in=0, rng=np.random.default_rng(0), noise_tau=bad)
    with pytest.raises(ValueError, match=r"noise_tau"):
        dynamics.trajectory_error(sym, [sym], steps=3, rng=np.random.default_rng(0), noise_tau=bad)


def test_unstable_network_named_with_colored_noise():
    with pytest.raises(ValueError, match="not stable"):
        covariance.exact(np.array([[0.5, 0.0], [0.0, -1.0]]), noise_tau=1.0)


def test_ou_increments_have_the_exact_moments():
    """Var I = dt - tau (1 - rho) and Cov(I_k, I_k+1) = tau (1 - rho)^2 / 2 for the
    stationary OU input integrated over steps of dt (rho = exp(-dt / tau))."""
    dt, tau, m, steps = 0.1, 0.3, 20000, 40
    noise = dynamics.ColoredNoise((m,), dt, tau, np.random.default_rng(5))
    inc = np.empty((steps, m))
    for k in range(steps):
        noise.increment(out=inc[k])
    rho = math.exp(-dt / tau)
    var = dt - tau * (1 - rho)
    lag1 = tau * (1 - rho) ** 2 / 2
    se = var * math.sqrt(2 / (steps * m))
    assert inc.var() == pytest.approx(var, abs=5 * se)
    assert np.mean(inc[1:] * inc[:-1]) == pytest.approx(lag1, abs=5 * se)
    assert np.mean(inc[2:] * inc[:-2]) == pytest.approx(lag1 * rho, abs=5 * se)


def test_empirical_converges_to_the_colored_exact_covariance():
    A = networks.clustered([12, 8], long_range=30, rng=np.random.default_rng(1))
    tau = 2.0
    exact = covariance.exact(A, noise_tau=tau)
    white = covariance.exact(A)
    errors = []
    for duration in (2000.0, 32000.0):
        C = covariance.empirical(A, duration=duration, dt=0.01, burn_in=60, replicas=16,
                                 rng=np.random.default_rng(2), noise_tau=tau)
        errors.append(np.linalg.norm(C - exact) / np.linalg.norm(exact))
    assert errors[1] < 0.5 * errors[0]  # 16 x the duration: about 1/4 of the error
    assert errors[1] < 0.05
    # the simulation sees the colored covariance, not the white-noise one
    assert np.linalg.norm(C - white) / np.linalg.norm(white) > 5 * errors[1]


def test_trajectory_error_colored_noise_same_for_identical_networks_and_deterministic(sym):
    kw = dict(trials=3, steps=201, dt=0.01, noise_std=0.1, rng=None, noise_tau=0.5)
    runs = [dynamics.simulate(sym, [sym, 0.9 * sym], **dict(kw, rng=np.random.default_rng(7))) for _ in range(2)]
    assert np.array_equal(runs[0].error, runs[1].error)
    assert np.abs(runs[0].error[0]).max() < 1e-5  # the same network, the same noise (float32)
    white = dynamics.simulate(sym, [sym, 0.9 * sym], **dict(kw, rng=np.random.default_rng(7), noise_tau=0.0))
    assert not np.array_equal(white.error, runs[0].error)


def test_scalar_network_variance_closed_form():
    """dx/dt = -a x + eta: stationary variance 1 / (2 a (1 + a tau)), exact and simulated."""
    a, tau = 1.0, 1.5
    A = np.array([[-a]])
    expected = 1 / (2 * a * (1 + a * tau))
    assert covariance.exact(A, noise_tau=tau)[0, 0] == pytest.approx(expected, rel=1e-12)
    C = covariance.empirical(A, duration=40000.0, dt=0.01, burn_in=20, replicas=40,
                             rng=np.random.default_rng(4), noise_tau=tau)
    assert C[0, 0] == pytest.approx(expected, rel=0.03)


def test_relu_rejects_colored_noise(sym):
    with pytest.raises(ValueError, match="noise_tau 1: colored noise is implemented for the linear model only"):
        covariance.empirical(sym, duration=10.0, burn_in=0, rng=np.random.default_rng(0), noise_tau=1.0,
                             nonlinearity="relu", background=1.0)


def test_a_given_cross_covariance_is_used_not_solved_again():
    A = networks.clustered([20, 20], long_range=40, symmetric=False, rng=np.random.default_rng(1))
    S = covariance.colored_cross_covariance(A, 0.5)
    assert np.array_equal(covariance.exact(A, noise_tau=0.5, cross=S), covariance.exact(A, noise_tau=0.5))
    # another S gives another C: the argument is what the solve uses
    assert not np.allclose(covariance.exact(A, noise_tau=0.5, cross=2 * S), covariance.exact(A, noise_tau=0.5))
    with pytest.raises(ValueError, match="^cross .* needs noise_tau > 0, got 0$"):
        covariance.exact(A, cross=S)
