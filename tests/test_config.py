"""Unit tests of noiseprune.pipeline.config: schema and semantic validation messages, expansion."""

import copy
from pathlib import Path

import pytest
import yaml

from noiseprune.pipeline import config as npconfig
from noiseprune import methods, networks
from noiseprune.pipeline import plan as npplan
from noiseprune.pipeline.config import ConfigError, prepare

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = npconfig.DEFAULT_SCHEMA


def minimal(**experiment):
    exp = {"network": {"clusters": [20, 10], "long_range": 10}, "seeds": [0], "keep_fractions": [0.5]}
    exp.update(experiment)
    return {"experiments": {"small": exp}}


def error_of(cfg, schema=SCHEMA) -> str:
    with pytest.raises(ConfigError) as info:
        prepare(cfg, schema=schema)
    message = str(info.value)
    assert message.startswith("config error: ")
    assert "\n" not in message
    return message


# ------------------------------------------------------------------ shipped configs


@pytest.mark.parametrize("path", ["config.yaml", "tests/configs/smoke.yaml"])
def test_shipped_configs_are_valid(path):
    with open(ROOT / path) as fh:
        cfg = yaml.safe_load(fh)
    result = prepare(cfg, schema=SCHEMA)
    assert result["experiments"]


def test_every_shipped_config_has_its_own_results_dir():
    paths = [ROOT / "config.yaml", *sorted((ROOT / "tests" / "configs").glob("*.yaml")),
             *sorted((ROOT / "configs").glob("*.yaml"))]
    dirs = {}
    for path in paths:
        with open(path) as fh:
            dirs[str(path.relative_to(ROOT))] = prepare(yaml.safe_load(fh), schema=SCHEMA)["results_dir"]
    assert dirs["config.yaml"] == "results"
    assert len(set(dirs.values())) == len(dirs), dirs


@pytest.mark.parametrize("path", sorted(p.name for p in (ROOT / "configs").glob("*.yaml")))
def test_every_config_users_run_plans(path):
    """Each study config of configs/ is valid and plans, its figures included: the checks
    `make reproduce` makes before any job (memory against this machine aside)."""
    plan = npplan.Plan(prepare(yaml.safe_load((ROOT / "configs" / path).read_text()), schema=SCHEMA))
    plan.job_estimates()
    assert plan.figures


def test_results_dir_default_normalized_and_rooting_the_plan():
    assert prepare(minimal(), schema=SCHEMA)["results_dir"] == "results"
    plan = npplan.Plan(prepare({**minimal(), "results_dir": "runs/mine/"}, schema=SCHEMA))
    assert plan.results_dir == "runs/mine"
    assert plan.path(npplan.NETWORK) == "runs/mine/networks/{exp}/seed{seed}/A.npy"
    assert all(t.startswith("runs/mine/tables/") for t in plan.table_targets())
    assert all(f.startswith("runs/mine/metrics/") for f in plan.metrics_summaries())


@pytest.mark.parametrize(
    "value, message",
    [
        (".", "config error: results_dir = '.': would write results into the working directory itself"),
        ("workflow/out", "config error: results_dir = 'workflow/out': would write results into the working"),
        ("res{exp}", "config error: results_dir = 'res{exp}': may contain letters, digits and - _ . / only, not '{}'"),
        (3, "config error: results_dir = 3: must be of type string"),
    ],
)
def test_bad_results_dir(value, message):
    assert error_of({**minimal(), "results_dir": value}).startswith(message)


def _resolve(sub, root):
    while "$ref" in sub:
        target = root
        for part in sub["$ref"][2:].split("/"):
            target = target[part]
        sub = {**target, **{k: v for k, v in sub.items() if k != "$ref"}}
    return sub


def test_schema_is_a_valid_json_schema_with_descriptions():
    import jsonschema

    schema = npconfig.load_schema(SCHEMA)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    seen = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if key == "kind" and path.endswith("then"):
                    continue  # the kind's own const; described on the network
                assert "description" in _resolve(sub, schema), f"{path}.{key} has no description"
                seen.append(f"{path}.{key}")
                walk(sub, f"{path}.{key}")
            for i, branch in enumerate(node.get("allOf", [])):
                walk(branch.get("then", {}), f"{path}.allOf[{i}].then")
            for key, sub in node.get("$defs", {}).items():
                walk(sub, f"$defs.{key}")

    walk(schema, "")
    assert "$defs.network.allOf[0].then.clusters" in seen  # the network kinds' keys are walked


def test_schema_lists_the_registered_methods_and_kinds():
    schema = npconfig.load_schema(SCHEMA)
    assert schema["$defs"]["methods"]["items"]["enum"] == list(methods.names())
    assert schema["$defs"]["network"]["properties"]["kind"]["enum"] == list(networks.KINDS)
    for name in methods.names():
        assert name in schema["$defs"]["methods"]["description"]


def test_every_registered_method_runs_through_the_config():
    for name in methods.names():
        extra = {"normalization": "exact"}
        prepare(minimal(methods=[name], **extra), schema=SCHEMA)


def test_schema_defaults_match_the_default_config():
    """config.yaml spells out the `defaults` section; the schema's defaults must agree."""
    with open(ROOT / "config.yaml") as fh:
        spelled = yaml.safe_load(fh)["defaults"]
    filled = npconfig.fill_defaults({"experiments": {}}, npconfig.load_schema(SCHEMA))["defaults"]
    assert filled == spelled


def test_default_config_expansion():
    with open(ROOT / "config.yaml") as fh:
        cfg = yaml.safe_load(fh)
    result = prepare(cfg, schema=SCHEMA)
    exps = result["experiments"]
    assert exps["paper2000"]["n"] == 2000
    assert exps["paper2000"]["methods"] == ["noise", "weight", "uniform"]  # from defaults
    assert exps["fig1"]["methods"] == ["noise"]  # overridden
    assert exps["paper2000"]["dynamics"] is True and exps["fig1"]["dynamics"] is False
    assert exps["empirical1000"]["covariance"] == {"exact": True, "durations": [10, 100, 1000]}
    assert exps["empirical1000"]["empirical"]["replicas"] == 32  # overridden
    assert exps["paper2000"]["empirical"]["replicas"] == 64  # from defaults
    assert npplan.covariance_ids(exps["empirical1000"]) == ["exact", "T10", "T100", "T1000"]
    # scaling section -> generated experiments
    assert result["scaling"]["experiments"][0] == "scaling_N250"
    n250 = exps["scaling_N250"]
    assert n250["network"]["clusters"] == [125, 25, 100]
    assert n250["network"]["long_range"] == 625
    assert n250["spectra"] == "eps" and n250["scaling"] is True and n250["dynamics"] is False
    assert n250["keep_fractions"] == cfg["scaling"]["keep_fractions"]


def test_prepare_does_not_modify_its_input():
    cfg = minimal()
    before = copy.deepcopy(cfg)
    prepare(cfg, schema=SCHEMA)
    assert cfg == before


def test_defaults_filled_from_schema_and_merged_key_by_key():
    cfg = minimal(covariance={"durations": [10]})
    cfg["defaults"] = {"methods": ["weight"], "empirical": {"replicas": 4}}
    exp = prepare(cfg, schema=SCHEMA)["experiments"]["small"]
    assert exp["methods"] == ["weight"]
    assert exp["covariance"] == {"exact": True, "durations": [10]}
    assert exp["empirical"] == {"dt": 0.005, "burn_in": 50.0, "replicas": 4}
    assert exp["network"]["density"] == 0.6 and exp["network"]["leak"] == "row_sum"
    assert exp["prune_seeds"] == [0]
    assert exp["n"] == 30


def test_experiment_override_beats_defaults():
    cfg = minimal(methods=["topk"], diagonal="zero", dynamics=True)
    cfg["defaults"] = {"methods": ["noise"], "diagonal": "original"}
    exp = prepare(cfg, schema=SCHEMA)["experiments"]["small"]
    assert (exp["methods"], exp["diagonal"], exp["dynamics"]) == (["topk"], "zero", True)


def test_method_covariances_and_dynamics_members():
    cfg = minimal(methods=["noise", "weight"], covariance={"durations": [10, 2.5]}, dynamics=True)
    exp = prepare(cfg, schema=SCHEMA)["experiments"]["small"]
    assert npplan.method_covariances(exp, "noise") == ["exact", "T10", "T2.5"]
    assert npplan.method_covariances(exp, "weight") == ["none"]
    assert npplan.dynamics_covariances(exp) == ["exact", "T10", "T2.5"]
    assert npplan.dynamics_members(exp, "T10") == [("noise", "T10"), ("weight", "none")]
    exp["methods"] = ["weight", "uniform"]
    assert npplan.dynamics_covariances(exp) == ["none"]


def test_format_number_round_trips():
    for x in [0.2, 0.005, 1e-5, 0.1234567890123, 1.0, 10, 2.5]:
        assert float(npconfig.format_number(x)) == float(x)
    assert npconfig.format_number(10.0) == "10"
    assert npconfig.format_number(0.2) == "0.2"
    assert npplan.covariance_id(100) == "T100"
    assert npplan.duration_of("T2.5") == 2.5
    assert npplan.duration_of("exact") == float("inf")


def test_cluster_sizes_sum_to_n():
    for n in [7, 100, 250, 1001]:
        sizes = npconfig.cluster_sizes(n, [0.5, 0.1, 0.4])
        assert sum(sizes) == n
    assert npconfig.cluster_sizes(250, [0.5, 0.1, 0.4]) == [125, 25, 100]
    assert npconfig.cluster_sizes(10, [1 / 3, 1 / 3, 1 / 3]) == [4, 3, 3]


# ------------------------------------------------------------------ messages: schema


def test_keep_fraction_out_of_range():
    msg = error_of(minimal(keep_fractions=[0.2, 1.5]))
    assert msg.startswith("config error: experiments.small.keep_fractions[1] = 1.5:")
    assert "1" in msg


def test_keep_fraction_above_one_names_the_bound():
    msg = error_of(minimal(keep_fractions=[1.5]))
    assert msg == "config error: experiments.small.keep_fractions[0] = 1.5: must be <= 1"


def test_unknown_key_names_the_key():
    cfg = minimal()
    cfg["experiments"]["small"]["netwrok"] = {}
    msg = error_of(cfg)
    assert msg.startswith("config error: experiments.small.netwrok: unknown key")


def test_unknown_method():
    msg = error_of(minimal(methods=["noise", "random"]))
    assert msg.startswith("config error: experiments.small.methods[1] = 'random':")
    assert "noise" in msg and "topk" in msg


def test_unknown_diagonal_and_normalization():
    assert "experiments.small.diagonal = 'rowsum'" in error_of(minimal(diagonal="rowsum"))
    assert "experiments.small.normalization = 'magic'" in error_of(minimal(normalization="magic"))
    assert "experiments.small.spectra = 'some'" in error_of(minimal(spectra="some"))


def test_negative_seed_and_float_seed():
    assert error_of(minimal(seeds=[-1])).startswith("config error: experiments.small.seeds[0] = -1:")
    msg = error_of(minimal(seeds=[1.5]))
    assert msg.startswith("config error: experiments.small.seeds[0] = 1.5:")


def test_nonpositive_cluster_size():
    msg = error_of(minimal(network={"clusters": [20, 0], "long_range": 0}))
    assert msg.startswith("config error: experiments.small.network.clusters[1] = 0:")


def test_missing_required_key():
    cfg = minimal()
    del cfg["experiments"]["small"]["seeds"]
    assert error_of(cfg) == "config error: experiments.small: missing required key 'seeds'"


def test_duration_must_be_positive():
    msg = error_of(minimal(covariance={"durations": [10, 0]}))
    assert msg.startswith("config error: experiments.small.covariance.durations[1] = 0:")


def test_bad_leak():
    msg = error_of(minimal(network={"clusters": [10, 10], "long_range": 0, "leak": "rowsum"}))
    assert msg.startswith("config error: experiments.small.network.leak = 'rowsum':")


def test_bad_experiment_name():
    cfg = {"experiments": {"bad/name": minimal()["experiments"]["small"]}}
    assert "bad/name" in error_of(cfg)


def test_wrong_type():
    msg = error_of(minimal(keep_fractions=0.5))
    assert msg == "config error: experiments.small.keep_fractions = 0.5: must be of type array"


# ------------------------------------------------------------------ messages: semantic


def test_duplicate_keep_fraction():
    msg = error_of(minimal(keep_fractions=[0.2, 0.20]))
    assert msg == "config error: experiments.small.keep_fractions = [0.2, 0.2]: must not contain duplicates"


def test_duplicate_duration_in_another_spelling():
    msg = error_of(minimal(covariance={"durations": [10, 10.0]}))
    assert msg == "config error: experiments.small.covariance.durations = [10, 10.0]: must not contain duplicates"


def test_noise_needs_a_covariance_source():
    msg = error_of(minimal(methods=["noise"], covariance={"exact": False}))
    assert msg.startswith("config error: experiments.small.covariance = ")
    assert "needs a covariance source" in msg


def test_duration_too_short_for_replicas():
    msg = error_of(minimal(covariance={"durations": [0.1]}))
    assert msg.startswith("config error: experiments.small.covariance.durations[0] = 0.1: too short")


def test_long_range_exceeds_network():
    msg = error_of(minimal(network={"clusters": [3, 2], "long_range": 100}))
    assert msg.startswith("config error: experiments.small.network.long_range = 100: exceeds")


def test_theory_normalization_only_for_noise_and_resistance():
    msg = error_of(minimal(methods=["noise", "weight"], normalization="theory"))
    assert msg == (
        "config error: experiments.small.normalization = 'theory': "
        "applies to methods noise and resistance only, not weight"
    )
    prepare(minimal(methods=["noise", "resistance"], normalization="theory"), schema=SCHEMA)


def test_reserved_scaling_name():
    cfg = {"experiments": {"scaling_N100": minimal()["experiments"]["small"]}}
    assert "reserved" in error_of(cfg)


def test_scaling_fractions_must_sum_to_one():
    cfg = minimal()
    cfg["scaling"] = {"sizes": [50], "seeds": [0], "keep_fractions": [0.1, 0.2], "cluster_fractions": [0.5, 0.4]}
    msg = error_of(cfg)
    assert msg.startswith("config error: scaling.cluster_fractions = [0.5, 0.4]: must sum to 1")


def test_scaling_needs_two_keep_fractions():
    cfg = minimal()
    cfg["scaling"] = {"sizes": [50], "seeds": [0], "keep_fractions": [0.1]}
    assert error_of(cfg).startswith("config error: scaling.keep_fractions = [0.1]:")


def test_scaling_generated_experiments():
    cfg = minimal()
    cfg["defaults"] = {"methods": ["noise", "weight"]}
    cfg["scaling"] = {"sizes": [40, 80], "seeds": [1], "keep_fractions": [0.1, 0.5], "methods": ["uniform"]}
    result = prepare(cfg, schema=SCHEMA)
    assert result["scaling"] == {"experiments": ["scaling_N40", "scaling_N80"], "target_eps": 0.5}
    n80 = result["experiments"]["scaling_N80"]
    assert n80["network"]["clusters"] == [40, 8, 32]
    assert n80["network"]["long_range"] == 200
    assert n80["methods"] == ["uniform"] and n80["seeds"] == [1] and n80["prune_seeds"] == [0]
    assert result["experiments"]["small"]["methods"] == ["noise", "weight"]


def test_no_experiments_at_all():
    assert "no experiments" in error_of({"experiments": {}})


# ------------------------------------------------------------------ network kinds


def test_network_kind_defaults_to_clustered():
    exp = prepare(minimal(), schema=SCHEMA)["experiments"]["small"]
    assert exp["network"]["kind"] == "clustered"


def test_unknown_network_kind():
    msg = error_of(minimal(network={"kind": "ring", "clusters": [10]}))
    assert msg.startswith("config error: experiments.small.network.kind = 'ring': must be one of clustered")


def test_unknown_key_of_the_kind_lists_its_keys():
    msg = error_of(minimal(network={"clusters": [10, 10], "long_rnage": 3}))
    assert msg == (
        "config error: experiments.small.network.long_rnage: unknown key (allowed: clusters, density, kind, leak, leak_margin, "
        "long_range, strong_pairs, strong_scale, symmetric)"
    )


@pytest.fixture
def ring_kind():
    """A second network kind, registered for one test (the way a user adds one)."""

    @networks.kind(
        "ring",
        schema={"n": {"type": "integer", "minimum": 3, "description": "Neurons."},
                "coupling": {"type": "number", "default": 0.3, "description": "Neighbour weight."}},
        required=["n"],
        size=lambda p: p["n"],
        check=lambda p: ("coupling", "must be below 0.5 for a stable ring") if p["coupling"] >= 0.5 else None,
    )
    def ring(*, n, coupling, rng):
        """Ring of n neurons coupled to both neighbours."""
        import numpy as np

        A = -np.eye(n)
        idx = np.arange(n)
        A[idx, (idx + 1) % n] = A[idx, (idx - 1) % n] = coupling
        return A

    yield ring
    networks.KINDS.remove("ring")


def test_a_registered_kind_is_validated_by_its_own_schema(ring_kind):
    exp = prepare(minimal(network={"kind": "ring", "n": 12}), schema=SCHEMA)["experiments"]["small"]
    assert exp["n"] == 12 and exp["network"] == {"kind": "ring", "n": 12, "coupling": 0.3}
    assert networks.build(exp["network"], rng=None).shape == (12, 12)
    msg = error_of(minimal(network={"kind": "ring", "n": 12, "clusters": [3]}))
    assert msg.startswith("config error: experiments.small.network.clusters: unknown key (allowed: coupling, kind, n)")
    msg = error_of(minimal(network={"kind": "ring", "n": 2}))
    assert msg == "config error: experiments.small.network.n = 2: must be >= 3"
    msg = error_of(minimal(network={"kind": "ring", "n": 12, "coupling": 0.6}))
    assert msg == "config error: experiments.small.network.coupling = 0.6: must be below 0.5 for a stable ring"


# ------------------------------------------------------------------ YAML


def test_duplicated_yaml_key_is_an_error(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("experiments:\n  a:\n    seeds: [0]\n    seeds: [1]\n")
    with pytest.raises(ConfigError) as info:
        npconfig.load_yaml(path)
    assert str(info.value) == f"config error: {path}: line 4: duplicated key 'seeds' (first on line 3)"


def test_number_read_as_text_gets_a_hint():
    msg = error_of(minimal(theory_eps="3e-1"))
    assert msg.startswith("config error: experiments.small.theory_eps = '3e-1': must be of type number (YAML read")
    assert "3.0e-1" in msg


# ------------------------------------------------------------------ figures and plan


def drawn_experiments(plan):
    """{figure: experiments it draws} of a plan."""
    return {name: spec.get("experiments") for name, spec in plan.figures.items()}


def test_single_experiment_without_figures_section_plans_only_its_tables():
    plan = npplan.Plan(prepare(minimal(), schema=SCHEMA))
    assert plan.figures == {}
    assert plan.figure_files() == []
    assert len(plan.metric_jobs()) == 3  # noise, weight, uniform x 1 seed x 1 keep x 1 pruning seed


def test_default_figures_follow_the_paper_experiments():
    with open(ROOT / "config.yaml") as fh:
        plan = npplan.Plan(prepare(yaml.safe_load(fh), schema=SCHEMA))
    drawn = drawn_experiments(plan)
    assert list(drawn) == [f"fig{i}_{n}" for i, n in enumerate(("probe", "spectrum", "dynamics", "large", "sweeps", "empirical", "relu", "nonsymmetric", "trained"), 1)] + [
        "fig16_brain_scale", "fig17_online_pruning"]  # the brain_scale section's, with no experiments to name
    assert drawn["fig1_probe"] == ["fig1"]
    assert drawn["fig2_spectrum"] == ["paper2000"]
    assert drawn["fig4_large"] == ["paper3000", "paper10000"]
    # nonsym1000 sweeps keep fractions too, but Fig. 5 plots the spectral eps (symmetric A only)
    assert drawn["fig5_sweeps"] == ["sweep2000", *plan.scaling_experiments()]
    assert drawn["fig6_empirical"] == ["empirical1000"]
    assert drawn["fig9_trained"] == ["rsg"]
    assert drawn["fig7_relu"] == ["relu1000_active100", "relu1000_active70", "relu1000_active40"]
    assert drawn["fig8_nonsymmetric"] == ["nonsym1000", "normal1000"]
    assert len(plan.figure_files()) == 22
    assert plan.figure_inputs("fig2_spectrum")["pruned_noise"] == "results/pruned/paper2000/seed0/exact/keep0.2/noise/prune0.npz"
    # its job waits for the pruning jobs' output directories, not for files inside them
    assert plan.figure_job_inputs("fig2_spectrum")[-2:] == ["results/pruned/paper2000/seed0/exact/keep0.2",
                                                            "results/pruned/paper2000/seed0/none/keep0.2"]
    assert plan.figure_job_inputs("fig1_probe")[-1] == "results/probabilities/fig1/seed0/exact/keep0.2"


def test_figures_section_names_the_experiments_drawn():
    cfg = minimal(dynamics=True)
    cfg["figures"] = {"fig2_spectrum": {"experiment": "small"}, "fig3_dynamics": {"experiment": "small"}}
    plan = npplan.Plan(prepare(cfg, schema=SCHEMA))
    assert drawn_experiments(plan) == {"fig2_spectrum": ["small"], "fig3_dynamics": ["small"]}


def test_figure_naming_a_missing_experiment_is_an_error():
    cfg = minimal()
    cfg["figures"] = {"fig2_spectrum": {"experiment": "paper2000"}}
    with pytest.raises(ConfigError) as info:
        npplan.Plan(prepare(cfg, schema=SCHEMA)).figures
    assert str(info.value) == (
        "config error: figures.fig2_spectrum: figure 'fig2_spectrum' names experiment 'paper2000', "
        "which the config lacks (experiments: small)"
    )
    cfg["figures"] = {"fig3_dynamics": {"experiment": "small"}}
    with pytest.raises(ConfigError, match="has dynamics: false; the figure needs dynamics: true"):
        npplan.Plan(prepare(cfg, schema=SCHEMA)).figures


def test_unknown_figure_gets_the_registry_error():
    cfg = minimal()
    cfg["figures"] = {"fig2_spectrun": {"experiment": "small"}}
    with pytest.raises(ConfigError) as info:
        npplan.Plan(prepare(cfg, schema=SCHEMA)).figures
    message = str(info.value)
    assert message.startswith("config error: figures.fig2_spectrun: unknown figure 'fig2_spectrun'; known: 'fig1_probe', ")
    assert "\n" not in message and "'fig9_trained'" in message


def test_figure_whose_tables_the_config_does_not_produce_is_an_error():
    cfg = minimal()
    cfg["figures"] = {"fig9_trained": {"experiment": "small"}}
    with pytest.raises(ConfigError) as info:
        npplan.Plan(prepare(cfg, schema=SCHEMA)).figures
    assert str(info.value).startswith(
        "config error: figures.fig9_trained: figure 'fig9_trained' reads table 'trained', which this config "
        "does not produce (tables: summary, eigen,"
    )


def test_memory_check_names_the_experiment_and_estimate():
    plan = npplan.Plan(prepare(minimal(network={"clusters": [40000], "long_range": 0}), schema=SCHEMA))
    with pytest.raises(ConfigError) as info:
        plan.check_resources(24 * 1024, "this machine's memory")
    assert str(info.value) == (
        "config error: experiments.small.network: its prune_measure job (N = 40000) needs about 95.9 GiB, "
        "more than the 24.0 GiB of this machine's memory"
    )
    # fits, but its covariance solve is estimated at 30 N^3 flops at 5e9 per second, 107 CPU-hours
    with pytest.raises(ConfigError, match=r"its covariance_exact job \(N = 40000\) is estimated at 107 CPU-hours, more than the limit of 24"):
        plan.check_resources(200 * 1024, "--resources mem_mb")
    assert npplan.memory_mb(1000, 8) == pytest.approx(500 + 8 * 8e6 / 2**20)


@pytest.mark.parametrize(
    "n, prune_seeds, spectra, workers",
    [(5000, [0, 1, 2], "full", 2), (5000, [0, 1], "full", 2), (5000, [0], "full", 1),
     (4999, [0, 1], "full", 1), (10000, [0, 1], "eps", 1)],
)  # fmt: skip
def test_large_full_metrics_draw_two_pruning_seeds_at_once(n, prune_seeds, spectra, workers):
    cfg = minimal(network={"clusters": [n], "long_range": 0}, prune_seeds=prune_seeds, spectra=spectra)
    exp = prepare(cfg, schema=SCHEMA)["experiments"]["small"]
    assert npplan.draw_workers(exp) == workers
    # each further draw holds its own dense temporaries: the memory estimate and check count them
    assert npplan.job_matrices("prune_measure", exp) == 8 + 3 * (workers - 1)
    assert npplan.job_matrices("dynamics", exp) == npplan.JOB_MATRICES["dynamics"]
    plan = npplan.Plan(prepare(cfg, schema=SCHEMA))
    need_gib = npplan.memory_mb(n, 8 + 3 * (workers - 1)) / 1024
    with pytest.raises(ConfigError, match=f"its prune_measure job \\(N = {n}\\) needs about {need_gib:.1f} GiB"):
        plan.check_resources(need_gib * 1024 - 1, "a test")
    plan.check_resources(need_gib * 1024, "a test")
# ------------------------------------------------------------------ rectified-linear experiments


def relu_minimal(**experiment):
    return minimal(dynamics_model="relu", input={"mean": 0.5, "std": 1.0}, **experiment)


def test_relu_experiment_needs_an_input():
    cfg = minimal(dynamics_model="relu")
    assert error_of(cfg) == "config error: experiments.small: missing required key 'input'"


def test_input_of_a_linear_experiment_is_an_error():
    message = error_of(minimal(input={"mean": 1.0}))
    assert message.startswith("config error: experiments.small.input = {'mean': 1.0, 'std': 0.0}: applies to dynamics_model: relu only")


def test_bad_dynamics_model_and_input_std():
    assert error_of(minimal(dynamics_model="tanh")) == "config error: experiments.small.dynamics_model = 'tanh': must be one of linear, relu"
    cfg = relu_minimal()
    cfg["experiments"]["small"]["input"]["std"] = -1
    assert error_of(cfg) == "config error: experiments.small.input.std = -1: must be >= 0"


def test_relu_experiment_plans_relu_jobs_and_tables():
    cfg = relu_minimal(covariance={"exact": True, "durations": [20]}, dynamics=True)
    plan = npplan.Plan(prepare(cfg, schema=SCHEMA))
    exp = plan.experiments["small"]
    assert exp["dynamics_model"] == "relu" and exp["input"] == {"mean": 0.5, "std": 1.0}
    assert npplan.covariance_ids(exp) == ["linearized", "T20"]
    assert plan.metric_jobs() == []  # no spectral metrics of A: the relu jobs measure J
    jobs = plan.metric_jobs(relu=True)
    assert {(j["method"], j["cov"]) for j in jobs} == {("noise", "linearized"), ("noise", "T20"), ("weight", "none"), ("uniform", "none")}
    assert plan.fixed_points() == ["results/fixed_points/small/seed0.npz"]
    assert plan.relu_metrics()[0].startswith("results/relu/small/seed0/")
    assert set(plan.paths(npplan.RELU_TABLES).values()) <= set(plan.table_targets())
    assert plan.sweep_experiments() == [] and plan.empirical_experiments() == []
    assert npplan.duration_of("linearized") == float("inf")


def test_linear_config_has_no_relu_tables():
    plan = npplan.Plan(prepare(minimal(), schema=SCHEMA))
    assert not set(plan.paths(npplan.RELU_TABLES).values()) & set(plan.table_targets())


def test_fig7_needs_relu_experiments_and_fig8_linear_ones():
    cfg = relu_minimal()
    cfg["experiments"]["lin"] = minimal(network={"clusters": [20, 10], "long_range": 10, "symmetric": False})["experiments"]["small"]
    cfg["experiments"]["sym"] = minimal()["experiments"]["small"]
    cfg["figures"] = {"fig7_relu": {"experiments": ["small"]}, "fig8_nonsymmetric": {"experiment": "lin"}}
    plan = npplan.Plan(prepare(cfg, schema=SCHEMA))
    assert drawn_experiments(plan) == {"fig7_relu": ["small"], "fig8_nonsymmetric": ["lin"]}
    cfg["figures"] = {"fig7_relu": {"experiments": ["lin"]}}
    with pytest.raises(ConfigError, match=r"^config error: figures.fig7_relu: experiment 'lin' has dynamics_model: linear; the figure needs dynamics_model: relu$"):
        npplan.Plan(prepare(cfg, schema=SCHEMA)).figures
    cfg["figures"] = {"fig8_nonsymmetric": {"experiment": "small"}}
    with pytest.raises(ConfigError, match="has dynamics_model: relu; the figure draws linear networks"):
        npplan.Plan(prepare(cfg, schema=SCHEMA)).figures
    cfg["figures"] = {"fig8_nonsymmetric": {"experiment": "sym"}}
    with pytest.raises(ConfigError, match=r"^config error: figures.fig8_nonsymmetric: experiment 'sym' has a symmetric network; the figure draws a non-symmetric one$"):
        npplan.Plan(prepare(cfg, schema=SCHEMA)).figures


def test_dynamics_keep_fractions_limit_the_simulated_networks():
    """dynamics_params.keep_fractions picks which pruned networks are simulated; it is not
    a parameter of the simulation (the jobs' params, hence their files, are unchanged)."""
    cfg = minimal(keep_fractions=[0.2, 0.5], prune_seeds=[0, 1], dynamics=True)
    every = npplan.Plan(prepare(cfg, schema=SCHEMA)).dynamics_jobs()
    assert sorted({j["keep"] for j in every}) == ["0.2", "0.5"]
    cfg["experiments"]["small"]["dynamics_params"] = {"keep_fractions": [0.5]}
    plan = npplan.Plan(prepare(cfg, schema=SCHEMA))
    chosen = plan.dynamics_jobs()
    assert chosen == [j for j in every if j["keep"] == "0.5"]
    from noiseprune.pipeline.jobs import Jobs

    jobs = Jobs(plan)
    assert "keep_fractions" not in jobs.dynamics_params(dict(chosen[0]))


def test_dynamics_keep_fraction_must_be_a_keep_fraction():
    msg = error_of(minimal(keep_fractions=[0.2, 0.5], dynamics=True, dynamics_params={"keep_fractions": [0.1]}))
    assert msg == ("config error: experiments.small.dynamics_params.keep_fractions[0] = 0.1: "
                   "not one of the experiment's keep_fractions [0.2, 0.5]")
