"""Paper-style figures drawn from the tidy result tables (docs/method.md, "Figures").

Every ``fig*`` function is pure: it takes tidy DataFrames (arrays for Fig. 1) with the
columns of :mod:`noiseprune.pipeline.tables` and the experiment names to draw, and returns a
:class:`matplotlib.figure.Figure`; it never reads files, never touches pyplot's global
state and never shows anything. Figures are built on plain ``Figure`` objects and
rendered with the non-interactive Agg canvas (PNG) and matplotlib's PDF backend;
:func:`save` writes both atomically.

Modules
-------
registry  the figure registry (:func:`figure`, :func:`get`, :func:`names`) and caption text
style   rcParams, method colours and names (from :mod:`noiseprune.methods`), figure creation, saving
panels  helpers and panels shared by several figures
fig1 ... fig6  one module per figure of Moore & Chaudhuri 2020
fig7, fig8      rectified-linear and non-symmetric networks (beyond the paper's figures)
fig9    task-trained networks (beyond the paper)

Every other module of this package is imported here, so a module that registers a
figure with :func:`figure` is found without any list to edit.
"""

import importlib
import pkgutil

from .fig1 import covariance_difference, fig1_probe
from .fig2 import fig2_spectrum
from .fig3 import fig3_dynamics
from .fig4 import fig4_large
from .fig5 import fig5_sweeps
from .fig6 import fig6_empirical
from .fig7 import fig7_relu
from .fig8 import fig8_nonsymmetric
from .fig9 import fig9_trained
from .registry import FIGURES, Figure, figure
from .panels import ALIGN, EIG_ERR, EPS, LOG_FLOOR, MAX_EIG_ERR, METRIC_LABELS, VEC_ERR
from .style import LAYOUT_GRID, METADATA, STYLE, WIDTH, freeze_layout, method_color, method_label, paper_style, save

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

names = FIGURES.names
get = FIGURES.get

__all__ = [
    "FIGURES",
    "Figure",
    "ALIGN",
    "EIG_ERR",
    "EPS",
    "LAYOUT_GRID",
    "LOG_FLOOR",
    "MAX_EIG_ERR",
    "METADATA",
    "METRIC_LABELS",
    "STYLE",
    "VEC_ERR",
    "WIDTH",
    "covariance_difference",
    "fig1_probe",
    "fig2_spectrum",
    "fig3_dynamics",
    "fig4_large",
    "fig5_sweeps",
    "fig6_empirical",
    "fig7_relu",
    "fig8_nonsymmetric",
    "fig9_trained",
    "figure",
    "freeze_layout",
    "get",
    "method_color",
    "method_label",
    "names",
    "paper_style",
    "save",
]
