"""Fig. 3: trajectory error of the pruned networks over time (Moore & Chaudhuri 2020, Fig. 3;
docs/method.md, "Dynamics")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..tables import pooled_trials, require_columns
from .panels import TIME_UNIT, duration, network_rows, percent, seeds_text
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style


def fig3_dynamics(dynamics: pd.DataFrame, network: str) -> Figure:
    """Fig. 3: trajectory error ||x_orig(t) - x_pruned(t)|| / ||x_orig(t)|| over time.

    Per method: thick line and shading = mean +- std over every trial of every network
    seed and pruning seed (pooled exactly from the per-draw statistics); thin lines =
    the mean over trials of each draw. One panel per keep fraction. Dynamics files of
    the exact covariance are used when present. Time t is in units of the network's
    time constant tau (the model is dx/dt = A x + xi).

    Raises
    ------
    ValueError
        ``network`` absent from ``dynamics`` (the message names it), missing columns.
    """
    require_columns(dynamics, ["network", "seed", "method", "keep_fraction", "prune_seed", "time", "mean_error", "std_error"], "dynamics")
    rows = network_rows(dynamics, network, "dynamics")
    if "covariance" in rows and rows["covariance"].nunique() > 1:
        covs = sorted(rows["covariance"].astype(str).unique(), key=lambda c: (c != "exact", -duration(c) if c != "none" else 0))
        rows = rows[rows["covariance"] == covs[0]]
    keeps = sorted(rows["keep_fraction"].unique())
    methods = ordered_methods(rows["method"].unique())
    with paper_style():
        fig = new_figure(min(WIDTH, 3.3 * len(keeps) + 2.3), 3.0)
        axes = np.atleast_1d(fig.subplots(1, len(keeps), squeeze=False)[0])
        for ax, keep in zip(axes, keeps):
            sub = rows[rows["keep_fraction"] == keep]
            pooled = pooled_trials(sub)
            for m in reversed(methods):
                color = method_color(m)
                for _, draw in sub[sub["method"] == m].groupby(["seed", "prune_seed"], sort=True):
                    ax.plot(draw["time"], draw["mean_error"], color=color, lw=0.5, alpha=0.45)
                p = pooled[pooled["method"] == m]
                ax.fill_between(p["time"], p["mean"] - p["std"], p["mean"] + p["std"], color=color, alpha=0.18, lw=0)
                ax.plot(p["time"], p["mean"], color=color, lw=1.6, label=method_label(m))
            trials = int(sub["trials"].iloc[0]) if "trials" in sub else None
            desc = seeds_text(sub) + (f" $\\times$ {trials} trials" if trials else "")
            ax.set_title(f"{percent(keep)} kept\n{desc}", loc="left")
            ax.set_xlabel(f"time $t$ {TIME_UNIT}")
            ax.set_ylabel(r"$\|x(t) - x_{\mathrm{pruned}}(t)\| \,/\, \|x(t)\|$")
            ax.set_xlim(float(sub["time"].min()), float(sub["time"].max()))
            ax.set_ylim(bottom=0)
        handles = [Line2D([], [], color=method_color(m), lw=1.6, label=method_label(m)) for m in methods]
        handles.append(Patch(color="0.5", alpha=0.3, label=r"mean $\pm$ std, all trials of all draws"))
        handles.append(Line2D([], [], color="0.5", lw=0.5, label="one draw (mean)"))
        fig.legend(handles=handles, loc="outside right center")
        n = int(rows["n"].iloc[0]) if "n" in rows else None
        fig.suptitle(f"Trajectory error: {network}" + (f", $N = {n}$" if n else ""))
    return fig
