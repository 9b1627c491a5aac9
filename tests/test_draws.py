"""The batched draws of one (network, covariance, method, keep fraction) equal the
separate library calls they replace, pruning seed by pruning seed."""

import numpy as np
import pytest

from noiseprune import covariance, draws, networks, pruning, spectra


@pytest.mark.parametrize("n_clusters, metrics", [([300, 60, 240], "full"), ([40, 20], "full"), ([300, 60, 240], "eps")])
def test_prune_and_measure_equals_separate_calls(n_clusters, metrics):
    A = networks.clustered(n_clusters, long_range=200, rng=np.random.default_rng(1))
    C = covariance.exact(A)
    probability = dict(method="noise", keep_fraction=0.2, normalization="exact", theory_k=4.0, theory_eps=0.5)
    eig = spectra.eigendecompose(A) if metrics == "full" else None
    seeds = [0, 5]
    P, results = draws.prune_and_measure(
        A, C, probability=probability, diagonal="row_sum",
        rngs=[np.random.default_rng(s) for s in seeds], eig=eig, metrics=metrics,
    )
    P_alone = pruning.probabilities(A, C, **probability)
    assert np.array_equal(P, P_alone)
    for seed, (A_sparse, result) in zip(seeds, results):
        alone = pruning.prune(A, P_alone, rng=np.random.default_rng(seed), diagonal="row_sum")
        assert (A_sparse != alone).nnz == 0
        expected = spectra.compare(A, alone, eig=eig, metrics=metrics)
        assert result["spectral_eps"] == expected["spectral_eps"]  # the shared Cholesky factor changes no bit
        for key in ("eigenvalues_pruned", "eig_err", "vec_err", "alignment"):
            assert np.array_equal(result[key], expected[key]), key


def test_stiffness_factor_only_where_spectral_eps_uses_it():
    small = networks.clustered([40, 20], long_range=20, rng=np.random.default_rng(0))
    large = networks.clustered([300, 200], long_range=200, rng=np.random.default_rng(0))
    assert spectra.stiffness_factor(small) is None  # dense generalized solve
    L = spectra.stiffness_factor(large)
    assert np.allclose(L @ L.T, -large, atol=1e-12)
    asym = networks.clustered([300, 200], long_range=200, symmetric=False, leak=1.5, rng=np.random.default_rng(0))
    assert spectra.stiffness_factor(asym) is None
    with pytest.raises(ValueError, match="factor must have the shape of A"):
        spectra.spectral_eps(large, large, factor=L[:10, :10])
