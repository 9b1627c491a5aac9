"""Fig. 8: a non-symmetric linear network (complex spectrum; docs/method.md, "Metrics")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.pipeline.tables import require_columns
from .panels import MAX_EIG_ERR, band, log_axis, network_rows, note, percent, seeds_text, spans_decade
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style


#: Line style of each experiment's error curves, in the order drawn.
EXPERIMENT_STYLES = ("-", "--", ":", "-.")


def network_label(network: dict | None) -> str:
    """How the figure names a network (its kind's construction, not the experiment's name)."""
    kind = (network or {}).get("kind", "clustered")
    if kind == "normal":
        return r"normal, $A = Q(D + J)Q^\top$"
    if kind == "dale":
        return "Dale's law"
    return "independent triangles"


def fig8_nonsymmetric(eigen: pd.DataFrame, summary: pd.DataFrame, network, keep_fraction: float | None = None,
                      labels: dict | None = None) -> Figure:
    """Fig. 8: original (open circles) and pruned (dots) eigenvalues in the complex plane,
    one row per experiment of ``network`` (a name or a list of names), one panel per
    method at ``keep_fraction`` (default: the kept fraction closest to 10 %, first network
    seed and pruning seed; the panels of a row share their axes); median and largest
    |eigenvalue error| against the keep fraction (median line, min-max band over draws,
    one line style per experiment). ``labels``: each experiment's display name (default
    :func:`network_label` of a clustered network).

    Raises
    ------
    ValueError
        An experiment absent from a table; missing columns.
    """
    require_columns(summary, ["network", "seed", "method", "keep_fraction", "prune_seed", "max_abs_eig_err", "median_abs_eig_err"], "summary")
    names = [network] if isinstance(network, str) else list(network)
    labels = labels or {}
    data = []
    for name in names:
        rows = network_rows(summary, name, "summary")
        eig = network_rows(eigen, name, "eigen")
        # the exact covariance (and the methods that read none), not the simulated ones
        rows = rows[rows["covariance"].astype(str).isin(["exact", "none"])] if "covariance" in rows else rows
        eig = eig[eig["covariance"].astype(str).isin(["exact", "none"])] if "covariance" in eig else eig
        data.append((name, rows, eig))
    all_rows = pd.concat([rows for _, rows, _ in data])
    methods = ordered_methods(all_rows["method"].unique())
    keeps = sorted(all_rows["keep_fraction"].unique())
    keep = keep_fraction if keep_fraction in keeps else min(keeps, key=lambda k: abs(np.log(k / 0.1)))
    several = len(names) > 1
    with paper_style():
        fig = new_figure(WIDTH, 5.2 + 2.2 * (len(names) - 1))
        parts = fig.subfigures(len(names) + 1, 1, height_ratios=[1] * len(names) + [1.05])
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        for top, (name, rows, eig) in zip(parts, data):
            first = eig[(eig["keep_fraction"] == keep) & (eig["seed"] == eig["seed"].min()) & (eig["prune_seed"] == eig["prune_seed"].min())]
            imag = "eigenvalue_imag" in first
            # one complex plane for every method of a network (shared axes), so the spread compares
            planes = np.atleast_1d(top.subplots(1, len(methods), sharex=True, sharey=True))
            for ax, m in zip(planes, methods):
                sub = first[first["method"] == m]
                ax.set_title(f"({next(letters)}) {method_label(m)}", loc="left")
                ax.set_xlabel(r"$\mathrm{Re}$")
                if ax is planes[0]:
                    ax.set_ylabel(r"$\mathrm{Im}$")
                if sub.empty:
                    note(ax, "no eigenvalues")
                    continue
                y0 = sub["eigenvalue_imag"] if imag else np.zeros(len(sub))
                y1 = sub["eigenvalue_pruned_imag"] if "eigenvalue_pruned_imag" in sub else np.zeros(len(sub))
                ax.scatter(sub["eigenvalue"], y0, s=9, facecolor="none", edgecolor="black", lw=0.4, rasterized=True)
                ax.scatter(sub["eigenvalue_pruned"], y1, s=3, color=method_color(m), alpha=0.7, lw=0, rasterized=True)
            what = f"{labels.get(name, network_label(None))}: " if several else ""
            top.suptitle(f"{what}first network seed and pruning seed, {percent(keep)} kept", x=0.01, ha="left")
        bottom = parts[-1]
        curves = bottom.subplots(1, 2)
        for ax, (metric, label) in zip(curves, (("median_abs_eig_err", r"median $|\mu_i/\lambda_i - 1|$"), ("max_abs_eig_err", MAX_EIG_ERR))):
            for (name, rows, _), style in zip(data, EXPERIMENT_STYLES):
                for m in methods:
                    stats = band(rows[rows["method"] == m], "keep_fraction", metric)
                    if len(stats):
                        x = stats.index.to_numpy(dtype=float)
                        ax.fill_between(x, stats["min"], stats["max"], color=method_color(m), alpha=0.18, lw=0)
                        ax.plot(x, stats["median"], color=method_color(m), marker="o", ms=3, ls=style)
            values = pd.concat([rows[metric] for _, rows, _ in data]).to_numpy(dtype=float)
            if several and spans_decade(values):  # experiments of different error scales
                log_axis(ax, "y")
            log_axis(ax, "x")
            ax.set_xticks(keeps, [percent(k) for k in keeps], minor=False)
            ax.set_xticks([], minor=True)
            ax.set_xlabel("fraction kept")
            ax.set_ylabel(label)
            ax.set_title(f"({next(letters)}) {'median' if metric.startswith('median') else 'largest'} eigenvalue error", loc="left")
        bottom.suptitle(f"{seeds_text(all_rows)} (line: median, band: min to max over draws)", x=0.01, ha="left")
        handles = [Line2D([], [], color=method_color(m), marker="o", ms=3, label=method_label(m)) for m in methods]
        handles.append(Line2D([], [], marker="o", ls="none", mfc="none", mec="black", label="original eigenvalues"))
        if several:
            handles += [Line2D([], [], color="0.3", ls=style, label=labels.get(name, network_label(None)))
                        for (name, _, _), style in zip(data, EXPERIMENT_STYLES)]
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4 if several else len(handles)))
        sizes = sorted({int(n) for n in all_rows["n"]})
        title = "Non-symmetric networks" if several else "A non-symmetric network"
        fig.suptitle(f"{title}, $N = {', '.join(map(str, sizes))}$: complex spectrum after pruning")
    return fig


CAPTION = r"""**Fig. 8 — non-symmetric networks** (
{%- for e in networks %}experiment ``{{ e.name }}``: N = {{ e.n }}, clusters of {{ e.clusters }}
neurons, {{ e.construction }}; keep fractions {{ e.keep }}; {{ e.draws }}
{{- "; " if not loop.last else "" }}{% endfor %}).

Top{% if networks | length > 1 %} rows, one per experiment in the order above{% endif %}: the
eigenvalues of the original network (open circles) and of one pruned network per method
(dots) in the complex plane, at the configured keep fraction closest to 10 %; the
pruned eigenvalues are paired with the original ones by a linear assignment.
Bottom: the median and the largest relative eigenvalue error \|μ_i/λ_i − 1\| against the
kept fraction (median over network seeds × pruning seeds, band: minimum to
maximum{% if networks | length > 1 %}; one line style per experiment, on a logarithmic axis
where the errors span a factor 10{% endif %}).

The paper's theorem covers symmetric networks only; the rule is applied unchanged, with
the exact covariance from the general Lyapunov solver (A C + C Aᵀ + I = 0; for a normal
A it is C = −(A + Aᵀ)⁻¹, proportional to the inverse of A's symmetric part).
"""

#: What the caption says of each network kind's construction.
CONSTRUCTIONS = {
    "clustered": "the upper and lower triangles drawn independently",
    "normal": "normal, A = Q (D + J) Qᵀ with Q the eigenvectors of a symmetric clustered network, "
    "D its eigenvalues averaged in pairs and J rotating each pair",
    "dale": "every neuron's outgoing synapses of one sign (Dale's law)",
}


def _check(spec, run):
    problem = experiment_problem(run, spec["experiments"], full_spectra=True)
    if problem is None:
        for name in spec["experiments"]:
            if run.experiments[name]["network"].get("symmetric", True):
                return f"experiment {name!r} has a symmetric network; the figure draws a non-symmetric one"
    return problem


def _details(spec, run):
    """Caption facts of every experiment drawn (one row of complex planes each)."""
    networks = []
    for name in spec["experiments"]:
        net = run.experiments[name]["network"]
        construction = CONSTRUCTIONS.get(net.get("kind", "clustered"), f"network kind {net.get('kind')}")
        networks.append(dict(experiment_facts(run.experiments[name]), construction=construction, label=network_label(net)))
    return dict(networks=networks)


@figure("fig8_nonsymmetric", tables=("eigen", "summary"), select=("eigen",), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    labels = {e["name"]: e["label"] for e in spec.get("networks", [])}
    return fig8_nonsymmetric(tables["eigen"], tables["summary"], spec["experiments"], labels=labels)
