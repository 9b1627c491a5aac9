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


def test_a_pruning_job_writes_each_method_and_pruning_seed_into_its_directories():
    """Experiments with different lists of methods and pruning seeds share one rule: a
    pruning job's outputs are directories per (network, seed, covariance, keep
    fraction), one subdirectory (probabilities: one file) per method of that covariance,
    one file per pruning seed of the experiment's own list."""
    base = {"network": {"clusters": [10, 10], "long_range": 10}, "seeds": [0], "keep_fractions": [0.5]}
    jobs = jobs_of({"experiments": {"a": dict(base, prune_seeds=[0, 1], methods=["noise", "weight", "uniform"]),
                                    "b": dict(base, prune_seeds=[2], methods=["noise", "weight"])}})
    members = jobs.pruning_members(pruned=npplan.PRUNED, summary=npplan.METRICS_SUMMARY)
    w = {"seed": "0", "keep": "0.5"}
    a, b = members(dict(w, exp="a", cov="none")), members(dict(w, exp="b", cov="exact"))
    assert list(a) == ["weight", "uniform"] and list(b) == ["noise"]  # config order, by covariance
    pruned = "results/" + npplan.PRUNED_DRAWS.format(exp="a", cov="none", **w)
    assert a["weight"]["files"]["pruned"] == [f"{pruned}/weight/prune0.npz", f"{pruned}/weight/prune1.npz"]
    assert a["uniform"]["P"] == "results/" + npplan.PROBABILITIES_DRAWS.format(exp="a", cov="none", **w) + "/uniform.npz"
    assert [f.rsplit("/", 1)[1] for f in b["noise"]["files"]["summary"]] == ["prune2.json"]
    assert b["noise"]["files"]["summary"][0].startswith("results/" + npplan.METRICS_DRAWS.format(exp="b", cov="exact", **w) + "/noise/")
    assert a["uniform"]["pruning"]["method"] == "uniform" and a["uniform"]["ids"]["method"] == "uniform"
    assert jobs.prune_seeds(dict(w, exp="b")) == [2]
    with pytest.raises(ValueError, match="not a per-draw or per-method template"):
        npplan.draws_directory(npplan.NETWORK)


def test_inputs_params_and_ids_of_a_pruning_job(smoke):
    name, exp = next((n, e) for n, e in smoke.experiments.items() if e["spectra"] == "full" and "noise" in e["methods"])
    w = {"exp": name, "seed": str(exp["seeds"][0]), "cov": "exact", "keep": "0.5"}
    results = smoke.plan.results_dir
    assert smoke.covariance_input(w) == {"C": f"{results}/covariance/{name}/seed{w['seed']}/exact.npy"}
    assert smoke.covariance_input(dict(w, cov="none")) == {}
    with pytest.raises(ValueError, match=f"no method of experiment {name} prunes with covariance T7"):
        smoke.covariance_input(dict(w, cov="T7"))
    assert smoke.eigen_input(w) == {"eig": f"{results}/spectra/{name}/seed{w['seed']}/original.npz"}
    member = smoke.pruning_members()(w)["noise"]
    assert member["pruning"] == dict(method="noise", keep_fraction=0.5, normalization=exp["normalization"],
                                     theory_k=exp["theory_k"], theory_eps=exp["theory_eps"])
    # the tables' column order: method between covariance and keep fraction
    assert list(member["ids"].items()) == list(dict(network=name, n=exp["n"], seed=exp["seeds"][0],
                                                    covariance="exact", method="noise", keep_fraction=0.5).items())
    assert set(smoke.pruning_members()(w)) == {m for m in exp["methods"] if npplan.methods.uses_covariance(m)}


def test_pruning_jobs_cost_grows_with_their_methods():
    """A pruning job runs its methods one after the other: its runtime estimate is that
    of one method times the methods of its covariance."""
    exp = jobs_of({"experiments": {"a": {"network": {"clusters": [3000, 3000]}, "seeds": [0], "keep_fractions": [0.5],
                                         "methods": ["noise", "weight", "uniform"]}}}).experiments["a"]
    one = npplan.job_runtime_min("prune_measure", dict(exp, methods=["noise"]), cov="exact")
    assert one > npplan.MIN_RUNTIME
    assert npplan.job_runtime_min("prune_measure", exp, cov="exact") == one
    assert npplan.job_runtime_min("prune_measure", exp, cov="none") == 2 * one
    assert npplan.job_runtime_min("prune_measure", exp) == 2 * one  # default: the busiest covariance


def test_dynamics_inputs_list_every_method_for_each_pruning_seed(smoke):
    name, exp = next((n, e) for n, e in smoke.experiments.items() if e["dynamics"] and len(e["prune_seeds"]) > 1)
    w = {"exp": name, "seed": "0", "cov": "exact", "keep": "0.5"}
    members = len(exp["methods"])
    pruned = smoke.dynamics_pruned(w)
    assert len(pruned) == len(exp["prune_seeds"]) * members
    for k, pseed in enumerate(exp["prune_seeds"]):  # pruning seed by pruning seed
        assert all(f.endswith(f"/prune{pseed}.npz") for f in pruned[k * members : (k + 1) * members])
    # the pruning jobs' output directories: one per covariance of its methods
    directories = smoke.dynamics_pruned_directories(w)
    assert directories == list(dict.fromkeys(f.rsplit("/", 2)[0] for f in pruned[:members]))
    assert sorted(d.rsplit("/", 2)[1] for d in directories) == sorted({"exact", "none"} & {
        "exact" if npplan.methods.uses_covariance(m) else "none" for m in exp["methods"]})


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
