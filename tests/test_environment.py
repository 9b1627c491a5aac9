"""The locked environment: constraints.txt pins every package pyproject.toml asks for,
and the conda environment of `--sdm conda` pins the same versions."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
CONDA_ENV = ROOT / "workflow" / "envs" / "noiseprune.yaml"


def canonical(name: str) -> str:
    """PyPI's normalized project name (PEP 503): case and -_. runs do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def constraint_pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: {line!r} is not a name==version pin"
            pins[canonical(name)] = version
    return pins


def locked_python() -> str:
    match = re.search(r"with Python (\S+?):?$", CONSTRAINTS.read_text(), re.MULTILINE)
    assert match, "constraints.txt: the header names no Python version"
    return match.group(1)


def test_constraints_pin_every_requirement_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pins = constraint_pins()
    names = {canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r).group()) for r in requirements}
    assert names - pins.keys() == {project["name"]}  # an extra naming another ([workflow] includes [trained])


def test_conda_environment_pins_the_constrained_versions():
    pins = constraint_pins()
    dependencies = yaml.safe_load(CONDA_ENV.read_text())["dependencies"]
    assert len(dependencies) > 1
    for spec in dependencies:
        name, sep, version = spec.replace(" ", "").partition("==")
        assert sep, f"{CONDA_ENV.name}: {spec!r} is not pinned with =="
        expected = locked_python() if name == "python" else pins.get(canonical(name))
        assert version == expected, f"{CONDA_ENV.name}: {name} {version}, constraints.txt: {expected}"
