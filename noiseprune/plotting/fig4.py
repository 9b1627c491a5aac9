"""Fig. 4: the spectral panels of Fig. 2 for the large networks (Moore & Chaudhuri 2020,
Fig. 4; docs/method.md, "Metrics")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .panels import describe, eigen_scatter, legend_handles, max_marker, spectral_data, spectral_distributions
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
            sub.suptitle(f"{net}: {describe(rows)}", x=0.01, ha="left", fontsize=STYLE["figure.titlesize"] - 0.5)
        handles = legend_handles(all_methods, covs)
        handles.append(max_marker())
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        fig.suptitle("Spectrum preservation in large networks")
    return fig
