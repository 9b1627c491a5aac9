"""Fig. 5: pruning quality against the keep fraction, and kept entries needed against N
(Moore & Chaudhuri 2020, Fig. 5; docs/method.md, "Metrics")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from noiseprune.pipeline.tables import require_columns
from .panels import (
    METRIC_LABELS,
    band,
    describe,
    legend_handles,
    log_axis,
    median_band,
    note,
    plural,
    prefer_exact,
    size_axis,
    spans_decade,
)
from noiseprune.pipeline.ids import format_number, listing, percent
from .registry import experiment_facts, figure
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style


def _sweep_panel(ax, rows: pd.DataFrame, methods: Sequence[str], metric: str) -> None:
    """``metric`` against the keep fraction (log x); log y when the values span a decade,
    linear otherwise; a note only when no method has a finite value."""
    drawn = False
    for m in methods:
        sub = rows[rows["method"] == m]
        stats = band(sub, "keep_fraction", metric)
        if stats.empty:
            continue
        drawn = True
        median_band(ax, stats.index.to_numpy(dtype=float), stats, method_color(m), method_label(m))
    log_axis(ax, "x")
    ax.set_xlabel("keep fraction")
    ax.set_ylabel(METRIC_LABELS[metric])
    if not drawn:
        note(ax, f"no finite {metric}\n(e.g. spectra: eps, or a non-symmetric network)")
    elif spans_decade(rows[metric]):
        log_axis(ax, "y")


def _scaling_panels(ax_kept, ax_frac, scaling: pd.DataFrame) -> list:
    """Kept entries and kept fraction at the target eps against N; returns the legend
    handles of their line styles (drawn in the figure legend, off the data)."""
    rows = prefer_exact(scaling)
    methods = ordered_methods(rows["method"].unique())
    outside = 0
    for m in methods:
        sub = rows[rows["method"] == m]
        color = method_color(m)
        finite = sub[np.isfinite(sub["kept_at_target"].to_numpy(dtype=float))]
        outside += len(sub) - len(finite)
        if finite.empty:
            continue
        ax_kept.scatter(finite["n"], finite["kept_at_target"], s=8, color=color, alpha=0.5, linewidths=0)
        stats = band(finite, "n", "kept_at_target")
        ax_kept.plot(stats.index, stats["median"], ls="none", marker="o", ms=3.5, color=color)
        c = finite["c"].dropna()
        if len(c):
            grid = np.geomspace(finite["n"].min(), finite["n"].max(), 50)
            ax_kept.plot(grid, float(c.iloc[0]) * grid * np.log(grid), color=color, lw=1.0, ls="-")
        fstats = band(finite, "n", "kept_fraction")
        median_band(ax_frac, fstats.index.to_numpy(dtype=float), fstats, color, method_label(m))
        ax_frac.scatter(finite["n"], finite["kept_fraction"], s=8, color=color, alpha=0.5, linewidths=0)
    edges = rows.groupby("n", sort=True)["edges_original"].median()
    if len(edges):
        ax_kept.plot(edges.index, edges.to_numpy(), color="black", lw=0.8, ls=":", label="all edges")
    size_axis(ax_kept, rows["n"])
    log_axis(ax_kept, "y")
    ax_kept.set_xlabel("network size $N$")
    target = rows["target_eps"].dropna()
    eps_text = f"{float(target.iloc[0]):g}" if len(target) else "target"
    ax_kept.set_ylabel(rf"kept entries for $\varepsilon = {eps_text}$")
    size_axis(ax_frac, rows["n"])
    ax_frac.set_xlabel("network size $N$")
    ax_frac.set_ylabel(rf"kept fraction for $\varepsilon = {eps_text}$")
    ax_frac.set_ylim(bottom=0)
    if outside:
        ax_frac.text(0.98, 0.98, f"{outside} (N, seed) outside the keep grid", transform=ax_frac.transAxes, ha="right", va="top", fontsize=6, color="0.35")
    return [
        Line2D([], [], color="black", lw=0.8, ls=":", label="(c) all edges"),
        Line2D([], [], color="0.3", lw=1.0, label=r"(c) fit $c\,N\log N$"),
        Line2D([], [], color="0.3", ls="none", marker="o", ms=3.5, label="median over seeds"),
        Line2D([], [], color="0.3", ls="none", marker="o", ms=2.5, alpha=0.5, label="one network seed"),
    ]


def fig5_sweeps(sweeps: pd.DataFrame | None, scaling: pd.DataFrame | None) -> Figure:
    """Fig. 5: pruning quality vs keep fraction, and kept entries needed vs N.

    (a) one row per sweep network: max |eigenvalue error| and spectral eps against the
    keep fraction (log-log); line = median over network seeds x pruning seeds, band =
    min to max. (b) last row: kept entries needed to reach the target eps against N
    (log-log; points = network seeds, markers = median, line = fitted c N log N, dotted
    = all edges of the network) and the kept fraction needed, falling with N.

    Either table may be empty or None (its panels are left out).

    Raises
    ------
    ValueError
        Both tables empty, missing columns.
    """
    has_sweeps = sweeps is not None and len(sweeps) > 0
    has_scaling = scaling is not None and len(scaling) > 0
    if not has_sweeps and not has_scaling:
        raise ValueError("fig5_sweeps needs rows in the sweeps or the scaling table; both are empty")
    if has_sweeps:
        require_columns(sweeps, ["network", "method", "keep_fraction", "seed", "prune_seed", "max_abs_eig_err", "spectral_eps"], "sweeps")
    if has_scaling:
        require_columns(scaling, ["n", "method", "kept_at_target", "kept_fraction", "c", "edges_original", "target_eps"], "scaling")
    networks = sorted(sweeps["network"].unique()) if has_sweeps else []
    nrows = len(networks) + has_scaling
    with paper_style():
        fig = new_figure(WIDTH * 0.8, 2.6 * nrows + 0.3)
        subfigs = np.atleast_1d(fig.subfigures(nrows, 1))
        methods = set()
        letter = iter("abcdefghijklmnopqrstuvwxyz")
        for sub, net in zip(subfigs, networks):
            rows = prefer_exact(sweeps[sweeps["network"] == net])
            ms = ordered_methods(rows["method"].unique())
            methods.update(ms)
            axes = sub.subplots(1, 2)
            _sweep_panel(axes[0], rows, ms, "max_abs_eig_err")
            _sweep_panel(axes[1], rows, ms, "spectral_eps")
            axes[0].set_title(f"({next(letter)}) worst eigenvalue error", loc="left")
            axes[1].set_title(f"({next(letter)}) spectral approximation", loc="left")
            sub.suptitle(f"Keep-fraction sweep: {describe(rows, keep=False)}", x=0.01, ha="left")
        scaling_handles = []
        if has_scaling:
            rows = prefer_exact(scaling)
            methods.update(rows["method"].unique())
            axes = subfigs[-1].subplots(1, 2)
            scaling_handles = _scaling_panels(axes[0], axes[1], rows)
            axes[0].set_title(f"({next(letter)}) kept entries vs $N\\log N$", loc="left")
            axes[1].set_title(f"({next(letter)}) kept fraction vs $N$", loc="left")
            seeds = plural(rows["seed"].nunique(), "network seed") if "seed" in rows else ""
            sizes = ", ".join(str(int(n)) for n in sorted(rows["n"].unique()))
            subfigs[-1].suptitle(f"Scaling: $N$ = {sizes}, {seeds}", x=0.01, ha="left")
        handles = legend_handles(ordered_methods(methods))
        handles.append(Patch(color="0.5", alpha=0.3, label="min-max over draws"))
        handles += scaling_handles
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4))
    return fig


CAPTION = r"""**Fig. 5 — how much can be pruned: error against keep fraction, and against network size.**

{% if sweeps %}
Top (one row per sweep experiment:
{%- for e in sweeps %} ``{{ e.name }}``, N = {{ e.n }}, keep fractions {{ e.keep }},
{{ e.draws }}{{ ";" if not loop.last else "" }}{% endfor %}): the
largest eigenvalue error max_i \|μ_i/λ_i − 1\| and the spectral approximation ε against
the fraction of synapses kept (logarithmic axes; the error axis turns linear when the
values span less than a factor 10). ε is the smallest number with
(1 − ε)(−A) ⪯ (−Ã) ⪯ (1 + ε)(−A), the quantity the theorem bounds. Line: median over
network seeds × pruning seeds; band: minimum to maximum.
{% endif %}

{% if scaling %}
Bottom (the ``scaling`` section of the config: one network family per size,
N = {{ sizes }}; keep fractions {{ scaling_keep }}; {{ scaling_seeds }}): the
number of kept synapses needed to reach the target ε = {{ target_eps }} (interpolated
on the keep-fraction grid) against N, log–log, with the least-squares fit c·N log N per
method (solid) and the total number of synapses (dotted); right: the kept fraction
needed, falling with N. Points: single network seeds; markers and lines: medians.
{% endif %}

What the theory says (Spielman–Srivastava sampling, which noise-prune with the exact
covariance equals for symmetric networks): O(N log N / ε²) synapses suffice for a
spectral approximation ε, so the kept fraction tends to 0 as N grows, while the number
of synapses grows like N². The authors did not report ε; this figure measures it. At
the paper's operating point (2000 neurons, 20 % kept) the worst eigenvalue error was 0.19
for noise-prune against 0.38 for the weight control; the sweep shows how that gap
changes with the keep fraction.
"""


def _details(spec, run):
    """Experiments drawn: every sweep experiment (several keep fractions, linear,
    symmetric) and the scaling section's; caption facts."""
    sweeps = run.sweep_experiments()
    sizes = [run.experiments[n] for n in run.scaling_experiments()]
    return dict(
        experiments=sweeps + [e["name"] for e in sizes],
        sweeps=[experiment_facts(run.experiments[n]) for n in sweeps],
        scaling=bool(sizes),
        sizes=listing(e["n"] for e in sizes) if sizes else "",
        scaling_keep=listing(percent(k) for k in sizes[0]["keep_fractions"]) if sizes else "",
        scaling_seeds=plural(len(sizes[0]["seeds"]), "network seed") if sizes else "",
        target_eps=format_number(run.scaling_target_eps()),
    )


@figure("fig5_sweeps", tables=("sweeps", "scaling"), caption=CAPTION, details=_details)
def draw(tables, spec) -> Figure:
    return fig5_sweeps(tables["sweeps"], tables["scaling"])
