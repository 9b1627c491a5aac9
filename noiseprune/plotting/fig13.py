"""Fig. 13: how often the theorem's guarantee holds (normalization: theory; docs/method.md,
"How often the guarantee holds")."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.pipeline.ids import format_number, listing, plural
from noiseprune.pipeline.tables import require_columns
from .panels import log_axis, size_axis
from .registry import figure
from .style import WIDTH, new_figure, paper_style

#: Line style of each requested eps (in order of the eps values drawn).
EPS_STYLES = ("-", "--", ":", "-.")


def _k_colors(ks) -> dict:
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return {k: cmap(i / max(1, len(ks) - 1) * 0.85) for i, k in enumerate(ks)}


def fig13_guarantee(guarantee: pd.DataFrame) -> Figure:
    """(a) Fraction of pruning draws whose spectral eps is at most the requested eps, against
    N, one line per (k, eps); (b) the kept entries against the theorem's count
    2 k N log N / eps^2 (log-log; dotted: equality); (c) the fraction of the network's
    entries kept (1: every entry kept, the guarantee holds trivially).

    Raises
    ------
    ValueError
        Missing columns or an empty table.
    """
    require_columns(guarantee, ["n", "theory_k", "theory_eps", "draws", "held", "edges_kept_mean", "theory_count",
                                "kept_fraction_mean"], "guarantee")
    if guarantee.empty:
        raise ValueError("guarantee table is empty: no experiment with normalization: theory")
    ks = sorted(guarantee["theory_k"].unique())
    epss = sorted(guarantee["theory_eps"].unique())
    colors = _k_colors(ks)
    style = {e: EPS_STYLES[i % len(EPS_STYLES)] for i, e in enumerate(epss)}
    # pool the network seeds of one (N, k, eps)
    pooled = guarantee.groupby(["theory_k", "theory_eps", "n"], sort=True).agg(
        draws=("draws", "sum"), held=("held", "sum"), kept=("edges_kept_mean", "mean"),
        count=("theory_count", "first"), fraction=("kept_fraction_mean", "mean")).reset_index()
    sizes = sorted(pooled["n"].unique())
    with paper_style():
        fig = new_figure(WIDTH, 3.1)
        axes = fig.subplots(1, 3)
        for (k, eps), g in pooled.groupby(["theory_k", "theory_eps"], sort=True):
            kw = dict(color=colors[k], ls=style[eps], marker="o", ms=3)
            axes[0].plot(g["n"], g["held"] / g["draws"], **kw)
            axes[1].plot(g["count"], g["kept"], **kw)
            axes[2].plot(g["n"], g["fraction"], **kw)
        axes[0].set_ylim(-0.03, 1.03)
        axes[0].set_ylabel(r"fraction of draws with $\varepsilon \leq$ requested")
        axes[0].set_title("(a) guarantee held", loc="left")
        lo = float(min(pooled["count"].min(), pooled["kept"].min()))
        hi = float(max(pooled["count"].max(), pooled["kept"].max()))
        axes[1].plot([lo, hi], [lo, hi], color="0.4", ls=":", lw=0.8)
        log_axis(axes[1], "x")
        log_axis(axes[1], "y")
        axes[1].set_xlabel(r"$2kN\log N/\varepsilon^2$")
        axes[1].set_ylabel("entries kept (mean over draws)")
        axes[1].set_title("(b) kept against the theorem's count", loc="left")
        axes[2].set_ylim(0, 1.05)
        axes[2].set_ylabel("fraction of the entries kept")
        axes[2].set_title("(c) fraction kept", loc="left")
        for ax in (axes[0], axes[2]):
            size_axis(ax, sizes)
            ax.set_xlabel("$N$")
        handles = [Line2D([], [], color=colors[k], marker="o", ms=3, label=f"$k = {format_number(k)}$") for k in ks]
        handles += [Line2D([], [], color="0.3", ls=style[e], label=rf"$\varepsilon = {format_number(e)}$") for e in epss]
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        draws = listing(sorted({int(d) for d in guarantee["draws"]}))
        seeds = int(guarantee.groupby("n")["seed"].nunique().max())
        fig.suptitle(f"The theorem's guarantee, $K = k \\log N / \\varepsilon^2$: {draws} pruning draws, "
                     f"{plural(seeds, 'network seed')} per size")
    return fig


CAPTION = r"""**Fig. 13 — how often the theorem's guarantee holds** (experiments {{ names }};
sizes N = {{ sizes }}; k = {{ ks }}; ε = {{ epss }}).

Noise-prune with the theorem's normalization: p_ij = min(1, K q_ij) with
K = k log N / ε² and q the noise score with the exact covariance (the effective-resistance
score), on symmetric strictly diagonally dominant clustered networks (leak margin
{{ margins }}). (a) The fraction of pruning draws whose spectral approximation satisfies
the promise (1 − ε)(−A) ⪯ −Ã ⪯ (1 + ε)(−A), i.e. spectral ε at most the requested ε;
the theorem guarantees it with high probability for k > 3. (b) The entries kept (mean
over draws) against 2 k N log N / ε², the expected count without clipping (the scores of
a Laplacian sum to N − 1 per triangle). (c) The fraction of the network's entries kept:
where it reaches 1, nothing is pruned and the guarantee holds trivially. The table
``guarantee.csv`` holds one row per experiment and network seed.
"""


def _details(spec, run):
    names = run.guarantee_experiments()
    exps = [run.experiments[n] for n in names]
    return dict(
        experiments=names,
        names=listing(f"``{n}``" for n in names) if names else "none",
        sizes=listing(sorted({e["n"] for e in exps})) if exps else "none",
        ks=listing(format_number(k) for k in sorted({e["theory_k"] for e in exps})) if exps else "none",
        epss=listing(format_number(e) for e in sorted({e["theory_eps"] for e in exps})) if exps else "none",
        margins=listing(format_number(m) for m in sorted({e["network"].get("leak_margin", 0) for e in exps})) if exps else "none",
    )


@figure("fig13_guarantee", tables=("guarantee",), caption=CAPTION, details=_details)
def draw(tables, spec) -> Figure:
    return fig13_guarantee(tables["guarantee"])
