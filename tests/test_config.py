"""Unit tests of noiseprune.config: schema and semantic validation messages, expansion."""

import copy
from pathlib import Path

import pytest
import yaml

from noiseprune import config as npconfig
from noiseprune.config import ConfigError, prepare

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


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


def test_schema_is_a_valid_json_schema_with_descriptions():
    import jsonschema

    schema = npconfig.load_schema(SCHEMA)
    jsonschema.validators.validator_for(schema).check_schema(schema)

    def walk(node, path):
        if isinstance(node, dict):
            props = node.get("properties", {})
            for key, sub in props.items():
                resolved = npconfig._resolve(sub, schema)
                assert "description" in resolved, f"{path}.{key} has no description"
                walk(sub, f"{path}.{key}")
            for key, sub in node.get("$defs", {}).items():
                walk(sub, f"$defs.{key}")

    walk(schema, "")


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
    assert npconfig.covariance_ids(exps["empirical1000"]) == ["exact", "T10", "T100", "T1000"]
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
    assert npconfig.method_covariances(exp, "noise") == ["exact", "T10", "T2.5"]
    assert npconfig.method_covariances(exp, "weight") == ["none"]
    assert npconfig.dynamics_covariances(exp) == ["exact", "T10", "T2.5"]
    assert npconfig.dynamics_members(exp, "T10") == [("noise", "T10"), ("weight", "none")]
    exp["methods"] = ["weight", "uniform"]
    assert npconfig.dynamics_covariances(exp) == ["none"]


def test_format_number_round_trips():
    for x in [0.2, 0.005, 1e-5, 0.1234567890123, 1.0, 10, 2.5]:
        assert float(npconfig.format_number(x)) == float(x)
    assert npconfig.format_number(10.0) == "10"
    assert npconfig.format_number(0.2) == "0.2"
    assert npconfig.covariance_id(100) == "T100"
    assert npconfig.duration_of("T2.5") == 2.5
    assert npconfig.duration_of("exact") == float("inf")


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


def test_keep_fraction_out_of_range_semantic_only():
    msg = error_of(
        {
            "defaults": {},
            "experiments": {
                "paper2000": dict(
                    minimal()["experiments"]["small"],
                    keep_fractions=[1.5],
                    network={"clusters": [5, 5], "density": 0.6, "long_range": 0, "symmetric": True,
                             "leak": "row_sum", "strong_pairs": 0, "strong_scale": 8.0},
                    prune_seeds=[0],
                    **_all_settings(),
                )
            },
        },
        schema=None,
    )
    assert msg == "config error: experiments.paper2000.keep_fractions[0] = 1.5: must be in (0, 1]"


def _all_settings():
    return {
        "methods": ["noise"],
        "normalization": "exact",
        "theory_k": 4.0,
        "theory_eps": 0.5,
        "diagonal": "row_sum",
        "spectra": "full",
        "covariance": {"exact": True, "durations": []},
        "empirical": {"dt": 0.005, "burn_in": 50.0, "replicas": 32},
        "dynamics_params": {"trials": 2, "steps": 11, "dt": 0.005, "noise_std": 0.01, "background": 0.0},
        "dynamics": False,
    }


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


def test_duplicate_duration_after_formatting_semantic_only():
    exp = dict(minimal()["experiments"]["small"], prune_seeds=[0], **_all_settings())
    exp["network"] = {"clusters": [5, 5], "density": 0.6, "long_range": 0, "symmetric": True,
                      "leak": "row_sum", "strong_pairs": 0, "strong_scale": 8.0}
    exp["covariance"] = {"exact": True, "durations": [10, 10.0]}
    msg = error_of({"experiments": {"small": exp}}, schema=None)
    assert msg.startswith("config error: experiments.small.covariance.durations[1] = 10.0: duplicate of")


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
