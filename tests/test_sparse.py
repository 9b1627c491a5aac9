"""Sparse networks (scipy.sparse A): the sparse_clustered kind, the edge-local
covariance, sparse probabilities and pruning, the sparse spectral metrics and dynamics,
each against the dense path on networks small enough for both, and the memory of the
whole sparse path at N = 50,000."""

import tracemalloc

import numpy as np
import pytest
import scipy.linalg as la
import scipy.sparse as sp

from noiseprune import _checks, covariance, dynamics, methods, networks, pruning, spectra


def small(symmetric=True, seed=0):
    return networks.sparse_clustered([40, 30, 50], within=12, long_range=4, symmetric=symmetric,
                                     rng=np.random.default_rng(seed))


def rule_quantity(A, C):
    """C_ii + C_jj - 2 sign(a_ij) C_ij on the synapses i < j of A (C dense or sparse)."""
    i, j = pruning.edges(sp.csr_array(A), symmetric=False)
    up = i < j
    i, j = i[up], j[up]
    d = C.diagonal()
    return d[i] + d[j] - 2 * np.sign(sp.csr_array(A)[i, j]) * np.asarray(C[i, j]).ravel()


# ----------------------------------------------------------------------------- network kind


@pytest.mark.parametrize("symmetric", [True, False])
def test_sparse_clustered_structure(symmetric):
    A = networks.sparse_clustered([100] * 5, within=30, long_range=10, symmetric=symmetric,
                                  rng=np.random.default_rng(1))
    assert sp.issparse(A) and A.shape == (500, 500) and A.has_canonical_format
    off = A - sp.diags_array(A.diagonal())
    off.eliminate_zeros()
    per_neuron = off.nnz / 500
    assert 39.0 < per_neuron <= 40.0  # 30 + 10, minus the few long-range draws that hit a within pair
    # within-cluster entries stay in their 100-neuron block
    coo = off.tocoo()
    same = coo.row // 100 == coo.col // 100
    # 30 within, plus the long-range ones that land in the cluster on a free pair (30 of its 99 are taken)
    assert abs(np.count_nonzero(same) / 500 - 30 - 10 * 99 / 499 * (1 - 30 / 99)) < 0.2
    assert _checks.sparse_is_symmetric(A) == symmetric
    # row-sum leak: -a_ii = sum_j |a_ij|, stable, W scaled to 1 / 1.1 of its top eigenvalue
    np.testing.assert_allclose(-A.diagonal(), np.asarray(abs(off).sum(axis=1)).ravel(), rtol=1e-12)
    eig = la.eigvalsh if symmetric else la.eigvals
    assert eig(A.toarray()).real.max() < 0
    assert eig(off.toarray()).real.max() == pytest.approx(1 / 1.1, rel=1e-6)


def test_sparse_clustered_constant_leak_deterministic_and_registered():
    A = networks.sparse_clustered([50], repeat=4, within=10, long_range=3, leak=1.0, rng=np.random.default_rng(2))
    B = networks.build({"kind": "sparse_clustered", "clusters": [50], "repeat": 4, "within": 10, "long_range": 3,
                        "leak": 1.0}, rng=np.random.default_rng(2))
    assert (A != B).nnz == 0
    np.testing.assert_array_equal(A.diagonal(), -1.0)
    assert la.eigvalsh(A.toarray()).max() == pytest.approx(1 / 1.1 - 1.0, rel=1e-6)
    spec = networks.get("sparse_clustered")
    params = {"clusters": [50], "repeat": 4, "within": 10, "long_range": 3}
    assert spec.size(params) == 200 and spec.edges(params) == 200 * 13
    assert spec.check({**params, "within": 60}) == ("within", "exceeds the 49 other neurons of the smallest cluster")


def test_sparse_clustered_unstable_leak_named():
    with pytest.raises(ValueError, match=r"A is not stable: its largest real eigenvalue is 0\.4"):
        networks.sparse_clustered([50], repeat=4, within=10, long_range=3, leak=0.5, rng=np.random.default_rng(2))


# ----------------------------------------------------------------------------- bad input


def test_bad_sparse_input_one_line_errors():
    A = small()
    bad = A.copy()
    bad.data[5] = np.nan
    i = int(np.searchsorted(bad.indptr, 5, side="right") - 1)
    for fn in (lambda M: pruning.probabilities(M, method="weight", keep_fraction=0.2),
               lambda M: covariance.on_edges(M, duration=10, burn_in=0, rng=np.random.default_rng(0)),
               lambda M: spectra.slowest(M, 3)):
        with pytest.raises(ValueError, match=rf"A must be finite, found nan at index \({i}, {bad.indices[5]}\)$"):
            fn(bad)
    inf = A.copy()
    inf.data[0] = np.inf
    with pytest.raises(ValueError, match="A must be finite, found inf"):
        covariance.exact(inf)
    with pytest.raises(ValueError, match=r"A must be a square 2-D matrix, got shape \(120, 119\)"):
        pruning.probabilities(A[:, :119], method="weight", keep_fraction=0.2)
    unstable = A + sp.eye_array(120)
    with pytest.raises(ValueError, match=r"A is not stable: its largest real eigenvalue is"):
        covariance.on_edges(unstable, duration=10, burn_in=0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"A is not stable: its largest real eigenvalue is"):
        networks.check_stable(unstable)


def test_sparse_covariance_lacking_a_synapse_named():
    A = small()
    C = covariance.on_edges(A, duration=20, dt=0.01, burn_in=1, rng=np.random.default_rng(0))
    coo = C.tocoo()
    drop = np.flatnonzero(coo.row != coo.col)[7]
    r, c = int(coo.row[drop]), int(coo.col[drop])
    keep = np.arange(coo.nnz) != drop
    C_bad = sp.csr_array((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=C.shape)
    with pytest.raises(ValueError, match=rf"C lacks the synapse \({min(r, c)}, {max(r, c)}\)|C lacks the synapse \({r}, {c}\)"):
        pruning.probabilities(A, C_bad, keep_fraction=0.2)
    no_diag = C - sp.diags_array(C.diagonal())
    no_diag.eliminate_zeros()
    with pytest.raises(ValueError, match=r"C must have a positive diagonal .* found C\[0, 0\] = 0 \(not stored\)"):
        pruning.probabilities(A, no_diag, keep_fraction=0.2)


def test_dense_only_functions_refuse_a_huge_sparse_a():
    big = -sp.eye_array(_checks.DENSIFY_MAX_N + 1, format="csr")
    with pytest.raises(ValueError, match=r"A is sparse with N = 10001 > 10000: .* use the sparse path"):
        covariance.exact(big)
    with pytest.raises(ValueError, match=r"A is sparse with N = 10001"):
        spectra.eigendecompose(big)


# ----------------------------------------------------------------------------- consistency with the dense path


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("method", methods.names())
def test_probabilities_and_prune_of_a_dense_network_passed_as_sparse(symmetric, method):
    A = networks.clustered([30, 40, 30], long_range=300, symmetric=symmetric, rng=np.random.default_rng(0))
    C = covariance.exact(A)
    P_dense = pruning.probabilities(A, C, method=method, keep_fraction=0.2)
    P_sparse = pruning.probabilities(sp.csr_array(A), C, method=method, keep_fraction=0.2)
    assert sp.issparse(P_sparse)
    assert np.abs(P_sparse.toarray() - P_dense).max() <= 1e-10
    dense = pruning.prune(A, P_dense, rng=np.random.default_rng(5))
    sparse = pruning.prune(sp.csr_array(A), P_sparse, rng=np.random.default_rng(5))
    assert sp.issparse(sparse) and abs(dense - sparse).max() <= 1e-12
    off = ~np.eye(100, dtype=bool)
    assert np.count_nonzero(dense.toarray()[off]) == np.count_nonzero(sparse.toarray()[off])


def test_probabilities_from_exact_covariance_sparsified_to_the_synapses():
    """A sparse C holding only A's synapses and the diagonal gives the dense result."""
    A = small()
    C = covariance.exact(A)
    pattern = (abs(A) + sp.eye_array(120)).tocoo()
    C_edges = sp.csr_array((C[pattern.row, pattern.col], (pattern.row, pattern.col)), shape=C.shape)
    P = pruning.probabilities(A, C_edges, keep_fraction=0.3)
    P_dense = pruning.probabilities(A.toarray(), C, keep_fraction=0.3)
    assert np.abs(P.toarray() - P_dense).max() <= 1e-10


@pytest.mark.parametrize("symmetric", [True, False])
def test_sparse_metrics_agree_with_compare(symmetric):
    A = networks.clustered([100, 100, 100], long_range=1500, symmetric=symmetric, rng=np.random.default_rng(3))
    As = sp.csr_array(A)
    P = pruning.probabilities(As, covariance.exact(A), keep_fraction=0.3)
    pruned = pruning.prune(As, P, rng=np.random.default_rng(4))
    ref = spectra.compare(A, pruned)
    got = spectra.sparse_metrics(As, pruned, k=8)
    by_magnitude = np.argsort(np.abs(ref["eigenvalues"]))
    slow, fast = by_magnitude[:8], by_magnitude[::-1][:8]
    if symmetric:
        # to the eigensolvers' relative accuracy (spectra.SPARSE_EIG_TOL = 1e-6)
        np.testing.assert_allclose(got["slowest"], ref["eigenvalues"][slow], rtol=1e-6)
        np.testing.assert_allclose(got["slowest_err"], ref["eig_err"][slow], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["fastest_err"], ref["eig_err"][fast], rtol=1e-5, atol=1e-6)
        assert got["eps_converged"] and got["spectral_eps"] == pytest.approx(ref["spectral_eps"], rel=1e-6)
    else:
        # the rightmost eigenvalues of this row-sum network are its smallest in magnitude
        # (a conjugate pair can be split at the k-th eigenvalue: compare real parts and magnitudes)
        for part in (np.real, np.abs):
            np.testing.assert_allclose(np.sort(part(got["slowest"])), np.sort(part(ref["eigenvalues"][slow])), rtol=1e-6)
        assert np.isnan(got["spectral_eps"]) and not got["eps_converged"]


@pytest.mark.parametrize("method", spectra.SLOWEST_METHODS)
def test_slowest_methods_agree_with_dense(method):
    A = small()
    w = la.eigvalsh(A.toarray())
    np.testing.assert_allclose(spectra.slowest(A, 6, method=method), w[::-1][:6], rtol=1e-6)
    np.testing.assert_allclose(spectra.fastest(A, 6), w[:6], rtol=1e-6)


def test_sparse_dynamics_equal_dense():
    A = small()
    P = pruning.probabilities(A, method="weight", keep_fraction=0.3)
    pruned = pruning.prune(A, P, rng=np.random.default_rng(1))
    kw = dict(trials=3, steps=300, dt=0.01, rng=None)
    e_sparse = dynamics.trajectory_error(A, [pruned], **{**kw, "rng": np.random.default_rng(7)})
    e_dense = dynamics.trajectory_error(A.toarray(), [pruned], **{**kw, "rng": np.random.default_rng(7)})
    np.testing.assert_allclose(e_sparse, e_dense, atol=1e-5)


# ----------------------------------------------------------------------------- edge-local covariance


@pytest.mark.parametrize("symmetric", [True, False])
def test_on_edges_equals_empirical_on_the_same_stream(symmetric):
    """Same draws, same Euler steps: equal up to the float32 state (the dense run is float64)."""
    A = small(symmetric)
    kw = dict(duration=60.0, dt=0.01, burn_in=2.0, replicas=4, sample_every=2)
    C_dense = covariance.empirical(A.toarray(), rng=np.random.default_rng(11), **kw)
    C_edges = covariance.on_edges(A, rng=np.random.default_rng(11), **kw)
    pattern = (abs(A) + abs(A.T) + sp.eye_array(120)).tocoo()
    coo = C_edges.tocoo()
    assert C_edges.nnz == pattern.nnz and _checks.sparse_is_symmetric(C_edges)
    assert set(zip(coo.row.tolist(), coo.col.tolist())) == set(zip(pattern.row.tolist(), pattern.col.tolist()))
    scale = C_dense.diagonal().max()
    assert np.abs(coo.data - C_dense[coo.row, coo.col]).max() <= 1e-5 * scale


def test_on_edges_converges_to_exact():
    """The rule's quantity from a simulated run approaches the Lyapunov solution as the
    duration grows (error shrinking about as 1/sqrt(duration) down to the Euler bias)."""
    A = small()
    exact = rule_quantity(A, covariance.exact(A))
    errors = []
    for duration in (50.0, 3200.0):
        C = covariance.on_edges(A, duration=duration, dt=0.005, burn_in=20.0, replicas=32,
                                rng=np.random.default_rng(3))
        errors.append(np.median(np.abs(rule_quantity(A, C) / exact - 1)))
    assert errors[1] < errors[0] / 4
    assert errors[1] < 0.03


# ----------------------------------------------------------------------------- brain-scale memory


def test_sparse_path_memory_is_linear_in_synapses():
    """N = 50,000: network, edge covariance, probabilities, pruning, fastest modes and
    dynamics without an N x N array (one would be 20 GB): the traced peak stays below
    a bound linear in the synapses."""
    tracemalloc.start()
    A = networks.sparse_clustered([50], repeat=1000, within=16, long_range=4, rng=np.random.default_rng(0))
    C = covariance.on_edges(A, duration=4.0, dt=0.02, burn_in=0.0, replicas=2, rng=np.random.default_rng(1))
    P = pruning.probabilities(A, C, keep_fraction=0.2)
    pruned = pruning.prune(A, P, rng=np.random.default_rng(2))
    fastest = spectra.fastest(A, 2), spectra.fastest(pruned, 2)
    err = dynamics.trajectory_error(A, [pruned], trials=2, steps=20, dt=0.02, rng=np.random.default_rng(3))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    synapses = A.nnz
    assert synapses > 50_000 * 19
    assert peak < 200 * synapses, f"peak {peak / 2**20:.0f} MiB for {synapses} synapses"
    assert np.isfinite(fastest).all() and np.isfinite(err).all()
    assert sp.issparse(pruned) and pruned.nnz < 0.3 * synapses
