"""What the rules ask of the plan per job (noiseprune.pipeline.jobs), without Snakemake."""

import re

import pytest
import yaml
from helpers import ROOT

from noiseprune.pipeline import config as npconfig
from noiseprune.pipeline import plan as npplan
from noiseprune.pipeline.jobs import Jobs, alternation, canonical, grow


def jobs_of(cfg: dict) -> Jobs:
    return Jobs(npplan.Plan(npconfig.prepare(cfg, schema=npconfig.DEFAULT_SCHEMA)))


@pytest.fixture(scope="module")
def smoke():
    return jobs_of(yaml.safe_load((ROOT / "tests" / "configs" / "smoke.yaml").read_text()))


def test_wildcard_patterns_match_exactly_the_configured_values(smoke):
    patterns = smoke.wildcard_patterns()
    assert set(patterns) >= {"exp", "seed", "pseed", "keep", "method", "cov", "trained_seed", "reducer"}
    for name in smoke.experiments:
        assert re.fullmatch(patterns["exp"], name)
    assert not re.fullmatch(patterns["exp"], "missing")
    assert alternation([]) == "(?!)" and not re.fullmatch(alternation([]), "")
    assert re.fullmatch(alternation(["a.b"]), "a.b") and not re.fullmatch(alternation(["a.b"]), "axb")


def test_seed_groups_name_one_rule_per_list_of_pruning_seeds():
    base = {"network": {"clusters": [10, 10], "long_range": 10}, "seeds": [0], "keep_fractions": [0.5]}
    one = jobs_of({"experiments": {"a": dict(base, prune_seeds=[0, 1]), "b": dict(base, prune_seeds=[0, 1])}})
    assert one.seed_groups("prune_measure") == [("prune_measure", [0, 1], ["a", "b"])]
    two = jobs_of({"experiments": {"a": dict(base, prune_seeds=[0, 1]), "b": dict(base, prune_seeds=[2])}})
    assert two.seed_groups("prune_measure") == [("prune_measure_0_1", [0, 1], ["a"]), ("prune_measure_2", [2], ["b"])]
    assert two.seed_groups("prune_relu", relu=True) == []


def test_inputs_params_and_ids_of_a_pruning_job(smoke):
    name, exp = next((n, e) for n, e in smoke.experiments.items() if e["spectra"] == "full" and "noise" in e["methods"])
    w = {"exp": name, "seed": str(exp["seeds"][0]), "cov": "exact", "method": "noise", "keep": "0.5"}
    results = smoke.plan.results_dir
    assert smoke.covariance_input(w) == {"C": f"{results}/covariance/{name}/seed{w['seed']}/exact.npy"}
    assert smoke.covariance_input(dict(w, method="weight", cov="none")) == {}
    with pytest.raises(ValueError, match="methods that read C need a covariance"):
        smoke.covariance_input(dict(w, cov="none"))
    assert smoke.eigen_input(w) == {"eig": f"{results}/spectra/{name}/seed{w['seed']}/original.npz"}
    params = smoke.probability_params(w)
    assert params == dict(method="noise", keep_fraction=0.5, normalization=exp["normalization"],
                          theory_k=exp["theory_k"], theory_eps=exp["theory_eps"])
    assert smoke.draw_ids(w) == dict(network=name, n=exp["n"], seed=exp["seeds"][0], covariance="exact",
                                     method="noise", keep_fraction=0.5)
    assert smoke.draw_ids(dict(w, pseed="1"))["prune_seed"] == 1


def test_dynamics_inputs_list_every_method_for_each_pruning_seed(smoke):
    name, exp = next((n, e) for n, e in smoke.experiments.items() if e["dynamics"])
    w = {"exp": name, "seed": "0", "cov": "exact", "keep": "0.5", "pseed": "0"}
    one = smoke.dynamics_pruned(w)
    assert len(one) == len(exp["methods"]) and all("prune0.npz" in f for f in one)
    both = smoke.relu_dynamics_pruned([0, 1])(w)
    assert len(both) == 2 * len(exp["methods"]) and both[: len(one)] == one


def test_canonical_params_do_not_depend_on_key_order():
    assert list(canonical({"b": 1, "a": {"d": 2, "c": [3, {"f": 4, "e": 5}]}})) == ["a", "b"]
    assert str(canonical({"b": 1, "a": 2})) == str(canonical({"a": 2, "b": 1}))


def test_cost_grows_by_half_on_each_retry_and_orders_by_runtime(smoke):
    assert [grow(10, attempt) for attempt in (1, 2, 3)] == [10, 15, 20]
    cost = smoke.cost("covariance_exact")
    small = min(smoke.experiments, key=lambda n: smoke.experiments[n]["n"])
    w = {"exp": small, "seed": "0"}
    assert cost.priority(w) == cost.runtime(w, 1) and cost.runtime(w, 3) >= cost.runtime(w, 1)
    assert cost.mem_mb(w, 1) == grow(npplan.job_memory_mb("covariance_exact", smoke.experiments[small]), 1)
