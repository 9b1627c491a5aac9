"""pruning.online: synapses deciding while the simulation runs (docs/method.md, "The online rule")."""

import functools

import numpy as np
import pytest
import scipy.sparse as sp

from noiseprune import covariance, networks, pruning

RUN = dict(duration=200, dt=0.01, burn_in=2, replicas=8)


@functools.cache
def network(symmetric=True):
    return networks.sparse_clustered([50], repeat=5, within=20, long_range=4, symmetric=symmetric,
                                     rng=np.random.default_rng(1))


def once_at_the_end(A, keep_fraction, seed):
    """covariance.on_edges + probabilities + prune on the stream online uses: its first
    draws are the decision uniforms, which prune draws again from a fresh generator."""
    rng = np.random.default_rng(seed)
    rng.random(pruning.edges(A, symmetric=(A != A.T).nnz == 0)[0].size)
    C = covariance.on_edges(A, rng=rng, **RUN)
    P = pruning.probabilities(A, C, keep_fraction=keep_fraction)
    return pruning.prune(A, P, rng=np.random.default_rng(seed)), C


@pytest.mark.parametrize("symmetric", [True, False])
def test_no_early_decision_equals_pruning_once_at_the_end(symmetric):
    A = network(symmetric)
    result = pruning.online(A, keep_fraction=0.3, warm_up=RUN["duration"], check_every=10, rng=np.random.default_rng(3), **RUN)
    expected, C = once_at_the_end(A, 0.3, 3)
    assert (result.network != expected).nnz == 0
    assert (result.C != C).nnz == 0
    assert np.all(result.decided_at == RUN["duration"])


@pytest.mark.parametrize("symmetric", [True, False])
def test_online_keeps_the_target_signs_and_symmetry(symmetric):
    A = network(symmetric)
    result = pruning.online(A, keep_fraction=0.3, warm_up=20, check_every=20, tolerance=0.1,
                            rng=np.random.default_rng(4), **RUN)
    early = result.decided_at < RUN["duration"]
    assert 0.2 < early.mean() < 1  # some decide early, some only at the end
    assert set(np.unique(result.decided_at)) <= set(np.arange(20, RUN["duration"] + 1, 20.0))  # at checkpoints
    m = result.i.size
    kept = result.kept.sum()
    assert abs(kept - 0.3 * m) < 4 * np.sqrt(0.3 * 0.7 * m)  # a binomial count around the target
    B = result.network
    assert ((B != B.T).nnz == 0) == symmetric
    a = np.asarray(A[result.i[result.kept], result.j[result.kept]]).ravel()
    b = np.asarray(B[result.i[result.kept], result.j[result.kept]]).ravel()
    np.testing.assert_allclose(b, a / result.p[result.kept])
    assert np.all(np.sign(a) == np.sign(b))
    stored = sp.coo_array(B)
    assert np.count_nonzero(stored.row != stored.col) == (2 if symmetric else 1) * kept  # only the kept synapses
    off_abs = lambda M: abs(M).sum(axis=1) - abs(M.diagonal())  # noqa: E731
    np.testing.assert_allclose(B.diagonal(), A.diagonal() + off_abs(A) - off_abs(B), atol=1e-9)  # row-sum diagonal


def test_early_decisions_change_the_running_network():
    """Later estimates come from the partially pruned dynamics: the final covariance
    differs from the run that never prunes early, on the same noise."""
    A = network()
    late = pruning.online(A, keep_fraction=0.3, warm_up=RUN["duration"], check_every=20, rng=np.random.default_rng(4), **RUN)
    early = pruning.online(A, keep_fraction=0.3, warm_up=20, check_every=20, tolerance=0.1, rng=np.random.default_rng(4), **RUN)
    assert abs(early.C - late.C).max() > 1e-3


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(warm_up=-1), "warm_up"),
        (dict(tolerance=0), "tolerance"),
        (dict(keep_fraction=0), "keep_fraction"),
        (dict(keep_fraction=1.5), "keep_fraction"),
        (dict(check_every=0), "check_every"),
        (dict(replicas=1), "replicas 1"),
    ],
)
def test_bad_input(bad, match):
    args = dict(keep_fraction=0.3, warm_up=10, check_every=10, tolerance=0.1, rng=np.random.default_rng(0), **RUN)
    args.update(bad)
    with pytest.raises(ValueError, match=match) as error:
        pruning.online(network(), **args)
    assert "\n" not in str(error.value)


def test_brain_scale_online_pairs_every_warm_up_with_the_same_draw():
    """brain_scale.online: per pruning seed one run per warm-up plus the once-at-the-end
    run, all on that seed's stream; the last equals pruning once at the end, measured by
    spectra.sparse_metrics."""
    from noiseprune import brain_scale, spectra

    A = network()
    rows = brain_scale.online(A, keep_fraction=0.3, warm_ups=[150, 50], check_every=10, tolerance=0.1,
                              prune_seeds=[3, 4], eigenvalues=4, rng=lambda *names: np.random.default_rng(names[-1]), **RUN)
    assert [(r["prune_seed"], r["warm_up"], r["once_at_end"]) for r in rows] == [
        (s, w, w == 200) for s in (3, 4) for w in (50.0, 150.0, 200.0)]
    end = rows[2]
    expected, _ = once_at_the_end(A, 0.3, 3)
    err = np.abs(spectra.sparse_metrics(A, expected, k=4, spectral_eps=False)["slowest_err"])
    assert end["median_slowest_err"] == pytest.approx(np.median(err), rel=1e-9)
    assert end["decided_early"] == 0 and end["kept_fraction"] == pruning.offdiag_nnz(expected) / pruning.offdiag_nnz(A)
    assert rows[0]["decided_early"] > rows[1]["decided_early"] > 0  # an earlier warm-up decides more before the end


def test_online_digest_by_hand():
    """brain_online_digest: each warm-up against the once-at-the-end run of the same draw,
    Wilcoxon over the draws, Holm over the warm-ups; the end row has no test."""
    import pandas as pd
    from scipy import stats as scipy_stats

    from noiseprune.pipeline import stats, tables_brain

    rng = np.random.default_rng(0)
    end = rng.uniform(0.1, 0.2, 6)
    diffs = {10.0: rng.normal(0.05, 0.01, 6), 30.0: rng.normal(0.0, 0.01, 6)}
    rows = [dict(seed=d // 3, prune_seed=d % 3, warm_up=w, once_at_end=False, median_slowest_err=end[d] + diffs[w][d])
            for w in diffs for d in range(6)]
    rows += [dict(seed=d // 3, prune_seed=d % 3, warm_up=100.0, once_at_end=True, median_slowest_err=end[d]) for d in range(6)]
    frame = pd.DataFrame(rows).assign(**{c: 0.5 for c in tables_brain.ONLINE_COLUMNS if c != "median_slowest_err"})
    digest = tables_brain.online_digest(frame.sample(frac=1, random_state=1))  # row order does not matter
    assert list(digest["warm_up"]) == [10.0, 30.0, 100.0] and list(digest["once_at_end"]) == [False, False, True]
    p = [scipy_stats.wilcoxon(diffs[w]).pvalue for w in (10.0, 30.0)]
    np.testing.assert_allclose(digest["p_wilcoxon"].iloc[:2], p)
    np.testing.assert_allclose(digest["p_holm"].iloc[:2], stats.holm(p))
    assert digest["wins"].iloc[0] == int((diffs[10.0] < 0).sum()) and digest["losses"].iloc[0] == int((diffs[10.0] > 0).sum())
    assert digest["median_difference"].iloc[0] == pytest.approx(np.median(diffs[10.0]))
    assert np.isnan(digest["p_holm"].iloc[2])


def test_fig17_pairs_each_run_with_its_own_draws_end():
    """Fig. 17 (b): every run's difference from the once-at-the-end run of the same draw,
    at its own warm-up, whatever the row order of the table."""
    import pandas as pd

    from noiseprune.pipeline import tables_brain
    from noiseprune.plotting.fig17 import fig17_online_pruning

    shift = {10.0: 0.05, 30.0: -0.05, 60.0: 0.0}
    rows = [dict(n=200, seed=s, prune_seed=p, warm_up=w, once_at_end=w == 60.0, median_slowest_err=0.1 * (s + 1) + p / 100 + d,
                 max_slowest_err=0.5, median_fastest_err=0.3, kept_fraction=0.3, decided_early=0.5 * (w < 60),
                 mean_decision_time=w) for s in (0, 1) for p in (0, 1, 2) for w, d in shift.items()]
    online = pd.DataFrame(rows).sample(frac=1, random_state=3)  # draws interleaved, not sorted
    fig = fig17_online_pruning(online, tables_brain.online_digest(online))
    points = fig.axes[1].collections[0].get_offsets()
    for x, y in points:
        assert y == pytest.approx(0.05 if x < 0.5 else -0.05)  # warm-up 10 at x = 0, warm-up 30 at x = 1
