"""Fig. 17: online pruning against pruning once at the end (``brain_scale.online``;
docs/method.md, "The online rule")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.pipeline.tables import require_columns
from .panels import band, median_band, percent
from .registry import figure
from .style import WIDTH, method_color, new_figure, paper_style


def _positions(warm_ups: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Evenly spaced x positions of the warm-ups (the once-at-the-end run last) and their labels."""
    labels = [f"{w:g}" for w in warm_ups[:-1]] + ["end"]
    return np.arange(len(warm_ups), dtype=float), labels


def fig17_online_pruning(online: pd.DataFrame, digest: pd.DataFrame) -> Figure:
    """(a) the median relative error of the k slowest eigenvalues of every draw against the
    warm-up (grey: one draw, its runs joined; colour: median over draws), the run pruned
    once at the end last; (b) each draw's difference from its once-at-the-end run, with
    the Holm-corrected Wilcoxon p of each warm-up; (c) the fraction of synapses that
    decided before the end and the kept fraction (median over draws, band min-max)."""
    require_columns(online, ["n", "seed", "prune_seed", "warm_up", "once_at_end", "median_slowest_err", "kept_fraction",
                             "decided_early"], "brain_online")
    require_columns(digest, ["warm_up", "once_at_end", "p_holm"], "brain_online_digest")
    warm_ups = np.sort(online["warm_up"].unique())
    x, labels = _positions(warm_ups)
    where = dict(zip(warm_ups, x))
    frame = online.assign(x=online["warm_up"].map(where))
    color = method_color("noise")
    with paper_style():
        fig = new_figure(WIDTH, 2.7)
        a, b, c = fig.subplots(1, 3)
        for _, draw in frame.groupby(["seed", "prune_seed"]):
            draw = draw.sort_values("x")
            a.plot(draw["x"], draw["median_slowest_err"], color="0.75", lw=0.6, zorder=1)
        a.plot(x, band(frame, "x", "median_slowest_err")["median"], color=color, marker="o", ms=3, zorder=2)
        a.set_ylabel(r"median $|\mu_k / \lambda_k - 1|$, slowest modes")
        a.set_title("(a) slowest-mode error", loc="left")

        end = frame.loc[frame["once_at_end"], ["seed", "prune_seed", "median_slowest_err"]]
        early = frame[~frame["once_at_end"]].merge(end, on=["seed", "prune_seed"], suffixes=("", "_end"))  # row by row
        diff = (early["median_slowest_err"] - early["median_slowest_err_end"]).to_numpy()
        jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(diff))  # fixed: the figure is reproducible
        b.axhline(0.0, color="black", lw=0.6)
        b.scatter(early["x"].to_numpy() + jitter, diff, s=8, color=color, lw=0, alpha=0.8)
        top = float(np.nanmax(np.abs(diff))) if len(diff) else 1.0
        for _, row in digest[~digest["once_at_end"].astype(bool)].iterrows():
            b.text(where[row["warm_up"]], 1.08 * top, f"p = {row['p_holm']:.2g}", ha="center", va="bottom", fontsize=7)
        b.set_ylim(-1.25 * top, 1.3 * top)
        b.set_xlim(x[0] - 0.5, x[-2] + 0.5)
        b.set_ylabel("online − once at the end")
        b.set_title("(b) paired difference (Holm p)", loc="left")

        for column, style, label in (("decided_early", "o-", "decided before the end"),
                                     ("kept_fraction", "s--", "kept")):
            stats = band(frame, "x", column)
            median_band(c, x, stats, "black" if column == "decided_early" else "0.5", label,
                        marker="o" if column == "decided_early" else "s")
        c.set_ylim(0, 1.05)
        c.yaxis.set_major_formatter(lambda v, _: percent(v))
        c.set_ylabel("fraction of synapses")
        c.set_title("(c) decisions", loc="left")
        c.legend(loc="center left")
        for ax, shown in ((a, len(x)), (b, len(x) - 1), (c, len(x))):  # (b) has no once-at-the-end column
            ax.set_xticks(x[:shown], labels[:shown])
            ax.set_xlabel("warm-up (observed time)")
        handles = [Line2D([], [], color="0.75", lw=0.6, label="one draw (network seed, pruning seed)"),
                   Line2D([], [], color=color, marker="o", ms=3, label="median over draws")]
        fig.legend(handles=handles, loc="outside lower center", ncol=2)
        fig.suptitle(f"Online pruning against pruning once at the end (N = {int(online['n'].iloc[0]):,}, "
                     f"{len(end)} draws)")
    return fig


CAPTION = r"""**Fig. 17 — online pruning against pruning once at the end** (section
``brain_scale.online`` of ``{{ name }}``: a sparse clustered network of N = {{ n }}
neurons per network seed, keep fraction {{ keep }}; {{ draws }}).

Each synapse measures C_ii, C_jj and C_ij while the noisy network runs (total observed
time {{ duration }}, {{ replicas }} replicas) and decides at the first checkpoint (from the
warm-up on, every {{ check_every }}) at which the relative standard error of its score is
below {{ tolerance }}: kept and rescaled by 1/p, or pruned, at once, so later estimates
come from the partially pruned network. "end": nothing decides early, which is pruning
once at the end. Every warm-up of a draw uses the same noise and the same decision
uniforms. (a) The median relative error of the {{ k }} slowest eigenvalues (grey: one
draw; colour: median over draws). (b) Each draw's difference from its
once-at-the-end run; p: two-sided Wilcoxon signed-rank test over the draws,
Holm-corrected over the warm-ups. (c) The fraction of synapses that decided before the
end, and the fraction kept (median over draws, band: minimum to maximum).
"""


def _check(spec, run):
    if not (getattr(run, "brain", None) and run.brain.get("online")):
        return "the config has no brain_scale.online section"
    return None


def _details(spec, run):
    b = run.brain
    o = b["online"]
    seeds, pseeds = len(b["seeds"]), len(o["prune_seeds"])
    return dict(
        name=b["name"],
        n=f"{o['size']:,}",
        keep=percent(b["keep_fraction"]),
        draws=f"{seeds} network seed{'s' * (seeds > 1)} × {pseeds} pruning seed{'s' * (pseeds > 1)}",
        duration=f"{o['duration']:g}",
        replicas=o["replicas"],
        check_every=f"{o['check_every']:g}",
        tolerance=f"{o['tolerance']:g}",
        k=b["eigenvalues"],
    )


@figure("fig17_online_pruning", tables=("brain_online", "brain_online_digest"), caption=CAPTION, check=_check,
        details=_details)
def draw(tables, spec) -> Figure:
    return fig17_online_pruning(tables["brain_online"], tables["brain_online_digest"])
