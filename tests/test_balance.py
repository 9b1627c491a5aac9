"""The excitatory/inhibitory balance table (balance.csv) and the paired tests of Fig. 11."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from noiseprune import networks, pruning
from noiseprune.pipeline import plan as npplan
from noiseprune.pipeline.config import prepare
from noiseprune.pipeline.draw_rows import BALANCE_COLUMNS, balance_row, synaptic_inputs
from noiseprune.pipeline.stats import holm, paired_tests

IDS = dict(network="d", n=3, seed=0, covariance="none", method="weight", keep_fraction=0.5, prune_seed=0)


def test_synaptic_inputs_by_hand_dense_and_sparse():
    A = np.array([[-5.0, 2.0, -3.0], [1.0, -4.0, -1.0], [0.0, 4.0, -9.0]])
    exc, inh = synaptic_inputs(A)
    np.testing.assert_array_equal(exc, [2.0, 1.0, 4.0])  # the diagonal (leak) is no synapse
    np.testing.assert_array_equal(inh, [3.0, 1.0, 0.0])
    exc_s, inh_s = synaptic_inputs(sp.csr_array(A))
    np.testing.assert_array_equal(exc_s, exc)
    np.testing.assert_array_equal(inh_s, inh)


def test_balance_row_by_hand():
    A = np.array([[-5.0, 2.0, -3.0], [1.0, -4.0, -1.0], [0.0, 4.0, -9.0]])
    As = sp.csr_array(np.array([[-5.0, 4.0, -3.0], [0.0, -4.0, -2.0], [0.0, 4.0, -9.0]]))
    row = balance_row(IDS, A, As)
    assert list(row)[-len(BALANCE_COLUMNS):] == BALANCE_COLUMNS
    assert row["exc_input"] == pytest.approx(7 / 3) and row["inh_input"] == pytest.approx(4 / 3)
    assert row["exc_input_pruned"] == pytest.approx(8 / 3) and row["inh_input_pruned"] == pytest.approx(5 / 3)
    # E: 2 -> 4 (+100 %), 1 -> 0 (-100 %), 4 -> 4 (0): median 1; I: 3 -> 3, 1 -> 2 (neuron 3 has none)
    assert row["exc_input_err"] == pytest.approx(1.0) and row["inh_input_err"] == pytest.approx(0.5)
    change = np.array([2.0, -1.0 - 1.0, 0.0])  # net input (E - I) after minus before
    assert row["net_input_err"] == pytest.approx(np.sqrt(np.mean(change**2)) / (7 / 3))
    with pytest.raises(ValueError, match="pruned network has 2 neurons"):
        balance_row(IDS, A, sp.csr_array(np.eye(2)))


def test_unbiased_pruning_keeps_the_mean_inputs_of_a_dale_network():
    A = networks.build({"kind": "dale", "clusters": [60, 20, 40], "long_range": 200}, rng=np.random.default_rng(0))
    P = pruning.probabilities(A, method="uniform", keep_fraction=0.5)
    ratios = []
    for seed in range(20):
        row = balance_row(IDS, A, pruning.prune(A, P, rng=np.random.default_rng(seed)))
        ratios.append([row["exc_input_pruned"] / row["exc_input"], row["inh_input_pruned"] / row["inh_input"]])
    assert np.abs(np.mean(ratios, axis=0) - 1).max() < 0.02
    assert row["exc_input"] == pytest.approx(row["inh_input"], rel=1e-12)  # balanced on average over neurons


def test_holm_by_hand():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1, never below a smaller p's


def test_paired_tests_pairs_draws_and_corrects():
    rows = []
    for seed in range(3):
        for pseed in range(3):
            base = 1.0 + seed + 0.1 * pseed
            rows += [dict(network="d", seed=seed, prune_seed=pseed, keep_fraction=0.1, method="noise", err=base),
                     dict(network="d", seed=seed, prune_seed=pseed, keep_fraction=0.1, method="weight", err=base + 0.5),
                     dict(network="d", seed=seed, prune_seed=pseed, keep_fraction=0.1, method="uniform",
                          err=base + (0.1, 0.2)[pseed - 1] if pseed else base - 0.3)]  # loses big 3 times
    out = paired_tests(pd.DataFrame(rows), "err").set_index("method")
    assert out.loc["weight", "pairs"] == 9 and out.loc["weight", "wins"] == 9
    assert out.loc["weight", "p_value"] == pytest.approx(2 / 2**9)  # exact: every pair lower
    assert out.loc["weight", "median_difference"] == pytest.approx(-0.5)
    assert out.loc["uniform", "wins"] == 6 and out.loc["uniform", "p_value"] > 0.05
    np.testing.assert_allclose(out["p_holm"], holm(out["p_value"]))


def config(kind):
    net = {"clusters": [20, 10], "long_range": 40} | ({"kind": kind} if kind else {})
    return {"experiments": {"e": {"network": net, "seeds": [0, 1], "keep_fractions": [0.3, 0.6], "prune_seeds": [0, 1]}}}


def test_plan_builds_the_balance_table_for_dale_networks_only():
    plan = npplan.Plan(prepare(config("dale")))
    assert "balance" in plan.table_names() and plan.path("tables/balance.csv") in plan.table_targets()
    draws = plan.balance_draws()
    assert len(draws) == 2 * 3 * 2 * 2  # seeds x methods x keep fractions x pruning seeds
    assert draws[0]["network"] == "results/networks/e/seed0/A.npy"
    assert {d["pruned"] for d in draws} == {plan.path(npplan.PRUNED).format(**j) for j in plan.metric_jobs()}
    assert all(d["ids"]["n"] == 30 for d in draws)
    for kind in (None, "normal"):
        other = npplan.Plan(prepare(config(kind)))
        assert "balance" not in other.table_names() and other.balance_draws() == []


def synthetic_tables():
    """summary and balance rows of a dale experiment: noise-prune lower than both controls
    on the largest eigenvalue error in every draw; on the median error only at 20 %."""
    summary, balance = [], []
    for seed in range(3):
        for pseed in range(3):
            for keep in (0.05, 0.1, 0.2):
                for k, (method, cov) in enumerate((("noise", "exact"), ("weight", "none"), ("uniform", "none"))):
                    ids = dict(network="dale2000", n=2000, seed=seed, covariance=cov, method=method,
                               keep_fraction=keep, prune_seed=pseed)
                    jitter = 0.01 * (3 * seed + pseed)
                    median = 0.1 + jitter + (0.05 * k if keep == 0.2 else (-0.01 if pseed == 1 else 0.01) * k)
                    summary.append(dict(ids, max_abs_eig_err=0.5 + 0.2 * k + jitter, median_abs_eig_err=median))
                    balance.append(dict(ids, exc_input=1.0, inh_input=1.0, exc_input_pruned=1.0, inh_input_pruned=1.0,
                                        exc_input_err=0.3 + 0.1 * k, inh_input_err=0.2 + 0.1 * k, net_input_err=0.5 + 0.1 * k))
    return pd.DataFrame(summary), pd.DataFrame(balance)


def test_fig11_panels_and_significance_markers():
    from noiseprune.plotting.fig11 import beats_every_control, fig11_excitatory_inhibitory

    summary, balance = synthetic_tables()
    assert beats_every_control(summary, "max_abs_eig_err") == [0.05, 0.1, 0.2]
    assert beats_every_control(summary, "median_abs_eig_err") == [0.2]
    fig = fig11_excitatory_inhibitory(summary, balance, "dale2000")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert [t[:3] for t in titles] == ["(a)", "(b)", "(c)", "(d)"]
    stars = [[line for line in ax.get_lines() if line.get_marker() == "*"] for ax in fig.axes[:2]]
    assert [len(s) for s in stars] == [3, 1]
    assert len({ax.get_xlim() for ax in fig.axes}) == 1  # one kept-fraction axis
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "noise-prune below every control (Holm p < 0.05)" in labels and "inhibitory (c)" in labels
    assert "band min to max over 3 network seeds $\\times$ 3 pruning seeds" in fig.get_suptitle()
