"""Fig. 15: retention of task-trained networks without retraining, after one fine-tune
with the mask fixed, and along the iterative loop (reduce, re-probe, retrain), per
reducer (beyond the paper; docs/method.md, "More tasks, and the later study's
protocol")."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from noiseprune.pipeline.tables import require_columns
from .fig14 import CURVES, band_handle
from .panels import note, percent, plural, trained_networks_per_task
from .registry import figure
from .style import WIDTH, new_figure, paper_style


#: Fig. 14's curves, and weight and uniform pruning with 1/p (the iterative loop carries
#: each reducer's first variant, 1/p for both).
CURVES15 = CURVES + ((("weight", "none", "rescale"), "weight, 1/p", "#6D4C41", "-"),
                     (("uniform", "none", "rescale"), "random, 1/p", "#9E9E9E", "--"))


def _curves(ax, rows: pd.DataFrame) -> None:
    """Median retention over networks (each the mean over its pruning seeds), band min to max."""
    for (reducer, cov, variant), label, color, ls in CURVES15:
        sub = rows[(rows["reducer"] == reducer) & (rows["covariance"] == cov) & (rows["rescale"] == variant)]
        if sub.empty:
            continue
        nets = sub.groupby(["network", "seed", "keep_fraction"], as_index=False)["retention"].mean()
        stats = nets.groupby("keep_fraction")["retention"].agg(["median", "min", "max"]).sort_index(ascending=False)
        x = 1.0 - stats.index.to_numpy(dtype=float)
        ax.fill_between(x, stats["min"], stats["max"], color=color, alpha=0.10, lw=0)
        ax.plot(x, stats["median"], color=color, ls=ls, lw=1.0, marker="o", ms=3, label=label)
    ax.set_ylim(-0.03, 1.1)
    ax.axhline(1.0, color="0.7", lw=0.6, ls=":")
    ax.set_xlabel("fraction of recurrent weights pruned")


def fig15_retraining(table: pd.DataFrame, schedule: pd.DataFrame, name: str) -> Figure:
    """(a) no retraining, (b) one fine-tune of retrain_steps with the mask fixed,
    (c) the iterative loop along trained.schedule; retention against the fraction
    pruned, median over networks, band min to max. A panel without rows says why.

    Raises
    ------
    ValueError
        Missing columns or no rows for the trained section ``name``.
    """
    require_columns(table, ["network", "seed", "reducer", "covariance", "rescale", "keep_fraction", "retrained",
                            "retention"], "trained")
    require_columns(schedule, ["network", "seed", "reducer", "covariance", "rescale", "keep_fraction", "retention"],
                    "trained_schedule")
    mine = table["network"].eq(name) | table["network"].str.startswith(f"{name}_")
    table = table[mine & (table["reducer"] != "original")]
    if table.empty:
        raise ValueError(f"trained table has no rows for the trained section {name!r}")
    schedule = schedule[schedule["network"].eq(name) | schedule["network"].astype(str).str.startswith(f"{name}_")]
    panels = (
        ("(a) no retraining", table[~table["retrained"].astype(bool)], "no rows"),
        ("(b) one fine-tune, mask fixed", table[table["retrained"].astype(bool)], "not run (retrain_steps: 0)"),
        ("(c) iterative loop", schedule, "not run (schedule: [])"),
    )
    with paper_style():
        fig = new_figure(WIDTH, 3.0)
        axes = fig.subplots(1, 3, sharex=True, sharey=True)
        for ax, (title, rows, empty) in zip(axes, panels):
            ax.set_title(title, loc="left")
            if rows.dropna(subset=["retention"]).empty:
                note(ax, empty)
                continue
            _curves(ax, rows.dropna(subset=["retention"]))
        axes[0].set_ylabel("retention (accuracy / original)")
        fig.suptitle(f"{name}: {plural(table[['network', 'seed']].drop_duplicates().shape[0], 'trained network')}, "
                     f"$N = {int(table['n'].iloc[0])}$", x=0.01, ha="left")
        handles, labels = [], []
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        if handles:
            handles.append(band_handle())
            fig.legend(handles=handles, loc="outside lower center", ncol=4)
    return fig


CAPTION = r"""**Fig. 15: retraining after pruning** (beyond the paper; docs/method.md, "More
tasks, and the later study's protocol"). Rate RNNs of N = {{ n }} units ({{ networks }}
per task) reduced to keep {{ keep }} of their recurrent weights: (a) without retraining,
(b) after {{ retrain }} Adam steps with the removed weights held at zero, (c) along the
iterative loop over keep fractions {{ schedule }} (at each step the covariance is probed
again on the current network, which is reduced to that fraction of the original's
weights and retrained for the same steps; first pruning seed). Retention = held-out
accuracy after / before; lines: median over networks, bands: min to max; curves as in
Fig. 14, plus weight and uniform ("random") pruning with 1/p, the variants the loop
carries.
"""


def _check(spec, run):
    name = run.trained["name"] if run.trained else None
    if spec["experiments"] != [name]:
        return f"the trained section is {'named ' + repr(name) if name else 'not configured'}, not {spec['experiments'][0]!r}"
    return None


def _details(spec, run):
    t = run.trained
    return dict(
        n=t["n"],
        networks=trained_networks_per_task(run),
        keep=", ".join(percent(k) for k in sorted(t["keep_fractions"])),
        retrain=t["retrain_steps"],
        schedule=", ".join(percent(k) for k in t.get("schedule") or []) or "(none)",
    )


@figure("fig15_retraining", tables=("trained", "trained_schedule"), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig15_retraining(tables["trained"], tables["trained_schedule"], spec["experiments"][0])
