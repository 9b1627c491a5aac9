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
    assert set(patterns) >= {"exp", "seed", "keep", "method", "cov", "trained_seed", "reducer"}
    for name in smoke.experiments:
        assert re.fullmatch(patterns["exp"], name)
    assert not re.fullmatch(patterns["exp"], "missing")
    assert alternation([]) == "(?!)" and not re.fullmatch(alternation([]), "")
    assert re.fullmatch(alternation(["a.b"]), "a.b") and not re.fullmatch(alternation(["a.b"]), "axb")


def test_a_job_writes_each_pruning_seed_of_its_experiment_into_its_draws_directory():
    """Experiments with different lists of pruning seeds share one rule: a job's output
    is a draws directory, its files come from the experiment's own list."""
    base = {"network": {"clusters": [10, 10], "long_range": 10}, "seeds": [0], "keep_fractions": [0.5]}
    jobs = jobs_of({"experiments": {"a": dict(base, prune_seeds=[0, 1]), "b": dict(base, prune_seeds=[2])}})
    files = jobs.draw_files(pruned=npplan.PRUNED, summary=npplan.METRICS_SUMMARY)
    w = {"seed": "0", "cov": "exact", "method": "noise", "keep": "0.5"}
    a, b = files(dict(w, exp="a")), files(dict(w, exp="b"))
    directory = npplan.PRUNED_DRAWS.format(exp="a", **w)
    assert a["pruned"] == [f"results/{directory}/prune0.npz", f"results/{directory}/prune1.npz"]
    assert [f.rsplit("/", 1)[1] for f in b["summary"]] == ["prune2.json"]
    assert jobs.prune_seeds(dict(w, exp="b")) == [2]
    with pytest.raises(ValueError, match="not a per-draw template"):
        npplan.draws_directory(npplan.NETWORK)


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


def test_dynamics_inputs_list_every_method_for_each_pruning_seed(smoke):
    name, exp = next((n, e) for n, e in smoke.experiments.items() if e["dynamics"] and len(e["prune_seeds"]) > 1)
    w = {"exp": name, "seed": "0", "cov": "exact", "keep": "0.5"}
    members = len(exp["methods"])
    pruned = smoke.dynamics_pruned(w)
    assert len(pruned) == len(exp["prune_seeds"]) * members
    for k, pseed in enumerate(exp["prune_seeds"]):  # pruning seed by pruning seed
        assert all(f.endswith(f"/prune{pseed}.npz") for f in pruned[k * members : (k + 1) * members])
    directories = smoke.dynamics_pruned_directories(w)
    assert directories == [f.rsplit("/", 1)[0] for f in pruned[:members]]


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
