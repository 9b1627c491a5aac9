"""Fig. 7: rectified-linear networks (docs/method.md, "Rectified-linear networks"; the
paper's claim for "a subset of ... rectified-linear networks"), one column per regime."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.pipeline.tables import pooled_trials, require_columns
from .panels import TIME_UNIT, band, eigen_scatter, log_axis, median_band, note, percent
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style

FP_ERR = r"$\|x^*_s - x^*\| \,/\, \|x^*\|$"
JAC_ERR = r"$\max_i\, |\mu_i/\lambda_i - 1|$ of $J$"


def _variants(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(method, covariance) pairs in registry order, the linearized covariance first."""
    pairs = set(zip(rows["method"].astype(str), rows["covariance"].astype(str)))
    return sorted(pairs, key=lambda p: (ordered_methods([m for m, _ in pairs]).index(p[0]), p[1] != "linearized", p[1]))


def _style(method: str, cov: str) -> dict:
    return {"color": method_color(method), "ls": "--" if cov.startswith("T") else "-", "marker": "s" if cov.startswith("T") else "o"}


def _keep_panel(ax, rows, metric, ylabel):
    finite = rows[np.isfinite(rows[metric].to_numpy(dtype=float))]
    if finite.empty:
        note(ax, "no finite values")
        return
    for m, cov in _variants(rows):
        stats = band(finite[(finite["method"] == m) & (finite["covariance"] == cov)], "keep_fraction", metric)
        if len(stats):
            st = _style(m, cov)
            median_band(ax, stats.index.to_numpy(dtype=float), stats, st["color"], None, marker=st["marker"])
            ax.lines[-1].set_linestyle(st["ls"])
    log_axis(ax, "x")
    keeps = sorted(rows["keep_fraction"].unique())
    ax.set_xticks(keeps, [percent(k) for k in keeps], minor=False)
    ax.set_xticks([], minor=True)
    ax.set_xlabel("fraction kept")
    log_axis(ax, "y")
    ax.set_ylabel(ylabel)


def fig7_relu(relu: pd.DataFrame, eigen: pd.DataFrame, dynamics: pd.DataFrame | None, networks, keep_fraction: float | None = None) -> Figure:
    """Fig. 7: pruning rectified-linear networks, one column per experiment (regime).

    Rows: fixed-point error and largest Jacobian eigenvalue error against the keep
    fraction (median line, min-max band over network and pruning seeds; dashed: the
    noise rule with an empirical covariance); eigenvalues mu_i of J_s against lambda_i of J
    at ``keep_fraction`` (default: the kept fraction closest to 10 %); trajectory error
    of the nonlinear noisy dynamics over time at that fraction (when simulated). Pruned
    networks without a stable fixed point (status ``no_stable_fixed_point``) have no
    metrics and leave their point out.

    Raises
    ------
    ValueError
        A network absent from ``relu``; missing columns.
    """
    require_columns(relu, ["network", "seed", "method", "covariance", "keep_fraction", "prune_seed", "fixed_point_err", "max_abs_jac_eig_err", "active_fraction"], "relu")
    networks = list(networks)
    for name in networks:
        if not (relu["network"] == name).any():
            raise ValueError(f"network {name!r} not in the relu table")
    with paper_style():
        fig = new_figure(WIDTH, 8.4)
        axes = fig.subplots(4, len(networks), squeeze=False)
        variants = []
        for col, name in enumerate(networks):
            rows = relu[relu["network"] == name]
            variants += [v for v in _variants(rows) if v not in variants]
            keeps = sorted(rows["keep_fraction"].unique())
            keep = keep_fraction if keep_fraction in keeps else min(keeps, key=lambda k: abs(np.log(k / 0.1)))
            active = rows.drop_duplicates("seed")["active_fraction"]
            n = int(rows["n"].iloc[0])
            draws = f"{rows['seed'].nunique()} $\\times$ {rows['prune_seed'].nunique()} draws"
            axes[0, col].set_title(f"{name}\n$N = {n}$, {100 * active.mean():.0f} % active\n{draws}", loc="left")
            _keep_panel(axes[0, col], rows, "fixed_point_err", FP_ERR)
            _keep_panel(axes[1, col], rows, "max_abs_jac_eig_err", JAC_ERR)
            eig = eigen[(eigen["network"] == name) & (eigen["keep_fraction"] == keep)]
            eig = eig[eig["covariance"].isin(["linearized", "none"])]
            ax = axes[2, col]
            if eig.empty:
                note(ax, "no Jacobian eigenvalues")
            else:
                eigen_scatter(ax, eig, ordered_methods(eig["method"].unique()), short_labels=True)
                ax.set_xlabel(r"$\lambda_i$ of $J$")
                ax.set_ylabel(r"$\mu_i$ of $J_s$")
            ax.set_title(f"eigenvalues, {percent(keep)} kept", loc="left")
            ax = axes[3, col]
            dyn = None if dynamics is None else dynamics[(dynamics["network"] == name) & (dynamics["keep_fraction"] == keep)]
            if dyn is None or dyn.empty:
                note(ax, "no trajectories\n(dynamics: false)")
                ax.set_xticks([])
                ax.set_yticks([])
            else:
                first = sorted(dyn["covariance"].unique(), key=lambda c: c != "linearized")[0]
                dyn = dyn[dyn["covariance"] == first]
                pooled = pooled_trials(dyn)
                for m in reversed(ordered_methods(dyn["method"].unique())):
                    p = pooled[pooled["method"] == m]
                    ax.fill_between(p["time"], p["mean"] - p["std"], p["mean"] + p["std"], color=method_color(m), alpha=0.18, lw=0)
                    ax.plot(p["time"], p["mean"], color=method_color(m), lw=1.4)
                ax.set_xlim(float(dyn["time"].min()), float(dyn["time"].max()))
                ax.set_ylim(bottom=0)
                ax.set_xlabel(f"time $t$ {TIME_UNIT}")
                ax.set_ylabel(r"$\|x(t) - x_s(t)\| \,/\, \|x(t)\|$")
            ax.set_title(f"trajectories, {percent(keep)} kept", loc="left")
        handles = [Line2D([], [], label=method_label(m, c), **_style(m, c), ms=3) for m, c in variants]
        handles.append(Line2D([], [], color="0.5", lw=6, alpha=0.3, label="min to max over draws"))
        handles.append(Line2D([], [], ls="none", label="no point: no pruned draw with a stable fixed point"))
        fig.legend(handles=handles, loc="outside lower center", ncol=3)
        fig.suptitle("Rectified-linear networks after pruning: fixed point, Jacobian spectrum, noisy nonlinear trajectories\n"
                     "(draws: network seeds $\\times$ pruning seeds)")
    return fig
