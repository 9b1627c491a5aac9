"""Fig. 8: a non-symmetric linear network (complex spectrum; docs/method.md, "Metrics")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.pipeline.tables import require_columns
from .panels import MAX_EIG_ERR, band, log_axis, median_band, network_rows, note, percent, seeds_text
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
        grid = fig.add_gridspec(2, max(len(methods), 2))
        first = eig[(eig["keep_fraction"] == keep) & (eig["seed"] == eig["seed"].min()) & (eig["prune_seed"] == eig["prune_seed"].min())]
        imag = "eigenvalue_imag" in first
        for k, m in enumerate(methods):
            ax = fig.add_subplot(grid[0, k])
            sub = first[first["method"] == m]
            if sub.empty:
                note(ax, "no eigenvalues")
                continue
            y0 = sub["eigenvalue_imag"] if imag else np.zeros(len(sub))
            y1 = sub["eigenvalue_pruned_imag"] if "eigenvalue_pruned_imag" in sub else np.zeros(len(sub))
            ax.scatter(sub["eigenvalue"], y0, s=9, facecolor="none", edgecolor="black", lw=0.4, rasterized=True)
            ax.scatter(sub["eigenvalue_pruned"], y1, s=3, color=method_color(m), alpha=0.7, lw=0, rasterized=True)
            ax.set_title(f"{method_label(m)}, {percent(keep)} kept", loc="left")
            ax.set_xlabel(r"$\mathrm{Re}$")
            ax.set_ylabel(r"$\mathrm{Im}$")
        for col, (metric, label) in enumerate((("median_abs_eig_err", r"median $|\mu_i/\lambda_i - 1|$"), ("max_abs_eig_err", MAX_EIG_ERR))):
            ax = fig.add_subplot(grid[1, col])
            for m in methods:
                stats = band(rows[rows["method"] == m], "keep_fraction", metric)
                if len(stats):
                    median_band(ax, stats.index.to_numpy(dtype=float), stats, method_color(m), None)
            log_axis(ax, "x")
            ax.set_xticks(keeps, [percent(k) for k in keeps], minor=False)
            ax.set_xticks([], minor=True)
            ax.set_xlabel("fraction kept")
            ax.set_ylabel(label)
            ax.set_title(seeds_text(rows), loc="left")
        handles = [Line2D([], [], color=method_color(m), marker="o", ms=3, label=method_label(m)) for m in methods]
        handles.append(Line2D([], [], marker="o", ls="none", mfc="none", mec="black", label="original eigenvalues"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        n = int(rows["n"].iloc[0])
        fig.suptitle(f"Non-symmetric network {network}, $N = {n}$: complex spectrum after pruning")
    return fig
