"""The excitatory/inhibitory network kind `dale` (docs/method.md, "Networks"), and what
pruning does to it: signs kept, the slides' E and I rules."""

import numpy as np
import pytest
import scipy.linalg as la

from noiseprune import covariance, methods, networks, pruning
from noiseprune.pipeline.config import ConfigError, prepare

CLUSTERS = [40, 10, 30]


def build(seed=0, **keys):
    params = {"kind": "dale", "clusters": CLUSTERS, "density": 0.6, "long_range": 60, **keys}
    return networks.build(params, rng=np.random.default_rng(seed))


def excitatory_columns(A):
    """Neurons with a positive outgoing weight (column j: the weights from j)."""
    W = A - np.diag(np.diag(A))
    return (W > 0).any(axis=0), (W < 0).any(axis=0)


@pytest.mark.parametrize("fraction", [0.8, 0.5, 0.3])
def test_every_neuron_has_one_sign_and_each_cluster_its_fraction(fraction):
    A = build(excitatory_fraction=fraction)
    exc, inh = excitatory_columns(A)
    assert not (exc & inh).any()  # Dale's law: no neuron with outgoing synapses of both signs
    assert (exc | inh).all()  # every neuron has outgoing synapses here
    offset = 0
    for size in CLUSTERS:
        assert np.count_nonzero(exc[offset : offset + size]) == round(fraction * size)
        offset += size


def test_balanced_scaled_and_row_sum_leak():
    A = build()
    W = A - np.diag(np.diag(A))
    exc, inh = excitatory_columns(A)
    # inhibition scaled so that the network's summed input is zero
    assert abs(W.sum()) <= 1e-12 * np.abs(W).sum()
    assert W[:, exc].sum() == pytest.approx(-W[:, inh].sum(), rel=1e-12)
    # scaled like the clustered kind: largest real eigenvalue of W is 1 / 1.1
    assert la.eigvals(W).real.max() == pytest.approx(1 / 1.1, rel=1e-8)
    np.testing.assert_allclose(np.diag(A), -np.abs(W).sum(axis=1), rtol=1e-14)
    assert la.eigvals(A).real.max() < 0
    assert not np.array_equal(A, A.T)


def test_pattern_is_the_non_symmetric_clustered_one():
    A = build(seed=3)
    C = networks.clustered(CLUSTERS, density=0.6, long_range=60, symmetric=False, rng=np.random.default_rng(3))
    assert np.array_equal(A != 0, C != 0)


def test_constant_leak_and_deterministic():
    A = build(leak=1.0)
    W = A - np.diag(np.diag(A))
    np.testing.assert_allclose(np.diag(A), -1.0, rtol=0, atol=1e-15)
    assert la.eigvals(A).real.max() < 0
    assert np.array_equal(A, build(leak=1.0))
    assert not np.array_equal(A, build(seed=1, leak=1.0))
    assert np.all(W[:, excitatory_columns(A)[0]] >= 0)


@pytest.mark.parametrize("value", [0, 1, 1.5, -0.2, True, "0.8"])
def test_excitatory_fraction_outside_the_interval_is_one_line(value):
    with pytest.raises(ValueError, match=r"^excitatory_fraction must be in \(0, 1\), got ") as info:
        build(excitatory_fraction=value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("value, bound", [(0, "> 0"), (1, "< 1"), (1.5, "< 1")])
def test_config_refuses_the_excitatory_fraction_before_any_job(value, bound):
    cfg = {"experiments": {"ei": {"network": {"kind": "dale", "clusters": CLUSTERS, "excitatory_fraction": value},
                                  "seeds": [0], "keep_fractions": [0.2]}}}
    with pytest.raises(ConfigError) as info:
        prepare(cfg)
    assert str(info.value) == f"config error: experiments.ei.network.excitatory_fraction = {value}: must be {bound}"


def test_config_fills_the_defaults_and_states_it_is_not_symmetric():
    cfg = {"experiments": {"ei": {"network": {"kind": "dale", "clusters": CLUSTERS}, "seeds": [0], "keep_fractions": [0.2]}}}
    net = prepare(cfg)["experiments"]["ei"]["network"]
    assert net["excitatory_fraction"] == 0.8 and net["symmetric"] is False and net["leak"] == "row_sum"
    cfg["experiments"]["ei"]["network"]["symmetric"] = True
    with pytest.raises(ConfigError, match="symmetric = True: must be False"):
        prepare(cfg)


@pytest.mark.parametrize("method", methods.names())
def test_pruning_never_flips_a_sign(method):
    A = build(seed=2)
    C = covariance.exact(A) if methods.uses_covariance(method) else None
    P = pruning.probabilities(A, C, method=method, keep_fraction=0.2)
    for seed in range(3):
        As = pruning.prune(A, P, rng=np.random.default_rng(seed)).toarray()
        off = ~np.eye(A.shape[0], dtype=bool)
        kept = off & (As != 0)
        assert kept.any()
        assert np.all(np.sign(As[kept]) == np.sign(A[kept]))  # every kept synapse keeps its sign
        exc, inh = excitatory_columns(A)
        pexc, pinh = excitatory_columns(As)
        assert not (pexc & pinh).any() and not (pexc & inh).any() and not (pinh & exc).any()


def test_noise_rule_is_the_slides_excitatory_and_inhibitory_rules():
    """p ~ w (C_ii + C_jj - 2 C_ij) for excitatory synapses (w > 0) and
    p ~ |w| (C_ii + C_jj + 2 C_ij) for inhibitory ones, with the exact C."""
    A = build(seed=4)
    C = covariance.exact(A)
    assert covariance.lyapunov_residual(A, C) < 1e-12
    q = pruning.scores(A, C, "noise")
    d = np.diag(C)
    off = ~np.eye(A.shape[0], dtype=bool)
    exc = off & (A > 0)
    inh = off & (A < 0)
    assert exc.any() and inh.any()
    excitatory_rule = A * (d[:, None] + d[None, :] - 2 * C)
    inhibitory_rule = np.abs(A) * (d[:, None] + d[None, :] + 2 * C)
    np.testing.assert_allclose(q[exc], excitatory_rule[exc], rtol=1e-12)
    np.testing.assert_allclose(q[inh], inhibitory_rule[inh], rtol=1e-12)
    assert np.all(q[off & (A == 0)] == 0)
    # the rules differ: the inhibitory one applied to the inhibitory synapses is not the excitatory one
    assert not np.allclose(inhibitory_rule[inh], (np.abs(A) * (d[:, None] + d[None, :] - 2 * C))[inh], rtol=1e-3)
