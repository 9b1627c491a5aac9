"""Fig. 12: how much of noise-prune's advantage depends on the row-sum leak
(docs/method.md, "Leak margin")."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from noiseprune.pipeline.ids import format_number, listing
from noiseprune.pipeline.tables import require_columns
from .panels import EPS, MAX_EIG_ERR, legend_handles, seeds_text
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, method_color, new_figure, ordered_methods, paper_style

PANELS = (
    ("max_abs_eig_err", MAX_EIG_ERR, "largest eigenvalue error"),
    ("spectral_eps", EPS, "spectral approximation"),
    ("trajectory_err_end", r"$\|x - \tilde{x}\| / \|x\|$ at the end", "trajectory error"),
    ("zero_modes", "zero modes per pruned network", "zero modes"),
    ("unstable_modes", "growing modes per pruned network", "unstable modes"),
)
#: Holm-corrected p below which a comparison is marked with an asterisk.
ALPHA = 0.05


def leak_label(leak, margin) -> str:
    """'δ = 0.05' for a row-sum leak with margin δ, '-I + W' for the constant leak 1, 'c I' else."""
    if str(leak) != "row_sum":
        value = float(leak)
        return "$-I + W$" if value == 1 else f"${format_number(value)} I$"
    return f"$\\delta = {format_number(margin)}$"


def fig12_leak_margin(leak: pd.DataFrame, tests: pd.DataFrame, networks: list[str]) -> Figure:
    """One group per leak network (``networks``, in order), one marker per method: median
    over draws with a min-max bar, for the largest eigenvalue error, spectral eps, final
    trajectory error and the zero modes of the pruned networks; an asterisk above a
    control where noise-prune differs from it (Wilcoxon, Holm-corrected p < ALPHA).

    Raises
    ------
    ValueError
        A network absent from the table; missing columns.
    """
    require_columns(leak, ["network", "leak", "leak_margin", "seed", "method", "prune_seed", "max_abs_eig_err",
                           "spectral_eps", "zero_modes"], "leak")
    require_columns(tests, ["network", "metric", "control", "p_holm"], "leak_tests")
    missing = [n for n in networks if n not in set(leak["network"])]
    if missing:
        raise ValueError(f"leak table has no rows for network {missing[0]!r}")
    rows = leak[leak["network"].isin(networks)]
    methods = ordered_methods(rows["method"].unique())
    width = 0.8 / len(methods)
    labels = [leak_label(*rows.loc[rows["network"] == n, ["leak", "leak_margin"]].iloc[0]) for n in networks]
    with paper_style():
        fig = new_figure(WIDTH, 5.4)
        axes = fig.subplots(2, 3, sharex=True).ravel()
        for ax, letter, (metric, label, title) in zip(axes, "abcde", PANELS):
            for g, network in enumerate(networks):
                if rows.loc[rows["network"] == network, metric].isna().all():
                    ax.text(g, 0.5, "not measured", transform=ax.get_xaxis_transform(), rotation=90, ha="center",
                            va="center", color="0.4", fontsize=6)
                for k, m in enumerate(methods):
                    values = rows.loc[(rows["network"] == network) & (rows["method"] == m), metric].dropna()
                    if values.empty:
                        continue
                    x = g + (k - (len(methods) - 1) / 2) * width
                    med = float(values.median())
                    ax.errorbar(x, med, yerr=[[med - values.min()], [values.max() - med]], fmt="o", ms=3.5,
                                color=method_color(m), capsize=2, lw=1)
                    hit = tests[(tests["network"] == network) & (tests["metric"] == metric) & (tests["control"] == m)]
                    if len(hit) and float(hit["p_holm"].iloc[0]) < ALPHA:
                        ax.annotate("*", (x, values.max()), xytext=(0, 2), textcoords="offset points", ha="center",
                                    va="bottom", fontsize=9)
            ax.set_xticks(range(len(networks)), labels, fontsize=6)
            ax.set_ylabel(label)
            if metric.endswith("_modes"):  # counts
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
                ax.set_ylim(-0.5, max(1.0, float(rows[metric].max())) + 0.5)
            ax.set_title(f"({letter}) {title}", loc="left")
            ax.margins(y=0.12)
        axes[-1].axis("off")
        axes[-1].legend(handles=legend_handles(methods), loc="center", frameon=False,
                        title="marker: median, bar: min to max\n*: Holm p < 0.05 against noise-prune\n"
                        "$\\delta$: leak $(1 + \\delta) \\sum_j |w_{ij}|$")
        n = int(rows["n"].iloc[0])
        keep = listing(f"{100 * k:.4g} %" for k in sorted(rows["keep_fraction"].unique()))
        fig.suptitle(f"Leak and diagonal dominance: $N = {n}$, {keep} kept, {seeds_text(rows)}")
    return fig


CAPTION = r"""**Fig. 12 — the leak the theorem needs** (experiments {{ names }}: N = {{ n }},
clusters of {{ clusters }} neurons; {{ keep }} kept; {{ draws }} each).

The same clustered weights W with the paper's row-sum leak d_i = Σ_j \|w_ij\| (equality:
weakly diagonally dominant), with a margin d_i = (1 + δ) Σ_j \|w_ij\| (strictly diagonally
dominant, the theorem's assumption), and with the slides' constant leak, A = −I + W
(W scaled to a largest eigenvalue of 1/1.1). Each panel: noise-prune and its weight and
uniform controls, median over network seeds × pruning seeds (marker) and range (bar):
(a) the largest relative eigenvalue error, (b) the spectral approximation ε, (c) the
relative trajectory error at the last time step (mean over trials; "not measured" for
experiments without dynamics), (d) the eigenvalues of the pruned network at 0
(\|μ\| ≤ 10⁻⁹ max \|μ\|) and (e) those with a positive real part (an unstable pruned
network). An asterisk marks a control whose
draws differ from noise-prune's on the same draws (two-sided Wilcoxon signed-rank test
over draws, Holm-corrected within each network over its controls × metrics; the table
``leak_tests.csv``).
"""


def _check(spec, run):
    return experiment_problem(run, spec["experiments"], full_spectra=True, method="noise")


def _details(spec, run):
    names = spec["experiments"]
    facts = experiment_facts(run.experiments[names[0]])
    return dict(facts, names=listing(f"``{n}``" for n in names))


@figure("fig12_leak_margin", tables=("leak", "leak_tests"), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig12_leak_margin(tables["leak"], tables["leak_tests"], list(spec["experiments"]))
