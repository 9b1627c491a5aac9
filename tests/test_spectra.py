import numpy as np
import pytest
import scipy.linalg as la
import scipy.sparse as sp

from noiseprune import covariance, networks, pruning, spectra


@pytest.fixture(scope="module")
def net500():
    return networks.clustered([250, 50, 200], long_range=1000, rng=np.random.default_rng(0))


def test_identical_network_has_zero_error(net500):
    r = spectra.compare(net500, sp.csr_array(net500))
    np.testing.assert_allclose(r["eig_err"], 0, atol=1e-10)
    np.testing.assert_allclose(r["vec_err"], 0, atol=1e-10)
    np.testing.assert_allclose(r["alignment"], 1, atol=1e-10)
    assert r["spectral_eps"] < 1e-7
    assert np.all(np.diff(r["eigenvalues"]) >= 0)


def test_scaled_network_closed_form(net500):
    # A_sparse = 1.1 A: every eigenvalue error is 0.1, eps = 0.1, eigenvectors unchanged
    r = spectra.compare(net500, sp.csr_array(1.1 * net500))
    np.testing.assert_allclose(r["eig_err"], 0.1, atol=1e-10)
    np.testing.assert_allclose(r["vec_err"], 0.1, atol=1e-10)
    assert r["spectral_eps"] == pytest.approx(0.1, abs=1e-7)


def test_spectral_eps_iterative_matches_dense(net500):
    A = net500
    P = pruning.probabilities(A, covariance.exact(A), method="noise", keep_fraction=0.1)
    As = pruning.prune(A, P, rng=np.random.default_rng(1))
    mu = la.eigh(-As.toarray(), -A, eigvals_only=True)
    dense = np.max(np.abs(mu - 1))
    assert spectra.spectral_eps(A, As) == pytest.approx(dense, rel=1e-6)
    r = spectra.compare(A, As)
    np.testing.assert_allclose(r["eigenvalues_pruned"], la.eigvalsh(As.toarray()), rtol=1e-10)
    assert r["spectral_eps"] == pytest.approx(dense, rel=1e-6)
    assert spectra.compare(A, As, metrics="eps")["eig_err"].size == 0


@pytest.mark.parametrize("keep, lower_end_needed", [(0.02, False), (0.5, True)])
def test_spectral_eps_skips_the_lower_end_only_where_it_cannot_be_the_max(net500, monkeypatch, keep, lower_end_needed):
    A = net500
    P = pruning.probabilities(A, method="weight", keep_fraction=keep)
    As = pruning.prune(A, P, rng=np.random.default_rng(1))
    mu = la.eigh(-As.toarray(), -A, eigvals_only=True)
    dense = np.max(np.abs(mu - 1))
    ends = []
    eigsh = spectra.sla.eigsh
    monkeypatch.setattr(spectra.sla, "eigsh", lambda *a, **kw: ends.append(kw["which"]) or eigsh(*a, **kw))
    w = la.eigvalsh(A)
    eps = spectra.spectral_eps(A, As, stiffness_min=-w.max())
    assert eps == pytest.approx(dense, rel=1e-8)
    assert ends == (["LA", "SA"] if lower_end_needed else ["LA"])
    # without the smallest eigenvalue of -A both ends are computed, with the same result
    ends.clear()
    assert spectra.spectral_eps(A, As) == eps
    assert ends == ["LA", "SA"]
    # compare() takes it from the eigendecomposition
    ends.clear()
    assert spectra.compare(A, As)["spectral_eps"] == eps
    assert ends == (["LA", "SA"] if lower_end_needed else ["LA"])


def test_generalized_lower_bound_holds_on_an_indefinite_pruned_network(net500):
    # a pruned network with a zero diagonal is far from diagonally dominant: the bound
    # is negative and still below every generalized eigenvalue
    A = net500
    P = pruning.probabilities(A, method="weight", keep_fraction=0.3)
    As = pruning.prune(A, P, rng=np.random.default_rng(2), diagonal="zero")
    mu = la.eigh(-As.toarray(), -A, eigvals_only=True)
    bound = spectra._generalized_lower_bound(As, -la.eigvalsh(A).max())
    assert bound <= mu.min() < 0


def test_small_network_dense_path():
    A = networks.clustered([20, 10], long_range=10, rng=np.random.default_rng(2))
    As = sp.csr_array(A * 0.8)
    assert spectra.spectral_eps(A, As) == pytest.approx(0.2, abs=1e-12)


def test_metrics_definitions_on_random_perturbation(net500):
    A = net500
    rng = np.random.default_rng(3)
    E = rng.standard_normal(A.shape) * 0.01
    As = A + (E + E.T)
    r = spectra.compare(A, sp.csr_array(As))
    w, V = la.eigh(A)
    mu = la.eigvalsh(As)
    np.testing.assert_allclose(r["eig_err"], mu / w - 1, rtol=1e-9, atol=1e-12)
    rq = np.einsum("ij,ij->j", V, As @ V)
    np.testing.assert_allclose(r["vec_err"], rq / w - 1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r["alignment"], np.abs(rq) / np.linalg.norm(As @ V, axis=0), rtol=1e-9)
    assert (r["alignment"] <= 1 + 1e-12).all()


def test_non_symmetric_matching_is_permutation_invariant():
    A = networks.clustered([30, 20], long_range=20, symmetric=False, rng=np.random.default_rng(4))
    r = spectra.compare(A, sp.csr_array(A))
    np.testing.assert_allclose(np.abs(r["eig_err"]), 0, atol=1e-8)
    np.testing.assert_allclose(r["alignment"], 1, atol=1e-8)
    assert np.isnan(r["spectral_eps"])
    assert np.iscomplexobj(r["eigenvalues"])
    # a perturbation far below the eigenvalue spacing: each eigenvalue matched to its own image
    r2 = spectra.compare(A, sp.csr_array((1 + 1e-6) * A))
    np.testing.assert_allclose(np.abs(r2["eig_err"]), 1e-6, rtol=1e-4)
    shuffled = spectra.compare(A, sp.csr_array(A[::-1, ::-1]))  # a relabelling has the same spectrum
    np.testing.assert_allclose(np.abs(shuffled["eig_err"]), 0, atol=1e-8)


def test_spectral_eps_rejects_non_symmetric():
    A = np.array([[-2.0, 1.0], [0.0, -2.0]])
    with pytest.raises(ValueError, match="symmetric"):
        spectra.spectral_eps(A, sp.csr_array(A))


@pytest.mark.parametrize("seed", [0, 1])
def test_paper_claim_noise_beats_weight_at_2000(seed):
    """The paper's N = 2000, 20 % result: noise-prune wins on the slow modes and on eps."""
    A = networks.clustered([1000, 200, 800], density=0.6, long_range=5000, rng=np.random.default_rng(100 + seed))
    C = covariance.exact(A)
    eig = spectra.eigendecompose(A)
    out = {}
    for method in ("noise", "weight", "uniform"):
        P = pruning.probabilities(A, C, method=method, keep_fraction=0.2)
        As = pruning.prune(A, P, rng=np.random.default_rng(seed))
        out[method] = spectra.compare(A, As, eig=eig)
    max_err = {m: np.max(np.abs(r["eig_err"])) for m, r in out.items()}
    eps = {m: r["spectral_eps"] for m, r in out.items()}
    assert max_err["noise"] < 0.8 * max_err["weight"] < 0.8 * max_err["uniform"]
    assert eps["noise"] < 0.8 * eps["weight"] < eps["uniform"]
    # medians stay small for both (paper: about 0.025)
    assert np.median(np.abs(out["noise"]["eig_err"])) < 0.05
    assert np.median(np.abs(out["weight"]["eig_err"])) < 0.05


def test_two_stage_eigvalsh_and_threaded_product_match_reference():
    rng = np.random.default_rng(9)
    M = rng.standard_normal((600, 600))
    M = M + M.T
    np.testing.assert_allclose(spectra.eigvalsh(M), la.eigvalsh(M), rtol=0, atol=1e-11 * np.abs(M).max())
    S = sp.random_array((600, 600), density=0.05, format="csr", rng=1)
    V = rng.standard_normal((600, 600))
    M_copy = M.copy()
    assert np.array_equal(spectra.eigvalsh(M_copy, overwrite=True), spectra.eigvalsh(M))
    # 600 columns: nine full slabs of COLUMN_BLOCK and a partial one; C and Fortran order
    # (eigh returns the latter), real and complex V: the plain product, bit for bit
    for V in (V, np.asfortranarray(V), V + 1j * rng.standard_normal(V.shape)):
        ref = S @ V
        for workers in (1, 2, 3):
            assert np.array_equal(spectra.sparse_times_dense(S, V, workers), ref)


def _balanced_components(off: np.ndarray) -> int:
    """Connected components of the graph of ``off`` that are structurally balanced: the
    neurons split into two camps with excitatory edges inside and inhibitory edges across
    (every tree, and so every isolated neuron, is balanced)."""
    import scipy.sparse.csgraph as cg

    n_comp, label = cg.connected_components(sp.csr_array(off != 0), directed=False)
    camp = np.full(len(off), -1)
    balanced = 0
    for c in range(n_comp):
        root = int(np.flatnonzero(label == c)[0])
        camp[root], stack, ok = 0, [root], True
        while stack:
            u = stack.pop()
            for v in np.flatnonzero(off[u]):
                want = camp[u] ^ int(off[u, v] < 0)
                if camp[v] < 0:
                    camp[v] = want
                    stack.append(v)
                ok &= camp[v] == want
        balanced += ok
    return balanced


def test_isolated_neuron_gives_an_exact_zero_eigenvalue_and_error_one():
    # Row-sum diagonal: a neuron whose every edge is dropped keeps a_ii + sum_j |a_ij| = 0
    # (up to one rounding) on the diagonal and nothing else in its row and column, so
    # the pruned network has the eigenvalue 0 and some lambda_i gets |0 / lambda_i - 1| = 1.
    A = networks.clustered([20, 10], long_range=10, rng=np.random.default_rng(2))
    P = (A != 0).astype(float)
    np.fill_diagonal(P, 0)
    P[5, :] = P[:, 5] = 0  # neuron 5 loses every edge; everything else is kept as is
    D = pruning.prune(A, P, rng=np.random.default_rng(0)).toarray()
    assert not D[5, np.arange(30) != 5].any() and not D[np.arange(30) != 5, 5].any()
    assert abs(D[5, 5]) <= 4 * np.finfo(float).eps * abs(A[5, 5])
    r = spectra.compare(A, sp.csr_array(D))
    mu = r["eigenvalues_pruned"]
    assert r["eigenvalues"].size == mu.size == 30  # no eigenvalue missing, none clipped
    assert abs(mu[-1]) < 1e-15 and mu[-2] < -1e-3  # exactly one zero mode, sorted to the top
    assert r["eig_err"][-1] == pytest.approx(-1.0, abs=1e-12)  # paired with the slowest mode
    np.testing.assert_array_equal(r["eig_err"], mu / r["eigenvalues"] - 1.0)


def test_sparse_controls_leave_balanced_components_with_zero_modes():
    """Fig. 4 at 3 %: why many control eigenvalue errors are exactly 1 (|mu_i / lambda_i - 1|, mu_i = 0).

    A small-cluster neuron has about 18 edges; the weight and uniform controls keep each
    with p ~ 0.03, so more than half of those neurons keep none (isolated) and most of the rest
    end in tiny trees. With the row-sum diagonal every connected component of the kept
    graph that is structurally balanced (trees and isolated neurons always are) makes
    -A_sparse a singular signed Laplacian on it: one eigenvalue 0 per balanced component.
    Each such mu = 0 (to rounding) gives |eig_err| = 1 for the slow mode it is sorted
    against, whatever the matching. Noise-prune gives the weakly coupled small clusters
    the large scores, so it rarely isolates them.
    """
    A = networks.clustered([300, 30, 30], long_range=300, rng=np.random.default_rng(7))
    C = covariance.exact(A)
    eig = spectra.eigendecompose(A)
    small = np.arange(360) >= 300
    isolated = {}
    for method in ("weight", "uniform", "noise"):
        P = pruning.probabilities(A, C, method=method, keep_fraction=0.03)
        D = pruning.prune(A, P, rng=np.random.default_rng(0)).toarray()
        off = D - np.diag(np.diag(D))
        alone = ~off.any(axis=1)
        isolated[method] = alone[small].sum()
        r = spectra.compare(A, sp.csr_array(D), eig=eig)
        zero = np.abs(r["eigenvalues_pruned"]) < 1e-12
        one = np.abs(r["eig_err"] + 1.0) < 1e-9
        assert zero.sum() == one.sum() == _balanced_components(off) >= alone.sum()
        assert one[-one.sum() :].all()  # the zero modes are matched with the slowest modes
        if method != "noise":
            assert isolated[method] >= 20  # of the 60 small-cluster neurons
            assert np.abs(np.diag(D)[alone]).max() < 1e-15
    assert isolated["noise"] <= 2


@pytest.mark.parametrize("n", [1, 255, 256, 600])
def test_symmetry_is_exact_equality_with_the_transpose(n):
    from noiseprune._checks import is_symmetric

    rng = np.random.default_rng(n)
    M = rng.standard_normal((n, n))
    M = M + M.T
    assert is_symmetric(M) and is_symmetric(np.asfortranarray(M))
    # one entry off its mirror anywhere (last strip, first strip, diagonal blocks) breaks it
    for i, j in {(n - 1, 0), (0, n - 1), (n // 2, n // 3), (n - 1, max(n - 2, 0))} - {(k, k) for k in range(n)}:
        B = M.copy()
        B[i, j] = np.nextafter(B[i, j], np.inf)
        assert not is_symmetric(B) and not np.array_equal(B, B.T)
    B = M.copy()
    B[0, 0] = np.nan  # NaN is not equal to itself, as in array_equal
    assert not is_symmetric(B)
    assert not is_symmetric(np.ones((n, n + 1))) and not is_symmetric(np.ones(n))


def test_zero_modes_count_isolated_neurons_of_the_row_sum_diagonal():
    """A pruned network whose rows 0 and 1 lost every entry has one zero mode per such
    neuron under the row-sum diagonal (the diagonal entry becomes a_ii + r_i = 0)."""
    import scipy.sparse as sp

    from noiseprune import networks, pruning

    A = networks.clustered([20, 20], long_range=20, rng=np.random.default_rng(2))
    P = (A != 0).astype(float)
    np.fill_diagonal(P, 0.0)
    P[[0, 1], :] = 0.0
    P[:, [0, 1]] = 0.0
    As = pruning.prune(A, P, rng=np.random.default_rng(0))
    r = spectra.compare(A, As)
    assert spectra.zero_modes(r["eigenvalues_pruned"]) == 2
    assert spectra.zero_modes(np.linalg.eigvalsh(A)) == 0
    assert spectra.zero_modes(np.array([-1.0, -1e-12, 0.0])) == 2
    with pytest.raises(ValueError, match="no eigenvalues"):
        spectra.zero_modes(np.empty(0))
    assert sp.issparse(As)


def test_unstable_modes_count_positive_real_parts():
    assert spectra.unstable_modes(np.array([-2.0, -1e-12, 0.0, 0.3])) == 1
    assert spectra.unstable_modes(np.array([-1.0 + 2j, 0.5 - 1j, 0.5 + 1j])) == 2
    with pytest.raises(ValueError, match="no eigenvalues"):
        spectra.unstable_modes(np.empty(0))
