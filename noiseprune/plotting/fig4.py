"""Fig. 4: the spectral panels of Fig. 2 for the large networks (Moore & Chaudhuri 2020,
Fig. 4; docs/method.md, "Metrics")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .panels import describe, eigen_scatter, legend_handles, max_marker, spectral_data, spectral_distributions
from .registry import experiment_facts, experiment_problem, figure
from .style import STYLE, WIDTH, new_figure, ordered_methods, paper_style


def fig4_large(
    eigen: pd.DataFrame,
    summary: pd.DataFrame | None,
    networks: Sequence[str],
    keep_fractions: dict | None = None,
) -> Figure:
    """Fig. 4: the spectral panels of Fig. 2 for the large networks, one row per network.

    Columns: |eigenvalue error| (with per-draw maxima), |eigenvector error|, alignment
    (violin + min-max box, pooled over eigenpairs, network seeds and pruning seeds) and
    pruned vs original eigenvalues of every draw with the identity line.

    Parameters
    ----------
    eigen, summary : DataFrame
        As for :func:`fig2_spectrum`.
    networks : sequence of str
        Experiment names, one row each.
    keep_fractions : dict, optional
        Keep fraction per network, needed for networks pruned at several.

    Raises
    ------
    ValueError
        No networks given, or a network absent from ``eigen`` (the message names it).
    """
    networks = list(networks)
    if not networks:
        raise ValueError("fig4_large needs at least one network")
    keep_fractions = keep_fractions or {}
    data = [spectral_data(eigen, summary, net, keep_fractions.get(net)) for net in networks]
    all_methods = ordered_methods({m for _, methods, _, _ in data for m in methods})
    with paper_style():
        fig = new_figure(WIDTH, 2.45 * len(networks) + 0.5)
        subfigs = np.atleast_1d(fig.subfigures(len(networks), 1))
        covs = {}
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        for sub, net, (rows, methods, c, draws) in zip(subfigs, networks, data):
            covs.update(c)
            axes = sub.subplots(1, 4, width_ratios=[1, 1, 1, 0.9])
            spectral_distributions(axes, rows, methods, draws, rotate_over=2)
            eigen_scatter(axes[3], rows, methods, short_labels=True)  # the narrow fourth column
            for ax, title in zip(axes, ["eigenvalue error", "eigenvector error", "alignment", "eigenvalues"]):
                ax.set_title(f"({next(letters)}) {title}", loc="left")
            sub.suptitle(describe(rows), x=0.01, ha="left", fontsize=STYLE["figure.titlesize"] - 0.5)
        handles = legend_handles(all_methods, covs)
        handles.append(max_marker())
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        fig.suptitle("Spectrum preservation in large networks")
    return fig


CAPTION = r"""**Fig. 4 — spectrum preservation in large networks** (
{%- for e in networks %}experiment ``{{ e.name }}``: N = {{ e.n }}, clusters of
{{ e.clusters }} neurons, {{ e.keep_first }} of the synapses kept, {{ e.draws }}
{{- "; " if not loop.last else "" }}{% endfor %}).

One row per network, with the panels of Fig. 2: violin + box plots (whiskers at the
minimum and maximum) of the eigenvalue error \|μ_i/λ_i − 1\|, the eigenvector error
\|v_iᵀ Ã v_i / λ_i − 1\| and the alignment \|v_iᵀ Ã v_i\| / ‖Ã v_i‖, pooled over every
eigenpair, network seed and pruning seed (diamonds: the largest eigenvalue error of each
draw), and the pruned against the original eigenvalues of every draw with the identity
line.

What the paper shows with its large networks (3000 and 10000 neurons, 3 % of the
synapses kept): even with such a small fraction, the noise-pruned network keeps the spectrum of
the original close, and the comparison with the controls follows Fig. 2 (the gain is
on the slow modes). That a small fraction suffices at large N is what the theory
predicts: the synapses needed grow like N log N, not like N² (see Fig. 5).

Errors of exactly 1 in the control draws are real zero eigenvalues of the pruned
network: at small keep fractions the controls isolate neurons of the small clusters
(every edge of a neuron removed), and with the row-sum diagonal such a neuron's row
becomes zero, so μ = 0 and \|μ/λ − 1\| = 1 (docs/method.md, Metrics). Noise-prune
keeps their edges.
"""


def _check(spec, run):
    return experiment_problem(run, spec["experiments"], full_spectra=True)


def _details(spec, run):
    """Keep fraction drawn per network (the first of each experiment's list); caption facts."""
    exps = [run.experiments[name] for name in spec["experiments"]]
    return dict(
        keep_fractions={e["name"]: e["keep_fractions"][0] for e in exps},
        networks=[experiment_facts(e) for e in exps],
    )


@figure("fig4_large", tables=("eigen", "summary"), select=("eigen",), caption=CAPTION, check=_check, details=_details)
def draw(tables, spec) -> Figure:
    return fig4_large(tables["eigen"], tables["summary"], spec["experiments"], keep_fractions=spec["keep_fractions"])
