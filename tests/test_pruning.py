import math

import numpy as np
import pytest
import scipy.sparse as sp

from noiseprune import covariance, networks, pruning

# Hand-worked 3-neuron example (symmetric A, a given covariance C):
#   a01 = +1 (excitatory): q01 = 1 * (C00 + C11 - 2 C01) = 2 + 1 - 1   = 2
#   a02 = -2 (inhibitory): q02 = 2 * (C00 + C22 + 2 C02) = 2 (2 + 3 - 0.5) = 9
#   a12 = +1 (excitatory): q12 = 1 * (C11 + C22 - 2 C12) = 1 + 3 - 0.2 = 3.8
A3 = np.array([[-3.0, 1.0, -2.0], [1.0, -2.0, 1.0], [-2.0, 1.0, -3.0]])
C3 = np.array([[2.0, 0.5, -0.25], [0.5, 1.0, 0.1], [-0.25, 0.1, 3.0]])


def test_hand_worked_example_no_clipping():
    # keep 1/2 of 6 entries: pair sum 1.5 = K (2 + 9 + 3.8), K = 1.5 / 14.8
    P = pruning.probabilities(A3, C3, method="noise", keep_fraction=0.5)
    K = 1.5 / 14.8
    expected = np.array([[0, 2 * K, 9 * K], [2 * K, 0, 3.8 * K], [9 * K, 3.8 * K, 0]])
    np.testing.assert_allclose(P, expected, rtol=1e-14)


def test_hand_worked_example_with_clipping():
    # keep 0.8: unclipped K = 2.4 / 14.8 gives p02 = 1.46 > 1, so p02 = 1 and
    # K (2 + 3.8) = 1.4: p01 = 2 K = 0.4828, p12 = 3.8 K = 0.9172
    P = pruning.probabilities(A3, C3, method="noise", keep_fraction=0.8)
    K = 1.4 / 5.8
    np.testing.assert_allclose([P[0, 1], P[0, 2], P[1, 2]], [2 * K, 1.0, 3.8 * K], rtol=1e-14)
    assert P.sum() == pytest.approx(0.8 * 6, rel=1e-14)
    # the authors scaled before clipping and so keep fewer than asked
    Pa = pruning.probabilities(A3, C3, method="noise", keep_fraction=0.8, normalization="authors")
    Ka = 2.4 / 14.8
    np.testing.assert_allclose([Pa[0, 1], Pa[0, 2], Pa[1, 2]], [2 * Ka, 1.0, 3.8 * Ka], rtol=1e-14)
    assert Pa.sum() < 0.8 * 6


def test_controls_on_hand_example():
    Pw = pruning.probabilities(A3, method="weight", keep_fraction=0.5)
    np.testing.assert_allclose([Pw[0, 1], Pw[0, 2], Pw[1, 2]], np.array([1, 2, 1]) * 1.5 / 4)
    Pu = pruning.probabilities(A3, method="uniform", keep_fraction=0.5)
    np.testing.assert_allclose(Pu[~np.eye(3, dtype=bool)], 0.5)


@pytest.fixture(scope="module")
def net():
    A = networks.clustered([80, 20, 60], long_range=200, rng=np.random.default_rng(0))
    return A, covariance.exact(A)


@pytest.mark.parametrize("method", ["noise", "weight", "uniform", "resistance"])
@pytest.mark.parametrize("keep", [0.03, 0.2, 0.9, 1.0])
def test_sum_of_probabilities_equals_target(net, method, keep):
    A, C = net
    P = pruning.probabilities(A, C, method=method, keep_fraction=keep)
    assert P.sum() == pytest.approx(keep * pruning.offdiag_nnz(A), rel=1e-10)
    assert P.min() >= 0 and P.max() <= 1
    assert np.array_equal(P, P.T)
    assert not np.diagonal(P).any()
    assert not P[A == 0].any()


def test_resistance_equals_noise_with_exact_covariance(net):
    # Spielman-Srivastava effective resistances: with C = (-A)^{-1}/2 the rules coincide
    A, C = net
    Pn = pruning.probabilities(A, C, method="noise", keep_fraction=0.1)
    Pr = pruning.probabilities(A, method="resistance", keep_fraction=0.1)
    np.testing.assert_allclose(Pn, Pr, rtol=1e-9, atol=1e-15)


def test_theory_normalization(net):
    A, C = net
    n = A.shape[0]
    P = pruning.probabilities(A, C, method="noise", normalization="theory", theory_k=4.0, theory_eps=0.5)
    q = pruning.scores(A, C, "noise")
    K = 2 * 4.0 * math.log(n) / 0.25
    np.testing.assert_allclose(P, np.minimum(1, K * q), rtol=1e-14)
    with pytest.raises(ValueError, match="theory"):
        pruning.probabilities(A, C, method="weight", normalization="theory")


def test_topk_keeps_largest(net):
    A, _ = net
    P = pruning.probabilities(A, method="topk", keep_fraction=0.1)
    kept = np.abs(A[P == 1])
    dropped = np.abs(A[(P == 0) & (A != 0) & ~np.eye(len(A), dtype=bool)])
    assert kept.min() >= dropped.max()
    assert abs(np.count_nonzero(P) - 0.1 * pruning.offdiag_nnz(A)) <= 2


def test_prune_is_unbiased():
    # E[A_sparse] = A entry by entry: the mean of R prunings is within 5 standard errors
    A = networks.clustered([12, 8], long_range=10, rng=np.random.default_rng(1))
    C = covariance.exact(A)
    P = pruning.probabilities(A, C, method="noise", keep_fraction=0.3)
    R = 4000
    rng = np.random.default_rng(2)
    total = np.zeros_like(A)
    for _ in range(R):
        total += pruning.prune(A, P, rng=rng, diagonal="original").toarray()
    mean = total / R
    off = (A != 0) & ~np.eye(len(A), dtype=bool)
    sd = np.abs(A[off]) * np.sqrt((1 - P[off]) / P[off]) / np.sqrt(R)
    z = np.abs(mean[off] - A[off]) / np.where(sd > 0, sd, 1)
    assert z.max() < 5
    np.testing.assert_allclose(np.diag(mean), np.diag(A), rtol=1e-12)


def test_row_sum_diagonal_is_unbiased_for_row_sum_networks():
    # a_ii = -sum |a_ij| and E|A_sparse_ij| = |a_ij|, so E[row_sum diagonal] = a_ii
    A = networks.clustered([12, 8], long_range=10, rng=np.random.default_rng(1))
    P = pruning.probabilities(A, method="weight", keep_fraction=0.3)
    rng = np.random.default_rng(8)
    mean = sum(np.diag(pruning.prune(A, P, rng=rng).toarray()) for _ in range(4000)) / 4000
    np.testing.assert_allclose(mean, np.diag(A), rtol=0.03)


def test_prune_exact_symmetry_counts_and_rescaling(net):
    A, C = net
    P = pruning.probabilities(A, C, method="noise", keep_fraction=0.2)
    As = pruning.prune(A, P, rng=np.random.default_rng(3))
    assert isinstance(As, sp.csr_array)
    assert (As != As.T).nnz == 0
    kept = pruning.offdiag_nnz(As)
    target = 0.2 * pruning.offdiag_nnz(A)
    # pairs are Bernoulli(p): sd of the kept count is 2 sqrt(sum p(1-p)) over pairs
    sd = 2 * np.sqrt(np.sum(np.triu(P * (1 - P), 1)))
    assert abs(kept - target) < 5 * sd
    D = As.toarray()
    i, j = np.nonzero(np.triu(D, 1))
    np.testing.assert_allclose(D[i, j], A[i, j] / P[i, j], rtol=1e-15)


@pytest.mark.parametrize("diagonal", ["row_sum", "original", "zero"])
def test_diagonal_modes(net, diagonal):
    A, C = net
    P = pruning.probabilities(A, C, method="noise", keep_fraction=0.2)
    D = pruning.prune(A, P, rng=np.random.default_rng(4), diagonal=diagonal).toarray()
    off = np.abs(D).sum(axis=1) - np.abs(np.diag(D))
    if diagonal == "row_sum":
        # A has a row-sum leak, so the pruned network is exactly weakly diagonally dominant
        np.testing.assert_allclose(-np.diag(D), off, rtol=1e-12)
        assert np.linalg.eigvalsh(D).max() < 1e-12
    elif diagonal == "original":
        np.testing.assert_array_equal(np.diag(D), np.diag(A))
    else:
        assert not np.diag(D).any()


def test_prune_non_symmetric():
    A = networks.clustered([40, 30], long_range=50, symmetric=False, rng=np.random.default_rng(5))
    C = covariance.exact(A)
    P = pruning.probabilities(A, C, method="noise", keep_fraction=0.3)
    assert P.sum() == pytest.approx(0.3 * pruning.offdiag_nnz(A), rel=1e-10)
    As = pruning.prune(A, P, rng=np.random.default_rng(6))
    assert 0.2 < pruning.offdiag_nnz(As) / pruning.offdiag_nnz(A) < 0.4


def test_prune_is_deterministic(net):
    A, C = net
    P = pruning.probabilities(A, C, method="weight", keep_fraction=0.2)
    a = pruning.prune(A, P, rng=np.random.default_rng(7))
    b = pruning.prune(A, P, rng=np.random.default_rng(7))
    assert (a != b).nnz == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"keep_fraction": 0.0}, r"keep_fraction must be a number in \(0, 1\], got 0.0"),
        ({"keep_fraction": 1.5}, "got 1.5"),
        ({"keep_fraction": None}, "got None"),
        ({"keep_fraction": 0.1, "method": "magic"}, "unknown method 'magic'"),
        ({"keep_fraction": 0.1, "normalization": "sloppy"}, "unknown normalization 'sloppy'"),
    ],
)
def test_probabilities_bad_input(net, kwargs, message):
    A, C = net
    with pytest.raises(ValueError, match=message):
        pruning.probabilities(A, C, **kwargs)


def test_noise_needs_covariance(net):
    with pytest.raises(ValueError, match="needs the covariance"):
        pruning.probabilities(net[0], method="noise", keep_fraction=0.1)


def test_zero_or_degenerate_covariance_rejected():
    # an all-zero C used to give all-zero scores and so all-zero probabilities, silently
    with pytest.raises(ValueError, match=r"C must have a positive diagonal .*found C\[0, 0\] = 0$"):
        pruning.probabilities(A3, np.zeros((3, 3)), method="noise", keep_fraction=0.5)
    C = C3.copy()
    C[2, 2] = -1.0
    with pytest.raises(ValueError, match=r"found C\[2, 2\] = -1$"):
        pruning.probabilities(A3, C, method="noise", keep_fraction=0.5)
    C = C3.copy()
    C[1, 0] += 1e-3
    with pytest.raises(ValueError, match=r"C must be symmetric, found C\[0, 1\] = 0\.5 but C\[1, 0\] = 0\.501"):
        pruning.scores(A3, C, "noise")
    # rounding-level asymmetry is accepted and gives the same probabilities
    C = C3.copy()
    C[1, 0] *= 1 + 1e-15
    np.testing.assert_array_equal(
        pruning.probabilities(A3, C, method="noise", keep_fraction=0.5),
        pruning.probabilities(A3, C3, method="noise", keep_fraction=0.5),
    )


def test_all_zero_scores_rejected():
    # a valid-looking C of perfectly correlated units: every excitatory pair has variance 0
    A = np.array([[-2.0, 1.0, 1.0], [1.0, -2.0, 1.0], [1.0, 1.0, -2.0]])
    for normalization in ("exact", "authors"):
        with pytest.raises(ValueError, match=r"every 'noise' score of the 3 edges is 0, so nothing can be kept although keep_fraction 0\.5"):
            pruning.probabilities(A, np.ones((3, 3)), method="noise", keep_fraction=0.5, normalization=normalization)
    with pytest.raises(ValueError, match="normalization 'theory'"):
        pruning.probabilities(A, np.ones((3, 3)), method="noise", normalization="theory")
    # a network without off-diagonal entries still has nothing to keep: zero probabilities, no error
    assert not pruning.probabilities(-np.eye(3), np.eye(3), method="noise", keep_fraction=0.5).any()


def test_too_few_positive_scores_rejected():
    # perfectly correlated units: the two excitatory pairs score 0, the inhibitory one 4;
    # 2 of 3 edges cannot be kept, so keep_fraction 0.5 (1.5 edges) is out of reach
    A = np.array([[-3.0, 1.0, -1.0], [1.0, -3.0, 1.0], [-1.0, 1.0, -3.0]])
    P = pruning.probabilities(A, np.ones((3, 3)), method="noise", keep_fraction=0.3)
    assert P[0, 2] == pytest.approx(0.9) and P[0, 1] == P[1, 2] == 0.0
    with pytest.raises(ValueError, match=r"^keep_fraction 0\.5 asks for 1\.5 of the 3 edges, but only 1 have a positive 'noise' score"):
        pruning.probabilities(A, np.ones((3, 3)), method="noise", keep_fraction=0.5)


@pytest.mark.parametrize("bad", [1.5, -0.1, np.nan])
def test_prune_rejects_bad_probabilities(bad):
    P = np.full((3, 3), 0.5)
    P[0, 1] = bad
    with pytest.raises(ValueError, match="P"):
        pruning.prune(A3, P, rng=np.random.default_rng(0))


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("method", ["noise", "weight", "uniform", "topk"])
def test_sparse_probabilities_are_the_dense_ones_and_prune_the_same(symmetric, method):
    A = networks.clustered([40, 30], density=0.6, long_range=40, symmetric=symmetric, rng=np.random.default_rng(4))
    C = covariance.exact(A)
    dense = pruning.probabilities(A, C, method=method, keep_fraction=0.3)
    P = pruning.probabilities(A, C, method=method, keep_fraction=0.3, sparse=True)
    assert isinstance(P, sp.csr_array) and P.has_canonical_format
    assert np.array_equal(P.toarray(), dense) and P.nnz == np.count_nonzero(dense)
    assert P.indices.dtype == sp.csr_array(dense).indices.dtype  # the same file bytes when saved
    for seed in range(3):
        a = pruning.prune(A, dense, rng=np.random.default_rng(seed))
        b = pruning.prune(A, P, rng=np.random.default_rng(seed))
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        assert np.array_equal(a.data, b.data)


@pytest.mark.parametrize("symmetric", [True, False])
def test_sparse_scatter_of_unordered_edges_is_the_row_major_one(symmetric):
    # probabilities lists edges row-major and takes the counting path; any other order
    # is sorted first and gives the same canonical matrix
    A = networks.clustered([30, 20], density=0.5, long_range=20, symmetric=symmetric, rng=np.random.default_rng(5))
    i, j = pruning.edges(A, symmetric=symmetric)
    values = np.random.default_rng(6).random(i.size)
    values[::5] = 0.0  # zeros are dropped
    ordered = pruning._scatter_sparse(len(A), i, j, values, symmetric=symmetric)
    assert ordered.has_canonical_format
    assert np.array_equal(ordered.toarray(), pruning._scatter(len(A), i, j, values, symmetric=symmetric))
    assert ordered.nnz == (2 if symmetric else 1) * np.count_nonzero(values)
    order = np.random.default_rng(7).permutation(i.size)
    shuffled = pruning._scatter_sparse(len(A), i[order], j[order], values[order], symmetric=symmetric)
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(shuffled, name), getattr(ordered, name))
        assert getattr(shuffled, name).dtype == getattr(ordered, name).dtype


@pytest.mark.parametrize("bad", [1.5, -0.1])
def test_prune_rejects_bad_sparse_probabilities(bad):
    P = sp.csr_array(np.full((3, 3), 0.5))
    P[0, 1] = bad
    with pytest.raises(ValueError, match=f"P must have entries in \\[0, 1\\], found {bad:g}"):
        pruning.prune(A3, P, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="P"):
        pruning.prune(A3, sp.csr_array(np.full((2, 2), 0.5)), rng=np.random.default_rng(0))


def test_prune_rejects_bad_diagonal_and_shapes():
    with pytest.raises(ValueError, match="unknown diagonal 'trace'"):
        pruning.prune(A3, np.full((3, 3), 0.5), rng=np.random.default_rng(0), diagonal="trace")
    with pytest.raises(ValueError, match="shape"):
        pruning.prune(A3, np.full((2, 2), 0.5), rng=np.random.default_rng(0))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("frac", [0.001, 0.05, 0.5, 0.95, 0.9999])
def test_solve_scale_is_exact_with_heavy_clipping(seed, frac):
    q = np.random.default_rng(seed).pareto(0.7, size=5000) + 1e-9  # heavy tail: many clipped
    target = frac * q.size
    K = pruning.solve_scale(q, target)
    assert np.minimum(1, K * q).sum() == pytest.approx(target, rel=1e-12)


def test_solve_scale_sorted_fallback_is_exact():
    # each water-filling pass clips only one more entry: forces the sorted fallback
    q = 2.0 ** -np.arange(200.0)
    target = 150.5
    K = pruning.solve_scale(q, target)
    assert np.minimum(1, K * q).sum() == pytest.approx(target, rel=1e-12)


def test_theory_eps_outside_unit_interval_rejected_naming_it(net):
    A, C = net
    for eps in (1.0, 1.5):
        with pytest.raises(ValueError, match=rf"theory_eps must be in \(0, 1\), got {eps}"):
            pruning.probabilities(A, C, method="noise", normalization="theory", theory_k=4.0, theory_eps=eps)
    with pytest.raises(ValueError, match="theory_eps must be a positive number, got 0"):
        pruning.probabilities(A, C, method="noise", normalization="theory", theory_k=4.0, theory_eps=0)


def test_theory_k_at_most_3_accepted_with_a_note(net, caplog):
    A, C = net
    with caplog.at_level("WARNING", logger="noiseprune.pruning"):
        P1 = pruning.probabilities(A, C, method="noise", normalization="theory", theory_k=1.0, theory_eps=0.5)
    assert "theorem's guarantee assumes k > 3" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="noiseprune.pruning"):
        P4 = pruning.probabilities(A, C, method="noise", normalization="theory", theory_k=4.0, theory_eps=0.5)
    assert caplog.text == ""
    # K scales with k: unclipped probabilities are 4 x larger
    unclipped = (P4 > 0) & (P4 < 1)
    np.testing.assert_allclose(P4[unclipped], 4 * P1[unclipped], rtol=1e-12)
