"""Validation and expansion of the workflow configuration (``config.yaml``).

Pure Python, usable and testable without Snakemake. :func:`prepare` is what the
Snakefile calls before any job runs:

1. the JSON schema (``workflow/schemas/config.schema.yaml``) is checked and its
   defaults are filled in (the schema is the single source of default values);
2. semantic checks that a schema cannot express (or expresses with an unreadable
   message) run on every experiment;
3. ``defaults`` are merged into every experiment (mappings key by key) and the
   ``scaling`` section is expanded into generated experiments ``scaling_N<size>``.

Every failure is a :class:`ConfigError` whose message is one line naming the key
path and the offending value, e.g.
``config error: experiments.paper2000.keep_fractions[0] = 1.5: must be in (0, 1]``.
"""

from __future__ import annotations

import copy
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

#: Pruning methods offered by :mod:`noiseprune.pruning`.
METHODS = ("noise", "weight", "uniform", "resistance", "topk")
#: Methods whose probabilities depend on the covariance C (the others use covariance id "none").
COVARIANCE_METHODS = ("noise",)
NORMALIZATIONS = ("exact", "authors", "theory")
#: Methods the theory normalization (K = k log N / eps^2) applies to.
THEORY_METHODS = ("noise", "resistance")
DIAGONALS = ("row_sum", "original", "zero")
SPECTRA = ("full", "eps")
#: Covariance id of methods that ignore C (path component and table value).
NO_COVARIANCE = "none"
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

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

#: The schema shipped with the workflow (present in a source checkout / editable install).
DEFAULT_SCHEMA = Path(__file__).resolve().parent.parent / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value is invalid; the message is one line starting with ``config error:``."""


# --------------------------------------------------------------------------- formatting


def format_number(value) -> str:
    """Canonical text of a number in paths and wildcards: ``10`` for 10.0, ``0.2`` for 0.2.

    ``float(format_number(x)) == float(x)`` exactly (shortest round-trip repr).
    """
    x = float(value)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def covariance_id(duration=None) -> str:
    """Path id of a covariance source: ``exact`` (``duration`` None) or ``T<duration>``."""
    return "exact" if duration is None else f"T{format_number(duration)}"


def duration_of(cov: str) -> float:
    """Simulated duration of a covariance id: inf for ``exact``, nan for ``none``, T for ``T<T>``."""
    if cov == "exact":
        return math.inf
    if cov == NO_COVARIANCE:
        return math.nan
    if cov.startswith("T"):
        return float(cov[1:])
    raise ValueError(f"unknown covariance id {cov!r}")


def covariance_ids(exp: Mapping) -> list[str]:
    """Covariance sources of a resolved experiment: ``exact`` first, then ``T<d>`` in config order."""
    cov = exp["covariance"]
    ids = ["exact"] if cov["exact"] else []
    return ids + [covariance_id(d) for d in cov["durations"]]


def method_covariances(exp: Mapping, method: str) -> list[str]:
    """Covariance ids a method is run with: every source for noise, ``["none"]`` for the others."""
    return covariance_ids(exp) if method in COVARIANCE_METHODS else [NO_COVARIANCE]


def dynamics_covariances(exp: Mapping) -> list[str]:
    """Covariance ids of the dynamics files: one per source if a method uses C, else ``["none"]``."""
    if any(m in COVARIANCE_METHODS for m in exp["methods"]):
        return covariance_ids(exp)
    return [NO_COVARIANCE]


def dynamics_members(exp: Mapping, cov: str) -> list[tuple[str, str]]:
    """(method, covariance id) pairs simulated together in the dynamics file of ``cov``."""
    return [(m, cov if m in COVARIANCE_METHODS else NO_COVARIANCE) for m in exp["methods"]]


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _path(parts: Sequence) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "<config>"


def _fail(path: Sequence, value, message: str):
    raise ConfigError(f"config error: {_path(path)} = {_short(value)}: {message}")


def _fail_key(path: Sequence, message: str):
    raise ConfigError(f"config error: {_path(path)}: {message}")


# --------------------------------------------------------------------------- JSON schema


def load_schema(schema=DEFAULT_SCHEMA) -> dict:
    """The JSON schema as a dict (``schema`` may already be a dict, or a YAML/JSON path)."""
    if isinstance(schema, Mapping):
        return copy.deepcopy(dict(schema))
    import yaml  # deferred: only needed with a schema file

    path = Path(schema)
    if not path.exists():
        raise FileNotFoundError(f"config schema not found: {path}")
    with open(path) as fh:
        return yaml.safe_load(fh)


def _resolve(subschema: Mapping, root: Mapping) -> Mapping:
    while "$ref" in subschema:
        ref = subschema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref supported, got {ref!r}")
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        merged = {k: v for k, v in subschema.items() if k != "$ref"}
        subschema = {**target, **merged}
    return subschema


def fill_defaults(instance, schema: Mapping, root: Mapping | None = None):
    """Insert the schema's ``default`` values for missing keys, recursively (in place)."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if not isinstance(instance, dict):
        return instance
    props = schema.get("properties", {})
    for key, sub in props.items():
        sub = _resolve(sub, root)
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
    for key, value in instance.items():
        if key in props:
            fill_defaults(value, props[key], root)
        elif isinstance(schema.get("additionalProperties"), Mapping):
            fill_defaults(value, schema["additionalProperties"], root)
    return instance


def _schema_message(error) -> tuple[list, str, object, bool]:
    """(path, message, value, has_value) of one jsonschema error, phrased for users."""
    path = list(error.absolute_path)
    v, s = error.validator, error.validator_value
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return path + [extra[0]], f"unknown key (allowed: {allowed})", None, False
    if v == "required":
        missing = [k for k in s if k not in error.instance]
        return path, f"missing required key {missing[0]!r}", None, False
    if v == "propertyNames":
        return path, error.message, None, False
    messages = {
        "type": lambda: f"must be of type {s if isinstance(s, str) else ' or '.join(s)}",
        "enum": lambda: "must be one of " + ", ".join(map(str, s)),
        "const": lambda: f"must be {s!r}",
        "minimum": lambda: f"must be >= {s}",
        "maximum": lambda: f"must be <= {s}",
        "exclusiveMinimum": lambda: f"must be > {s}",
        "exclusiveMaximum": lambda: f"must be < {s}",
        "minItems": lambda: f"must have at least {s} item{'s' if s != 1 else ''}",
        "maxItems": lambda: f"must have at most {s} items",
        "uniqueItems": lambda: "must not contain duplicates",
        "pattern": lambda: f"must match {s}",
        "minProperties": lambda: f"must have at least {s} entr{'ies' if s != 1 else 'y'}",
    }
    if v in messages:
        return path, messages[v](), error.instance, True
    if v in ("oneOf", "anyOf"):
        desc = error.schema.get("description", "")
        hint = desc.split(".")[0] if desc else "does not match any allowed form"
        return path, f"invalid value ({hint})", error.instance, True
    return path, error.message, error.instance, True


def check_schema(config: Mapping, schema=DEFAULT_SCHEMA) -> None:
    """Validate ``config`` against the JSON schema; raise :class:`ConfigError` for the first error."""
    import jsonschema  # deferred: the library itself does not need it

    schema = load_schema(schema)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors)
    # best_match descends into oneOf/anyOf contexts; report the outer error for those.
    path, message, value, has_value = _schema_message(error)
    if has_value:
        _fail(path, value, message)
    _fail_key(path, message)


# --------------------------------------------------------------------------- semantic checks


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _require(mapping: Mapping, key: str, path: list):
    if not isinstance(mapping, Mapping):
        _fail(path, mapping, "must be a mapping")
    if key not in mapping:
        _fail_key(path, f"missing required key {key!r}")
    return mapping[key]


def _check_list(value, path, *, item_ok, item_msg, min_items=1, unique_key=None, unique=True):
    if not isinstance(value, list):
        _fail(path, value, "must be a list")
    if len(value) < min_items:
        _fail(path, value, f"must have at least {min_items} item{'s' if min_items != 1 else ''}")
    seen = {}
    for i, item in enumerate(value):
        if not item_ok(item):
            _fail(path + [i], item, item_msg)
        if not unique:
            continue
        key = unique_key(item) if unique_key else item
        if key in seen:
            _fail(path + [i], item, f"duplicate of {_path(path + [seen[key]])}")
        seen[key] = i


def _check_seeds(value, path):
    _check_list(value, path, item_ok=lambda s: _is_int(s) and s >= 0, item_msg="must be a non-negative integer")


def _check_keep_fractions(value, path, min_items=1):
    _check_list(
        value,
        path,
        item_ok=lambda k: _is_number(k) and 0 < k <= 1,
        item_msg="must be in (0, 1]",
        min_items=min_items,
        unique_key=format_number,
    )


def _check_choice(value, path, options, what):
    if not isinstance(value, str) or value not in options:
        _fail(path, value, f"unknown {what}; expected one of {', '.join(options)}")


def _check_positive(value, path):
    if not _is_number(value) or value <= 0:
        _fail(path, value, "must be a positive number")


def _check_non_negative(value, path):
    if not _is_number(value) or value < 0:
        _fail(path, value, "must be a non-negative number")


def _check_int(value, path, minimum):
    if not _is_int(value) or value < minimum:
        _fail(path, value, f"must be an integer >= {minimum}")


def _check_leak(value, path):
    if value == "row_sum":
        return
    if isinstance(value, str) or not _is_number(value) or value <= 0:
        _fail(path, value, "must be 'row_sum' or a positive number")


def check_network(net: Mapping, path: list) -> int:
    """Check a network mapping; return its size N."""
    clusters = _require(net, "clusters", path)
    _check_list(clusters, path + ["clusters"], item_ok=lambda s: _is_int(s) and s > 0, item_msg="must be a positive integer", unique=False)
    n = sum(clusters)
    if n < 2:
        _fail(path + ["clusters"], clusters, "the network needs at least 2 neurons")
    density = _require(net, "density", path)
    if not _is_number(density) or not 0 <= density <= 1:
        _fail(path + ["density"], density, "must be in [0, 1]")
    long_range = _require(net, "long_range", path)
    if not _is_int(long_range) or long_range < 0:
        _fail(path + ["long_range"], long_range, "must be a non-negative integer")
    if long_range > n * (n - 1):
        _fail(path + ["long_range"], long_range, f"exceeds the {n * (n - 1)} off-diagonal entries of an N = {n} network")
    if not isinstance(_require(net, "symmetric", path), bool):
        _fail(path + ["symmetric"], net["symmetric"], "must be true or false")
    _check_leak(_require(net, "leak", path), path + ["leak"])
    strong = _require(net, "strong_pairs", path)
    if not _is_int(strong) or strong < 0:
        _fail(path + ["strong_pairs"], strong, "must be a non-negative integer")
    within = sum(round(density * s * (s - 1) / 2) for s in clusters)
    if strong > within:
        _fail(path + ["strong_pairs"], strong, f"exceeds the {within} within-cluster edges")
    if not _is_number(_require(net, "strong_scale", path)):
        _fail(path + ["strong_scale"], net["strong_scale"], "must be a number")
    return n


def check_settings(exp: Mapping, path: list) -> None:
    """Check the inheritable settings of a resolved experiment (after merging ``defaults``)."""
    methods = _require(exp, "methods", path)
    _check_list(
        methods,
        path + ["methods"],
        item_ok=lambda m: isinstance(m, str) and m in METHODS,
        item_msg=f"unknown method; expected one of {', '.join(METHODS)}",
    )
    normalization = _require(exp, "normalization", path)
    _check_choice(normalization, path + ["normalization"], NORMALIZATIONS, "normalization")
    if normalization == "theory":
        others = [m for m in methods if m not in THEORY_METHODS]
        if others:
            _fail(
                path + ["normalization"],
                normalization,
                f"applies to methods {' and '.join(THEORY_METHODS)} only, not {', '.join(others)}",
            )
    _check_positive(_require(exp, "theory_k", path), path + ["theory_k"])
    eps = _require(exp, "theory_eps", path)
    _check_positive(eps, path + ["theory_eps"])
    _check_choice(_require(exp, "diagonal", path), path + ["diagonal"], DIAGONALS, "diagonal mode")
    _check_choice(_require(exp, "spectra", path), path + ["spectra"], SPECTRA, "spectra mode")

    cov = _require(exp, "covariance", path)
    cpath = path + ["covariance"]
    if not isinstance(_require(cov, "exact", cpath), bool):
        _fail(cpath + ["exact"], cov["exact"], "must be true or false")
    durations = _require(cov, "durations", cpath)
    _check_list(
        durations,
        cpath + ["durations"],
        item_ok=lambda d: _is_number(d) and d > 0,
        item_msg="must be > 0",
        min_items=0,
        unique_key=format_number,
    )
    if any(m in COVARIANCE_METHODS for m in methods) and not cov["exact"] and not durations:
        _fail(cpath, dict(cov), "method 'noise' needs a covariance source: set exact: true or give durations")

    emp = _require(exp, "empirical", path)
    epath = path + ["empirical"]
    _check_positive(_require(emp, "dt", epath), epath + ["dt"])
    _check_non_negative(_require(emp, "burn_in", epath), epath + ["burn_in"])
    _check_int(_require(emp, "replicas", epath), epath + ["replicas"], 1)
    for i, d in enumerate(durations):
        if d / emp["replicas"] / emp["dt"] < 2:
            _fail(
                cpath + ["durations", i],
                d,
                f"too short: {emp['replicas']} replicas x dt {emp['dt']} leave fewer than 2 samples per replica "
                f"(need >= {format_number(2 * emp['replicas'] * emp['dt'])})",
            )

    if not isinstance(_require(exp, "dynamics", path), bool):
        _fail(path + ["dynamics"], exp["dynamics"], "must be true or false")
    dyn = _require(exp, "dynamics_params", path)
    dpath = path + ["dynamics_params"]
    _check_int(_require(dyn, "trials", dpath), dpath + ["trials"], 1)
    _check_int(_require(dyn, "steps", dpath), dpath + ["steps"], 2)
    _check_positive(_require(dyn, "dt", dpath), dpath + ["dt"])
    _check_non_negative(_require(dyn, "noise_std", dpath), dpath + ["noise_std"])
    if not _is_number(_require(dyn, "background", dpath)):
        _fail(dpath + ["background"], dyn["background"], "must be a number")


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


def scaling_experiments(scaling: Mapping, defaults: Mapping, path: list | None = None) -> dict[str, dict]:
    """Unresolved experiments ``scaling_N<size>`` (one per size) from the ``scaling`` section."""
    path = ["scaling"] if path is None else path
    sizes = _require(scaling, "sizes", path)
    _check_list(sizes, path + ["sizes"], item_ok=lambda s: _is_int(s) and s >= 2, item_msg="must be an integer >= 2")
    fractions = _require(scaling, "cluster_fractions", path)
    _check_list(
        fractions,
        path + ["cluster_fractions"],
        item_ok=lambda f: _is_number(f) and f > 0,
        item_msg="must be a positive number",
        unique=False,
    )
    if abs(sum(fractions) - 1.0) > 1e-9:
        _fail(path + ["cluster_fractions"], fractions, f"must sum to 1 (sum is {sum(fractions):g})")
    per_neuron = _require(scaling, "long_range_per_neuron", path)
    _check_non_negative(per_neuron, path + ["long_range_per_neuron"])
    _check_keep_fractions(_require(scaling, "keep_fractions", path), path + ["keep_fractions"], min_items=2)
    _check_positive(_require(scaling, "target_eps", path), path + ["target_eps"])
    out = {}
    for i, n in enumerate(sizes):
        clusters = cluster_sizes(n, fractions)
        if min(clusters) < 1:
            _fail(path + ["sizes", i], n, f"too small for cluster_fractions {fractions} (a cluster would be empty)")
        network = {
            "clusters": clusters,
            "density": _require(scaling, "density", path),
            "long_range": int(round(per_neuron * n)),
            "symmetric": _require(scaling, "symmetric", path),
            "leak": _require(scaling, "leak", path),
            "strong_pairs": 0,
            "strong_scale": 8.0,
        }
        exp = {"network": network, "dynamics": False}
        for key in ("seeds", "keep_fractions", "prune_seeds", *INHERITED):
            if key in scaling and key != "dynamics":
                exp[key] = copy.deepcopy(scaling[key])
        out[f"{SCALING_PREFIX}{n}"] = exp
    return out


def expand(config: Mapping) -> dict:
    """Resolved experiments from a schema-complete config (defaults already filled in).

    Returns
    -------
    dict with keys
        ``experiments``: name -> resolved experiment (every inheritable key present, plus
        ``name``, ``n`` and ``scaling`` (bool: generated from the scaling section));
        ``scaling``: None or a dict with ``experiments`` (names, by size) and ``target_eps``.

    Raises
    ------
    ConfigError
        On the first invalid value (one line naming its key path).
    """
    if not isinstance(config, Mapping):
        _fail([], config, "the configuration must be a mapping")
    defaults = config.get("defaults", {})
    if not isinstance(defaults, Mapping):
        _fail(["defaults"], defaults, "must be a mapping")
    experiments = config.get("experiments", {}) or {}
    if not isinstance(experiments, Mapping):
        _fail(["experiments"], experiments, "must be a mapping of experiment names to experiments")

    raw: dict[str, tuple[list, dict, bool]] = {}
    for name, exp in experiments.items():
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            _fail_key(["experiments", str(name)], "experiment names must start with a letter and use only letters, digits, _ and -")
        if name.startswith(SCALING_PREFIX):
            _fail_key(["experiments", name], f"names starting with {SCALING_PREFIX!r} are reserved for the scaling section")
        if not isinstance(exp, Mapping):
            _fail(["experiments", name], exp, "must be a mapping")
        raw[name] = (["experiments", name], dict(exp), False)

    scaling = config.get("scaling")
    scaling_info = None
    if scaling is not None:
        generated = scaling_experiments(scaling, defaults)
        for name, exp in generated.items():
            raw[name] = (["scaling"], exp, True)
        scaling_info = {"experiments": list(generated), "target_eps": float(scaling["target_eps"])}

    if not raw:
        _fail_key(["experiments"], "no experiments configured (add an experiment or a scaling section)")

    resolved = {}
    for name, (path, exp, generated) in raw.items():
        full = merge({k: defaults[k] for k in INHERITED if k in defaults}, exp)
        n = check_network(_require(full, "network", path), path + ["network"])
        _check_seeds(_require(full, "seeds", path), path + ["seeds"])
        _check_seeds(_require(full, "prune_seeds", path), path + ["prune_seeds"])
        _check_keep_fractions(_require(full, "keep_fractions", path), path + ["keep_fractions"])
        check_settings(full, path)
        full.update(name=name, n=n, scaling=generated)
        resolved[name] = full
    return {"experiments": resolved, "scaling": scaling_info}


def prepare(config: Mapping, schema=DEFAULT_SCHEMA) -> dict:
    """Validate ``config`` (schema, then semantics) and return :func:`expand`'s result.

    ``config`` is not modified: defaults are filled into a deep copy. ``schema=None``
    skips the JSON schema (then every key must be present).
    """
    config = copy.deepcopy(dict(config)) if isinstance(config, Mapping) else config
    if schema is not None:
        schema = load_schema(schema)
        check_schema(config, schema)
        fill_defaults(config, schema)
    return expand(config)
