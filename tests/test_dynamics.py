import numpy as np
import pytest
import scipy.sparse as sp

from noiseprune import covariance, dynamics, networks, pruning


def test_identical_network_has_zero_error():
    A = networks.clustered([20, 10], long_range=10, rng=np.random.default_rng(0))
    err = dynamics.trajectory_error(A, [sp.csr_array(A), A], trials=3, steps=50, rng=np.random.default_rng(1), dtype=np.float64)
    assert err.shape == (2, 3, 50)
    np.testing.assert_allclose(err, 0, atol=1e-13)


def test_closed_form_without_noise():
    # x <- (1 - dt) x against x <- (1 - 2 dt) x: error (k steps) = 1 - ((1 - 2dt)/(1 - dt))^k
    n, dt, steps = 5, 0.01, 200
    err = dynamics.trajectory_error(
        -np.eye(n), [-2 * np.eye(n)], trials=4, steps=steps, dt=dt, noise_std=0.0, background=0.0,
        rng=np.random.default_rng(2), dtype=np.float64,
    )
    k = np.arange(steps)
    expected = 1 - ((1 - 2 * dt) / (1 - dt)) ** k
    np.testing.assert_allclose(err[0], np.broadcast_to(expected, (4, steps)), rtol=1e-10, atol=1e-15)


def test_float32_matches_float64_on_paper_length_run():
    """float32 state moves the error curves by less than 1e-4 over the paper's 8001 steps."""
    A = networks.clustered([200, 50, 150], long_range=1000, rng=np.random.default_rng(3))
    C = covariance.exact(A)
    pruned = [
        pruning.prune(A, pruning.probabilities(A, C, method=m, keep_fraction=0.2), rng=np.random.default_rng(4))
        for m in ("noise", "weight")
    ]
    kw = dict(trials=4, steps=8001, dt=0.005, noise_std=0.01, background=2e-4)
    e64 = dynamics.trajectory_error(A, pruned, rng=np.random.default_rng(5), dtype=np.float64, **kw)
    e32 = dynamics.trajectory_error(A, pruned, rng=np.random.default_rng(5), dtype=np.float32, **kw)
    assert np.abs(e32 - e64).max() < 1e-4
    assert np.abs(e32.mean(axis=1) - e64.mean(axis=1)).max() < 1e-4
    # and the errors are real: pruning moves trajectories by percent, not by rounding
    assert e64[:, :, -1].mean() > 1e-3


def test_same_noise_for_all_networks_and_determinism():
    A = networks.clustered([30], long_range=0, rng=np.random.default_rng(6))
    P = pruning.probabilities(A, method="uniform", keep_fraction=0.5)
    As = pruning.prune(A, P, rng=np.random.default_rng(7))
    a = dynamics.trajectory_error(A, [As, As], trials=2, steps=30, rng=np.random.default_rng(8))
    b = dynamics.trajectory_error(A, [As], trials=2, steps=30, rng=np.random.default_rng(8))
    assert np.array_equal(a[0], a[1]) and np.array_equal(a[0], b[0])


def test_progress_and_bad_input():
    calls = []
    dynamics.trajectory_error(-np.eye(3), [-np.eye(3)], trials=1, steps=201, rng=np.random.default_rng(0), progress=lambda d, t: calls.append(d))
    assert calls[-1] == 200
    with pytest.raises(ValueError, match="shape"):
        dynamics.trajectory_error(-np.eye(3), [-np.eye(2)], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="trials"):
        dynamics.trajectory_error(-np.eye(3), [], trials=0, rng=np.random.default_rng(0))


def test_complex_networks_rejected():
    # dense and sparse: every entry point rejects complex input instead of dropping the imaginary part
    A = -np.eye(3)
    B = -np.eye(3, dtype=complex)
    B[0, 2] = 0.1j
    with pytest.raises(ValueError, match=r"A must be real, found complex value 0\.1j at index \(0, 2\)"):
        dynamics.trajectory_error(B, [A], trials=1, steps=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"pruned\[0\] must be real, found complex value 0\.1j at index \(0, 2\)"):
        dynamics.trajectory_error(A, [sp.csr_array(B)], trials=1, steps=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"pruned\[1\] must be real"):
        dynamics.trajectory_error(A, [A, B], trials=1, steps=3, rng=np.random.default_rng(0))
