"""Fig. 8: a non-symmetric linear network (complex spectrum; docs/method.md, "Metrics")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.pipeline.tables import require_columns
from .panels import MAX_EIG_ERR, band, log_axis, median_band, network_rows, note, percent, seeds_text
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style


def fig8_nonsymmetric(eigen: pd.DataFrame, summary: pd.DataFrame, network: str, keep_fraction: float | None = None) -> Figure:
    """Fig. 8: original (open circles) and pruned (dots) eigenvalues in the complex plane,
    one panel per method at ``keep_fraction`` (default: the kept fraction closest to
    10 %, first network seed and pruning seed); median and largest |eigenvalue error|
    against the keep fraction (median line, min-max band over draws).

    Raises
    ------
    ValueError
        ``network`` absent from a table; missing columns.
    """
    require_columns(summary, ["network", "seed", "method", "keep_fraction", "prune_seed", "max_abs_eig_err", "median_abs_eig_err"], "summary")
    rows = network_rows(summary, network, "summary")
    eig = network_rows(eigen, network, "eigen")
    # the exact covariance (and the methods that read none), not the simulated ones
    rows = rows[rows["covariance"].astype(str).isin(["exact", "none"])] if "covariance" in rows else rows
    eig = eig[eig["covariance"].astype(str).isin(["exact", "none"])] if "covariance" in eig else eig
    methods = ordered_methods(rows["method"].unique())
    keeps = sorted(rows["keep_fraction"].unique())
    keep = keep_fraction if keep_fraction in keeps else min(keeps, key=lambda k: abs(np.log(k / 0.1)))
    with paper_style():
        fig = new_figure(WIDTH, 5.2)
        top, bottom = fig.subfigures(2, 1)
        first = eig[(eig["keep_fraction"] == keep) & (eig["seed"] == eig["seed"].min()) & (eig["prune_seed"] == eig["prune_seed"].min())]
        imag = "eigenvalue_imag" in first
        # one complex plane for every method (shared axes), so the spread compares
        planes = np.atleast_1d(top.subplots(1, len(methods), sharex=True, sharey=True))
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        for ax, m in zip(planes, methods):
            sub = first[first["method"] == m]
            ax.set_title(f"({next(letters)}) {method_label(m)}", loc="left")
            ax.set_xlabel(r"$\mathrm{Re}$")
            if ax is planes[0]:
                ax.set_ylabel(r"$\mathrm{Im}$")
            if sub.empty:
                note(ax, "no eigenvalues")
                continue
            y0 = sub["eigenvalue_imag"] if imag else np.zeros(len(sub))
            y1 = sub["eigenvalue_pruned_imag"] if "eigenvalue_pruned_imag" in sub else np.zeros(len(sub))
            ax.scatter(sub["eigenvalue"], y0, s=9, facecolor="none", edgecolor="black", lw=0.4, rasterized=True)
            ax.scatter(sub["eigenvalue_pruned"], y1, s=3, color=method_color(m), alpha=0.7, lw=0, rasterized=True)
        top.suptitle(f"first network seed and pruning seed, {percent(keep)} kept", x=0.01, ha="left")
        curves = bottom.subplots(1, 2)
        for ax, (metric, label) in zip(curves, (("median_abs_eig_err", r"median $|\mu_i/\lambda_i - 1|$"), ("max_abs_eig_err", MAX_EIG_ERR))):
            for m in methods:
                stats = band(rows[rows["method"] == m], "keep_fraction", metric)
                if len(stats):
                    median_band(ax, stats.index.to_numpy(dtype=float), stats, method_color(m), None)
            log_axis(ax, "x")
            ax.set_xticks(keeps, [percent(k) for k in keeps], minor=False)
            ax.set_xticks([], minor=True)
            ax.set_xlabel("fraction kept")
            ax.set_ylabel(label)
            ax.set_title(f"({next(letters)}) {'median' if metric.startswith('median') else 'largest'} eigenvalue error", loc="left")
        bottom.suptitle(f"{seeds_text(rows)} (line: median, band: min to max over draws)", x=0.01, ha="left")
        handles = [Line2D([], [], color=method_color(m), marker="o", ms=3, label=method_label(m)) for m in methods]
        handles.append(Line2D([], [], marker="o", ls="none", mfc="none", mec="black", label="original eigenvalues"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        n = int(rows["n"].iloc[0])
        fig.suptitle(f"A non-symmetric network, $N = {n}$: complex spectrum after pruning")
    return fig


CAPTION = r"""**Fig. 8 — a non-symmetric network** (experiment ``{{ name }}``: N = {{ n }},
clusters of {{ clusters }} neurons with the upper and lower triangles drawn
independently; keep fractions {{ keep }}; {{ draws }}).

Top: the eigenvalues of the original network (open circles) and of one pruned network
per method (dots) in the complex plane, at the configured keep fraction closest to
10 %; the pruned eigenvalues are paired with the original ones by a linear assignment.
Bottom: the median and the largest relative eigenvalue error \|μ_i/λ_i − 1\| against the
kept fraction (median over network seeds × pruning seeds, band: minimum to maximum).

The paper's theorem covers symmetric networks only; the rule is applied unchanged, with
the exact covariance from the general Lyapunov solver (A C + C Aᵀ + I = 0).
"""


def _check(spec, run):
    problem = experiment_problem(run, spec["experiments"][:1], full_spectra=True)
    name = spec["experiments"][0]
    if problem is None and run.experiments[name]["network"].get("symmetric", True):
        return f"experiment {name!r} has a symmetric network; the figure draws a non-symmetric one"
    return problem


def _details(spec, run):
    return experiment_facts(run.experiments[spec["experiments"][0]])


@figure("fig8_nonsymmetric", tables=("eigen", "summary"), select=("eigen",), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig8_nonsymmetric(tables["eigen"], tables["summary"], spec["experiments"][0])
