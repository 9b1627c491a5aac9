"""The figure registry: one module of ``noiseprune.plotting`` per figure.

A figure module registers its draw function with :func:`figure`::

    @figure("fig17_example", tables=("summary",), caption="Edges kept by {{ experiment }}.")
    def draw(tables, spec):
        ...
        return fig

The package imports every module of ``noiseprune.plotting`` (no list to edit), so the
figure exists once its module does; a config draws it when its ``figures`` section names
it (``fig17_example: {experiment: probe}``). The pipeline then reads the named tables,
calls ``draw`` with them and the figure's entry of the config (``spec``), saves
``<results_dir>/figures/<name>.{pdf,png}`` and shows the caption in the report.

What a figure may declare besides its tables and caption, each a function of
``(spec, run)``, where ``run`` is the planned run (``run.experiments``: the resolved
experiments by name, ``run.trained``: the trained section or None, and the experiment
groups ``run.sweep_experiments()``, ``run.empirical_experiments()``,
``run.scaling_experiments()``):

check
    Why the figure cannot draw ``spec`` in this run (one line), or None. The pipeline
    already checks that every experiment ``spec`` names is configured and that the
    figure's tables are produced.
details
    Values added to ``spec`` before drawing and captioning (keys the caption and the
    draw function read: sizes, seeds, the keep fraction drawn); may set
    ``experiments`` for a figure that draws a group of experiments.
files
    Further input files by key (``run.path_of(kind, **ids)``), passed to ``draw`` with
    the tables (arrays: ``.npy`` dense, ``.npz`` sparse).

The caption is a Jinja2 template of reStructuredText rendered with ``spec`` (its
keys are the template's names: ``{{ experiment }}``, ``{{ n }}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from noiseprune.pipeline.ids import format_number, listing, percent, plural

from ..registry import Registry


@dataclass(frozen=True)
class Figure:
    """A registered figure (see the module docstring)."""

    name: str
    draw: Callable
    tables: tuple[str, ...]
    caption: str
    check: Callable | None = None
    details: Callable | None = None
    files: Callable | None = None
    #: Tables read only for the figure's experiments (rows whose ``network`` is one of
    #: ``spec["experiments"]``), for the large per-eigenvalue tables.
    select: tuple[str, ...] = ()

    @property
    def number(self) -> int | None:
        """The figure's number, from a name ``fig<number>_...`` (None otherwise)."""
        match = re.match(r"fig(\d+)(_|$)", self.name)
        return int(match.group(1)) if match else None

    @property
    def label(self) -> str:
        """How the report names the figure: "Fig. 3", else its name."""
        return f"Fig. {self.number}" if self.number is not None else self.name


FIGURES: Registry[Figure] = Registry("figure")


def figure(
    name: str,
    *,
    tables: Sequence[str] = (),
    caption: str,
    check: Callable | None = None,
    details: Callable | None = None,
    files: Callable | None = None,
    select: Sequence[str] = (),
):
    """Register the decorated ``draw(tables, spec) -> matplotlib Figure`` as figure ``name``."""

    def register(draw):
        FIGURES.add(name, Figure(name, draw, tuple(tables), caption, check, details, files, tuple(select)))
        return draw

    return register


def named_experiments(spec: Mapping) -> list[str]:
    """Experiments a figure's entry names: ``experiments: [...]`` or ``experiment: name``."""
    if spec.get("experiments") is not None:
        return list(spec["experiments"])
    return [spec["experiment"]] if spec.get("experiment") is not None else []


# ---------------------------------------------------------------- caption text
def experiment_facts(exp: Mapping) -> dict:
    """What a caption states about one resolved experiment: name, N, clusters, keep
    fractions, draws, simulated durations (display text)."""
    clusters = exp["network"].get("clusters")
    seeds, pseeds = len(exp["seeds"]), len(exp["prune_seeds"])
    durations = exp["covariance"]["durations"]
    return dict(
        name=exp["name"],
        n=exp["n"],
        clusters=listing(clusters) if clusters else "none",
        n_clusters=len(clusters) if clusters else 0,
        keep=listing(percent(k) for k in exp["keep_fractions"]),
        keep_first=percent(exp["keep_fractions"][0]),
        seed=exp["seeds"][0],
        prune_seed=exp["prune_seeds"][0],
        draws=f"{plural(seeds, 'network seed')} × {plural(pseeds, 'pruning seed')} = {plural(seeds * pseeds, 'draw')}",
        durations=listing([format_number(d) for d in durations]) if durations else "",
    )


# ---------------------------------------------------------------- checks
def experiment_problem(run, names: Sequence[str], *, relu: bool = False, full_spectra: bool = False,
                       dynamics: bool = False, method: str | None = None) -> str | None:
    """Why the experiments ``names`` of ``run`` do not fit a figure (None when they do): a
    figure of rectified-linear (``relu``) or linear networks, that needs the full
    spectra, the simulated dynamics or the results of ``method``."""
    for name in names:
        exp = run.experiments.get(name)
        if exp is None:
            return f"{name!r} is not an experiment (the trained section is drawn by its own figure)"
        model = exp.get("dynamics_model", "linear")
        if relu and model != "relu":
            return f"experiment {name!r} has dynamics_model: {model}; the figure needs dynamics_model: relu"
        if not relu and model == "relu":
            return f"experiment {name!r} has dynamics_model: relu; the figure draws linear networks"
        if full_spectra and exp["spectra"] != "full":
            return f"experiment {name!r} has spectra: {exp['spectra']}; the figure needs spectra: full"
        if dynamics and not exp["dynamics"]:
            return f"experiment {name!r} has dynamics: false; the figure needs dynamics: true"
        if method is not None and method not in exp["methods"]:
            return f"experiment {name!r} does not run method {method!r}, whose results the figure shows"
    return None
