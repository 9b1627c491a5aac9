"""The configuration's JSON schema: loading it, completing it from the registries, and
validating a config against it in one pass that also fills in the defaults.

The schema file (``noiseprune/pipeline/config.schema.yaml``, package data) holds types, enums, ranges,
required keys and defaults; the method names (:mod:`noiseprune.methods`) and the
network kinds with their keys (:mod:`noiseprune.networks`) are added from the
registries, so neither is listed twice. Every error is a :class:`ConfigError`: one
line naming the key path and the value.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from noiseprune import methods
from noiseprune import networks
from noiseprune.trained import reducers

#: The schema shipped with the workflow (present in a source checkout / editable install).
DEFAULT_SCHEMA = Path(__file__).resolve().parent / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value is invalid; the message is one line starting with ``config error:``."""


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


# --------------------------------------------------------------------------- YAML


def load_yaml(path) -> dict:
    """Read a YAML config file, refusing duplicated keys (PyYAML silently keeps the last)."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(
                    f"config error: {path}: line {key_node.start_mark.line + 1}: duplicated key {key!r} "
                    f"(first on line {seen[key] + 1})"
                )
            seen[key] = key_node.start_mark.line
        return loader.construct_mapping(node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=StrictLoader) or {}
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = " ".join(str(err.problem or err.context or "invalid YAML").split())
        if "'\\t'" in problem:
            problem += " (YAML indents with spaces, never tabs)"
        raise ConfigError(f"config error: {path}: {where}{problem}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(f"config error: {path}: not a YAML text file ({' '.join(str(err).split())[:120]})") from None


def check_finite(value, path=()) -> None:
    """Refuse NaN and infinite numbers anywhere in ``value`` (YAML reads ``.nan`` and
    ``.inf`` as floats, and the schema's ranges let NaN through: every comparison with
    it is false)."""
    if isinstance(value, float) and not math.isfinite(value):
        _fail(list(path), value, "must be a finite number")
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_finite(item, [*path, key])
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_finite(item, [*path, i])


# --------------------------------------------------------------------------- JSON schema


def network_schema() -> dict:
    """JSON schema of ``network:``: ``kind`` picks a registered builder, whose keys follow."""
    kinds = list(networks.KINDS)
    branches = []
    for name, spec in networks.KINDS.items():
        branches.append(
            {
                "if": {"properties": {"kind": {"const": name}}},
                "then": {
                    "properties": {"kind": {"const": name}, **copy.deepcopy(spec.schema)},
                    "required": list(spec.required),
                    "additionalProperties": False,
                },
            }
        )
    return {
        "description": "The network: `kind` picks a builder of noiseprune.networks "
        f"({', '.join(kinds)}); the other keys are that builder's.",
        "type": "object",
        "properties": {
            "kind": {
                "description": "Network builder: " + "; ".join(f"{k}: {s.description}" for k, s in networks.KINDS.items()),
                "enum": kinds,
                "default": networks.DEFAULT_KIND,
            }
        },
        "allOf": branches,
    }


def load_schema(schema=DEFAULT_SCHEMA) -> dict:
    """The JSON schema as a dict, completed from the method and network registries.

    ``schema`` may already be a dict, or a YAML/JSON path. ``$defs.methods`` gets the
    registered method names as its enum, ``$defs.network`` the registered kinds and
    ``$defs.network_kinds.<kind>`` each kind's keys.
    """
    if isinstance(schema, Mapping):
        schema = copy.deepcopy(dict(schema))
    else:
        import yaml  # deferred: only needed with a schema file

        path = Path(schema)
        if not path.exists():
            raise FileNotFoundError(f"config schema not found: {path}")
        with open(path) as fh:
            schema = yaml.safe_load(fh)
    defs = schema.setdefault("$defs", {})
    registered = methods.names()
    defs["methods"] = {
        "description": "Pruning methods (noiseprune.methods): "
        + "; ".join(f"{m}: {methods.get(m).description}" for m in registered),
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "items": {"enum": list(registered)},
    }
    defs["reducers"] = {
        "description": "Reducers of the trained networks (noiseprune.trained.reducers): "
        + "; ".join(f"{r}: {reducers.get(r).description}" for r in reducers.names()),
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "items": {"enum": list(reducers.names())},
    }
    defs["network"] = network_schema()
    defs["network_kinds"] = {
        name: {"type": "object", "properties": copy.deepcopy(spec.schema)} for name, spec in networks.KINDS.items()
    }
    brain = schema.get("properties", {}).get("brain_scale")
    if brain is not None:  # its network: the sparse_clustered keys, `repeat` following from each size
        keys = {k: v for k, v in copy.deepcopy(networks.get("sparse_clustered").schema).items() if k != "repeat"}
        brain["properties"]["network"].update(properties=keys, additionalProperties=False, required=["clusters"])
    return schema


def _validator(schema: Mapping):
    """A jsonschema validator of ``schema`` that also fills in ``default`` values."""
    import jsonschema  # deferred: the library itself does not need it

    base = jsonschema.validators.validator_for(schema)
    check_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, subschema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if key not in instance and isinstance(sub, Mapping) and "default" in sub:
                    instance[key] = copy.deepcopy(sub["default"])
        yield from check_properties(validator, properties, instance, subschema)

    return jsonschema.validators.extend(base, {"properties": properties_with_defaults})(schema)


def _number_hint(value) -> str:
    """A hint for numbers YAML read as text (``3e-1`` needs a dot: ``3.0e-1``)."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return f" (YAML read {value!r} as text: write exponents with a dot, e.g. 3.0e-1, or plain decimals)"
    return ""


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
        "type": lambda: f"must be of type {s if isinstance(s, str) else ' or '.join(s)}"
        + (_number_hint(error.instance) if "number" in s or "integer" in s else ""),
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
        "maxLength": lambda: f"must be at most {s} characters long",
        "minLength": lambda: f"must be at least {s} character{'s' if s != 1 else ''} long",
        "minProperties": lambda: f"must have at least {s} entr{'ies' if s != 1 else 'y'}",
    }
    if v in messages:
        return path, messages[v](), error.instance, True
    if v in ("oneOf", "anyOf"):
        desc = error.schema.get("description", "")
        hint = desc.split(".")[0] if desc else "does not match any allowed form"
        return path, f"invalid value ({hint}){_number_hint(error.instance)}", error.instance, True
    return path, error.message, error.instance, True


def check_schema(config: dict, schema: Mapping) -> None:
    """Validate ``config`` against ``schema`` in one pass, filling in defaults (in place).

    Raises :class:`ConfigError` for the first error (jsonschema's best match).
    """
    import jsonschema

    check_finite(config)
    errors = list(_validator(schema).iter_errors(config))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors)
    path, message, value, has_value = _schema_message(error)
    if has_value:
        _fail(path, value, message)
    _fail_key(path, message)


def fill_defaults(config: dict, schema: Mapping) -> dict:
    """``config`` with the schema's defaults filled in (in place; errors are ignored)."""
    for _ in _validator(schema).iter_errors(config):
        pass
    return config
