"""Validation and expansion of the workflow configuration (``config.yaml``).

Pure Python, usable and testable without Snakemake. :func:`prepare` is what the
workflow calls before any job runs:

1. one pass of the JSON schema (``noiseprune/pipeline/config.schema.yaml``, completed
   from the registries: the method names of :mod:`noiseprune.methods` and the network
   kinds of :mod:`noiseprune.networks`) checks types, enums, ranges and required keys
   and fills in the schema's defaults;
2. checks that compare fields (which a schema cannot express) run on every
   experiment: long-range entries against N, the theory normalization against the
   methods, durations against replicas x dt, and the like;
3. ``defaults`` are merged into every experiment (mappings key by key) and the
   ``scaling`` section is expanded into generated experiments ``scaling_N<size>``.

Every failure is a :class:`ConfigError` whose message is one line naming the key
path and the offending value, e.g.
``config error: experiments.paper2000.keep_fractions[0] = 1.5: must be <= 1``.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Mapping, Sequence

from noiseprune import methods
from noiseprune import networks
from noiseprune.pipeline.ids import NO_COVARIANCE, format_number  # noqa: F401  (config.format_number for callers)
from noiseprune.pipeline.schema import DEFAULT_SCHEMA, ConfigError, _fail, _fail_key, _path, check_schema, fill_defaults, load_schema, load_yaml

__all__ = ["ConfigError", "DEFAULT_SCHEMA", "check_schema", "fill_defaults", "load_schema", "load_yaml", "prepare", "expand"]

#: Prefix of the experiments generated from the ``scaling`` section.
SCALING_PREFIX = "scaling_N"

#: Keys of ``defaults`` that every experiment inherits (mappings merge key by key).
INHERITED = (
    "methods",
    "normalization",
    "theory_k",
    "theory_eps",
    "diagonal",
    "spectra",
    "covariance",
    "empirical",
    "dynamics_params",
    "dynamics",
)

# --------------------------------------------------------------------------- formatting


# --------------------------------------------------------------------------- checks that compare fields


def _check_network(net: Mapping, path: list) -> int:
    """Cross-field checks of a network mapping (schema-complete); return its size N."""
    spec = networks.get(net.get("kind", networks.DEFAULT_KIND))
    params = {k: v for k, v in net.items() if k != "kind"}
    problem = spec.check(params) if spec.check else None
    if problem:
        key, message = problem
        _fail(path + [key], net.get(key), message)
    return int(spec.size(params))


def _check_unique_numbers(values, path) -> None:
    """Numbers that print the same in paths (10 and 10.0) would share their files."""
    seen = {}
    for i, v in enumerate(values):
        key = format_number(v)
        if key in seen:
            _fail(path + [i], v, f"duplicate of {_path(path + [seen[key]])}")
        seen[key] = i


def _check_settings(exp: Mapping, path: list) -> None:
    """Cross-field checks of a resolved experiment (after merging ``defaults``)."""
    chosen = exp["methods"]
    if exp["normalization"] == "theory":
        others = [m for m in chosen if not methods.get(m).supports_theory]
        if others:
            supported = " and ".join(m for m in methods.names() if methods.get(m).supports_theory)
            _fail(path + ["normalization"], "theory", f"applies to methods {supported} only, not {', '.join(others)}")
    if exp.get("input") is not None and exp.get("dynamics_model", "linear") != "relu":
        _fail(path + ["input"], dict(exp["input"]), "applies to dynamics_model: relu only (a linear experiment's input is dynamics_params.background)")
    cov, emp = exp["covariance"], exp["empirical"]
    durations = cov["durations"]
    _check_unique_numbers(exp["keep_fractions"], path + ["keep_fractions"])
    _check_unique_numbers(durations, path + ["covariance", "durations"])
    users = [m for m in chosen if methods.get(m).uses_covariance]
    if users and not cov["exact"] and not durations:
        _fail(
            path + ["covariance"],
            dict(cov),
            f"method {users[0]!r} needs a covariance source: set exact: true or give durations",
        )
    for i, d in enumerate(durations):
        if d / emp["replicas"] / emp["dt"] < 2:
            _fail(
                path + ["covariance", "durations", i],
                d,
                f"too short: {emp['replicas']} replicas x dt {emp['dt']} leave fewer than 2 samples per replica "
                f"(need >= {format_number(2 * emp['replicas'] * emp['dt'])})",
            )


def check_trained(trained: Mapping) -> dict:
    """Cross-field checks of a schema-complete ``trained`` section; returns it (a copy)."""
    path = ["trained"]
    task = trained["task"]
    if not task["interval_max"] > task["interval_min"]:
        _fail(path + ["task", "interval_max"], task["interval_max"],
              f"must be > task.interval_min ({task['interval_min']}): the interval range is empty")
    if task["ready_max"] < task["ready_min"]:
        _fail(path + ["task", "ready_max"], task["ready_max"], f"must be >= task.ready_min ({task['ready_min']})")
    if trained["dt"] > trained["tau"]:
        _fail(path + ["dt"], trained["dt"], f"must be <= tau ({trained['tau']}) for a stable Euler step")
    if task["pulse"] < trained["dt"]:
        _fail(path + ["task", "pulse"], task["pulse"], f"must be >= dt ({trained['dt']}): a pulse lasts at least one step")
    _check_unique_numbers(trained["keep_fractions"], path + ["keep_fractions"])
    if trained["name"].startswith(SCALING_PREFIX):
        _fail(path + ["name"], trained["name"], f"names starting with {SCALING_PREFIX!r} are reserved")
    return copy.deepcopy(dict(trained))


# --------------------------------------------------------------------------- expansion


def merge(defaults: Mapping, overrides: Mapping) -> dict:
    """``defaults`` overridden by ``overrides``; mappings present in both merge key by key."""
    out = copy.deepcopy(dict(defaults))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def cluster_sizes(n: int, fractions: Sequence[float]) -> list[int]:
    """Split ``n`` neurons into clusters proportional to ``fractions`` (largest remainder; sums to n)."""
    raw = [f * n for f in fractions]
    sizes = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - sizes[i]), i))
    for i in order[: n - sum(sizes)]:
        sizes[i] += 1
    return sizes


def scaling_experiments(scaling: Mapping) -> dict[str, dict]:
    """Unresolved experiments ``scaling_N<size>`` (one per size) from a schema-complete ``scaling`` section."""
    path = ["scaling"]
    fractions = scaling["cluster_fractions"]
    if abs(sum(fractions) - 1.0) > 1e-9:
        _fail(path + ["cluster_fractions"], fractions, f"must sum to 1 (sum is {sum(fractions):g})")
    out = {}
    for i, n in enumerate(scaling["sizes"]):
        clusters = cluster_sizes(n, fractions)
        if min(clusters) < 1:
            _fail(path + ["sizes", i], n, f"too small for cluster_fractions {fractions} (a cluster would be empty)")
        network = {
            "kind": "clustered",
            "clusters": clusters,
            "density": scaling["density"],
            "long_range": int(round(scaling["long_range_per_neuron"] * n)),
            "symmetric": scaling["symmetric"],
            "leak": scaling["leak"],
            "strong_pairs": 0,
            "strong_scale": 8.0,
        }
        exp = {"network": network, "dynamics": False}
        for key in ("seeds", "keep_fractions", "prune_seeds", *INHERITED):
            if key in scaling and key != "dynamics":
                exp[key] = copy.deepcopy(scaling[key])
        out[f"{SCALING_PREFIX}{n}"] = exp
    return out


#: Directories of the repository a results_dir must not be (or lie in).
RESERVED_DIRS = ("workflow", "noiseprune", "tests", "docs", "benchmarks", ".snakemake", ".git")


def check_results_dir(value: str) -> str:
    """``value`` normalized (``results/`` -> ``results``); raises ConfigError if it would
    write outputs among the repository's own files."""
    special = sorted(set(value) & set("{}*?[]"))
    if special:
        _fail(["results_dir"], value, f"must not contain {' '.join(special)} (Snakemake wildcard and glob characters)")
    path = os.path.normpath(value)
    first = path.split(os.sep)[0]
    if path in (".", "") or (not os.path.isabs(path) and first in RESERVED_DIRS):
        _fail(["results_dir"], value, "would write results into the working directory's own files; name a directory of its own, such as results/myrun")
    return path


def expand(config: Mapping) -> dict:
    """Resolved experiments from a schema-valid config (defaults filled in).

    Returns
    -------
    dict with keys
        ``experiments``: name -> resolved experiment (every inheritable key present, plus
        ``name``, ``n`` and ``scaling`` (bool: generated from the scaling section));
        ``scaling``: None or a dict with ``experiments`` (names, by size) and ``target_eps``;
        ``results_dir``: where every output goes (normalized);
        ``figures``: the ``figures`` section, and ``figures_explicit`` (whether the
        config spelled it out, so that a figure naming a missing experiment is an error).

    Raises
    ------
    ConfigError
        On the first invalid value (one line naming its key path).
    """
    defaults = config.get("defaults", {})
    raw: dict[str, tuple[list, dict, bool]] = {}
    for name, exp in (config.get("experiments") or {}).items():
        if name.startswith(SCALING_PREFIX):
            _fail_key(["experiments", name], f"names starting with {SCALING_PREFIX!r} are reserved for the scaling section")
        raw[name] = (["experiments", name], dict(exp), False)

    scaling = config.get("scaling")
    scaling_info = None
    if scaling is not None:
        generated = scaling_experiments(scaling)
        for name, exp in generated.items():
            raw[name] = (["scaling"], exp, True)
        scaling_info = {"experiments": list(generated), "target_eps": float(scaling["target_eps"])}

    if not raw:
        _fail_key(["experiments"], "no experiments configured (add an experiment or a scaling section)")

    resolved = {}
    for name, (path, exp, generated) in raw.items():
        full = merge({k: defaults[k] for k in INHERITED if k in defaults}, exp)
        n = _check_network(full["network"], path + ["network"])
        _check_settings(full, path)
        full.setdefault("dynamics_model", "linear")
        full.update(name=name, n=n, scaling=generated)
        resolved[name] = full
    trained = check_trained(config["trained"]) if config.get("trained") is not None else None
    if trained is not None and trained["name"] in resolved:
        _fail(["trained", "name"], trained["name"], "is also the name of an experiment")
    return {
        "results_dir": check_results_dir(config.get("results_dir", "results")),
        "experiments": resolved,
        "scaling": scaling_info,
        "trained": trained,
        "figures": config.get("figures", {}),
    }


def prepare(config: Mapping, schema=DEFAULT_SCHEMA) -> dict:
    """Validate ``config`` (one schema pass, then the checks that compare fields) and expand it.

    ``config`` is not modified: defaults are filled into a deep copy. Returns
    :func:`expand`'s result, with ``figures_explicit`` set when the config has its own
    ``figures`` section.
    """
    if not isinstance(config, Mapping):
        _fail([], config, "the configuration must be a mapping")
    explicit = "figures" in config
    config = copy.deepcopy(dict(config))
    check_schema(config, load_schema(schema))
    result = expand(config)
    result["figures_explicit"] = explicit
    return result
