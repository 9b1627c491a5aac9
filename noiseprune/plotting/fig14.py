"""Fig. 14: retention of task-trained networks against the fraction of recurrent weights
pruned, per reducer, per task and pooled, with the paired Wilcoxon test against
magnitude pruning marked (beyond the paper; docs/method.md, "More tasks, and the later
study's protocol")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from noiseprune.pipeline.tables import require_columns
from noiseprune.pipeline.tables_trained import BASELINE
from .panels import percent, plural, trained_networks_per_task
from .registry import figure
from .style import WIDTH, new_figure, paper_style

#: The curves, in the order of the later study's table: (reducer, covariance, variant),
#: label, colour, line style.
CURVES = (
    (("uniform", "none", "mask"), "random", "#9E9E9E", "-"),
    (BASELINE, "magnitude", "#000000", "-"),
    (("obs", "rates", "refit"), "OBS-compensated", "#455A64", "--"),
    (("noise", "lnp", "rank"), "L-NP, mask only", "#1565C0", ":"),
    (("noise", "snp", "rank"), "S-NP, mask only", "#C62828", ":"),
    (("noise", "lnp", "rescale"), "L-NP, 1/p", "#1565C0", "-"),
    (("noise", "snp", "rescale"), "S-NP, 1/p", "#C62828", "-"),
    (("noise", "lnp", "capped"), "L-NP, 1/p capped", "#64B5F6", "-."),
    (("noise", "snp", "capped"), "S-NP, 1/p capped", "#EF9A9A", "-."),
    (("merge", "snp", "fold"), "merge", "#7B1FA2", "--"),
)
#: Holm-corrected p below which a point is filled (a significant difference from magnitude).
ALPHA = 0.05


def band_handle() -> Patch:
    """The legend entry that says what the curves and bands of Figs. 14 and 15 are."""
    return Patch(color="0.85", label="line: median over networks, band: min-max")


def per_network(table: pd.DataFrame) -> pd.DataFrame:
    """Retention of every network (mean over pruning seeds), no retraining."""
    rows = table[(table["reducer"] != "original") & ~table["retrained"].astype(bool)].dropna(subset=["retention"])
    keys = ["task", "network", "seed", "reducer", "covariance", "rescale", "keep_fraction"]
    return rows.groupby(keys, as_index=False)["retention"].mean()


def _panel(ax, nets: pd.DataFrame, tests: pd.DataFrame, scope: str) -> None:
    for (reducer, cov, variant), label, color, ls in CURVES:
        sub = nets[(nets["reducer"] == reducer) & (nets["covariance"] == cov) & (nets["rescale"] == variant)]
        if sub.empty:
            continue
        stats = sub.groupby("keep_fraction")["retention"].agg(["median", "min", "max"]).sort_index(ascending=False)
        x = 1.0 - stats.index.to_numpy(dtype=float)
        ax.fill_between(x, stats["min"], stats["max"], color=color, alpha=0.10, lw=0)
        ax.plot(x, stats["median"], color=color, ls=ls, lw=1.0, label=label)
        t = tests[(tests["task"] == scope) & (tests["reducer"] == reducer) & (tests["covariance"] == cov)
                  & (tests["rescale"] == variant)].set_index("keep_fraction") if len(tests) else pd.DataFrame()
        for keep, med in stats["median"].items():
            significant = len(t) and keep in t.index and t.loc[keep, "p_holm"] < ALPHA
            ax.plot([1.0 - keep], [med], marker="o", ms=3.2, color=color,
                    mfc=color if significant else "white", ls="none")
    ax.set_ylim(-0.03, 1.1)
    ax.axhline(1.0, color="0.7", lw=0.6, ls=":")
    ax.set_xlabel("fraction of recurrent weights pruned")


def fig14_trained_retention(table: pd.DataFrame, tests: pd.DataFrame, name: str) -> Figure:
    """Retention (accuracy after / before pruning) against the fraction pruned: median
    over networks (each the mean over its pruning seeds), band min to max; one panel
    pooled over tasks and one per task. Filled markers: Holm-corrected paired Wilcoxon
    p < 0.05 against magnitude pruning on the same networks.

    Raises
    ------
    ValueError
        Missing columns or no rows for the trained section ``name``.
    """
    require_columns(table, ["network", "task", "seed", "reducer", "covariance", "rescale", "keep_fraction",
                            "prune_seed", "retrained", "retention"], "trained")
    table = table[(table["network"] == name) | table["network"].str.startswith(f"{name}_")]
    if table.empty:
        raise ValueError(f"trained table has no rows for the trained section {name!r}")
    nets = per_network(table)
    task_names = sorted(nets["task"].unique())
    scopes = (["all"] if len(task_names) > 1 else []) + task_names
    with paper_style():
        cols = min(len(scopes), 3)
        rows = int(np.ceil(len(scopes) / cols))
        fig = new_figure(WIDTH, 2.3 * rows + 0.9)
        axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
        for i, (ax, scope) in enumerate(zip(axes, scopes)):
            sub = nets if scope == "all" else nets[nets["task"] == scope]
            _panel(ax, sub, tests, scope)
            networks = sub[["network", "seed"]].drop_duplicates().shape[0]
            title = "pooled over tasks" if scope == "all" else scope.replace("_", " ")
            ax.set_title(f"({chr(97 + i)}) {title}, {plural(networks, 'network')}", loc="left")
            if i % cols == 0:
                ax.set_ylabel("retention (accuracy / original)")
        for ax in axes[len(scopes):]:
            ax.set_visible(False)
        n = int(table["n"].iloc[0])
        fig.suptitle(f"{name}: trained rate RNNs, $N = {n}$, {plural(table['prune_seed'].nunique(), 'pruning seed')} "
                     "per network", x=0.01, ha="left")
        handles, labels = axes[0].get_legend_handles_labels()
        handles += [band_handle(),
                    Line2D([], [], marker="o", color="0.3", ls="none", ms=3.2, label=f"Holm p < {ALPHA} vs magnitude"),
                    Line2D([], [], marker="o", color="0.3", mfc="white", ls="none", ms=3.2, label="not significant")]
        fig.legend(handles=handles, loc="outside lower center", ncol=4)
    return fig


CAPTION = r"""**Fig. 14: how much of a trained network's task survives pruning** (beyond the
paper; docs/method.md, "More tasks, and the later study's protocol"). Rate RNNs of
N = {{ n }} units ({{ networks }} per task; tasks {{ tasks }}) pruned to keep
{{ keep }} of their recurrent weights, no retraining. Retention = held-out accuracy
after pruning / before, per network the mean over {{ prune_seeds }}; lines: median over
networks, bands: min to max. Curves as in the later study's table: random (uniform,
mask), magnitude (the largest |w| kept), OBS-compensated (least-squares refit),
noise-prune with L-NP or S-NP as a mask (top p kept) or with the kept weights rescaled
by 1/p (and capped at the {{ cap }} percentile of 1/p), and merging. Filled markers:
Holm-corrected paired Wilcoxon p < 0.05 against magnitude on the same networks
(results/tables/trained_tests.csv).
"""


def _check(spec, run):
    name = run.trained["name"] if run.trained else None
    if spec["experiments"] != [name]:
        return f"the trained section is {'named ' + repr(name) if name else 'not configured'}, not {spec['experiments'][0]!r}"
    if "weight" not in run.trained["reducers"]:
        return "trained.reducers lacks weight (magnitude pruning, the reference of the tests)"
    return None


def _details(spec, run):
    t = run.trained
    nets = run.trained_networks()
    return dict(
        n=t["n"],
        networks=trained_networks_per_task(run),
        tasks=", ".join(cfg["task"]["name"].replace("_", " ") for cfg in nets.values()),
        keep=", ".join(percent(k) for k in sorted(t["keep_fractions"])),
        prune_seeds=plural(len(t["prune_seeds"]), "pruning seed"),
        cap=f"{t['cap_percentile']:g}th" if t.get("cap_percentile") is not None else "(no cap)",
    )


@figure("fig14_trained_retention", tables=("trained", "trained_tests"), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig14_trained_retention(tables["trained"], tables["trained_tests"], spec["experiments"][0])
