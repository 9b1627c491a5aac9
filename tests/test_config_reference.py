"""docs/configuration.md is generated from the schema and the registries (make docs)."""

from helpers import ROOT

from noiseprune.pipeline import config_reference
from noiseprune.pipeline.schema import load_schema

DOC = ROOT / "docs" / "configuration.md"


def test_configuration_reference_is_current():
    assert DOC.read_text() == config_reference.markdown(), "docs/configuration.md is stale: run `make docs`"


def test_reference_lists_every_key_with_its_description_and_default():
    schema = load_schema()
    text = config_reference.markdown(schema)
    assert "| `defaults.empirical.replicas` | integer | >= 1 | 64 |" in text
    for name in schema["properties"]:
        assert f"## `{name}`" in text
    schema["properties"]["defaults"]["properties"]["diagonal"]["description"] = "A changed description."
    assert "A changed description." in config_reference.markdown(schema)
