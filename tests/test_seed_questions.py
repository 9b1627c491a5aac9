"""The seed questions in the pipeline: colored-noise covariance ids, the leak margin and
theory-normalization checks of the config, the question tables (paired tests, Holm, the
guarantee) and one end-to-end run of tests/configs/seed-questions.yaml (its tables,
figures, and a rerun that does nothing)."""

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import yaml
from helpers import results_path, run_snakemake

from noiseprune.pipeline import config as npconfig
from noiseprune.pipeline import plan as npplan
from noiseprune.pipeline import stats
from noiseprune.pipeline import tables_questions as tq
from noiseprune.pipeline.ids import colored_id, duration_of, noise_tau_of
from noiseprune.pipeline.jobs import Jobs

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "configs" / "seed-questions.yaml"
BASE = {"experiments": {"e": {"network": {"clusters": [10, 10], "long_range": 10}, "seeds": [0], "keep_fractions": [0.5]}}}


def prepared(**experiment):
    config = copy.deepcopy(BASE)
    config["experiments"]["e"].update(experiment)
    return npconfig.prepare(config)


def error_of(**experiment):
    with pytest.raises(npconfig.ConfigError) as err:
        prepared(**experiment)
    return str(err.value)


# ---------------------------------------------------------------- ids and the plan
def test_covariance_ids_carry_the_noise_tau_and_white_noise_keeps_todays():
    assert colored_id("exact", 0) == "exact" and colored_id("T10", 0.0) == "T10"
    assert colored_id("exact", 2.5) == "exact_tau2.5" and colored_id("T10", 300) == "T10_tau300"
    assert noise_tau_of("exact_tau2.5") == 2.5 and noise_tau_of("exact") == 0 and noise_tau_of("none") == 0
    # float("10_tau1") would read 101: the tag is split off first
    assert duration_of("T10_tau1") == 10.0 and duration_of("exact_tau3") == math.inf
    exp = prepared(noise={"tau": [0, 1, 30]}, covariance={"exact": True, "durations": [40]})["experiments"]["e"]
    assert npplan.covariance_ids(exp) == ["exact", "T40", "exact_tau1", "T40_tau1", "exact_tau30", "T40_tau30"]
    assert npplan.covariance_ids(prepared()["experiments"]["e"]) == ["exact"]
    assert npplan.covariance_ids(prepared(noise={"tau": 5})["experiments"]["e"]) == ["exact_tau5"]


def test_jobs_pass_the_noise_tau_and_leave_white_noise_params_unchanged():
    plan = npplan.Plan(prepared(noise={"tau": [0, 2]}, dynamics=True))
    jobs = Jobs(plan)
    assert jobs.wildcard_patterns()["noise_tau"] == "2"
    assert jobs.noise_tau({"noise_tau": "2"}) == 2.0
    white = jobs.dynamics_params({"exp": "e", "cov": "exact"})
    colored = jobs.dynamics_params({"exp": "e", "cov": "exact_tau2"})
    assert "noise_tau" not in white and colored["noise_tau"] == 2.0
    assert colored["method_covariances"] == ["exact_tau2", "none", "none"]
    same = {k: v for k, v in colored.items() if k not in ("noise_tau", "method_covariances")}
    assert same == {k: v for k, v in white.items() if k != "method_covariances"}
    # no colored experiment: the pattern matches nothing
    assert Jobs(npplan.Plan(prepared())).wildcard_patterns()["noise_tau"] == "(?!)"


@pytest.mark.parametrize("experiment, message", [
    (dict(noise={"tau": -1}), "config error: experiments.e.noise.tau = -1: must be >= 0"),
    (dict(noise={"tau": [0, -0.5]}), "config error: experiments.e.noise.tau[1] = -0.5: must be >= 0"),
    (dict(noise={"tau": [1, 1.0]}), "config error: experiments.e.noise.tau = [1, 1.0]: must not contain duplicates"),
    (dict(network={"clusters": [10, 10], "long_range": 10, "leak_margin": -0.1}),
     "config error: experiments.e.network.leak_margin = -0.1: must be >= 0"),
    (dict(network={"clusters": [10, 10], "long_range": 10, "leak_margin": 0.1, "leak": 1.0}),
     "config error: experiments.e.network.leak_margin = 0.1: applies to leak: row_sum only"),
    (dict(normalization="theory", methods=["noise"], theory_eps=1.0), "config error: experiments.e.theory_eps = 1.0: must be < 1"),
    (dict(normalization="theory", methods=["noise"], theory_eps=0), "config error: experiments.e.theory_eps = 0: must be > 0"),
])
def test_bad_values_are_one_line_naming_them(experiment, message):
    msg = error_of(**experiment)
    assert msg.startswith(message) and "\n" not in msg


def test_small_theory_k_accepted():
    exp = prepared(normalization="theory", methods=["noise"], theory_k=1)["experiments"]["e"]
    assert exp["theory_k"] == 1


def test_question_tables_only_where_the_config_has_their_experiments():
    plan = npplan.Plan(npconfig.prepare(yaml.safe_load(CONFIG.read_text())))
    assert plan.question_tables() == ["colored", "leak", "leak_tests", "guarantee"]
    assert plan.colored_experiments() == ["colored"]
    assert plan.leak_experiments() == ["leak0", "leak02", "leakI"]
    assert plan.guarantee_experiments() == ["theory_N40_k1_eps05", "theory_N80_k4_eps03"]
    assert list(plan.figures) == ["fig10_colored_noise", "fig12_leak_margin", "fig13_guarantee"]
    plain = npplan.Plan(prepared())
    assert plain.question_tables() == []
    assert not set(plain.paths(npplan.QUESTION_TABLES).values()) & set(plain.table_targets())


# ---------------------------------------------------------------- tables
def test_holm_matches_the_step_down_definition():
    p = [0.01, 0.04, 0.03, math.nan, 0.5]
    # sorted 0.01, 0.03, 0.04, 0.5 over m = 4: 0.04, 0.09, 0.09 (monotone), 0.5
    np.testing.assert_allclose(stats.holm(p), [0.04, 0.09, 0.09, math.nan, 0.5])
    assert stats.holm([0.5, 0.6])[1] == 1.0


def _draws(rng, shift):
    rows = []
    for seed in range(3):
        for pseed in range(3):
            base = rng.uniform(0.3, 0.6)
            for method, extra in (("noise", 0.0), ("weight", shift), ("uniform", 0.0)):
                rows.append(dict(network="net", keep_fraction=0.2, seed=seed, prune_seed=pseed, method=method,
                                 max_abs_eig_err=base + extra + rng.normal(0, 0.01), spectral_eps=base + extra))
    return pd.DataFrame(rows)


def test_paired_tests_are_scipy_wilcoxon_paired_by_draw_with_holm_within_the_network():
    frame = _draws(np.random.default_rng(0), 0.2)
    tests = tq.paired_tests(frame, metrics=("max_abs_eig_err", "spectral_eps"))
    assert list(tests.columns) == tq.LEAK_TEST_COLUMNS
    assert len(tests) == 4  # 2 controls x 2 metrics
    row = tests[(tests["control"] == "weight") & (tests["metric"] == "max_abs_eig_err")].iloc[0]
    noise = frame[frame["method"] == "noise"].sort_values(["seed", "prune_seed"])["max_abs_eig_err"].to_numpy()
    weight = frame[frame["method"] == "weight"].sort_values(["seed", "prune_seed"])["max_abs_eig_err"].to_numpy()
    assert row["p_value"] == pytest.approx(scipy.stats.wilcoxon(noise, weight).pvalue, rel=1e-12)
    assert row["wins"] == 9 and row["draws"] == 9
    assert row["p_value"] == pytest.approx(2 / 2**9)  # exact test, every draw one way
    np.testing.assert_allclose(tests["p_holm"], stats.holm(tests["p_value"]))
    # uniform's spectral eps equals noise's on every draw: no test (NaN), left out of the family
    same = tests[(tests["control"] == "uniform") & (tests["metric"] == "spectral_eps")].iloc[0]
    assert math.isnan(same["p_value"]) and math.isnan(same["p_holm"])


def test_guarantee_table_counts_draws_within_the_requested_eps():
    summary = pd.DataFrame(dict(network="t", n=100, seed=0, covariance="exact", method="noise", keep_fraction=1.0,
                                prune_seed=range(4), spectral_eps=[0.1, 0.29, 0.31, 0.5], edges_kept=[100, 200, 300, 400],
                                edges_original=1000))
    table = tq.guarantee_table(summary, {"t": {"theory_k": 2, "theory_eps": 0.3}})
    row = table.iloc[0]
    assert row["held"] == 2 and row["held_fraction"] == 0.5 and row["draws"] == 4
    assert row["theory_count"] == pytest.approx(2 * 2 * 100 * math.log(100) / 0.09)
    assert row["kept_fraction_mean"] == 0.25


def test_colored_table_adds_tau_and_the_slowest_time_constant():
    summary = pd.DataFrame(dict(network="c", n=3, seed=[0, 0, 0], covariance=["exact", "exact_tau2", "none"],
                                method=["noise", "noise", "weight"], keep_fraction=0.5, prune_seed=0, spectral_eps=0.1))
    eigen = pd.DataFrame(dict(network="c", seed=0, eigenvalue=[-3.0, -1.0, -0.25]))
    table = tq.colored_table(summary, eigen, ["c"])
    assert table["noise_tau"].tolist()[:2] == [0.0, 2.0] and math.isnan(table["noise_tau"].iloc[2])
    assert (table["slowest_time_constant"] == 4.0).all()
    assert table["tau_relative"].iloc[1] == 0.5
    with pytest.raises(ValueError, match="largest eigenvalue 0.5 >= 0"):
        tq.slowest_time_constants(pd.DataFrame(dict(network="c", seed=0, eigenvalue=[-1.0, 0.5])))


# ---------------------------------------------------------------- the workflow
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("seed_questions")
    run_snakemake(workdir, "--cores", "2", configfile=CONFIG, timeout=1800)
    return workdir


def test_tables_and_figures_of_the_run(run):
    results = results_path(run, CONFIG)
    summary = pd.read_csv(results / "tables" / "summary.csv")
    colored = summary[summary["network"] == "colored"]
    assert set(colored["covariance"]) == {"exact", "exact_tau1", "exact_tau100", "T40", "T40_tau1", "T40_tau100", "none"}
    # the colored covariances differ from the white one, and so do their probabilities
    cov = results / "covariance" / "colored" / "seed0"
    assert not np.allclose(np.load(cov / "exact.npy"), np.load(cov / "exact_tau100.npy"))
    table = pd.read_csv(results / "tables" / "colored.csv")
    assert (table["slowest_time_constant"] > 0).all()
    np.testing.assert_allclose(table["tau_relative"], table["noise_tau"] / table["slowest_time_constant"])
    # row-sum networks: every draw's zero modes are counted; a constant leak has none
    leak = pd.read_csv(results / "tables" / "leak.csv")
    assert leak["zero_modes"].notna().all() and (leak["unstable_modes"][leak["leak"] != "1.0"] == 0).all()
    assert leak.loc[leak["network"] == "leakI", "trajectory_err_end"].isna().all()
    assert leak.loc[leak["network"] != "leakI", "trajectory_err_end"].notna().all()
    tests = pd.read_csv(results / "tables" / "leak_tests.csv")
    assert set(tests["network"]) == {"leak0", "leak02", "leakI"} and (tests["draws"] == 4).all()
    guarantee = pd.read_csv(results / "tables" / "guarantee.csv")
    assert list(guarantee["network"]) == ["theory_N40_k1_eps05", "theory_N80_k4_eps03"]
    assert ((guarantee["held"] >= 0) & (guarantee["held"] <= guarantee["draws"])).all()
    for name in ("fig10_colored_noise", "fig12_leak_margin", "fig13_guarantee"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000
    # the theory job with k = 1 logs the theorem's assumption
    logs = list((results / "logs").rglob("*theory_N40_k1_eps05*")) + list((results / "logs" / "prune_measure").rglob("*.log"))
    assert any("assumes k > 3" in p.read_text() for p in logs if p.is_file())


def test_rerun_does_nothing(run):
    proc = run_snakemake(run, "--cores", "2", "-n", configfile=CONFIG)
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_empirical_table_of_a_config_without_simulated_covariances_is_empty_with_its_columns():
    from noiseprune.pipeline import tables

    frame = tables.empirical_table(tables.summary_table([]), [])
    assert frame.empty and {"covariance", "duration", "spectral_eps"} <= set(frame.columns)
