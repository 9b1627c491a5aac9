"""Fig. 6: pruning quality with a covariance estimated from a simulation of duration T
(Moore & Chaudhuri 2020, Fig. 6; docs/method.md, "Covariance")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from noiseprune.pipeline.tables import require_columns
from .panels import (
    METRIC_LABELS,
    TIME_UNIT,
    band,
    describe,
    duration,
    legend_handles,
    log_axis,
    median_band,
    note,
    spans_decade,
)
from noiseprune.pipeline.ids import format_number
from .registry import experiment_facts, figure
from .style import WIDTH, method_color, new_figure, ordered_methods, paper_style


def _empirical_panel(ax, rows: pd.DataFrame, metric: str) -> None:
    durations = np.array([duration(str(c)) for c in rows["covariance"]])
    rows = rows.assign(_T=durations)
    simulated = rows[np.isfinite(durations)]
    t_min = simulated["_T"].min() if len(simulated) else 1.0
    t_max = simulated["_T"].max() if len(simulated) else 10.0
    log_axis(ax, "x")
    ax.set_xlim(t_min / 2.0, t_max * 2.0)
    ax.set_xlabel(f"simulated duration $T$ {TIME_UNIT}")
    if not np.isfinite(rows[metric].to_numpy(dtype=float)).any():
        note(ax, f"no finite {METRIC_LABELS[metric]}\n(spectral $\\varepsilon$ needs a symmetric network,\nper-eigenpair errors need spectra: full)")
        ax.set_yticks([])
        return
    for m in ordered_methods(rows["method"].unique()):
        color = method_color(m)
        sub = rows[rows["method"] == m]
        sim = sub[np.isfinite(sub["_T"])]
        if len(sim):
            stats = band(sim, "_T", metric)
            median_band(ax, stats.index.to_numpy(dtype=float), stats, color, None)
        for cov, ls in (("exact", "--"), ("none", ":")):
            level = sub.loc[sub["covariance"] == cov, metric].to_numpy(dtype=float)
            level = level[np.isfinite(level)]
            if level.size:
                ax.axhspan(level.min(), level.max(), color=color, alpha=0.1, lw=0)
                ax.axhline(np.median(level), color=color, ls=ls, lw=1.0)
    if spans_decade(rows[metric]):
        log_axis(ax, "y")
    ax.set_ylabel(METRIC_LABELS[metric])


def fig6_empirical(empirical: pd.DataFrame) -> Figure:
    """Fig. 6: pruning quality with a covariance estimated from a simulation of duration T.

    One row per experiment; spectral eps and max |eigenvalue error| against T (log
    axes). Noise-prune with the empirical covariance: median over network seeds x
    pruning seeds with a min-max band; dashed line and band: the same rule with the
    exact covariance; dotted line and band: methods that use no covariance (e.g. the
    weight control), which do not depend on T. T is in units of the network's time
    constant tau, as the time of Fig. 3.

    Raises
    ------
    ValueError
        Empty table, no simulated covariance rows, missing columns.
    """
    require_columns(empirical, ["network", "method", "covariance", "seed", "prune_seed", "max_abs_eig_err", "spectral_eps"], "empirical")
    if empirical.empty:
        raise ValueError("empirical table is empty: no experiment has simulated covariances (covariance.durations)")
    networks = sorted(empirical["network"].unique())
    with paper_style():
        fig = new_figure(WIDTH * 0.8, 2.6 * len(networks) + 0.6)
        subfigs = np.atleast_1d(fig.subfigures(len(networks), 1))
        methods = set()
        letter = iter("abcdefghijklmnopqrstuvwxyz")
        for sub, net in zip(subfigs, networks):
            rows = empirical[empirical["network"] == net]
            if not any(str(c).startswith("T") for c in rows["covariance"]):
                raise ValueError(f"empirical table has no simulated covariance (T<duration>) rows for network {net!r}")
            methods.update(rows["method"].unique())
            axes = sub.subplots(1, 2)
            _empirical_panel(axes[0], rows, "spectral_eps")
            _empirical_panel(axes[1], rows, "max_abs_eig_err")
            axes[0].set_title(f"({next(letter)}) spectral approximation", loc="left")
            axes[1].set_title(f"({next(letter)}) worst eigenvalue error", loc="left")
            sub.suptitle(describe(rows), x=0.01, ha="left")
        methods = ordered_methods(methods)
        handles = legend_handles(methods)
        handles += [
            Line2D([], [], color="0.3", marker="o", ms=3, label="empirical $C$ (median)"),
            Line2D([], [], color="0.3", ls="--", label="exact $C$ (median)"),
            Line2D([], [], color="0.3", ls=":", label="no covariance (median)"),
            Patch(color="0.5", alpha=0.3, lw=0, label="bands: min to max over draws"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=3)
    return fig


CAPTION = r"""**Fig. 6 — exact against empirical covariance** (
{%- for e in networks %}experiment ``{{ e.name }}``: N = {{ e.n }},
{{ e.keep_first }} of the synapses kept, durations T = {{ e.durations }}, {{ e.replicas }}
replicas after a burn-in of {{ e.burn_in }} each, dt = {{ e.dt }}, {{ e.draws }}
{{- "; " if not loop.last else "" }}{% endfor %}).

Noise-prune needs the covariance C of the noise-driven activity. A brain would have to
estimate it from a finite stretch of activity: here C is the sample covariance of a
simulation of duration T (after a burn-in), and the network is pruned with it. Plotted
against T (logarithmic T axis): the spectral approximation ε and the largest eigenvalue error
max_i \|μ_i/λ_i − 1\|. Solid line with markers: noise-prune with the empirical C
(median over network seeds × pruning seeds, band: minimum to maximum); dashed line and
band: noise-prune with the exact C; dotted line and band: methods that use no
covariance (the weight control), which do not depend on T.

How long the network must be observed for the empirical rule to match the exact one
is a result of this reproduction; the paper argues that the rule only needs quantities
available locally from the noise, and that a finite observation suffices.
"""


def _details(spec, run):
    """Experiments drawn: every linear experiment with a simulated covariance; caption facts."""
    names = run.empirical_experiments()
    return dict(
        experiments=names,
        networks=[
            dict(
                experiment_facts(e),
                replicas=e["empirical"]["replicas"],
                burn_in=format_number(e["empirical"]["burn_in"]),
                dt=format_number(e["empirical"]["dt"]),
            )
            for e in (run.experiments[n] for n in names)
        ],
    )


@figure("fig6_empirical", tables=("empirical",), caption=CAPTION, details=_details)
def draw(tables, spec) -> Figure:
    return fig6_empirical(tables["empirical"])
