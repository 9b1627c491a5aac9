"""The batched draws of one (network, covariance, method, keep fraction) equal the
separate library calls they replace, pruning seed by pruning seed; the methods of one
pruning job do not change each other's draws."""

import numpy as np
import pytest

from noiseprune import covariance, draws, networks, pruning, rectified, spectra
from noiseprune.seeding import pruning_rng


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("n_clusters, metrics", [([300, 60, 240], "full"), ([40, 20], "full"), ([300, 60, 240], "eps")])
def test_prune_and_measure_equals_separate_calls(n_clusters, metrics, workers):
    # two workers: three draws, two at a time, in threads; every bit as alone and in order
    A = networks.clustered(n_clusters, long_range=200, rng=np.random.default_rng(1))
    C = covariance.exact(A)
    probability = dict(method="noise", keep_fraction=0.2, normalization="exact", theory_k=4.0, theory_eps=0.5)
    eig = spectra.eigendecompose(A) if metrics == "full" else None
    seeds = [0, 5, 9]
    P, results = draws.prune_and_measure(
        A, C, probability=probability, diagonal="row_sum", rngs=[np.random.default_rng(s) for s in seeds],
        measure=draws.spectral(A, eig=eig, metrics=metrics), workers=workers,
    )
    P_alone = pruning.probabilities(A, C, **probability)
    assert np.array_equal(P.toarray(), P_alone)  # sparse, the same values
    results = list(results)
    assert len(results) == len(seeds)
    for seed, (A_sparse, result) in zip(seeds, results):
        alone = pruning.prune(A, P_alone, rng=np.random.default_rng(seed), diagonal="row_sum")
        assert (A_sparse != alone).nnz == 0
        expected = spectra.compare(A, alone, eig=eig, metrics=metrics)
        assert result["spectral_eps"] == expected["spectral_eps"]  # the shared Cholesky factor changes no bit
        for key in ("eigenvalues_pruned", "eig_err", "vec_err", "alignment"):
            assert np.array_equal(result[key], expected[key]), key


def test_prune_and_measure_rejects_bad_workers_before_any_work():
    def fail(A_sparse):
        raise AssertionError("measured")

    with pytest.raises(ValueError, match=r"^workers must be a positive integer, got 0$"):
        draws.prune_and_measure(
            np.eye(3) * -1.0, None, probability=dict(method="weight"), diagonal="row_sum",
            rngs=[np.random.default_rng(0)], measure=fail, workers=0,
        )


def test_prune_and_measure_with_rectified_metrics_equals_separate_calls():
    A = networks.clustered([30, 20], long_range=20, rng=np.random.default_rng(3))
    b = np.random.default_rng(4).normal(1.0, 0.5, size=A.shape[0])
    probability = dict(method="weight", keep_fraction=0.5, normalization="exact", theory_k=4.0, theory_eps=0.5)
    seeds = [0, 5]
    P, results = draws.prune_and_measure(
        A, None, probability=probability, diagonal="row_sum", rngs=[np.random.default_rng(s) for s in seeds],
        measure=lambda A_sparse: rectified.compare(A, A_sparse, b),
    )
    for seed, (A_sparse, result) in zip(seeds, results):
        alone = pruning.prune(A, P, rng=np.random.default_rng(seed), diagonal="row_sum")
        assert (A_sparse != alone).nnz == 0
        expected = rectified.compare(A, alone, b)
        assert result["status"] == expected["status"]
        np.testing.assert_array_equal(result["eig_err"], expected["eig_err"])


def test_pruning_stream_is_the_one_the_results_were_drawn_with():
    # the names of the stream fix every pruned network on disk: they must not change
    first = pruning_rng(3, "paper2000", "1", "exact", "noise", "0.2").integers(2**62, size=2)
    assert first.tolist() == [4031959263474924890, 1310211567293527080]
    with pytest.raises(ValueError, match=r"^keep must be a string as in the result paths, got 0.2$"):
        pruning_rng(3, "paper2000", 1, "exact", "noise", 0.2)


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


def test_prune_methods_gives_each_method_its_draws_alone_in_any_order():
    """A pruning job runs several methods on one network and covariance, sharing the
    measure (its eigendecomposition and Cholesky factor): each method's probabilities,
    pruned networks and metrics are those of the method alone, in either order."""
    A = networks.clustered([40, 20, 30], long_range=60, rng=np.random.default_rng(2))
    eig = spectra.eigendecompose(A)
    settings = dict(keep_fraction=0.3, normalization="exact", theory_k=4.0, theory_eps=0.5)
    probabilities = {m: dict(settings, method=m) for m in ("weight", "uniform", "topk")}

    def rngs(method):
        return [pruning_rng(p, "net", 0, "none", method, "0.3") for p in (0, 1)]

    def run(order):
        out = {}
        for method, P, results in draws.prune_methods(
            A, None, {m: probabilities[m] for m in order}, diagonal="row_sum", rngs=rngs,
            measure=draws.spectral(A, eig=eig),
        ):
            out[method] = (P.toarray(), [(A_sparse.toarray(), r["eig_err"], r["spectral_eps"]) for A_sparse, r in results])
        return out

    together, reversed_ = run(["weight", "uniform", "topk"]), run(["topk", "uniform", "weight"])
    for method in probabilities:
        P, alone = draws.prune_and_measure(A, None, probability=probabilities[method], diagonal="row_sum",
                                           rngs=rngs(method), measure=draws.spectral(A, eig=eig))
        alone = [(A_sparse.toarray(), r["eig_err"], r["spectral_eps"]) for A_sparse, r in alone]
        for got in (together[method], reversed_[method]):
            assert np.array_equal(got[0], P.toarray())
            for (As, err, eps), (As0, err0, eps0) in zip(got[1], alone):
                assert np.array_equal(As, As0) and np.array_equal(err, err0) and eps == eps0
    assert not np.array_equal(together["weight"][1][0][0], together["uniform"][1][0][0])  # methods differ

