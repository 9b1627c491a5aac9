"""Fig. 2: spectrum preservation of one network at one keep fraction (Moore & Chaudhuri
2020, Fig. 2; metrics of docs/method.md, "Metrics")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import methods as method_registry
from .panels import (
    EIG_ERR,
    LOG_FLOOR,
    check_clusters,
    dense,
    duration,
    describe,
    eigen_scatter,
    is_complex,
    legend_handles,
    log_axis,
    max_marker,
    modulus,
    spectral_data,
    spectral_distributions,
    weight_panels,
)
from noiseprune.pipeline.ids import listing
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, method_color, method_label, new_figure, paper_style

#: Key of the original network in ``fig2_spectrum``'s ``weights``.
ORIGINAL = "original"


def _error_by_mode(ax, eigen: pd.DataFrame, methods: Sequence[str], bins: int = 30) -> None:
    """|eigenvalue error| against |lambda_i|: modes binned by |lambda_i| (equal counts);
    line = median over draws of each draw's bin median, band = min to max over draws."""
    lam = modulus(eigen, "eigenvalue")
    bins = int(max(1, min(bins, len(np.unique(lam)) // 5 or 1)))
    edges = np.unique(np.quantile(lam, np.linspace(0.0, 1.0, bins + 1)))
    frame = eigen.assign(
        _err=np.maximum(modulus(eigen, "eig_err"), LOG_FLOOR),
        _lam=lam,
        _bin=np.clip(np.searchsorted(edges, lam, side="right") - 1, 0, max(len(edges) - 2, 0)),
    )
    for m in methods:
        sub = frame[frame["method"] == m]
        if sub.empty:
            continue
        per_draw = sub.groupby(["seed", "prune_seed", "_bin"], sort=True).agg(err=("_err", "median"), lam=("_lam", "median"))
        stats = per_draw.groupby(level="_bin", sort=True).agg(
            lam=("lam", "median"), med=("err", "median"), lo=("err", "min"), hi=("err", "max")
        )
        color = method_color(m)
        ax.fill_between(stats["lam"], stats["lo"], stats["hi"], color=color, alpha=0.18, lw=0)
        ax.plot(stats["lam"], stats["med"], color=color, lw=1.2, marker="o", ms=2)
    log_axis(ax, "x")
    log_axis(ax, "y")
    ax.set_xlabel(r"$|\lambda_i|$ (slow modes on the left)")
    ax.set_ylabel(EIG_ERR)


def fig2_spectrum(
    eigen: pd.DataFrame,
    summary: pd.DataFrame | None,
    network: str,
    keep_fraction: float | None = None,
    *,
    weights: Mapping | None = None,
    clusters: Sequence[int] | None = None,
    weight_draw: tuple[int, int] | None = None,
) -> Figure:
    """Fig. 2: spectrum preservation of one network at one keep fraction.

    Top row: violin (density) + box (quartiles, whiskers at min and max) plots per
    method of (a) |eigenvalue error| |mu_i/lambda_i - 1|, (b) |eigenvector error| and
    (c) alignment, pooled over every eigenpair, network seed and pruning seed; open
    diamonds in (a) are the max |eigenvalue error| of each draw (from ``summary``).
    Middle row: (d) pruned vs original eigenvalues of every draw with the identity
    line, (e) the same for the slowest 10 % of modes, (f) |eigenvalue error| against
    |lambda_i|: modes binned by |lambda_i|, median over draws of each draw's bin median,
    band from the best to the worst draw.
    Bottom row (with ``weights``): the weight matrices of one draw, the original and
    each pruned network, on one colour scale symmetric around 0 and clipped at the 99th
    percentile of the original's |a_ij| (the kept entries, rescaled by 1/p_ij, are
    mostly beyond it); diagonal left out; black lines at the cluster boundaries.

    Noise-prune uses the exact covariance when the table has it (otherwise the longest
    simulated duration). Non-symmetric networks: (d, e) in the complex plane.

    Parameters
    ----------
    eigen : DataFrame
        Per-eigenpair table (``results/tables/eigen.parquet``).
    summary : DataFrame or None
        Summary table, for the per-draw maxima (left out when None).
    network : str
        Experiment name.
    keep_fraction : float, optional
        Needed when the network was pruned at several keep fractions.
    weights : mapping, optional
        ``{"original": A, method: pruned network, ...}`` (dense or scipy.sparse, N x N)
        of one draw, drawn in this order, the original first.
    clusters : sequence of int, optional
        Cluster sizes (summing to N) for the boundary lines of the weight panels.
    weight_draw : (int, int), optional
        Network seed and pruning seed of ``weights``, for the row title.

    Raises
    ------
    ValueError
        ``network`` (or ``keep_fraction``) absent from ``eigen`` (the message names it),
        several keep fractions and none chosen, missing columns; ``weights`` without the
        original first, of different or non-square shapes, or clusters not summing to N.
    """
    rows, methods, covs, draws = spectral_data(eigen, summary, network, keep_fraction)
    matrices = _weight_matrices(weights, clusters) if weights is not None else None
    with paper_style():
        if matrices is None:
            fig = new_figure(WIDTH, 5.2)
            top = fig
        else:
            fig = new_figure(WIDTH, 8.1)
            top, bottom = fig.subfigures(2, 1, height_ratios=[5.2, 2.9])
        axes = top.subplots(2, 3)
        spectral_distributions(axes[0], rows, methods, draws)
        eigen_scatter(axes[1, 0], rows, methods)
        eigen_scatter(axes[1, 1], rows, methods, slow_fraction=0.1)
        _error_by_mode(axes[1, 2], rows, methods)
        titles = [
            "(a) eigenvalue error",
            "(b) eigenvector error",
            "(c) eigenvector alignment",
            "(d) eigenvalues",
            "(e) slowest 10 % of modes",
            "(f) error by mode speed",
        ]
        for ax, title in zip(axes.flat, titles):
            ax.set_title(title, loc="left")
        handles = legend_handles(methods, covs)
        if draws is not None:
            handles.append(max_marker())
        if is_complex(rows):
            handles.append(Line2D([], [], marker="o", ls="none", mfc="none", mec="black", ms=4, label="original eigenvalues"))
        top.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        if matrices is not None:
            weight_panels(bottom, matrices, clusters, first_letter="g")
            which = f"network seed {weight_draw[0]}, pruning seed {weight_draw[1]}" if weight_draw else "one draw"
            bottom.suptitle(f"Weights before and after pruning ({which}); clipped: beyond the colour scale (its arrows)", fontsize="medium")
        fig.suptitle(f"Spectrum preservation, {describe(rows)}")
    return fig


def _weight_matrices(weights: Mapping, clusters) -> dict:
    """``{panel title: dense matrix}`` of ``weights``, checked."""
    names = list(weights)
    if not names or names[0] != ORIGINAL:
        raise ValueError(f"weights must start with {ORIGINAL!r} (the unpruned network), got keys {names}")
    mats = {name: dense(M, f"weights[{name!r}]") for name, M in weights.items()}
    shapes = {M.shape for M in mats.values()}
    if len(shapes) > 1:
        raise ValueError(f"weights must have one shape, got {', '.join(f'{k} {M.shape}' for k, M in mats.items())}")
    check_clusters(clusters, mats[ORIGINAL].shape[0])
    return {("original $A$" if name == ORIGINAL else method_label(name)): M for name, M in mats.items()}


CAPTION = r"""**Fig. 2 — spectrum preservation at N = {{ n }}, {{ keep_first }} of the synapses
kept** (experiment ``{{ name }}``: clusters of {{ clusters }} neurons;
{{ draws }} per method).

Top row, per pruning method: violin (density) and box plots (box: quartiles; white line:
median; whiskers: minimum and maximum) of (a) the eigenvalue error \|μ_i/λ_i − 1\|,
(b) the eigenvector error \|v_iᵀ Ã v_i / λ_i − 1\| and (c) the alignment
\|v_iᵀ Ã v_i\| / ‖Ã v_i‖ (1 when v_i stays an eigenvector), where λ_i, v_i are the
eigenpairs of the original network A and μ_i the sorted eigenvalues of the pruned
network Ã. Each distribution pools every eigenpair of every network seed and pruning
seed; the open diamonds in (a) are the largest eigenvalue error of each (network seed,
pruning seed) draw, so the spread of the worst case over draws is visible.
Middle row: (d) pruned against original eigenvalues of every draw, with the identity
line; (e) the same for the slowest 10 % of the modes (eigenvalues closest to 0);
(f) the eigenvalue error against \|λ_i\|, slow modes on the left: modes grouped into
bins of equal size by \|λ_i\|, line: median over draws of each draw's bin median, band:
best to worst draw. Noise-prune uses the exact covariance.

Bottom row: the weight matrices of one draw (network seed {{ seed }}, pruning seed
{{ prune_seed }}): (g) the original A{% if weight_methods %}, then the networks
pruned by {{ weight_methods }}{% endif %} (rows: postsynaptic neuron *i*, columns: presynaptic neuron *j*;
black lines: cluster boundaries; every entry drawn, so the sparsity of the pruned
networks shows). One colour scale, red excitatory, blue inhibitory, white 0, clipped
at ± the 99th percentile of the original's \|a_ij\|: a kept synapse is rescaled to
a_ij / p_ij, several times its original size, so the kept entries mostly saturate the
scale: each panel's title gives the share of its synapses beyond it ("clipped"), drawn
in the colours of the colour bar's arrows. The diagonal (the leak, about −1, recomputed as the row sum after pruning) is
not shown.

What the paper found (reference: the authors' code on one network of 2000 neurons
with 20 % of the synapses kept): the median \|eigenvalue error\| is about 0.025 for both noise-prune and the
weight control, but the maximum is 0.19 for noise-prune against 0.38 for the weight
control. The two rules agree on the bulk of the spectrum; the noise rule wins on the
slow modes, the ones that dominate the network's dynamics. The uniform control is far
worse on both counts.
"""


def _check(spec, run):
    return experiment_problem(run, spec["experiments"][:1], full_spectra=True)


def _details(spec, run):
    """The draw of the weight panels: first network seed and pruning seed, the first keep
    fraction, the paper's pair of methods (those the experiment runs), noise-prune with
    the exact covariance (else the longest simulated one); caption facts."""
    name = spec["experiments"][0]
    exp = run.experiments[name]
    weight_methods = {
        m: max(run.method_covariances(name, m), key=duration) for m in method_registry.PAPER_PAIR if m in exp["methods"]
    }
    return dict(
        experiment_facts(exp),
        keep_fraction=exp["keep_fractions"][0],
        weight_covariances=weight_methods,
        cluster_sizes=exp["network"].get("clusters"),
        weight_methods=listing([method_registry.label(m) for m in weight_methods]) if weight_methods else "",
    )


def _files(spec, run):
    """The network and its pruned networks of the weight panels."""
    ids = dict(exp=spec["experiments"][0], seed=spec["seed"], keep=spec["keep_fraction"], pseed=spec["prune_seed"])
    files = {"A": run.path_of("network", **ids)}
    for m, cov in spec["weight_covariances"].items():
        files[f"pruned_{m}"] = run.path_of("pruned", **ids, method=m, cov=cov)
    return files


@figure("fig2_spectrum", tables=("eigen", "summary"), select=("eigen",), caption=CAPTION, check=_check, details=_details, files=_files)
def draw(inputs, spec) -> Figure:
    weights = {"original": inputs["A"]} | {m: inputs[f"pruned_{m}"] for m in spec["weight_covariances"]}
    return fig2_spectrum(
        inputs["eigen"],
        inputs["summary"],
        spec["experiments"][0],
        keep_fraction=spec["keep_fraction"],
        weights=weights,
        clusters=spec["cluster_sizes"],
        weight_draw=(spec["seed"], spec["prune_seed"]),
    )
