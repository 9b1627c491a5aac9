"""Rectified-linear networks (noiseprune.rectified, and its use by dynamics and covariance):
fixed point, Jacobian, linearized and empirical covariance, metrics of a pruned network."""

import numpy as np
import pytest
import scipy.sparse as sp

from noiseprune import covariance, dynamics, networks, pruning, rectified


def network(n_clusters=(30, 10, 20), seed=0, symmetric=True, leak="row_sum"):
    return networks.clustered(list(n_clusters), density=0.6, long_range=60, symmetric=symmetric, leak=leak, rng=np.random.default_rng(seed))


def mixed_input(n, seed=1):
    return np.random.default_rng(seed).normal(-0.1, 1.0, n)


@pytest.mark.parametrize("symmetric", [True, False])
def test_fixed_point_residual_and_complementarity(symmetric):
    A = network(symmetric=symmetric, leak="row_sum" if symmetric else 1.5)
    b = mixed_input(A.shape[0])
    x = dynamics.fixed_point(A, b)
    d = -np.diag(A)
    u = A @ x + d * x + b  # W x + b
    res = -d * x + np.maximum(u, 0)
    assert np.linalg.norm(res) <= 1e-10 * np.linalg.norm(x)
    S = u > 0
    assert 0 < S.mean() < 1  # a mixed active set
    assert (x[~S] == 0).all() and (x[S] > 0).all()


def test_fixed_point_starting_from_a_bad_guess_still_converges():
    A = network()
    b = mixed_input(A.shape[0])
    x = dynamics.fixed_point(A, b)
    guess = np.zeros(A.shape[0], dtype=bool)
    np.testing.assert_allclose(dynamics.fixed_point(A, b, active=guess), x, rtol=1e-10, atol=1e-12)


def test_linear_fixed_point_solves_the_linear_system():
    A = network()
    b = mixed_input(A.shape[0])
    x = dynamics.fixed_point(A, b, nonlinearity="linear")
    np.testing.assert_allclose(A @ x, -b, atol=1e-10)


def test_no_stable_fixed_point_is_a_one_line_error():
    A = np.array([[-1.0, 2.0], [2.0, -1.0]])  # all active: J = A has eigenvalue 1
    with pytest.raises(ValueError, match=r"^no stable fixed point: the Jacobian's largest real eigenvalue is 1 ") as info:
        dynamics.fixed_point(A, [1.0, 1.0])
    assert "\n" not in str(info.value)


def test_input_silencing_every_neuron_is_an_error():
    A = network()
    with pytest.raises(ValueError, match="silences every neuron"):
        dynamics.fixed_point(A, -np.ones(A.shape[0]))
    with pytest.raises(ValueError, match="silences every neuron"):
        covariance.linearized(A, -np.ones(A.shape[0]))


def test_bad_input_is_named():
    A = network()
    with pytest.raises(ValueError, match="b must be a scalar or a vector of length 60"):
        dynamics.fixed_point(A, np.ones(3))
    with pytest.raises(ValueError, match="unknown nonlinearity .tanh.; expected one of .linear., .relu."):
        dynamics.fixed_point(A, 1.0, nonlinearity="tanh")


def test_all_active_jacobian_is_A():
    A = network()
    b = np.random.default_rng(2).uniform(0.5, 1.5, A.shape[0])
    x = dynamics.fixed_point(A, b)
    assert rectified.active_set(A, x, b).all()
    np.testing.assert_array_equal(dynamics.jacobian(A, x, b), A)


def test_jacobian_zeroes_the_synapses_of_inactive_neurons():
    A = network()
    b = mixed_input(A.shape[0])
    x = dynamics.fixed_point(A, b)
    S = rectified.active_set(A, x, b)
    J = dynamics.jacobian(A, x, b)
    np.testing.assert_array_equal(J[S], A[S])
    np.testing.assert_array_equal(J[~S], np.diag(np.diag(A))[~S])
    w = rectified.jacobian_eigenvalues(A, S)
    np.testing.assert_allclose(w, np.sort(np.linalg.eigvals(J).real), atol=1e-10)


def test_linearized_covariance_of_all_active_symmetric_network_is_exact():
    A = network()
    b = np.random.default_rng(2).uniform(0.5, 1.5, A.shape[0])
    np.testing.assert_array_equal(covariance.linearized(A, b), covariance.exact(A))


@pytest.mark.parametrize("symmetric", [True, False])
def test_linearized_covariance_solves_the_lyapunov_equation_of_J(symmetric):
    A = network(symmetric=symmetric, leak="row_sum" if symmetric else 1.5)
    b = mixed_input(A.shape[0])
    C = covariance.linearized(A, b)
    J = dynamics.jacobian(A, dynamics.fixed_point(A, b), b)
    R = J @ C + C @ J.T + np.eye(A.shape[0])
    assert np.abs(R).max() < 1e-10
    np.testing.assert_array_equal(C, C.T)


def test_empirical_relu_covariance_is_close_to_linearized_for_small_noise():
    # inputs far above threshold relative to the unit noise: no neuron ever crosses it
    A = networks.clustered([6, 4], density=0.8, long_range=6, leak=1.0, symmetric=True, rng=np.random.default_rng(3))
    b = np.full(A.shape[0], 20.0)
    b[:3] = -20.0  # three silent neurons: J != A
    x = dynamics.fixed_point(A, b)
    assert 0 < rectified.active_set(A, x, b).mean() < 1
    lin = covariance.linearized(A, b)
    emp = covariance.empirical(
        A, duration=4000.0, dt=0.01, burn_in=5.0, replicas=16, rng=np.random.default_rng(4), nonlinearity="relu", background=b
    )
    assert np.linalg.norm(emp - lin) / np.linalg.norm(lin) < 0.1


def test_relu_covariances_at_several_durations_are_those_of_shorter_runs():
    # one run read after 30 and 75 samples per replica: the first is exactly the run
    # stopped at 30 (the same noise stream, the same rank-k updates)
    A = networks.clustered([6, 4], density=0.8, long_range=6, leak=1.0, symmetric=True, rng=np.random.default_rng(3))
    b = np.random.default_rng(5).normal(0.0, 1.0, A.shape[0])
    both = covariance.relu_covariances(A, b, 0.01, 10, [30, 75], 1, 4, np.random.default_rng(6))
    (short,) = covariance.relu_covariances(A, b, 0.01, 10, [30], 1, 4, np.random.default_rng(6))
    (full,) = covariance.relu_covariances(A, b, 0.01, 10, [75], 1, 4, np.random.default_rng(6))
    np.testing.assert_array_equal(both[0], short)
    np.testing.assert_allclose(both[1], full, rtol=1e-12, atol=1e-14)  # other block boundaries
    assert np.linalg.norm(both[0] - both[1]) > 0
    emp = covariance.empirical(
        A, duration=75 * 4 * 0.01, dt=0.01, burn_in=0.1, replicas=4, rng=np.random.default_rng(6), nonlinearity="relu", background=b
    )
    np.testing.assert_array_equal(emp, full)


def test_empirical_linear_rejects_a_background():
    A = network()
    with pytest.raises(ValueError, match="background applies to nonlinearity='relu' only"):
        covariance.empirical(A, duration=10.0, dt=0.01, burn_in=0.0, replicas=2, rng=np.random.default_rng(0), background=1.0)


def two_neurons():
    return np.array([[-1.0, 0.5], [0.5, -1.0]])


def test_metrics_of_the_unpruned_network_are_zero():
    A = network()
    b = mixed_input(A.shape[0])
    r = rectified.compare(A, sp.csr_array(A), b)
    assert r["status"] == "ok"
    assert r["fixed_point_err"] == 0 and r["active_set_mismatch"] == 0
    np.testing.assert_allclose(r["eig_err"], 0, atol=1e-12)


def test_metrics_of_a_two_neuron_network_with_known_answers():
    # b = (1, -1/4): both active, x* = (7/6, 1/3); J = A, eigenvalues -3/2, -1/2.
    # Pruning the synapse (diagonal kept): x*_s = (1, 0), neuron 1 silent, J_s = -I.
    A = two_neurons()
    b = np.array([1.0, -0.25])
    x = dynamics.fixed_point(A, b)
    np.testing.assert_allclose(x, [7 / 6, 1 / 3], rtol=1e-12)
    r = rectified.compare(A, sp.csr_array(np.diag(np.diag(A))), b)
    assert r["status"] == "ok"
    np.testing.assert_allclose(r["fixed_point_err"], np.hypot(1 / 6, 1 / 3) / np.hypot(7 / 6, 1 / 3), rtol=1e-12)
    assert r["active_set_mismatch"] == 0.5
    assert r["active_fraction"] == 1.0 and r["active_fraction_pruned"] == 0.5
    np.testing.assert_allclose(r["eigenvalues"], [-1.5, -0.5], rtol=1e-12)
    np.testing.assert_allclose(r["eigenvalues_pruned"], [-1.0, -1.0], rtol=1e-12)
    np.testing.assert_allclose(r["eig_err"], [-1 / 3, 1.0], rtol=1e-12)


def test_pruned_network_without_a_fixed_point_gets_a_status():
    # isolated neuron with zero leak (row-sum diagonal) and positive input: x grows forever
    A = two_neurons()
    b = np.array([1.0, 1.0])
    pruned = sp.csr_array(np.array([[-1.0, 0.0], [0.0, 0.0]]))
    r = rectified.compare(A, pruned, b)
    assert r["status"] == "no_stable_fixed_point"
    assert np.isnan(r["fixed_point_err"])


def test_relu_trajectory_error_shares_noise_and_x0():
    A = network()
    b = mixed_input(A.shape[0])
    err = dynamics.trajectory_error(
        A, [sp.csr_array(A)], trials=3, steps=50, dt=0.01, rng=np.random.default_rng(1), dtype=np.float64, nonlinearity="relu", background=b
    )
    np.testing.assert_allclose(err, 0, atol=1e-13)


def test_relu_trajectories_relax_to_the_fixed_point():
    A = network()
    b = mixed_input(A.shape[0])
    C = covariance.linearized(A, b)
    pruned = pruning.prune(A, pruning.probabilities(A, C, method="noise", keep_fraction=0.5), rng=np.random.default_rng(2))
    r = rectified.compare(A, pruned, b)
    err = dynamics.trajectory_error(
        A, [pruned], trials=2, steps=20001, dt=0.01, noise_std=0.0, rng=np.random.default_rng(1), dtype=np.float64, nonlinearity="relu", background=b
    )
    # without noise both runs settle at their fixed points: the error tends to the fixed-point error
    np.testing.assert_allclose(err[0, :, -1], r["fixed_point_err"], rtol=1e-3)


def test_linear_trajectory_error_accepts_a_vector_background():
    A = network()
    kw = dict(trials=2, steps=30, dt=0.01, rng=np.random.default_rng(1), dtype=np.float64)
    a = dynamics.trajectory_error(A, [-np.eye(60)], background=0.3, **kw)
    kw["rng"] = np.random.default_rng(1)
    v = dynamics.trajectory_error(A, [-np.eye(60)], background=np.full(60, 0.3), **kw)
    np.testing.assert_allclose(a, v, rtol=1e-12)


def test_pruned_network_with_a_zero_mode_has_no_stable_fixed_point():
    # a component with only positive weights under the row-sum diagonal has the zero mode
    # (1, 1): Cholesky may still succeed by rounding, but the fixed point is not finite
    A = np.array([[-1.0, 0.5, 0.2], [0.5, -1.0, 0.3], [0.2, 0.3, -1.0]])
    b = np.ones(3)
    pruned = sp.csr_array(np.array([[-0.5, 0.5, 0.0], [0.5, -0.5, 0.0], [0.0, 0.0, -1.0]]))
    assert rectified.compare(A, pruned, b)["status"] == "no_stable_fixed_point"
    with pytest.raises(ValueError, match="no stable fixed point"):
        dynamics.fixed_point(pruned.toarray(), b)
