"""The numbers docs/results.md quotes for Figs. 7 and 8 (config.yaml's tables at N = 1000,
configs/figs7-8.yaml's at N = 2000) and for Fig. 11 (configs/dale.yaml's), and the
configs that hold larger versions of the default experiments.

configs/figs7-8.yaml runs config.yaml's Fig. 7 and 8 experiments at N = 2000, each key
for key its default counterpart but for the network size and the simulated keep
fractions; configs/large.yaml runs config.yaml's Fig. 4 experiments with a second
N = 10000 network. The docs' rendered blocks (noiseprune.pipeline.results_text) must be
what the tables give: checked against a results directory when a run left one, and
always for what the block states about the config (its networks, kept fractions,
methods and covariances).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from noiseprune.pipeline import results_text
from noiseprune.pipeline.config import prepare

ROOT = Path(__file__).resolve().parent.parent
FIGS78 = ROOT / "configs" / "figs7-8.yaml"
#: How a block that awaits its config's run begins.
PENDING = "(pending: no run of "
#: configs/figs7-8.yaml's experiment (N = 2000) -> its config.yaml counterpart (N = 1000).
COUNTERPARTS = {"relu_active100": "relu1000_active100", "relu_active70": "relu1000_active70",
                "relu_active40": "relu1000_active40", "nonsym2000": "nonsym1000", "normal2000": "normal1000"}
SHARED = list(COUNTERPARTS)


def prepared(path):
    with open(path) as fh:
        return prepare(yaml.safe_load(fh))


def _without_size(exp):
    exp = dict(exp, network={k: v for k, v in exp["network"].items() if k not in ("clusters", "long_range")})
    exp["dynamics_params"] = {k: v for k, v in exp["dynamics_params"].items() if k != "keep_fractions"}
    return {k: v for k, v in exp.items() if k not in ("n", "name")}


def test_figs78_runs_the_default_configs_experiments_at_n2000():
    default, figs = prepared(ROOT / "config.yaml"), prepared(FIGS78)
    assert set(figs["experiments"]) == set(SHARED)
    for big, small in COUNTERPARTS.items():
        b, s = figs["experiments"][big], default["experiments"][small]
        assert _without_size(b) == _without_size(s), big
        assert b["n"] == 2000 and s["n"] == 1000
        assert b["network"]["clusters"] == [2 * c for c in s["network"]["clusters"]]
        assert b["network"]["long_range"] == 2 * s["network"]["long_range"]  # the same long-range entries per neuron
    assert figs["figures"]["fig7_relu"]["experiments"] == SHARED[:3]
    assert [COUNTERPARTS[e] for e in figs["figures"]["fig8_nonsymmetric"]["experiments"]] == \
        default["figures"]["fig8_nonsymmetric"]["experiments"]
    assert figs["experiments"]["normal2000"]["network"]["kind"] == "normal"
    assert figs["results_dir"] != default["results_dir"]


def test_large_config_is_the_default_fig4_with_a_second_network():
    default, large = prepared(ROOT / "config.yaml"), prepared(ROOT / "configs" / "large.yaml")
    for name, more in (("paper3000", 0), ("paper10000", 1)):
        d, g = dict(default["experiments"][name]), dict(large["experiments"][name])
        small, big = d.pop("seeds"), g.pop("seeds")
        assert big[:len(small)] == small and len(big) == len(small) + more, name
        assert d == g, name
    assert large["results_dir"] != default["results_dir"]


def docs_blocks():
    return results_text.document_blocks((ROOT / "docs" / "results.md").read_text())


def test_docs_have_every_block():
    assert set(docs_blocks()) == set(results_text.BLOCKS)


def table_rows(body):
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in body.strip().splitlines()[2:]]


@pytest.mark.parametrize("config, relu, nonsym", [
    ("configs/figs7-8.yaml", "figs7-8-relu", "figs7-8-nonsymmetric"),
    ("config.yaml", "default-relu", "default-nonsymmetric"),
])
def test_docs_blocks_state_the_configs_networks_fractions_and_methods(config, relu, nonsym):
    cfg = prepared(ROOT / config)
    exps, figures = cfg["experiments"], cfg["figures"]
    blocks = docs_blocks()
    if any(blocks[name].startswith(PENDING) for name in (relu, nonsym)):
        pytest.skip(f"the docs' Figs. 7/8 tables await a run of {config}")
    for name, networks in ((relu, figures["fig7_relu"]["experiments"]), (nonsym, figures["fig8_nonsymmetric"]["experiments"])):
        rows = table_rows(blocks[name])
        named = [r[0].split(" (")[0] for r in rows if r[0]]
        assert named == networks
        keeps = [r[1] for r in rows]
        assert keeps == [f"{100 * k:g} %" for n in networks for k in exps[n]["keep_fractions"]]
        header = blocks[name].splitlines()[0]
        for n in networks:
            for m in exps[n]["methods"]:
                assert m.replace("noise", "noise-prune") in header
    relu_header = blocks[relu].splitlines()[0]
    for d in exps[figures["fig7_relu"]["experiments"][1]]["covariance"]["durations"]:
        assert f"noise-prune (T{d:g})" in relu_header  # the simulated covariance is quoted too


@pytest.mark.parametrize("name", sorted(results_text.BLOCKS))
def test_docs_blocks_are_the_tables_of_a_run(name):
    config, table, _ = results_text.BLOCKS[name]
    tables = ROOT / prepared(ROOT / config)["results_dir"] / "tables"
    if not (tables / table).is_file():
        pytest.skip(f"no {table} of {config} under {tables} (make reproduce CONFIG={config})")
    assert docs_blocks()[name] == results_text.render(name, tables)


def test_rendering_counts_failed_draws_and_spreads():
    rows = []
    for seed in range(3):
        for method, cov in (("noise", "linearized"), ("weight", "none")):
            ok = not (method == "weight" and seed == 2)
            rows.append(dict(network="r", seed=seed, active_fraction=0.5 + 0.01 * seed, covariance=cov, method=method,
                             keep_fraction=0.1, prune_seed=0, status="ok" if ok else "no_stable_fixed_point",
                             fixed_point_err=0.1 * (seed + 1) if ok else np.nan,
                             max_abs_jac_eig_err=0.2 if ok else np.nan))
    body = results_text.relu_block(pd.DataFrame(rows), ["r"])
    row = table_rows(body)[0]
    assert row[0] == "r (50–52 %)" and row[1] == "10 %"
    assert row[2] == "0.20 [0.10, 0.30]"  # noise: median [min, max] of 0.1, 0.2, 0.3
    assert row[3] == "0.15 [0.10, 0.20] (2 of 3)"  # weight: the unstable draw left out, and said so
    assert row[4] == "0.20 [0.20, 0.20]"
    assert results_text.spread([]) == "–" and results_text.number(0.0944) == "0.094" and results_text.number(105) == "100"


def test_rewrite_replaces_only_the_configs_blocks():
    text = ("intro\n<!-- results: figs7-8-relu -->\nold\n<!-- end results -->\nmiddle\n"
            "<!-- results: figs7-8-nonsymmetric -->\nold\n<!-- end results -->\nend\n")
    out = results_text.rewrite(text, "configs/figs7-8.yaml", Path("."), renderer=lambda name, d: f"new {name}\n")
    assert out == text.replace("old\n", "new figs7-8-relu\n", 1).replace("old\n", "new figs7-8-nonsymmetric\n", 1)
    assert results_text.rewrite(text, "configs/other.yaml", Path("."), renderer=lambda name, d: "x\n") == text
    with pytest.raises(ValueError, match="docs lack the block <!-- results: fig2-spectrum -->"):
        results_text.rewrite(text, "config.yaml", Path("."), renderer=lambda name, d: "")


def test_seed_question_blocks_render_their_tables():
    colored = pd.DataFrame([
        dict(seed=s, method=m, noise_tau=tau, slowest_time_constant=30.0, spectral_eps=e, max_abs_eig_err=e / 2,
             median_abs_eig_err=0.05)
        for s in range(3) for m, tau, e in (("noise", 0.0, 0.5 + 0.1 * s), ("noise", 300.0, 0.6), ("weight", np.nan, 1.0))
    ])
    rows = table_rows(results_text.colored_block(colored))
    assert rows[0][:4] == ["noise-prune", "0 (white)", "0", "0.60 [0.50, 0.70]"]
    assert rows[1][1:3] == ["300", "10 [10, 10]"]  # tau_c over the slowest time constant
    assert rows[2][:2] == ["weight", "(reads no C)"] and len(rows) == 3

    leak = pd.DataFrame([
        dict(network="leak_constant", method=m, max_abs_eig_err=0.1, spectral_eps=0.3, trajectory_err_end=0.2,
             zero_modes=float(m == "uniform" and s == 0), unstable_modes=0.0)
        for m in ("noise", "weight", "uniform") for s in range(3)
    ])
    rows = table_rows(results_text.leak_block(leak))
    assert [r[0] for r in rows] == ["−I + W", "", ""]
    assert rows[0][-1] == "1 / 0 of 9"  # one pruned network with a zero mode, none growing

    guarantee = pd.DataFrame([dict(n=1000, theory_k=1.0, theory_eps=0.5, draws=20, held=14, spectral_eps_median=0.48,
                                   spectral_eps_max=0.54, kept_fraction_mean=0.06, kept_over_theory=0.91)])
    assert table_rows(results_text.guarantee_block(guarantee)) == [["1000", "1", "0.5", "14 of 20", "0.48", "0.54", "0.060", "0.91"]]


def test_large_block_rows_per_network_and_metric():
    rows = [dict(network=net, n=n, method=m, covariance="exact" if m == "noise" else "none", keep_fraction=0.03,
                 prune_seed=s, max_abs_eig_err=e + s / 10, spectral_eps=2 * e, median_abs_eig_err=0.05)
            for net, n in (("big", 10000), ("small", 3000)) for m, e in (("noise", 0.3), ("weight", 2.0))
            for s in range(2)]
    body = results_text.large_block(pd.DataFrame(rows), ["small", "big"])
    lines = table_rows(body)
    assert body.splitlines()[0] == "| network | metric | noise-prune | weight |"
    assert lines[0] == ["small (N = 3000, 3 % kept, 2 draws)", "max ǀeig. errorǀ", "0.35 [0.30, 0.40]", "2.0 [2.0, 2.1]"]
    assert lines[1] == ["", "spectral ε", "0.60 [0.60, 0.60]", "4.0 [4.0, 4.0]"]
    assert lines[3][0] == "big (N = 10000, 3 % kept, 2 draws)" and len(lines) == 6


def test_trained_block_rows_per_reducer_and_variant():
    rows = [dict(reducer="original", covariance="none", rescale="none", keep_fraction=1.0, retrained=False,
                 task_accuracy=1.0, units_kept=8, n=8)]
    for keep, acc in ((0.9, 0.9), (0.5, 0.1)):
        for s in range(2):
            rows += [dict(reducer="weight", covariance="none", rescale=v, keep_fraction=keep, retrained=False,
                          task_accuracy=acc + s / 10, units_kept=8, n=8) for v in ("mask", "rescale")]
            rows.append(dict(reducer="noise", covariance="lnp", rescale="rescale", keep_fraction=keep, retrained=False,
                             task_accuracy=acc, units_kept=8, n=8))
            rows.append(dict(reducer="noise", covariance="lnp", rescale="rescale", keep_fraction=keep, retrained=True,
                             task_accuracy=1.0, units_kept=8, n=8))
        rows.append(dict(reducer="merge", covariance="snp", rescale="fold", keep_fraction=keep, retrained=False,
                         task_accuracy=acc, units_kept=int(8 * keep), n=8))
    lines = table_rows(results_text.trained_block(pd.DataFrame(rows)))
    assert [r[0] for r in lines] == ["noise-prune, L-NP, 1/p", "weight, 1/p", "weight, mask", "merge, S-NP (7, 4 of 8 units)"]
    assert lines[0][1:] == ["0.90 [0.90, 0.90]", "0.10 [0.10, 0.10]"]  # the retrained rows left out
    assert lines[1][1:] == ["0.95 [0.90, 1.0]", "0.15 [0.10, 0.20]"]


def test_retention_block_pooled_rows_and_paired_table():
    tests = pd.DataFrame([
        dict(task=t, reducer=r, covariance=c, rescale=v, keep_fraction=k, networks=12 if t == "all" else 3,
             wins=w, losses=12 - w, median_difference=0.1, mean_retention=m, baseline_retention=b, p_value=0.01, p_holm=p)
        for t in ("all", "go_nogo") for k, b in ((0.5, 0.75), (0.2, 0.09))
        for r, c, v, w, m, p in (("noise", "lnp", "rescale", 11, 0.9, 0.004), ("uniform", "none", "mask", 0, 0.05, 0.002))
    ])
    body = results_text.retention_block(tests)
    retention, versus = body.split("\n\n")[:2]
    assert retention.splitlines()[0] == "| mean retention | 50 % pruned | 80 % pruned |"
    assert table_rows(retention) == [["weight, top p (magnitude)", "0.75", "0.090"], ["uniform, mask", "0.050", "0.050"],
                                     ["noise-prune, L-NP, 1/p", "0.90", "0.90"]]
    assert table_rows(versus)[1] == ["noise-prune, L-NP, 1/p", "11 / 1, 0.0040", "11 / 1, 0.0040"]
    assert body.endswith("12 networks (pooled over tasks).\n")


def test_task_retention_block_one_row_per_task_then_pooled():
    tests = pd.DataFrame([
        dict(task=t, reducer=r, covariance=c, rescale=v, keep_fraction=k, networks=6 if t == "all" else 3,
             wins=w, losses=1, median_difference=0.1, mean_retention=m + (0.01 if t == "go_nogo" else 0),
             baseline_retention=b, p_value=0.5, p_holm=1.0)
        for t in ("go_nogo", "all", "delay_match") for k, b in ((0.5, 0.75), (0.2, 0.09))
        for r, c, v, w, m in (("noise", "lnp", "rescale", 2, 0.9), ("noise", "snp", "rescale", 0, 0.5),
                              ("obs", "rates", "refit", 3, 1.0), ("uniform", "none", "mask", 0, 0.05))
    ])
    lines = results_text.task_retention_block(tests).splitlines()
    assert lines[0].startswith("| task | networks | magnitude: retention at 50 % / 80 % pruned | noise-prune, L-NP, 1/p |")
    assert table_rows("\n".join(lines)) == [
        ["delay match", "3", "0.75 / 0.090", "0.90 / 0.90", "0.50 / 0.50", "1.0 / 1.0", "2 / 1, 2 / 1", "0 / 1, 0 / 1"],
        ["go nogo", "3", "0.75 / 0.090", "0.91 / 0.91", "0.51 / 0.51", "1.0 / 1.0", "2 / 1, 2 / 1", "0 / 1, 0 / 1"],
        ["pooled", "6", "0.75 / 0.090", "0.90 / 0.90", "0.50 / 0.50", "1.0 / 1.0", "2 / 1, 2 / 1", "0 / 1, 0 / 1"]]
    one_task = table_rows(results_text.task_retention_block(tests[tests["task"] == "go_nogo"]))
    assert [row[0] for row in one_task] == ["go nogo"]  # a one-task config: its task is the pooled row


def test_beside_block_puts_the_later_studys_numbers_beside_ours():
    tests = pd.DataFrame([
        dict(task="all", reducer=r, covariance=c, rescale=v, keep_fraction=k, networks=9, wins=1, losses=1,
             median_difference=0.0, mean_retention=m, baseline_retention=0.75 if k == 0.5 else 0.5, p_value=1.0, p_holm=1.0)
        for k in (0.5, 0.3)
        for r, c, v, m in (("noise", "lnp", "rescale", 0.9), ("uniform", "none", "mask", 0.05), ("obs", "rates", "refit", 1.0),
                           ("noise", "lnp", "rank", 0.8), ("noise", "snp", "rank", 0.4), ("noise", "snp", "rescale", 0.6))
    ])
    body = results_text.beside_block(tests)
    rows = table_rows(body.split("\n\n")[0])
    assert [r[0] for r in rows] == list(results_text.LATER_STUDY)
    assert rows[1] == ["magnitude", "0.75 (.748)", "– (.416)", "0.50 (.188)", "– (.087)"]
    assert rows[5] == ["L-NP, 1/p", "0.90 (.913)", "– (.800)", "0.90 (.581)", "– (.378)"]
    assert body.endswith("Ours: 9 networks; theirs: 24.\n")


def test_brain_and_online_blocks():
    digest = pd.DataFrame(
        [dict(n=str(n), method=m, comparison="median", draws=6, median_slowest_err=e, median_fastest_err=0.2,
              trajectory_error=0.1) for n in (3000, 1000) for m, e in (("noise", 0.12), ("weight", 0.13))]
        + [dict(n="all", method="noise - weight", comparison="median_slowest_err", draws=12, median_difference=-0.01,
                p_wilcoxon=0.01, p_holm=0.03)])
    body = results_text.brain_block(digest)
    rows = table_rows(body.split("\n\n")[0])
    assert [r[0] for r in rows] == ["1,000", "3,000"] and rows[0][1:4] == ["6", "0.12", "0.13"]
    assert table_rows(body.split("\n\n")[1]) == [["noise - weight", "median_slowest_err", "12", "-0.010", "0.030"]]
    online = pd.DataFrame([
        dict(warm_up=w, once_at_end=w == 200, draws=9, median_slowest_err=0.13, decided_early=0.0 if w == 200 else 0.8,
             kept_fraction=0.2, median_difference=np.nan if w == 200 else 0.01, wins=np.nan if w == 200 else 2,
             losses=np.nan if w == 200 else 7, p_holm=np.nan if w == 200 else 0.08) for w in (200.0, 25.0)])
    rows = table_rows(results_text.online_block(online))
    assert rows == [["25", "9", "0.13", "0.80", "0.20", "0.010", "2 / 7", "0.080"],
                    ["200 (once at the end)", "9", "0.13", "0.0", "0.20", "–", "–", "–"]]


def test_reach_block_per_reduction_and_mode():
    reach = pd.DataFrame([
        dict(reducer="weight", covariance="none", rescale="rank", mode="none", keep_fraction=0.7, pruned=0.3,
             retention=0.95, networks=6, keep_fractions=4),
        dict(reducer="weight", covariance="none", rescale="rank", mode="fine-tune", keep_fraction=np.nan, pruned=np.nan,
             retention=np.nan, networks=6, keep_fractions=4)])
    body = results_text.reach_block(reach)
    assert table_rows(body.split("\n\n")[0]) == [["weight, top p", "30 % (0.95)", "–", ""]]
    assert body.endswith("6 networks.\n")


def test_dynamics_block_reads_the_error_at_each_time_over_draws():
    rows = [dict(network="d", seed=seed, prune_seed=p, method=m, covariance="exact", time=t,
                 mean_error=(0.1 if m == "noise" else 0.3) * t + 0.01 * seed + 0.001 * p)
            for seed in range(2) for p in range(2) for m in ("weight", "noise") for t in (0.0, 0.5, 1.0)]
    frame = pd.DataFrame(rows)
    body = results_text.dynamics_block(frame, "d", [1])
    assert body.splitlines()[0] == "| time | noise-prune (4 draws) | weight (4 draws) |"  # registry order, draws counted
    assert table_rows(body) == [["1", "0.11 [0.10, 0.11]", "0.31 [0.30, 0.31]"]]
    with pytest.raises(ValueError, match="no time 2"):
        results_text.dynamics_block(frame, "d", [2])


def test_scaling_block_says_which_seeds_missed_the_target():
    rows = [dict(n=n, seed=seed, method=m, target_eps=0.5, n_log_n=n * np.log(n), c=7.0 if m == "noise" else 20.0,
                 keep_fraction_at_target=np.nan if (n, seed, m) == (200, 1, "weight") else 0.1 * (seed + 1),
                 kept_at_target=np.nan if (n, seed, m) == (200, 1, "weight") else 100.0 * (seed + 1))
            for n in (100, 200) for seed in (0, 1) for m in ("weight", "noise")]
    body = results_text.scaling_block(pd.DataFrame(rows))
    lines = table_rows(body.split("\n\n")[0])
    assert lines[0][:4] == ["100", "2", "0.15 [0.10, 0.20]", "0.15 [0.10, 0.20]"]  # noise-prune first
    assert lines[1][3] == "0.10 (1 of 2)" and lines[1][5] == "100 (1 of 2)"  # the missed seed is said, not dropped
    assert body.rstrip().endswith("7.0 (noise-prune), 20 (weight).")


def test_readme_fig2_table_is_the_docs_fig2_block():
    """The README's Fig. 2 table repeats docs/results.md's rendered block, cell for cell."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("**Fig. 2**")
    lines = [line for line in readme[start:].splitlines()[1:] if line.startswith("|")]
    rows = {r[0]: [c.replace("**", "") for c in r[1:4]] for r in table_rows("\n".join(lines))}
    block = {r[1]: r[2:5] for r in table_rows(docs_blocks()["fig2-spectrum"])}
    pairs = {"max ǀeigenvalue errorǀ": "max ǀeig. errorǀ", "spectral ε": "spectral ε",
             "median ǀeigenvalue errorǀ": "median ǀeig. errorǀ"}
    assert set(rows) == set(pairs)
    for readme_metric, block_metric in pairs.items():
        assert rows[readme_metric] == block[block_metric], readme_metric
