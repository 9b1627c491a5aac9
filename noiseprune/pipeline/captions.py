"""The report captions of the figures (docs/method.md, "Figures").

Each figure module of :mod:`noiseprune.plotting` carries its caption: a Jinja2 template
of reStructuredText whose names are the keys of the figure's spec (the config's entry,
completed by the module from the config). Every number a caption states about the run
(N, clusters, keep fractions, time steps, durations, draws) comes from there;
statements about the paper's own results stay literal in the caption. The figure rule
passes :func:`render`'s text to the report (``workflow/report/figure.rst``).
"""

from __future__ import annotations

from collections.abc import Mapping


def render(template: str, spec: Mapping) -> str:
    """``template`` rendered with the names of ``spec``, as Snakemake renders a caption
    file (trim_blocks, lstrip_blocks); a name the template uses but ``spec`` lacks is an
    error (jinja2.UndefinedError naming it)."""
    import jinja2

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.from_string(template).render(**spec)


def caption(plan, figure: str) -> str:
    """The rendered caption of ``figure`` of ``plan`` (a figure the config draws)."""
    from .. import plotting

    return render(plotting.get(figure).caption, plan.figures[figure])
