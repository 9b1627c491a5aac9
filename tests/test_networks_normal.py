"""The normal non-symmetric network kind `normal` (docs/method.md, "Networks")."""

import numpy as np
import pytest
import scipy.linalg as la

from noiseprune import covariance, networks
from noiseprune.pipeline.config import ConfigError, prepare

CLUSTERS = [40, 10, 31]  # odd N: one eigenvalue left unpaired


def build(seed=0, **keys):
    params = {"kind": "normal", "clusters": CLUSTERS, "density": 0.6, "long_range": 60, **keys}
    return networks.build(params, rng=np.random.default_rng(seed))


@pytest.mark.parametrize("rotation", [1.0, 0.3, 4.0])
def test_normal_stable_and_not_symmetric(rotation):
    A = build(rotation=rotation)
    scale = np.abs(A).max() ** 2
    assert np.abs(A @ A.T - A.T @ A).max() <= 1e-10 * scale
    assert np.abs(A - A.T).max() > 0.01 * np.abs(A).max()
    assert la.eigvals(A).real.max() < 0


def test_eigenvalues_are_the_paired_symmetric_ones_rotated():
    rotation = 0.7
    A = build(seed=1, rotation=rotation)
    S = networks.clustered(CLUSTERS, density=0.6, long_range=60, symmetric=True, rng=np.random.default_rng(1))
    lam = la.eigvalsh(S)
    pairs = lam.size // 2
    d = 0.5 * (lam[0 : 2 * pairs : 2] + lam[1 : 2 * pairs : 2])
    expected = np.concatenate([d * (1 + 1j * rotation), d * (1 - 1j * rotation), lam[2 * pairs :]])
    got = la.eigvals(A)
    np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(expected), atol=1e-10)
    # the symmetric part is S with its eigenvalues paired
    np.testing.assert_allclose(la.eigvalsh(0.5 * (A + A.T)), np.sort(np.r_[d, d, lam[2 * pairs :]]), atol=1e-10)


def test_covariance_is_the_inverse_of_the_symmetric_part():
    """Normal A: A C + C A^T + I = 0 is solved by C = -(A + A^T)^{-1}, i.e. C is
    proportional to the inverse of A's symmetric part."""
    A = build(seed=2)
    C = covariance.exact(A)
    symmetric_part = 0.5 * (A + A.T)
    np.testing.assert_allclose(C, -0.5 * la.inv(symmetric_part), rtol=1e-9, atol=1e-12 * np.abs(C).max())
    general = covariance.solve_lyapunov(A, -np.eye(A.shape[0]))  # the solver for any A agrees
    np.testing.assert_allclose(C, general, rtol=1e-8, atol=1e-10 * np.abs(C).max())
    assert covariance.lyapunov_residual(A, C) < 1e-12


@pytest.mark.parametrize("value", [0, -1.0, True])
def test_rotation_must_be_positive(value):
    with pytest.raises(ValueError, match=r"^rotation must be positive") as info:
        build(rotation=value)
    assert "\n" not in str(info.value)


def test_config_refuses_rotation_zero_and_counts_every_entry():
    cfg = {"experiments": {"nn": {"network": {"kind": "normal", "clusters": CLUSTERS, "rotation": 0},
                                  "seeds": [0], "keep_fractions": [0.2]}}}
    with pytest.raises(ConfigError) as info:
        prepare(cfg)
    assert str(info.value) == "config error: experiments.nn.network.rotation = 0: must be > 0"
    n = sum(CLUSTERS)
    assert networks.get("normal").edges({"clusters": CLUSTERS}) == n * (n - 1)
    assert np.count_nonzero(build() - np.diag(np.diag(build()))) == n * (n - 1)  # dense
