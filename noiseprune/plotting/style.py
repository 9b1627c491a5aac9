"""Paper style shared by every figure: rcParams, method colours and names, figure creation, saving.

Method colours, display names and order come from the method registry
(:mod:`noiseprune.methods`): the authors' red (#A91101) for noise-prune and blue
(#1034A6) for the weight control; an unregistered method gets
:data:`noiseprune.methods.DEFAULT_COLOR` and its own name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import io
from .. import methods as registry

#: Shared paper style (matplotlib rcParams), applied while a figure is built and saved.
STYLE = {
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "figure.titlesize": 9.5,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4,
    "lines.linewidth": 1.3,
    "lines.markersize": 4,
    "image.cmap": "viridis",
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "standard",
    "pdf.fonttype": 42,
    "svg.hashsalt": "noiseprune",
}
#: Full text width (inches) of the paper figures.
WIDTH = 7.2
#: Metadata written into every file: no dates, no version strings, so equal figures
#: give byte-identical files on every machine and every run.
METADATA = {
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    "png": {"Software": None},
}


@contextlib.contextmanager
def paper_style():
    """Context in which the shared paper style (:data:`STYLE`) is active."""
    with matplotlib.rc_context(STYLE):
        yield


def method_color(method: str) -> str:
    """Plot colour of a method (from the registry; a default colour for unknown names)."""
    return registry.color(method)


def method_label(method: str, covariance: str | None = None) -> str:
    """Display name of a method, with its covariance source when it is not exact/none."""
    label = registry.label(method)
    if covariance and covariance not in ("exact", "none"):
        label += f" ($T={covariance[1:]}$)" if covariance.startswith("T") else f" ({covariance})"
    return label


def ordered_methods(methods) -> list[str]:
    """Method names (as str) in registry order, unknown ones last: the order of legends and box plots."""
    return registry.order([str(m) for m in methods])


def new_figure(width: float, height: float) -> Figure:
    """A constrained-layout Figure on the Agg canvas (no pyplot, no global state)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, stem, formats: Sequence[str] = ("pdf", "png")) -> list[Path]:
    """Write ``fig`` as ``<stem>.pdf`` and ``<stem>.png``, each atomically.

    Each file goes through :func:`noiseprune.io.atomic_path` (a temporary file in the
    target directory moved into place). Dates and version strings are left out of the
    metadata (:data:`METADATA`) and the layout is frozen first (:func:`freeze_layout`), so
    drawing and saving the same figure twice gives byte-identical files.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    stem : str or path-like
        Output path without extension (a trailing ``.pdf``/``.png`` is dropped).
    formats : sequence of {"pdf", "png"}

    Returns
    -------
    list of pathlib.Path, the files written, in the order of ``formats``.
    """
    for fmt in formats:
        if fmt not in METADATA:
            raise ValueError(f"format must be one of {', '.join(METADATA)}, got {fmt!r}")
    stem = Path(stem)
    if stem.suffix.lower() in (".pdf", ".png"):
        stem = stem.with_suffix("")
    with paper_style():
        freeze_layout(fig)
    written = []
    for fmt in formats:
        target = stem.parent / f"{stem.name}.{fmt}"
        with io.atomic_path(target, f".{fmt}") as tmp, paper_style():
            fig.savefig(tmp, format=fmt, metadata=METADATA[fmt])
        written.append(target)
    return written


#: Axes positions are rounded to this fraction of the figure by :func:`freeze_layout`.
LAYOUT_GRID = 1e-9


def freeze_layout(fig: Figure) -> None:
    """Run ``fig``'s layout engine once, round every axes' position to
    :data:`LAYOUT_GRID` of the figure and switch the engine off.

    The constrained-layout solver's result varies in the last bits from one drawing of
    the same figure to the next (its constraint tables are ordered by object address),
    and a marker position written to a PDF with 10 decimals then differs now and then;
    rounding makes the saved files depend on the figure alone.
    """
    fig.draw_without_rendering()
    for ax in fig.get_axes():
        x0, y0, w, h = ax.get_position(original=True).bounds
        ax.set_position([round(v / LAYOUT_GRID) * LAYOUT_GRID for v in (x0, y0, w, h)], which="both")
    fig.set_layout_engine("none")
