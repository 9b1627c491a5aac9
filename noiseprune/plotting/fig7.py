"""Fig. 7: rectified-linear networks (docs/method.md, "Rectified-linear networks"; the
paper's claim for "a subset of ... rectified-linear networks"), one column per regime."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from noiseprune.pipeline.tables import pooled_trials, require_columns
from .panels import TIME_UNIT, band, eigen_scatter, log_axis, median_band, note, percent
from noiseprune.pipeline.ids import format_number
from .registry import experiment_facts, experiment_problem, figure
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


#: Columns that identify one pruned network (draw) in the relu and dynamics tables.
DRAW_KEYS = ["network", "seed", "method", "covariance", "keep_fraction", "prune_seed"]


def stable_dynamics(dynamics: pd.DataFrame, relu: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows of the dynamics table whose pruned network has a stable fixed point, and how
    many draws were left out (status ``no_stable_fixed_point`` in the relu table). A
    dynamics row's own covariance is ``method_covariance`` (``covariance`` names the file)."""
    unstable = relu.loc[relu["status"] != "ok", DRAW_KEYS].drop_duplicates()
    if unstable.empty or dynamics.empty:
        return dynamics, 0
    own = dynamics["method_covariance"] if "method_covariance" in dynamics else dynamics["covariance"]
    keys = dynamics.assign(covariance=own)[DRAW_KEYS]
    dropped = keys.merge(unstable.assign(_unstable=True), on=DRAW_KEYS, how="left")["_unstable"].fillna(False).to_numpy(dtype=bool)
    left_out = keys[dropped].drop_duplicates()
    return dynamics[~dropped], len(left_out)


def fig7_relu(relu: pd.DataFrame, eigen: pd.DataFrame, dynamics: pd.DataFrame | None, networks, keep_fraction: float | None = None) -> Figure:
    """Fig. 7: pruning rectified-linear networks, one column per experiment (regime),
    titled by its measured fraction of active neurons at the fixed point.

    Rows: (a ...) fixed-point error and largest Jacobian eigenvalue error against the keep
    fraction (median line, min-max band over network and pruning seeds; dashed: the
    noise rule with an empirical covariance); eigenvalues mu_i of J_s against lambda_i of J
    at ``keep_fraction`` (default: the kept fraction closest to 10 %); trajectory error
    of the nonlinear noisy dynamics over time at that fraction (when simulated; mean +-
    sd over trials and draws). Pruned networks without a stable fixed point (status
    ``no_stable_fixed_point``) have no metrics and leave their point out, and their
    trajectories are left out (the panel says how many draws).

    Raises
    ------
    ValueError
        A network absent from ``relu``; missing columns.
    """
    require_columns(relu, ["network", "seed", "method", "covariance", "keep_fraction", "prune_seed", "status", "fixed_point_err", "max_abs_jac_eig_err", "active_fraction"], "relu")
    networks = list(networks)
    for name in networks:
        if not (relu["network"] == name).any():
            raise ValueError(f"network {name!r} not in the relu table")
    ncols = len(networks)
    with paper_style():
        fig = new_figure(min(WIDTH, 2.3 + 2.0 * ncols), 8.4 + 1.2 * (ncols == 1))
        axes = fig.subplots(4, ncols, squeeze=False)
        letters = {(r, c): f"({chr(ord('a') + r * ncols + c)})" for r in range(4) for c in range(ncols)}
        variants = []
        for col, name in enumerate(networks):
            rows = relu[relu["network"] == name]
            variants += [v for v in _variants(rows) if v not in variants]
            keeps = sorted(rows["keep_fraction"].unique())
            keep = keep_fraction if keep_fraction in keeps else min(keeps, key=lambda k: abs(np.log(k / 0.1)))
            active = rows.drop_duplicates("seed")["active_fraction"]
            n = int(rows["n"].iloc[0])
            draws = f"{rows['seed'].nunique()} $\\times$ {rows['prune_seed'].nunique()} draws"
            axes[0, col].set_title(f"{letters[0, col]} {100 * active.mean():.0f} % active\n$N = {n}$, {draws}", loc="left")
            _keep_panel(axes[0, col], rows, "fixed_point_err", FP_ERR)
            _keep_panel(axes[1, col], rows, "max_abs_jac_eig_err", JAC_ERR)
            axes[1, col].set_title(letters[1, col], loc="left")
            eig = eigen[(eigen["network"] == name) & (eigen["keep_fraction"] == keep)]
            eig = eig[eig["covariance"].isin(["linearized", "none"])]
            ax = axes[2, col]
            if eig.empty:
                note(ax, "no Jacobian eigenvalues")
            else:
                eigen_scatter(ax, eig, ordered_methods(eig["method"].unique()), short_labels=True)
                ax.set_xlabel(r"$\lambda_i$ of $J$")
                ax.set_ylabel(r"$\mu_i$ of $J_s$")
            ax.set_title(f"{letters[2, col]} eigenvalues, {percent(keep)} kept", loc="left")
            ax = axes[3, col]
            dyn = None if dynamics is None else dynamics[(dynamics["network"] == name) & (dynamics["keep_fraction"] == keep)]
            left_out = 0
            if dyn is not None and not dyn.empty:
                dyn, left_out = stable_dynamics(dyn, rows)
            if dyn is None or dyn.empty:
                note(ax, "no trajectories\n" + ("(no draw with a stable fixed point)" if left_out else "(dynamics: false)"))
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
                if left_out:
                    ax.text(0.02, 0.98, f"{left_out} unstable pruned network{'s' * (left_out != 1)} left out", transform=ax.transAxes,
                            ha="left", va="top", fontsize=6, color="0.35")
            ax.set_title(f"{letters[3, col]} trajectories, {percent(keep)} kept", loc="left")
        handles = [Line2D([], [], label=method_label(m, c), **_style(m, c), ms=3) for m, c in variants]
        handles.append(Patch(color="0.5", alpha=0.3, lw=0, label="errors against fraction kept: median, min-max band over draws"))
        handles.append(Patch(color="0.5", alpha=0.3, lw=0, label="trajectories: mean, $\\pm$ sd band over trials and draws"))
        handles.append(Line2D([], [], ls="none", label="no point: no pruned draw with a stable fixed point"))
        fig.legend(handles=handles, loc="outside lower center", ncol=1 if ncols == 1 else 2)
        fig.suptitle("Rectified-linear networks after pruning:\nfixed point, Jacobian spectrum,\nnoisy nonlinear trajectories"
                     if ncols == 1 else
                     "Rectified-linear networks after pruning: fixed point, Jacobian spectrum, noisy nonlinear trajectories\n"
                     "(columns: fraction of neurons active at the fixed point; draws: network seeds $\\times$ pruning seeds)")
    return fig

CAPTION = r"""**Fig. 7 — rectified-linear networks** (
{%- for e in networks %}``{{ e.name }}``: N = {{ e.n }}, input
b_i ~ Normal({{ e.input_mean }}, {{ e.input_std }}²), keep fractions {{ e.keep }},
{% if e.durations %}simulated covariance of duration T = {{ e.durations }}, {% endif %}{{ e.draws }}
{{- "; " if not loop.last else "" }}{% endfor %}).

The model is dx/dt = −D x + max(W x + b, 0) + σ ξ(t) with A = W − D; the background
input b, drawn from the network seed, sets how many neurons are active at the fixed
point. At the fixed point x* only the active neurons S feel their synapses: the
Jacobian is J = −D + diag(1_S) W, and the noise-prune rule reads the covariance
linearized there (J C + C Jᵀ + I = 0; solid lines) or simulated from the nonlinear
dynamics (dashed). One column per experiment, in the order above, titled by the fraction
of its neurons active at the fixed point as measured (the input sets it only roughly).
Rows: the relative fixed-point error ‖x*_s − x*‖ / ‖x*‖ of the pruned network and the
largest relative eigenvalue error of its Jacobian J_s against J, against the kept
fraction (line: median over network seeds × pruning seeds, band: minimum to maximum);
the eigenvalues of J_s against those of J (rank-paired; the inactive neurons contribute
their leaks −d_i); the relative trajectory error of the noisy nonlinear dynamics over
time (line: mean, band: ± one standard deviation over trials and draws). A pruned draw
without a stable fixed point (``status`` in the run's ``tables/relu.csv``) has no
metrics: a missing point means no draw of that method and fraction has one, and its
trajectories are left out of the last row (the panel counts them).

The paper claims that the rule preserves the spectrum for a subset of rectified-linear
networks. With every neuron active J = A and the linear theory applies unchanged; as
the active set shrinks, J departs from A and the rule still scores synapses of inactive
neurons, which the dynamics at the fixed point do not use.
"""


def _check(spec, run):
    return experiment_problem(run, spec["experiments"], relu=True)


def _details(spec, run):
    """Caption facts of every experiment drawn (one column each)."""
    networks = []
    for name in spec["experiments"]:
        e = run.experiments[name]
        facts = dict(experiment_facts(e), input_mean=format_number(e["input"]["mean"]), input_std=format_number(e["input"]["std"]))
        networks.append(dict(facts, linearized=run.covariance_ids(name)[:1] == ["linearized"]))
    return dict(networks=networks)


@figure("fig7_relu", tables=("relu", "relu_eigen", "dynamics"), select=("relu_eigen", "dynamics"), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig7_relu(tables["relu"], tables["relu_eigen"], tables["dynamics"], spec["experiments"])
