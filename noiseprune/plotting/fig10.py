"""Fig. 10: noise-prune under colored (Ornstein-Uhlenbeck) noise (docs/method.md, "Colored noise")."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from noiseprune.pipeline.ids import format_number, listing, noise_taus
from noiseprune.pipeline.tables import require_columns
from .panels import EPS, MAX_EIG_ERR, band, describe, log_axis, median_band, network_rows
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, method_color, method_label, new_figure, ordered_methods, paper_style

#: Where white noise (tau 0) sits on the log tau axis: this factor below the smallest tau > 0.
WHITE_OFFSET = 10.0


def fig10_colored_noise(colored: pd.DataFrame, network: str) -> Figure:
    """Spectral eps and largest eigenvalue error of noise-prune against the noise's
    correlation time tau (log axis; white noise drawn left of the smallest tau), with the
    controls, which read no covariance, as bands across the panel; the dashed line marks
    the slowest mode's time constant (median over network seeds).

    Raises
    ------
    ValueError
        ``network`` absent; missing columns; no colored-noise rows.
    """
    require_columns(colored, ["network", "seed", "method", "covariance", "noise_tau", "prune_seed", "spectral_eps",
                              "max_abs_eig_err", "slowest_time_constant"], "colored")
    rows = network_rows(colored, network, "colored")
    noisy = rows[rows["noise_tau"].notna()]
    taus = sorted(t for t in noisy["noise_tau"].unique() if t > 0)
    if not taus:
        raise ValueError(f"colored table has no rows with noise_tau > 0 for network {network!r}")
    white_x = taus[0] / WHITE_OFFSET
    x_of = {t: (white_x if t == 0 else t) for t in noisy["noise_tau"].unique()}
    slowest = float(rows.groupby("seed")["slowest_time_constant"].first().median())
    controls = ordered_methods(rows.loc[rows["noise_tau"].isna(), "method"].unique())
    tested = ordered_methods(noisy["method"].unique())
    with paper_style():
        fig = new_figure(WIDTH, 3.0)
        axes = fig.subplots(1, 2, sharex=True)
        for ax, letter, metric, label in zip(axes, "ab", ("spectral_eps", "max_abs_eig_err"), (EPS, MAX_EIG_ERR)):
            for m in controls:
                stats = band(rows[rows["method"] == m], "method", metric)
                if len(stats):
                    ax.axhspan(stats["min"].iloc[0], stats["max"].iloc[0], color=method_color(m), alpha=0.15, lw=0)
                    ax.axhline(stats["median"].iloc[0], color=method_color(m), lw=1)
            for m in tested:
                sub = noisy[noisy["method"] == m].assign(x=lambda f: f["noise_tau"].map(x_of))
                stats = band(sub, "x", metric)
                median_band(ax, stats.index.to_numpy(dtype=float), stats, method_color(m), None)
            ax.axvline(slowest, color="0.3", ls="--", lw=0.8)
            log_axis(ax, "x")
            ticks = [white_x, *taus]
            ax.set_xticks(ticks, ["white", *[format_number(float(f"{t:.3g}")) for t in taus]], minor=False)
            ax.set_xticks([], minor=True)
            ax.set_xlabel(r"noise correlation time $\tau_c$")
            ax.set_ylabel(label)
            ax.set_title(f"({letter}) {'spectral approximation' if metric == 'spectral_eps' else 'largest eigenvalue error'}",
                         loc="left")
        handles = [Line2D([], [], color=method_color(m), marker="o", ms=3, label=f"{method_label(m)} (median, min-max band)")
                   for m in tested]
        handles += [Patch(color=method_color(m), alpha=0.4, label=f"{method_label(m)} (no covariance)") for m in controls]
        handles.append(Line2D([], [], color="0.3", ls="--", label=f"slowest mode's time constant ({slowest:.3g})"))
        fig.legend(handles=handles, loc="outside lower center", ncol=2)
        fig.suptitle(f"Colored noise: {describe(rows)}")
    return fig


CAPTION = r"""**Fig. 10 — colored noise** (experiment ``{{ name }}``: N = {{ n }}, clusters of
{{ clusters }} neurons; {{ keep }} kept; {{ draws }}; noise correlation times
{{ taus }}).

The network is driven by Ornstein-Uhlenbeck noise of unit intensity and correlation time
τ_c instead of white noise, and noise-prune reads the exact stationary covariance of that
drive (docs/method.md, "Colored noise"). (a) The spectral approximation ε and (b) the
largest relative eigenvalue error of the pruned networks against τ_c (log axis; white
noise at the left). Lines: median over network seeds × pruning seeds; bands: minimum to
maximum. The weight and uniform controls read no covariance and do not depend on τ_c:
their median (line) and range (band) across the panel. Dashed: the time constant
−1/λ_max of the network's slowest mode (median over network seeds); the table
``colored.csv`` lists it per seed.
"""


def _check(spec, run):
    name = spec["experiments"][0]
    problem = experiment_problem(run, [name], full_spectra=True, method="noise")
    if problem is None and name not in run.colored_experiments():
        return f"experiment {name!r} has no noise.tau > 0; the figure draws colored noise"
    return problem


def _details(spec, run):
    exp = run.experiments[spec["experiments"][0]]
    return dict(experiment_facts(exp), taus=listing(format_number(t) for t in noise_taus(exp)))


@figure("fig10_colored_noise", tables=("colored",), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig10_colored_noise(tables["colored"], spec["experiments"][0])
