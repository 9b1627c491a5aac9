"""Fig. 3: trajectory error of the pruned networks over time, and example trajectories
(Moore & Chaudhuri 2020, Fig. 3; docs/method.md, "Dynamics")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import dynamics as dynamics_model
from ..methods import PAPER_PAIR
from noiseprune.pipeline.tables import ORIGINAL, pooled_trials, require_columns
from .panels import TIME_UNIT, duration, network_rows, percent, pick_keep, seeds_text
from noiseprune.pipeline.ids import format_number, listing
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style

#: Colour of the original network's trajectories.
ORIGINAL_COLOR = "black"


def _preferred_covariance(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of one dynamics covariance id: exact, else the longest simulated T."""
    if "covariance" in rows and rows["covariance"].nunique() > 1:
        covs = sorted(rows["covariance"].astype(str).unique(), key=lambda c: (c != "exact", -duration(c) if c != "none" else 0))
        rows = rows[rows["covariance"] == covs[0]]
    return rows


def _letter(i: int) -> str:
    return f"({chr(ord('a') + i)})"


def _error_panels(fig, rows: pd.DataFrame, methods) -> int:
    """One error panel per keep fraction; returns the number of panels."""
    keeps = sorted(rows["keep_fraction"].unique())
    axes = np.atleast_1d(fig.subplots(1, len(keeps), squeeze=False)[0])
    for i, (ax, keep) in enumerate(zip(axes, keeps)):
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
        ax.set_title(f"{_letter(i)} {percent(keep)} kept\n{desc}", loc="left")
        ax.set_xlabel(f"time $t$ {TIME_UNIT}")
        ax.set_ylabel(r"$\|x(t) - x_{\mathrm{pruned}}(t)\| \,/\, \|x(t)\|$")
        ax.set_xlim(float(sub["time"].min()), float(sub["time"].max()))
        ax.set_ylim(bottom=0)
    handles = [Line2D([], [], color=method_color(m), lw=1.6, label=method_label(m)) for m in methods]
    handles.append(Patch(color="0.5", alpha=0.3, label=r"mean $\pm$ std, all trials of all draws"))
    handles.append(Line2D([], [], color="0.5", lw=0.5, label="one draw (mean)"))
    fig.legend(handles=handles, loc="outside right center")
    return len(keeps)


def _trajectory_rows(trajectories: pd.DataFrame, network: str, keep_fraction: float | None) -> pd.DataFrame:
    """Sample of one draw: first network seed and pruning seed at the keep fraction."""
    require_columns(
        trajectories, ["network", "seed", "covariance", "method", "keep_fraction", "prune_seed", "neuron", "time", "activity"], "trajectories"
    )
    rows = network_rows(trajectories, network, "trajectories")
    rows = _preferred_covariance(pick_keep(rows, keep_fraction, "trajectories", network))
    seed = rows["seed"].min()
    rows = rows[rows["seed"] == seed]
    return rows[rows["prune_seed"] == rows["prune_seed"].min()]


def _trajectory_panels(fig, rows: pd.DataFrame, first_letter: int) -> None:
    present = ordered_methods(m for m in rows["method"].unique() if m != ORIGINAL)
    methods = [m for m in present if m in PAPER_PAIR] or present
    neurons = sorted(rows["neuron"].unique())
    axes = np.atleast_1d(fig.subplots(1, len(neurons), squeeze=False)[0])
    for i, (ax, neuron) in enumerate(zip(axes, neurons)):
        sub = rows[rows["neuron"] == neuron]
        for member, color, lw in [(ORIGINAL, ORIGINAL_COLOR, 1.6)] + [(m, method_color(m), 0.9) for m in methods]:
            line = sub[sub["method"] == member].sort_values("time")
            ax.plot(line["time"], line["activity"], color=color, lw=lw)
        ax.set_title(f"{_letter(first_letter + i)} neuron {int(neuron)}", loc="left")
        ax.set_ylabel(f"activity $x_{{{int(neuron)}}}(t)$")
        ax.set_xlabel(f"time $t$ {TIME_UNIT}")
        ax.set_xlim(float(sub["time"].min()), float(sub["time"].max()))
    handles = [Line2D([], [], color=ORIGINAL_COLOR, lw=1.6, label="original")]
    handles += [Line2D([], [], color=method_color(m), lw=0.9, label=method_label(m)) for m in methods]
    fig.legend(handles=handles, loc="outside right center")
    keep = float(rows["keep_fraction"].iloc[0])
    fig.suptitle(
        f"Example trajectories (same $x(0)$ and noise): network seed {int(rows['seed'].iloc[0])}, "
        f"pruning seed {int(rows['prune_seed'].iloc[0])}, {percent(keep)} kept, trial 0",
        fontsize="medium",
    )


def fig3_dynamics(
    dynamics: pd.DataFrame, network: str, trajectories: pd.DataFrame | None = None, keep_fraction: float | None = None
) -> Figure:
    """Fig. 3: trajectory error ||x_orig(t) - x_pruned(t)|| / ||x_orig(t)|| over time, and
    example trajectories.

    Top row, per method: thick line and shading = mean +- std over every trial of every
    network seed and pruning seed (pooled exactly from the per-draw statistics); thin
    lines = the mean over trials of each draw. One panel per keep fraction. Dynamics
    files of the exact covariance are used when present. Time t is in units of the
    network's time constant tau (the model is dx/dt = A x + xi).

    Bottom row (with ``trajectories``): the stored sample of one draw (first network
    seed and pruning seed, at ``keep_fraction``): one panel per sampled neuron, trial 0
    of the original network (black) and of the noise-pruned and weight-pruned networks
    (every method when neither is present), all driven by the same x(0) and noise.

    Parameters
    ----------
    dynamics : DataFrame
        ``results/tables/dynamics.parquet``.
    network : str
        Experiment name.
    trajectories : DataFrame, optional
        ``results/tables/trajectories.parquet`` (no trajectory row when None).
    keep_fraction : float, optional
        Keep fraction of the example trajectories; needed when there are several.

    Raises
    ------
    ValueError
        ``network`` absent from a table (the message names it), missing columns, several
        keep fractions in ``trajectories`` and none chosen, or one it lacks.
    """
    require_columns(dynamics, ["network", "seed", "method", "keep_fraction", "prune_seed", "time", "mean_error", "std_error"], "dynamics")
    rows = _preferred_covariance(network_rows(dynamics, network, "dynamics"))
    methods = ordered_methods(rows["method"].unique())
    sample = None if trajectories is None else _trajectory_rows(trajectories, network, keep_fraction)
    n_keeps = rows["keep_fraction"].nunique()
    with paper_style():
        if sample is None:
            fig = new_figure(min(WIDTH, 3.3 * n_keeps + 2.3), 3.0)
            _error_panels(fig, rows, methods)
        else:
            fig = new_figure(WIDTH, 5.6)
            top, bottom = fig.subfigures(2, 1, height_ratios=[1.1, 1.0])
            _trajectory_panels(bottom, sample, _error_panels(top, rows, methods))
        n = int(rows["n"].iloc[0]) if "n" in rows else None
        fig.suptitle("Trajectory error" + (f", $N = {n}$" if n else ""))
    return fig


CAPTION = r"""**Fig. 3 — trajectory error of the pruned networks, and example trajectories**
(experiment ``{{ name }}``: N = {{ n }}, {{ keep }} of the synapses kept;
{{ draws }} per method, {{ trials }} trials each).

The original network and every pruned network are simulated with Euler–Maruyama
(dx/dt = A x + b + σ ξ(t); dt = {{ dt }}, σ = {{ sigma }}, b = {{ background }},
{{ steps }} time points up to t = {{ duration }}, x(0) uniform in [0, 1]) from the
same initial state and with the same noise. Top: the relative trajectory error
‖x(t) − x_pruned(t)‖ / ‖x(t)‖ against time, per method. Thick line and shading: mean ±
standard deviation over every trial of every network seed and pruning seed together;
thin lines: the mean over trials of each single draw. One panel per keep fraction.

Bottom: example trajectories x_i(t) from the same simulations (network seed
{{ seed }}, pruning seed {{ prune_seed }}, {{ keep_first }} kept, trial 0),
one panel per neuron (neurons {{ sample_neurons }}: the middle neuron of each of the
first clusters), stored {{ sample_every }} (every {{ sample_dt }} time
units): the original network in black, the noise-pruned (red) and weight-pruned (blue)
networks over it (methods the experiment runs). Time t in units of the network's time constant τ.

What the paper uses it for: a pruned network is only useful if it behaves like the
original, and the trajectory error shows how close it stays over time. The paper
plots it for noise-prune (red) and the weight control (blue) at the same sparsity; an
advantage of noise-prune here follows from its better preservation of the slow modes
(Fig. 2), which dominate how the activity evolves. The paper's setting: time step
0.005, noise 0.01, input 0.0002, t up to 40; the reference cost of this experiment
with the authors' code is about 15 s per trial on its 2000-neuron network.
"""


def _check(spec, run):
    return experiment_problem(run, spec["experiments"][:1], dynamics=True)


def _details(spec, run):
    """Keep fraction of the example trajectories (the experiment's first) and caption facts."""
    exp = run.experiments[spec["experiments"][0]]
    dyn = exp["dynamics_params"]
    every = dynamics_model.sample_stride(dyn["steps"])
    neurons = dynamics_model.pick_sample_neurons(exp["n"], exp["network"].get("clusters"))
    return dict(
        experiment_facts(exp),
        keep_fraction=exp["keep_fractions"][0],
        dt=format_number(dyn["dt"]),
        sigma=format_number(dyn["noise_std"]),
        background=format_number(dyn["background"]),
        steps=dyn["steps"],
        duration=format_number((dyn["steps"] - 1) * dyn["dt"]),
        trials=dyn["trials"],
        sample_neurons=listing(neurons),
        sample_every="every step" if every == 1 else f"every {every} steps",
        sample_dt=format_number(every * dyn["dt"]),
    )


@figure("fig3_dynamics", tables=("dynamics", "trajectories"), select=("dynamics", "trajectories"), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig3_dynamics(tables["dynamics"], spec["experiments"][0], tables["trajectories"], keep_fraction=spec["keep_fraction"])
