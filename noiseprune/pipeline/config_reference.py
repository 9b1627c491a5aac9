"""docs/configuration.md, generated from the config schema's descriptions (completed
from the registries), so that the reference cannot drift from what is validated::

    python -m noiseprune.pipeline.config_reference > docs/configuration.md

(``make docs``; ``tests/test_config_reference.py`` fails while the file is stale).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

from noiseprune import networks
from noiseprune.pipeline.schema import load_schema

HEADER = """# Configuration reference

Every key a config may set, generated from `noiseprune/pipeline/config.schema.yaml` and
the method, network-kind and reducer registries by `make docs`; do not edit by hand.
A config is validated against exactly this before any job runs; a bad value stops the
run with one line naming the key and the value. `config.yaml` is a commented example.
"""

CONSTRAINTS = (
    ("minimum", ">= {}"), ("exclusiveMinimum", "> {}"), ("maximum", "<= {}"),
    ("exclusiveMaximum", "< {}"), ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"), ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"), ("pattern", "matches `{}`"),
)


def _resolve(node: Mapping, schema: Mapping) -> dict:
    """``node`` with its ``$ref`` (into ``$defs``) merged in; its own keys win."""
    node = dict(node)
    while "$ref" in node:
        target = node.pop("$ref").removeprefix("#/$defs/").split("/")
        resolved = schema["$defs"]
        for part in target:
            resolved = resolved[part]
        node = {**resolved, **node}
    return node


def _type(node: Mapping) -> str:
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    items = node.get("items")
    if kind == "array" and isinstance(items, Mapping):
        inner = _type(items)
        if inner:
            kind = f"list of {inner}"
    return kind


def _constraints(node: Mapping) -> str:
    parts = [text.format(node[key]) for key, text in CONSTRAINTS if key in node]
    items = node.get("items")
    if isinstance(items, Mapping):
        parts += [f"each {p}" for p in (text.format(items[k]) for k, text in CONSTRAINTS if k in items)]
    if node.get("uniqueItems"):
        parts.append("no repeats")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _rows(node: Mapping, schema: Mapping, path: str, rows: list) -> None:
    node = _resolve(node, schema)
    for key, child in node.get("properties", {}).items():
        child = _resolve(child, schema)
        default = json.dumps(child["default"]) if "default" in child else ""
        rows.append((f"{path}{key}", _type(child), _constraints(child), default, child.get("description", "")))
        if "properties" in child:
            _rows(child, schema, f"{path}{key}.", rows)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        _rows(extra, schema, f"{path}<name>.", rows)


def _table(rows: list) -> str:
    out = ["| key | type | constraints | default | description |", "|---|---|---|---|---|"]
    out += ["| " + " | ".join([f"`{r[0]}`", *(_cell(c) for c in r[1:])]) + " |" for r in rows]
    return "\n".join(out)


def markdown(schema=None) -> str:
    """The whole reference as Markdown."""
    schema = load_schema() if schema is None else load_schema(schema)
    sections = [HEADER, "## Top level\n\n" + _cell(schema.get("description", ""))]
    for key, node in schema["properties"].items():
        node = _resolve(node, schema)
        rows: list = []
        _rows(node, schema, f"{key}.", rows)
        head = f"## `{key}`\n\n{_cell(node.get('description', ''))}"
        default = f" Default: `{json.dumps(node['default'])}`." if "default" in node and not rows else ""
        sections.append(head + default + ("\n\n" + _table(rows) if rows else ""))
    kinds = ["## Network kinds\n\n`network: {kind: <kind>, ...}` in an experiment; the keys of each kind:"]
    for name, spec in networks.KINDS.items():
        rows = []
        _rows({"properties": spec.schema}, schema, "network.", rows)
        kinds.append(f"### `{name}`\n\n{_cell(spec.description)}\n\n{_table(rows)}")
    sections.append("\n\n".join(kinds))
    return "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
