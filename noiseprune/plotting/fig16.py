"""Fig. 16: brain-scale sparse networks (the config's ``brain_scale`` section;
docs/method.md, "Brain-scale sparse networks")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from noiseprune.pipeline.tables import require_columns
from .panels import band, log_axis, median_band, note, percent, size_axis
from .registry import figure
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style


def cost_slope(cost: pd.DataFrame, column: str = "seconds_total") -> float:
    """Slope of the least-squares line of log(seconds) against log(synapses) (NaN with
    fewer than two sizes)."""
    if cost["synapses"].nunique() < 2:
        return float("nan")
    return float(np.polyfit(np.log(cost["synapses"].to_numpy(float)), np.log(cost[column].to_numpy(float)), 1)[0])


def fig16_brain_scale(scale: pd.DataFrame, eigen: pd.DataFrame, accuracy: pd.DataFrame, cost: pd.DataFrame) -> Figure:
    """(a) the k slowest decay rates -lambda of the largest network (open circles) and of
    its pruned versions (dots, first seed and pruning seed); (b) their relative errors
    |mu/lambda - 1| by rank (median over draws, band min-max); (c) the estimation error of
    the rule's quantity against the duration (median over synapses, band: up to the 90th
    percentile); (d) seconds against synapses, log-log, with the fitted slopes."""
    require_columns(scale, ["n", "seed", "method", "prune_seed", "median_slowest_err"], "brain_scale")
    require_columns(eigen, ["n", "seed", "method", "prune_seed", "end", "rank", "real"], "brain_eigen")
    require_columns(accuracy, ["duration", "median_rel_err", "p90_rel_err"], "brain_accuracy")
    require_columns(cost, ["synapses", "seconds_total", "seconds_covariance"], "brain_cost")
    n = int(scale["n"].max())
    methods = ordered_methods(scale["method"].unique())
    slow = eigen[(eigen["n"] == n) & (eigen["end"] == "slowest")]
    with paper_style():
        fig = new_figure(WIDTH, 5.6)
        (a, b), (c, d) = fig.subplots(2, 2)
        first = slow[slow["seed"] == slow["seed"].min()]
        orig = first[first["method"] == "original"].sort_values("rank")
        floor = float(-orig["real"].max()) / 100  # pruned modes slower than this (zero modes of isolated neurons) sit on it
        a.scatter(orig["rank"] + 1, -orig["real"], s=22, facecolor="none", edgecolor="black", lw=0.8, zorder=3)
        clipped = False
        for m in methods:
            sub = first[(first["method"] == m) & (first["prune_seed"] == first.loc[first["method"] == m, "prune_seed"].min())]
            rate = -sub["real"].to_numpy(float)
            low = rate < floor
            clipped |= bool(low.any())
            a.scatter(sub["rank"][~low] + 1, rate[~low], s=9, color=method_color(m), lw=0, alpha=0.9)
            a.scatter(sub["rank"][low] + 1, np.full(low.sum(), floor), s=14, marker="v", color=method_color(m), lw=0)
        log_axis(a, "y")
        if clipped:
            a.text(0.98, 0.02, "▼ slower than this (zero modes)", transform=a.transAxes, ha="right", va="bottom", fontsize=7)
        a.set_xlabel("rank k (slowest first)")
        a.set_ylabel(r"decay rate $-\mathrm{Re}\,\lambda_k$")
        a.set_title(f"(a) slowest modes, N = {n:,}", loc="left")

        per_rank = slow[slow["method"] != "original"].merge(
            orig[["rank", "real"]].rename(columns={"real": "lambda"}), on="rank")
        per_rank = per_rank.assign(err=np.abs(per_rank["real"] / per_rank["lambda"] - 1.0))
        for m in methods:
            stats = band(per_rank[per_rank["method"] == m], "rank", "err")
            if len(stats):
                median_band(b, stats.index.to_numpy(dtype=float) + 1, stats, method_color(m), None)
        log_axis(b, "y")
        b.set_xlabel("rank k (slowest first)")
        b.set_ylabel(r"$|\mu_k / \lambda_k - 1|$")
        b.set_title("(b) error of the slowest eigenvalues", loc="left")

        acc = accuracy.groupby("duration")[["median_rel_err", "p90_rel_err"]].median()
        T = acc.index.to_numpy(dtype=float)
        c.fill_between(T, acc["median_rel_err"], acc["p90_rel_err"], color="0.8", lw=0)
        c.plot(T, acc["median_rel_err"], "o-", color="black", ms=3)
        ref = acc["median_rel_err"].iloc[0] * np.sqrt(T[0] / T)
        c.plot(T, ref, ls=":", color="0.4")
        size_axis(c, T)  # ticks at the durations run
        log_axis(c, "y")
        c.set_xlabel("duration of the simulated run T")
        c.set_ylabel("relative error")
        c.set_title(r"(c) $C_{ii}+C_{jj}-2\,\mathrm{sign}(a_{ij})C_{ij}$ on the synapses", loc="left")
        c.legend(handles=[Line2D([], [], color="black", marker="o", ms=3, label="median over synapses"),
                          Line2D([], [], color="0.8", lw=6, label="median to 90th percentile"),
                          Line2D([], [], color="0.4", ls=":", label=r"$\propto T^{-1/2}$")], loc="lower left")

        per_size = cost.groupby("n")[["synapses", "seconds_total", "seconds_covariance"]].median()  # over seeds
        for column, style, label in (("seconds_total", "o-", "whole path"), ("seconds_covariance", "s--", "edge covariance")):
            slope = cost_slope(cost, column)
            d.plot(per_size["synapses"], per_size[column], style, color="black" if column == "seconds_total" else "0.5", ms=3,
                   label=f"{label} (slope {slope:.2f})" if np.isfinite(slope) else label)
        size_axis(d, per_size["synapses"])
        d.xaxis.set_major_formatter(lambda x, _: f"{x / 1e6:.3g}M" if x >= 1e6 else f"{x / 1e3:.3g}k")
        log_axis(d, "y")
        d.set_xlabel("synapses")
        d.set_ylabel("seconds (one job, median over seeds)")
        d.set_title("(d) cost against size", loc="left")
        d.legend(loc="best")
        for ax in (a, b):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(per_size) < 2:
            note(d, "one size: no slope")
        handles = [Line2D([], [], color=method_color(m), marker="o", ls="none", ms=4, label=method_label(m)) for m in methods]
        handles.append(Line2D([], [], marker="o", ls="none", mfc="none", mec="black", label="original"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        keep = scale["edges_kept"].sum() / (scale["synapses"].sum()) if "edges_kept" in scale else np.nan
        fig.suptitle(f"Brain-scale sparse networks: pruned to {percent(round(keep, 2))} from edge-local simulated covariances")
    return fig


CAPTION = r"""**Fig. 16 — brain-scale sparse networks** (section ``brain_scale`` ``{{ name }}``:
sparse clustered networks of N = {{ sizes }} neurons, {{ synapses }} synapses per neuron
on average; keep fraction {{ keep }}; {{ draws }}).

Every network measures the covariances of its own synapses, C_ii, C_jj and C_ij for each
synapse (i, j), from a simulated noisy run of total duration {{ duration }}
(``covariance.on_edges``; no N × N matrix anywhere) and is pruned from them.
(a) The {{ k }} slowest decay rates of the largest network (open circles) and of one
pruned network per method (dots). (b) Their relative errors by rank (line: median over
draws, band: minimum to maximum). (c) The relative error of the rule's quantity
C_ii + C_jj − 2 sign(a_ij) C_ij against the duration of the run, on a network of
N = {{ accuracy_n }} compared with the exact (Lyapunov) covariance. (d) The seconds of one
job against the number of synapses (median over network seeds), with the slope of the
log-log fit over every job; measured on a machine shared with other work.
"""


def _check(spec, run):
    if not getattr(run, "brain", None):
        return "the config has no brain_scale section"
    return None


def _details(spec, run):
    b = run.brain
    seeds, pseeds = len(b["seeds"]), len(b["prune_seeds"])
    return dict(
        name=b["name"],
        sizes=", ".join(f"{n:,}" for n in b["sizes"]),
        synapses=f"{b['network']['within'] + b['network']['long_range']:g}",
        keep=percent(b["keep_fraction"]),
        draws=f"{seeds} network seed{'s' * (seeds > 1)} × {pseeds} pruning seed{'s' * (pseeds > 1)}",
        duration=f"{b['covariance']['duration']:g}",
        k=b["eigenvalues"],
        accuracy_n=b["accuracy"]["size"],
    )


@figure("fig16_brain_scale", tables=("brain_scale", "brain_eigen", "brain_accuracy", "brain_cost"), caption=CAPTION,
        check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig16_brain_scale(tables["brain_scale"], tables["brain_eigen"], tables["brain_accuracy"], tables["brain_cost"])
