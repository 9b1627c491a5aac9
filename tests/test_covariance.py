import numpy as np
import pytest
import scipy.linalg as la

from noiseprune import covariance, networks


def test_symmetric_closed_form_and_residual():
    A = networks.clustered([60, 20, 40], long_range=100, rng=np.random.default_rng(0))
    C = covariance.exact(A)
    assert np.array_equal(C, C.T)
    np.testing.assert_allclose(C, -np.linalg.inv(A) / 2, rtol=1e-10, atol=0)
    assert covariance.lyapunov_residual(A, C) < 1e-14


def test_scalar_closed_form():
    assert covariance.exact([[-4.0]])[0, 0] == pytest.approx(1 / 8)


def test_normal_matrix_closed_form():
    rng = np.random.default_rng(1)
    S = rng.standard_normal((50, 50))
    A = -2 * np.eye(50) + (S - S.T)  # normal: commutes with its transpose
    np.testing.assert_allclose(covariance.exact(A), np.eye(50) / 4, atol=1e-14)


@pytest.mark.parametrize("n", [5, 150, 333])
def test_general_solver_matches_scipy(n):
    rng = np.random.default_rng(n)
    # random non-normal matrix with many complex eigenvalues (2x2 Schur blocks)
    A = rng.standard_normal((n, n)) / np.sqrt(n) - 1.5 * np.eye(n)
    A[np.triu_indices(n, 1)] *= 1.7
    C = covariance.exact(A)
    assert np.array_equal(C, C.T)
    assert covariance.lyapunov_residual(A, C) < 1e-8
    R = A @ C + C @ A.T + np.eye(n)
    assert np.linalg.norm(R) / np.sqrt(n) < 1e-10
    ref = la.solve_continuous_lyapunov(A, -np.eye(n))
    np.testing.assert_allclose(C, ref, rtol=0, atol=1e-10 * np.abs(ref).max())


def test_non_symmetric_paper_network_residual():
    A = networks.clustered([200, 50, 150], long_range=800, symmetric=False, rng=np.random.default_rng(2))
    C = covariance.exact(A)
    assert covariance.lyapunov_residual(A, C) < 1e-8
    assert la.eigvalsh(C).min() > 0  # a covariance: positive definite


@pytest.mark.parametrize("colored", [False, True])
def test_probed_residual_estimates_the_full_one(colored):
    """The 16-probe residual of the covariance job: tiny for a solution, and within a
    factor 2 of the exact residual for a covariance of another matrix."""
    A = networks.clustered([120, 30, 90], long_range=400, symmetric=False, rng=np.random.default_rng(3))
    Q = None
    if colored:
        S = covariance.colored_cross_covariance(A, 2.0)
        Q = S + S.T
    C = covariance.exact(A, noise_tau=2.0 if colored else 0.0)
    assert covariance.lyapunov_residual(A, C, Q, probes=16) < 1e-12
    wrong = covariance.exact(networks.clustered([120, 30, 90], long_range=400, symmetric=False, rng=np.random.default_rng(4)))
    full = covariance.lyapunov_residual(A, wrong, Q)
    probed = covariance.lyapunov_residual(A, wrong, Q, probes=16)
    assert full > 1e-3
    assert full / 2 < probed < 2 * full
    assert probed == covariance.lyapunov_residual(A, wrong, Q, probes=16)  # seeded


def test_unstable_matrix_rejected_with_eigenvalue():
    A = np.diag([-1.0, -2.0, 0.25])
    with pytest.raises(ValueError, match=r"largest real eigenvalue is 0\.25"):
        covariance.exact(A)
    B = np.array([[0.1, 1.0], [-1.0, 0.1]])  # non-symmetric, eigenvalues 0.1 +- i
    with pytest.raises(ValueError, match=r"largest real eigenvalue is 0\.1"):
        covariance.exact(B)


@pytest.mark.parametrize("bad, message", [(np.ones((2, 3)), "square"), ([[np.nan]], "finite")])
def test_bad_matrices(bad, message):
    with pytest.raises(ValueError, match=message):
        covariance.exact(bad)


def test_complex_input_rejected_not_truncated():
    # casting to float64 used to drop the imaginary part with only a ComplexWarning
    A = np.array([[-2.0, 0.5j], [0.5j, -2.0]])
    with pytest.raises(ValueError, match=r"A must be real, found complex value 0\.5j at index \(0, 1\)"):
        covariance.exact(A)
    with pytest.raises(ValueError, match="A must be real, got complex dtype complex128"):
        covariance.exact(np.array([[-1.0 + 0j]]))  # complex dtype, even with zero imaginary parts
    with pytest.raises(ValueError, match="must be real"):
        covariance.empirical(A, duration=1.0, burn_in=0.0, rng=np.random.default_rng(0))


def test_empirical_ornstein_uhlenbeck_variance():
    # Euler-Maruyama x <- (1 - dt) x + sqrt(dt) xi has stationary variance 1 / (2 - dt)
    dt = 0.01
    C = covariance.empirical([[-1.0]], duration=4000.0, dt=dt, burn_in=10.0, replicas=64, rng=np.random.default_rng(3))
    # about 4000 / (correlation time 1) * 0.5 effective samples: sd of the estimate ~ 0.5 * sqrt(2 / 2000)
    assert C[0, 0] == pytest.approx(1 / (2 - dt), abs=5 * 0.5 * np.sqrt(2 / 2000))


def test_empirical_converges_to_exact():
    A = networks.clustered([12, 8], long_range=10, rng=np.random.default_rng(4))
    C = covariance.exact(A)
    errors = []
    for duration in (50.0, 500.0, 5000.0):
        runs = [
            covariance.empirical(A, duration=duration, burn_in=60.0, replicas=16, rng=np.random.default_rng(s))
            for s in range(3)
        ]
        assert all(np.array_equal(R, R.T) for R in runs)
        errors.append(np.median([np.linalg.norm(R - C) / np.linalg.norm(C) for R in runs]))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.15
    # error falls roughly like 1 / sqrt(duration): a factor 10 in time gives about 3
    assert errors[0] / errors[2] > 4


def test_empirical_is_deterministic_and_reports_progress():
    A = -np.eye(3) + 0.1
    calls = []
    a = covariance.empirical(A, duration=10.0, burn_in=1.0, replicas=2, rng=np.random.default_rng(5), progress=lambda d, t: calls.append((d, t)))
    b = covariance.empirical(A, duration=10.0, burn_in=1.0, replicas=2, rng=np.random.default_rng(5))
    assert np.array_equal(a, b)
    assert calls[-1][0] == calls[-1][1] and 50 <= len(calls) <= 101


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"duration": 0.0}, "duration"),
        ({"duration": 1.0, "dt": -0.1}, "dt"),
        ({"duration": 1.0, "burn_in": -1.0}, "burn_in"),
        ({"duration": 1.0, "replicas": 0}, "replicas"),
        ({"duration": 0.001}, "too short"),
    ],
)
def test_empirical_bad_parameters(kwargs, message):
    kwargs = {"burn_in": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        covariance.empirical(-np.eye(2), rng=np.random.default_rng(0), **kwargs)


def test_empirical_rejects_dt_above_euler_bound_and_unstable_networks(monkeypatch):
    # used to return a covariance of 1e57 or NaN without an error
    A = networks.clustered([20, 10], long_range=10, rng=np.random.default_rng(0))
    bound = 2 / abs(la.eigvalsh(A)[0])
    kw = dict(duration=200.0, burn_in=0.0, replicas=2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=rf"^dt {1.01 * bound:g} is too large for A: .* dt < {bound:.6g} \("):
        covariance.empirical(A, dt=1.01 * bound, **kw)
    with pytest.raises(ValueError, match=r"^A is not stable: its largest real eigenvalue is 0\.25 "):
        covariance.empirical(np.diag([-1.0, 0.25]), **kw)
    B = np.array([[-0.01, 1.0], [-1.0, -0.01]])  # eigenvalues -0.01 +- i: dt < 0.019998
    with pytest.raises(ValueError, match=r"^dt 0\.05 is too large for A: .* dt < 0\.019998"):
        covariance.empirical(B, dt=0.05, **kw)
    # and if the check is bypassed, the diverging run itself raises
    monkeypatch.setattr(covariance, "check_euler_step", lambda *a, **k: None)
    with pytest.raises(ValueError, match=rf"^the simulation of A diverged by step \d+ .* with dt {1.5 * bound:g}:"):
        covariance.empirical(A, dt=1.5 * bound, **{**kw, "duration": 4000.0})
