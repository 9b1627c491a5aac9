import numpy as np
import pytest
import scipy.linalg as la

from noiseprune import networks


def rng(seed=0):
    return np.random.default_rng(seed)


def test_symmetric_row_sum_structure():
    sizes = [40, 10, 30]
    A = networks.clustered(sizes, density=0.6, long_range=0, rng=rng())
    assert A.shape == (80, 80)
    assert np.array_equal(A, A.T)
    W = A - np.diag(np.diag(A))
    # every cluster has exactly round(density * n(n-1)/2) pairs, nothing between clusters
    off = 0
    for n in sizes:
        block = W[off : off + n, off : off + n]
        assert np.count_nonzero(np.triu(block, 1)) == round(0.6 * n * (n - 1) / 2)
        off += n
    assert np.count_nonzero(W) == sum(2 * round(0.6 * n * (n - 1) / 2) for n in sizes)
    # scaled so that the largest eigenvalue of W is 1/1.1, row-sum leak
    assert la.eigvalsh(W).max() == pytest.approx(1 / 1.1, rel=1e-10)
    np.testing.assert_allclose(np.diag(A), -np.abs(W).sum(axis=1), rtol=1e-14)
    assert la.eigvalsh(A).max() < 0


def test_weights_have_mean_one_and_some_negative():
    A = networks.clustered([200], density=0.5, long_range=0, rng=rng(1))
    W = A - np.diag(np.diag(A))
    w = W[np.triu_indices(200, 1)]
    w = w[w != 0]
    scale = 1 / w.mean()  # undo the global rescaling: the raw weights are Normal(1, 1)
    assert np.std(w * scale) == pytest.approx(1.0, rel=0.05)
    assert 0.12 < np.mean(w < 0) < 0.20  # P(Normal(1,1) < 0) = 0.159


def test_long_range_entries_between_clusters():
    sizes = [50, 50]
    A = networks.clustered(sizes, density=0.6, long_range=400, rng=rng(2))
    between = A[:50, 50:]
    # 200 unordered pairs over the whole network; about half land between the clusters
    assert 60 < np.count_nonzero(between) < 140
    assert (between >= 0).all()


def test_non_symmetric_draws_triangles_independently():
    n = 60
    A = networks.clustered([n], density=0.3, long_range=0, symmetric=False, rng=rng(3))
    W = A - np.diag(np.diag(A))
    m = round(0.3 * n * (n - 1) / 2)
    assert np.count_nonzero(np.triu(W, 1)) == m
    assert np.count_nonzero(np.tril(W, -1)) == m
    assert not np.array_equal(A, A.T)
    assert np.linalg.eigvals(W).real.max() == pytest.approx(1 / 1.1, rel=1e-8)
    assert np.linalg.eigvals(A).real.max() < 0


def test_constant_leak_and_unstable_leak_rejected():
    A = networks.clustered([30, 30], long_range=20, leak=2.0, rng=rng(4))
    np.testing.assert_array_equal(np.diag(A), -2.0)
    with pytest.raises(ValueError, match=r"not stable: its largest real eigenvalue is 0\.40"):
        networks.clustered([30, 30], long_range=20, leak=0.5, rng=rng(4))


def test_strong_pairs():
    A = networks.clustered([30, 30, 30], long_range=0, strong_pairs=4, strong_scale=8.0, rng=rng(5))
    W = A - np.diag(np.diag(A))
    top = np.sort(np.abs(W[np.triu_indices(90, 1)]))[::-1]
    assert np.allclose(top[:4], top[0]) and top[4] < 0.7 * top[0]


def test_large_cluster_uses_iterative_solver_and_is_deterministic():
    a = networks.clustered([300, 100], long_range=200, rng=rng(6))
    b = networks.clustered([300, 100], long_range=200, rng=rng(6))
    assert np.array_equal(a, b)
    W = a - np.diag(np.diag(a))
    assert la.eigvalsh(W).max() == pytest.approx(1 / 1.1, rel=1e-9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"clusters": [10, 0]}, "clusters"),
        ({"clusters": [10, 2.5]}, "clusters"),
        ({"clusters": [10], "density": 1.5}, "density must be in"),
        ({"clusters": [10], "long_range": -1}, "long_range"),
        ({"clusters": [10], "leak": "rowsum"}, "leak"),
        ({"clusters": [10], "leak": -1.0}, "leak"),
        ({"clusters": [10], "long_range": 0, "strong_pairs": 1000}, "strong_pairs"),
        # more long-range entries than off-diagonal slots: refused, never clipped
        ({"clusters": [10, 10], "long_range": 10**6}, r"^long_range=1000000 exceeds the 380 off-diagonal entries of an N = 20 network$"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        networks.clustered(rng=rng(), **kwargs)


def test_rng_is_required():
    with pytest.raises(ValueError, match="Generator"):
        networks.clustered([10], rng=0)


def test_leak_margin_zero_is_the_row_sum_network_bit_for_bit():
    base = networks.clustered([30, 20], long_range=40, rng=rng(11))
    assert np.array_equal(networks.clustered([30, 20], long_range=40, leak_margin=0, rng=rng(11)), base)
    assert np.array_equal(networks.build({"clusters": [30, 20], "long_range": 40, "leak_margin": 0.0}, rng=rng(11)), base)


@pytest.mark.parametrize("delta", [0.05, 1.0])
def test_leak_margin_gives_strict_diagonal_dominance(delta):
    base = networks.clustered([30, 20], long_range=40, rng=rng(11))
    A = networks.clustered([30, 20], long_range=40, leak_margin=delta, rng=rng(11))
    off = A - np.diag(np.diagonal(A))
    assert np.array_equal(off, base - np.diag(np.diagonal(base)))  # the same W
    rows = np.abs(off).sum(axis=1)
    np.testing.assert_allclose(-np.diagonal(A), (1 + delta) * rows, rtol=1e-15)
    assert np.all(-np.diagonal(A) > rows)
    # Gershgorin: every eigenvalue at or below -delta min_i r_i
    assert np.linalg.eigvalsh(A).max() <= -delta * rows.min() * (1 - 1e-12)


@pytest.mark.parametrize("params, message", [
    ({"leak_margin": -0.1}, "leak_margin must be a non-negative number, got -0.1"),
    ({"leak_margin": 0.2, "leak": 1.0}, "leak_margin 0.2 applies to leak='row_sum' only"),
])
def test_leak_margin_bad_values(params, message):
    with pytest.raises(ValueError, match=message):
        networks.clustered([10, 10], long_range=10, rng=rng(0), **params)
