import numpy as np
import pytest
import scipy.linalg as la
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


@pytest.fixture(scope="module")
def small():
    A = networks.clustered([20, 10], long_range=10, rng=np.random.default_rng(0))
    return A, 2 / abs(la.eigvalsh(A)[0])  # the explicit Euler bound on dt


def test_dt_above_euler_bound_rejected_before_simulating(small):
    # used to return inf/NaN errors: x += dt A x grows like |1 + dt lambda_min|^k
    A, bound = small
    for dt in (1.01 * bound, 2.0):
        with pytest.raises(ValueError, match=rf"^dt {dt:g} is too large for A: .* stable only for dt < {bound:.6g} \("):
            dynamics.trajectory_error(A, [A], trials=2, steps=400, dt=dt, rng=np.random.default_rng(0))
    # below the bound the run is valid (and finite, although dt is absurdly coarse)
    err = dynamics.trajectory_error(A, [A], trials=2, steps=400, dt=0.99 * bound, rng=np.random.default_rng(0))
    assert np.isfinite(err).all()
    # a pruned network is held to its own bound
    with pytest.raises(ValueError, match=r"dt 0\.3 is too large for pruned\[1\]: .* dt < 0\.2 "):
        dynamics.trajectory_error(-np.eye(2), [-np.eye(2), -10 * np.eye(2)], trials=1, steps=3, dt=0.3, rng=np.random.default_rng(0))


def test_complex_eigenvalues_euler_bound():
    # eigenvalues -0.01 +- 1i: |1 + dt lambda| < 1 iff dt < 2 * 0.01 / |lambda|^2 = 0.019998
    B = np.array([[-0.01, 1.0], [-1.0, -0.01]])
    with pytest.raises(ValueError, match=r"dt 0\.03 is too large for A: .* dt < 0\.019998 .*-0\.01\+1j"):
        dynamics.trajectory_error(B, [B], trials=1, steps=3, dt=0.03, rng=np.random.default_rng(0))
    dynamics.trajectory_error(B, [B], trials=1, steps=3, dt=0.019, rng=np.random.default_rng(0))


def test_unstable_networks_rejected():
    with pytest.raises(ValueError, match=r"^A is not stable: its largest real eigenvalue is 0\.1 "):
        dynamics.trajectory_error(np.diag([-1.0, 0.1]), [-np.eye(2)], trials=1, steps=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^A is not stable: its largest real eigenvalue is 0 "):
        dynamics.trajectory_error(np.diag([-1.0, 0.0]), [-np.eye(2)], trials=1, steps=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^pruned\[0\] is not stable: its largest real eigenvalue is 0\.5 "):
        dynamics.trajectory_error(-np.eye(2), [np.diag([-1.0, 0.5])], trials=1, steps=3, rng=np.random.default_rng(0))
    B = np.array([[0.1, 1.0], [-1.0, 0.1]])  # non-symmetric, eigenvalues 0.1 +- i
    with pytest.raises(ValueError, match=r"^A is not stable: its largest real eigenvalue is 0\.1 "):
        dynamics.trajectory_error(B, [-np.eye(2)], trials=1, steps=3, rng=np.random.default_rng(0))


def test_pruned_zero_modes_of_isolated_neurons_allowed():
    # row-sum pruning leaves an isolated neuron with an empty row and column: eigenvalue 0,
    # marginal (Euler factor 1), a legitimate pruned network
    A = networks.clustered([20, 10], long_range=10, rng=np.random.default_rng(0))
    P = pruning.probabilities(A, method="uniform", keep_fraction=0.5)
    P[0, :] = P[:, 0] = 0
    As = pruning.prune(A, P, rng=np.random.default_rng(1))
    D = As.toarray()
    assert not D[0, 1:].any() and abs(D[0, 0]) < 1e-15 and abs(la.eigvalsh(D)[-1]) < 1e-14
    err = dynamics.trajectory_error(A, [As], trials=2, steps=200, rng=np.random.default_rng(2))
    assert np.isfinite(err).all()


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_divergence_during_simulation_raises(small, monkeypatch):
    # the a priori check is bypassed: the run itself must still refuse non-finite results
    A, bound = small
    monkeypatch.setattr(dynamics, "check_euler_step", lambda *a, **k: None)
    with pytest.raises(ValueError, match=r"^the simulation of A diverged at step \d+ \(t = [\d.e+]+\) with dt 3:"):
        dynamics.trajectory_error(A, [A], trials=2, steps=4000, dt=3.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^the simulation of pruned\[1\] diverged at step"):
        dynamics.trajectory_error(-np.eye(2), [-np.eye(2), -10 * np.eye(2)], trials=1, steps=4000, dt=0.3, rng=np.random.default_rng(0))
    # the trials cross the bound at different steps: one diverged trial names pruned[1]
    with pytest.raises(ValueError, match=r"^the simulation of pruned\[1\] diverged at step"):
        dynamics.trajectory_error(-np.eye(2), [-np.eye(2), -10 * np.eye(2)], trials=2, steps=4000, dt=0.3, rng=np.random.default_rng(0))
    monkeypatch.setattr(dynamics, "_check_relu_step", lambda *a, **k: None)
    with pytest.raises(ValueError, match=r"^the rectified-linear simulation of A diverged at step \d+ \(t = [\d.e+]+\) with dt 3:"):
        dynamics.trajectory_error(-np.eye(2), [-np.eye(2)], trials=2, steps=4000, dt=3.0, nonlinearity="relu", rng=np.random.default_rng(0))


# ------------------------------------------------------------------ stored trajectory sample


def reference_trajectories(A, pruned, *, trials, steps, dt, noise_std, background, rng, relu=False):
    """Every state of every trial of every network (float64), by the textbook Euler-Maruyama
    step with the draws in the order of dynamics.simulate: x(0), then one (N x trials)
    standard normal per step shared by every network."""
    nets = [np.asarray(A, dtype=float)] + [M.toarray() if sp.issparse(M) else np.asarray(M, dtype=float) for M in pruned]
    n = nets[0].shape[0]
    x0 = rng.uniform(0.0, 1.0, size=(n, trials))
    x = [x0.copy() for _ in nets]
    out = np.empty((len(nets), steps, n, trials))
    for k in range(len(nets)):
        out[k, 0] = x[k]
    for t in range(1, steps):
        xi = rng.standard_normal((n, trials))
        for k, M in enumerate(nets):
            if relu:
                D = np.diag(-np.diagonal(M))
                drift = -D @ x[k] + np.maximum((M + D) @ x[k] + np.asarray(background)[..., None], 0)
            else:
                drift = M @ x[k] + background
            x[k] = x[k] + dt * drift + np.sqrt(dt) * noise_std * xi
            out[k, t] = x[k]
    return out


@pytest.mark.parametrize("relu", [False, True])
def test_sample_is_the_simulated_trajectory_and_changes_nothing(relu):
    """The sample holds trial 0 of the sampled neurons at every k-th step of the very run
    whose error is returned: it equals the rows of a full reference simulation with the same
    noise, and recording it leaves the error bit-identical."""
    A = networks.clustered([20, 10, 15], long_range=10, rng=np.random.default_rng(0))
    pruned = [pruning.prune(A, pruning.probabilities(A, method=m, keep_fraction=0.4), rng=np.random.default_rng(1)) for m in ("weight", "uniform")]
    background = np.linspace(0.5, 1.5, 45) if relu else 2e-4
    kw = dict(trials=3, steps=61, dt=0.01, noise_std=0.05, background=background, dtype=np.float64, nonlinearity="relu" if relu else "linear")
    neurons = dynamics.pick_sample_neurons(45, [20, 10, 15])
    run = dynamics.simulate(A, pruned, rng=np.random.default_rng(2), sample_neurons=neurons, sample_every=7, **kw)
    assert neurons == [10, 25, 37]
    assert run.sample.shape == (3, 3, 9) and list(run.sample_steps) == list(range(0, 61, 7))
    full = reference_trajectories(A, pruned, rng=np.random.default_rng(2), relu=relu, **{k: kw[k] for k in ("trials", "steps", "dt", "noise_std", "background")})
    expected = full[:, run.sample_steps][:, :, neurons, 0].transpose(0, 2, 1)
    np.testing.assert_allclose(run.sample, expected, rtol=1e-10, atol=1e-12)
    # the error of the same run, from the reference states
    ref_err = np.linalg.norm(full[1:] - full[:1], axis=2) / np.linalg.norm(full[0], axis=1)
    np.testing.assert_allclose(run.error, ref_err.transpose(0, 2, 1), rtol=1e-9, atol=1e-13)
    # the networks differ, so the sample is not trivially the same for all of them
    assert np.abs(run.sample[1:, :, -1] - run.sample[0, :, -1]).max() > 1e-4
    # recording changes nothing; no sample by default
    for dtype in (np.float64, np.float32):
        plain = dynamics.trajectory_error(A, pruned, rng=np.random.default_rng(2), **(kw | {"dtype": dtype}))
        sampled = dynamics.simulate(A, pruned, rng=np.random.default_rng(2), sample_neurons=neurons, sample_every=7, **(kw | {"dtype": dtype}))
        assert np.array_equal(plain, sampled.error)
    assert dynamics.simulate(A, pruned, rng=np.random.default_rng(2), **kw).sample.shape == (3, 0, 61)


def test_sample_neurons_stride_and_bad_sample():
    assert dynamics.pick_sample_neurons(2000, [1000, 200, 800]) == [500, 1100, 1600]  # one per cluster
    assert dynamics.pick_sample_neurons(40, [20, 20]) == [10, 20, 30]  # completed, evenly spaced
    assert dynamics.pick_sample_neurons(10000, [9000] + [100] * 10) == [4500, 9050, 9150]
    assert dynamics.pick_sample_neurons(100) == [25, 50, 74]
    assert dynamics.pick_sample_neurons(2) == [0, 1]
    assert dynamics.sample_stride(8001) == 20 and dynamics.sample_stride(101) == 1 and dynamics.sample_stride(2001) == 5
    assert len(range(0, 8001, dynamics.sample_stride(8001))) == 401
    with pytest.raises(ValueError, match=r"sample_neurons must be neuron indices in \[0, 3\), got \[0, 3\]"):
        dynamics.simulate(-np.eye(3), [-np.eye(3)], trials=1, steps=3, rng=np.random.default_rng(0), sample_neurons=[0, 3])
    with pytest.raises(ValueError, match="sample_every"):
        dynamics.simulate(-np.eye(3), [-np.eye(3)], trials=1, steps=3, rng=np.random.default_rng(0), sample_neurons=[0], sample_every=0)
