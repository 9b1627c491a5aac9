"""Fig. 9: task-trained networks reduced by noise-prune (L-NP, S-NP), the weight and
uniform controls and neuron merging (beyond the paper; docs/method.md, "Task-trained
networks")."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.trained import reducers
from noiseprune.pipeline.tables import require_columns
from .panels import band, median_band, note, percent, plural, trained_networks_per_task
from noiseprune.pipeline.ids import listing
from .registry import figure
from .style import WIDTH, new_figure, paper_style

#: Line style and marker of each covariance source.
COV_STYLE = {"lnp": ("-", "o"), "snp": ("--", "s"), "none": ("-", "o")}
COV_TEXT = {"lnp": "L-NP", "snp": "S-NP"}
#: Colour of panel (c)'s identity line t_p = t_s.
IDENTITY_COLOR = "0.6"
#: Bins of the sampled interval in panel (c).
INTERVAL_BINS = 10


def curve_label(reducer: str, covariance: str) -> str:
    base = reducers.label(reducer)
    return f"{base} ({COV_TEXT[covariance]})" if reducer != "merge" and covariance in COV_TEXT else base


def _curves(table: pd.DataFrame, variants: tuple[str, ...]):
    """(reducer, covariance, rows) of every curve drawn for the given variants (merge: fold)."""
    rows = table[(table["reducer"] != "original") & (~table["retrained"].astype(bool))]
    rows = rows[rows["rescale"].isin(variants + ("fold",))]
    for name in reducers.names():
        for cov in ("lnp", "snp", "none"):
            sub = rows[(rows["reducer"] == name) & (rows["covariance"] == cov)]
            if len(sub):
                yield name, cov, sub


def _accuracy_panel(ax, table: pd.DataFrame, variants: tuple[str, ...], original: pd.DataFrame) -> None:
    for name, cov, sub in _curves(table, variants):
        sub = sub.assign(_kept=sub["weights_kept"] / sub["weights_original"])
        stats = band(sub, "keep_fraction", "task_accuracy")
        x = sub.groupby("keep_fraction")["_kept"].median().loc[stats.index].to_numpy()
        ls, marker = COV_STYLE[cov]
        median_band(ax, x, stats, reducers.color(name), curve_label(name, cov), marker=marker)
        ax.lines[-1].set_linestyle(ls)
    if len(original):
        acc = original["task_accuracy"]
        ax.axhline(acc.median(), color="black", ls=":", lw=1.0)
        ax.errorbar([1.0], [acc.median()], yerr=[[acc.median() - acc.min()], [acc.max() - acc.median()]],
                    color="black", marker="*", ms=6, capsize=2, lw=0.8)
    ax.set_xlim(0, 1.05)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("recurrent weights kept / $N(N-1)$")
    ax.set_ylabel("task accuracy")


def _interval_panel(ax, intervals: pd.DataFrame, table: pd.DataFrame, keep: float) -> None:
    rows = intervals[~intervals["retrained"].astype(bool)]
    orig = rows[rows["reducer"] == "original"]
    lo, hi = rows["interval"].min(), rows["interval"].max()
    ax.plot([lo, hi], [lo, hi], color=IDENTITY_COLOR, lw=0.8)
    edges = np.linspace(lo, hi, INTERVAL_BINS + 1)

    def binned(frame):
        """Median produced interval in bins of the sampled one (bin centres)."""
        idx = np.clip(np.digitize(frame["interval"], edges) - 1, 0, INTERVAL_BINS - 1)
        med = frame.groupby(idx)["produced"].median()
        return 0.5 * (edges[med.index] + edges[med.index + 1]), med.to_numpy()

    if len(orig):
        ax.plot(*binned(orig), color="black", lw=1.8, marker="*", ms=5, label="original")
    at = rows[np.isclose(rows["keep_fraction"], keep) & rows["rescale"].isin(["rescale", "fold"])]
    if not len(at):
        note(ax, f"no reduced network at {percent(keep)}")
    for name, cov, _ in _curves(table, ("rescale",)):
        sub = at[(at["reducer"] == name) & (at["covariance"] == cov)]
        if len(sub):
            ls, marker = COV_STYLE[cov]
            ax.plot(*binned(sub), color=reducers.color(name), ls=ls, lw=1.1, marker=marker, ms=2.5)
    ax.set_xlabel("sampled interval $t_s$ (ms)")
    ax.set_ylabel("produced interval $t_p$ (ms)")
    ax.set_title(f"(c) {percent(keep)} kept (1/p), merged", loc="left")


def fig9_trained(table: pd.DataFrame, intervals: pd.DataFrame, network: str, keep_fraction: float) -> Figure:
    """Fig. 9: (a) accuracy against the recurrent weights kept, rescaled pruning (1/p) and
    merging; (b) the same with mask-only pruning; (c) produced against sampled interval
    (median over networks and pruning seeds) for the original and every reducer at
    ``keep_fraction`` (medians in 10 bins of t_s). Medians over network seeds x pruning
    seeds with min-max bands; the original networks at 1 (star, min-max bar).

    Raises
    ------
    ValueError
        Missing columns or no rows for ``network``.
    """
    require_columns(table, ["network", "seed", "reducer", "covariance", "rescale", "keep_fraction", "prune_seed",
                            "retrained", "weights_kept", "weights_original", "task_accuracy"], "trained")
    require_columns(intervals, ["network", "reducer", "covariance", "rescale", "keep_fraction", "retrained",
                                "interval", "produced"], "trained_intervals")
    # the section's ready-set-go networks: named `network`, or `network`_ready_set_go when
    # the section lists several tasks (trained.tasks)
    names = (network, f"{network}_ready_set_go")
    table = table[table["network"].isin(names)]
    intervals = intervals[intervals["network"].isin(names)]
    if "task" in table.columns:
        table = table[table["task"] == "ready_set_go"]
    if table.empty:
        raise ValueError(f"trained table has no rows for network {network!r}")
    original = table[table["reducer"] == "original"]
    with paper_style():
        fig = new_figure(WIDTH, 3.1)
        axes = fig.subplots(1, 3)
        _accuracy_panel(axes[0], table, ("rescale",), original)
        axes[0].set_title("(a) pruned (1/p rescaled), merged", loc="left")
        _accuracy_panel(axes[1], table, ("mask",), original)
        axes[1].set_title("(b) pruned (mask only), merged", loc="left")
        _interval_panel(axes[2], intervals, table, keep_fraction)
        n = int(table["n"].iloc[0])
        fig.suptitle(
            f"{network}: ready-set-go rate RNN, $N = {n}$, {plural(table['seed'].nunique(), 'trained network')} "
            f"$\\times$ {plural(table['prune_seed'].nunique(), 'pruning seed')} (median, min-max)",
            x=0.01, ha="left",
        )
        handles, labels = axes[0].get_legend_handles_labels()
        handles.append(Line2D([], [], color="black", ls=":", marker="*", label="original network"))
        handles.append(Line2D([], [], color=IDENTITY_COLOR, lw=0.8, label="(c) $t_p = t_s$"))
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4))
    return fig


CAPTION = r"""**Fig. 9: pruning a task-trained network** (beyond the paper; docs/method.md,
Task-trained networks). Continuous-time rate RNNs of N = {{ n }} units
({{ networks }}) trained on ready-set-go interval reproduction (jax + optax), then
reduced at keep fractions {{ keep }} ({{ prune_seeds }} per stochastic reducer).
(a) Task accuracy on a fixed held-out batch
(produced interval within the tolerance of the sampled interval) against the fraction
of off-diagonal recurrent weights kept: noise-prune with the Lyapunov covariance of the
Jacobian at the operating point (L-NP, solid) or the covariance of noisy task rollouts
(S-NP, dashed), the weight and uniform controls, each with the kept weights rescaled by
1/p, and merging of the most correlated units (M(M-1) weights). (b) The same draws with
the kept weights left unchanged (mask only). Medians over trained networks x pruning
seeds, bands min to max (merging is deterministic: one draw per network); dotted: the
unreduced networks. (c) Produced against sampled interval, median over networks and
draws, for the original networks (black) and each reducer at {{ keep_drawn }} kept
(1/p); grey: identity.
"""


def _check(spec, run):
    name = run.trained["name"] if run.trained else None
    if spec["experiments"] != [name]:
        return f"the trained section is {'named ' + repr(name) if name else 'not configured'}, not {spec['experiments'][0]!r}"
    keep = spec.get("keep_fraction")
    if keep is not None and not any(math.isclose(keep, k) for k in run.trained["keep_fractions"]):
        return f"keep_fraction {keep} is not one of trained.keep_fractions {run.trained['keep_fractions']}"
    return None


def _details(spec, run):
    """Keep fraction of panel (c): the entry's keep_fraction, else the second largest of
    trained.keep_fractions (the only one if there is one); caption facts."""
    t = run.trained
    keeps = sorted(t["keep_fractions"], reverse=True)
    keep = float(spec["keep_fraction"]) if spec.get("keep_fraction") is not None else float(keeps[min(1, len(keeps) - 1)])
    return dict(
        keep_fraction=keep,
        n=t["n"],
        networks=trained_networks_per_task(run),
        prune_seeds=plural(len(t["prune_seeds"]), "pruning seed"),
        keep=listing(percent(k) for k in sorted(t["keep_fractions"])),
        keep_drawn=percent(keep),
    )


@figure("fig9_trained", tables=("trained", "trained_intervals"), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig9_trained(tables["trained"], tables["trained_intervals"], spec["experiments"][0], spec["keep_fraction"])
