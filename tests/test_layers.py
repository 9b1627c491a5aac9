"""The package's layers, checked by importing each module in a fresh interpreter.

- the core (the top-level modules) imports numpy, scipy and pyarrow at most: never
  pandas, matplotlib, jax, yaml or snakemake, nor another layer;
- ``noiseprune.trained`` sits on the core; jax and optax only in its training module;
- ``noiseprune.pipeline`` sits on the core and trained, never on plotting, jax or snakemake;
- ``noiseprune.plotting`` sits on the core and the tables' names, never on the plan.
"""

import json
import pkgutil
import subprocess
import sys

import pytest

import noiseprune
from helpers import ROOT

HEAVY = ("pandas", "matplotlib", "jax", "optax", "yaml", "jsonschema", "snakemake")
LAYERS = ("noiseprune.pipeline", "noiseprune.trained", "noiseprune.plotting")
PLANNING = ("noiseprune.pipeline.plan", "noiseprune.pipeline.config", "noiseprune.pipeline.schema",
            "noiseprune.pipeline.captions")


def modules():
    return sorted(m.name for m in pkgutil.walk_packages(noiseprune.__path__, "noiseprune."))


def forbidden(module: str) -> tuple[str, ...]:
    """Modules that importing ``module`` must not load."""
    if module.startswith("noiseprune.trained"):
        jax = () if module == "noiseprune.trained.training" else ("jax", "optax")
        return (*jax, "pandas", "matplotlib", "yaml", "snakemake", "noiseprune.pipeline", "noiseprune.plotting")
    if module.startswith("noiseprune.pipeline"):
        return ("jax", "optax", "matplotlib", "snakemake", "noiseprune.plotting")
    if module.startswith("noiseprune.plotting"):
        return ("jax", "optax", "yaml", "snakemake", *PLANNING)
    return (*HEAVY, *LAYERS)


def loaded_by(module: str) -> list[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_every_layer_has_modules():
    found = modules()
    assert "noiseprune.pruning" in found and "noiseprune.pipeline.plan" in found
    assert "noiseprune.trained.training" in found and any(m.startswith("noiseprune.plotting.") for m in found)


@pytest.mark.parametrize("module", modules())
def test_module_imports_only_what_its_layer_allows(module):
    loaded = loaded_by(module)
    bad = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden(module))]
    assert not bad, f"importing {module} loads {sorted({b.split('.')[0] if not b.startswith('noiseprune') else b for b in bad})}"


def test_the_check_catches_a_violation():
    """The rule itself can fail: the plotting package's style loads matplotlib, forbidden in the core."""
    loaded = loaded_by("noiseprune.plotting.style")
    assert "matplotlib" in loaded and "matplotlib" in forbidden("noiseprune.networks")
