"""Fig. 11: pruning a network that obeys Dale's law (network kind ``dale``;
docs/method.md, "Networks" and "Excitatory and inhibitory input")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from noiseprune.pipeline.stats import paired_tests
from noiseprune.pipeline.tables import require_columns
from .panels import MAX_EIG_ERR, band, log_axis, median_band, network_rows, percent, seeds_text
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style

#: Family-wise error rate of the markers of panels (a) and (b).
ALPHA = 0.05
#: The methods' exact covariance (methods that read none live under "none").
COVARIANCES = ("exact", "none")


def beats_every_control(summary: pd.DataFrame, metric: str, reference: str = "noise") -> list[float]:
    """Keep fractions where ``reference`` is lower than every other method on ``metric``
    (Wilcoxon signed-rank over the draws, Holm-corrected over methods x keep fractions,
    p < :data:`ALPHA`, and lower in the median difference)."""
    tests = paired_tests(summary, metric, reference=reference)
    if tests.empty:
        return []
    tests["better"] = (tests["p_holm"] < ALPHA) & (tests["median_difference"] < 0)
    won = tests.groupby("keep_fraction")["better"].all()
    return [float(k) for k, ok in won.items() if ok]


def fig11_excitatory_inhibitory(summary: pd.DataFrame, balance: pd.DataFrame, network: str) -> Figure:
    """Fig. 11: (a) largest and (b) median eigenvalue error against the kept fraction,
    (c) the per-neuron change of the excitatory and inhibitory input, (d) of the net
    input; median line, min-max band over draws, for every method.

    Raises
    ------
    ValueError
        ``network`` absent from a table; missing columns.
    """
    require_columns(summary, ["network", "seed", "covariance", "method", "keep_fraction", "prune_seed", "max_abs_eig_err", "median_abs_eig_err"], "summary")
    require_columns(balance, ["network", "seed", "covariance", "method", "keep_fraction", "prune_seed", "exc_input_err", "inh_input_err", "net_input_err"], "balance")
    rows = network_rows(summary, network, "summary")
    rows = rows[rows["covariance"].astype(str).isin(COVARIANCES)]
    inputs = network_rows(balance, network, "balance")
    inputs = inputs[inputs["covariance"].astype(str).isin(COVARIANCES)]
    methods = ordered_methods(rows["method"].unique())
    keeps = sorted(rows["keep_fraction"].unique())
    with paper_style():
        fig = new_figure(WIDTH, 5.4)
        axes = fig.subplots(2, 2, sharex=True)
        panels = [
            (axes[0, 0], rows, "max_abs_eig_err", MAX_EIG_ERR, "(a) largest eigenvalue error"),
            (axes[0, 1], rows, "median_abs_eig_err", r"median $|\mu_i/\lambda_i - 1|$", "(b) median eigenvalue error"),
        ]
        for ax, frame, metric, ylabel, title in panels:
            for m in methods:
                stats = band(frame[frame["method"] == m], "keep_fraction", metric)
                if len(stats):
                    median_band(ax, stats.index.to_numpy(dtype=float), stats, method_color(m), None)
            won = beats_every_control(frame, metric) if "noise" in methods else []
            top = frame[metric].max()
            for k in won:
                ax.plot([k], [top * 1.25], marker="*", color=method_color("noise"), ms=6, ls="none")
            ax.set_ylabel(ylabel)
            ax.set_title(title, loc="left")
            log_axis(ax, "y")
        ax = axes[1, 0]
        for m in methods:
            sub = inputs[inputs["method"] == m]
            for metric, style in (("exc_input_err", "-"), ("inh_input_err", "--")):
                stats = band(sub, "keep_fraction", metric)
                if len(stats):
                    x = stats.index.to_numpy(dtype=float)
                    ax.fill_between(x, stats["min"], stats["max"], color=method_color(m), alpha=0.15, lw=0)
                    ax.plot(x, stats["median"], color=method_color(m), ls=style, marker="o", ms=3)
        ax.set_ylabel("median over neurons of\n|input after / before $-$ 1|")
        ax.set_title("(c) each neuron's excitatory and inhibitory input", loc="left")
        ax = axes[1, 1]
        for m in methods:
            stats = band(inputs[inputs["method"] == m], "keep_fraction", "net_input_err")
            if len(stats):
                median_band(ax, stats.index.to_numpy(dtype=float), stats, method_color(m), None)
        ax.set_ylabel("rms change of net input\n/ mean excitatory input")
        ax.set_title("(d) each neuron's net input (E $-$ I)", loc="left")
        for ax in axes.ravel():
            log_axis(ax, "x")
            ax.set_xticks(keeps, [percent(k) for k in keeps], minor=False)
            ax.set_xticks([], minor=True)
        for ax in axes[1]:
            ax.set_xlabel("fraction kept")
        handles = [Line2D([], [], color=method_color(m), marker="o", ms=3, label=method_label(m)) for m in methods]
        handles += [
            Line2D([], [], color="0.3", ls="-", label="excitatory (c)"),
            Line2D([], [], color="0.3", ls="--", label="inhibitory (c)"),
            Line2D([], [], color=method_color("noise"), marker="*", ls="none", ms=6,
                   label=f"noise-prune below every control (Holm p < {ALPHA:g})"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=3)
        n = int(rows["n"].iloc[0]) if len(rows) else 0
        fig.suptitle(f"Dale's law network, $N = {n}$: line median, band min to max over {seeds_text(rows)}")
    return fig


CAPTION = r"""**Fig. 11 — pruning a network that obeys Dale's law** (experiment ``{{ name }}``:
N = {{ n }}, clusters of {{ clusters }} neurons, {{ excitatory }} of each cluster's neurons
excitatory, network kind ``dale``; keep fractions {{ keep }}; {{ draws }}).

Each neuron's outgoing synapses share one sign; inhibitory synapses are scaled so that
the network's summed input is zero. (a) the largest and (b) the median relative
eigenvalue error \|μ_i/λ_i − 1\| of the complex spectrum against the kept fraction;
(c) the median over neurons of the relative change of each neuron's summed excitatory
(solid) and inhibitory (dashed) input; (d) the root mean square change of each
neuron's net input, in units of the mean excitatory input (table ``balance.csv``).
Lines: median over draws; bands: minimum to maximum. A star marks the kept fractions
where noise-prune's error is lower than every control's: Wilcoxon signed-rank test
over the draws paired by network seed and pruning seed, Holm-corrected over every
(control, kept fraction) pair of the panel, p < 0.05.
"""


def _check(spec, run):
    problem = experiment_problem(run, spec["experiments"][:1], full_spectra=True)
    name = spec["experiments"][0]
    if problem is None and run.experiments[name]["network"].get("kind") != "dale":
        return f"experiment {name!r} has network kind {run.experiments[name]['network'].get('kind', 'clustered')!r}; the figure draws kind 'dale'"
    return problem


def _details(spec, run):
    exp = run.experiments[spec["experiments"][0]]
    return dict(experiment_facts(exp), excitatory=percent(exp["network"]["excitatory_fraction"]))


@figure("fig11_excitatory_inhibitory", tables=("summary", "balance"), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig11_excitatory_inhibitory(tables["summary"], tables["balance"], spec["experiments"][0])
