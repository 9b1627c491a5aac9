"""Fig. 1: the noise probe on a small clustered network (Moore & Chaudhuri 2020, Fig. 1;
docs/method.md, "Covariance" and "The rule")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .panels import check_clusters, dense, matrix_axes, percent
from .registry import experiment_facts, experiment_problem, figure
from .style import WIDTH, new_figure, paper_style


def covariance_difference(A, C) -> np.ndarray:
    """Var(x_i - sign(a_ij) x_j) = C_ii + C_jj - 2 sign(a_ij) C_ij on the off-diagonal edges of A, NaN elsewhere."""
    A = np.asarray(A, dtype=float)
    C = np.asarray(C, dtype=float)
    d = np.diag(C)
    out = d[:, None] + d[None, :] - 2.0 * np.sign(A) * C
    mask = A != 0
    np.fill_diagonal(mask, False)
    return np.where(mask, out, np.nan)


def _matrix_panel(fig, ax, M, title, label, clusters, *, vmax=None, extend="neither", marks=None):
    finite = M[np.isfinite(M)]
    vmin = 0.0 if finite.size and finite.min() >= 0 else None
    image = ax.imshow(np.ma.masked_invalid(M), vmin=vmin, vmax=vmax, interpolation="nearest")
    image.cmap = image.cmap.with_extremes(bad="white")
    bar = fig.colorbar(image, ax=ax, shrink=0.85, pad=0.03, extend=extend)
    bar.set_label(label)
    bar.outline.set_linewidth(0.5)
    ax.set_title(title, loc="left")
    matrix_axes(ax, clusters)
    if marks is not None and len(marks[0]):
        ax.scatter(marks[1], marks[0], s=28, facecolor="none", edgecolor="black", linewidth=0.7)


def fig1_probe(A, C, P, clusters: Sequence[int] | None = None, highlight: int = 0) -> Figure:
    """Fig. 1: the noise probe on a small clustered network.

    Four matrix panels: (a) weights |a_ij| (off-diagonal), (b) noise covariance C
    (colour scale clipped at the 99.5th percentile of the off-diagonal entries so that
    the diagonal does not hide the structure), (c) covariance difference
    Var(x_i - sign(a_ij) x_j) = C_ii + C_jj - 2 sign(a_ij) C_ij on the existing edges,
    (d) sampling probabilities p_ij. Entries without an edge are white; black lines mark
    the cluster boundaries.

    Parameters
    ----------
    A, C, P : array_like, shape (N, N)
        Network, its (exact) noise covariance, and the noise-prune keep probabilities
        (dense or scipy.sparse).
    clusters : sequence of int, optional
        Cluster sizes (summing to N) for the boundary lines.
    highlight : int
        Circle the ``highlight`` largest |a_ij| in every panel (e.g. the few strong
        within-cluster weights), to follow how the probe treats them.

    Raises
    ------
    ValueError
        Shapes that differ or are not square, clusters that do not sum to N.
    """
    A, C, P = dense(A, "A"), dense(C, "C"), dense(P, "P")
    if not (A.shape == C.shape == P.shape):
        raise ValueError(f"A, C and P must have the same shape, got {A.shape}, {C.shape}, {P.shape}")
    n = A.shape[0]
    check_clusters(clusters, n)
    off = ~np.eye(n, dtype=bool)
    edge = off & (A != 0)
    weights = np.where(edge, np.abs(A), np.nan)
    cmax = float(np.percentile(C[off], 99.5)) if n > 1 else None
    diff = covariance_difference(A, C)
    prob = np.where(edge, P, np.nan)
    marks = None
    if highlight:
        order = np.argsort(-np.nan_to_num(weights, nan=-1.0).ravel(), kind="stable")[: int(highlight)]
        marks = np.unravel_index(order, A.shape)
    with paper_style():
        fig = new_figure(WIDTH * 0.85, 5.6)
        axes = fig.subplots(2, 2)
        _matrix_panel(fig, axes[0, 0], weights, "(a) weights", r"$|a_{ij}|$", clusters, marks=marks)
        _matrix_panel(fig, axes[0, 1], C, "(b) noise covariance", r"$C_{ij}$", clusters, vmax=cmax, extend="max", marks=marks)
        _matrix_panel(
            fig,
            axes[1, 0],
            diff,
            "(c) covariance difference",
            r"$C_{ii} + C_{jj} - 2\,\mathrm{sgn}(a_{ij})\,C_{ij}$",
            clusters,
            marks=marks,
        )
        _matrix_panel(fig, axes[1, 1], prob, "(d) sampling probability", r"$p_{ij}$", clusters, marks=marks)
        kept = np.nansum(prob) / max(1, np.count_nonzero(edge))
        title = f"Noise probe on a clustered network, $N = {n}$ (expected {percent(kept)} of edges kept)"
        if marks is not None:
            title += f"\ncircles: the {len(marks[0])} largest weights"
        fig.suptitle(title)
    return fig


CAPTION = r"""**Fig. 1 — the noise probe on a small clustered network** (experiment ``{{ name }}``:
N = {{ n }}, clusters of {{ clusters }} neurons; network seed {{ seed }}).

Four matrices of the same network (rows: postsynaptic neuron *i*, columns: presynaptic
neuron *j*; black lines: cluster boundaries; white: no synapse):

(a) synaptic weights \|a_ij\| off the diagonal; (b) the noise covariance C, the
solution of A C + C Aᵀ + I = 0, with the colour scale clipped at the 99.5th percentile
of the off-diagonal entries so that the diagonal does not hide the block structure;
(c) the covariance difference Var(x_i − sign(a_ij) x_j) = C_ii + C_jj − 2 sign(a_ij) C_ij
on the existing synapses; (d) the noise-prune sampling probabilities
p_ij = min(1, K \|a_ij\| (C_ii + C_jj − 2 sign(a_ij) C_ij)), with K set so that the
expected number of kept synapses is {{ keep_first }} of them (the experiment's keep
fraction). Circles mark the strongest weights of this network.

What the paper shows with this figure: the probability of keeping a synapse is its
weight times a quantity the network can measure from its own noise-driven activity.
A synapse between two neurons whose fluctuations already move together (small
covariance difference) is sampled less than its weight alone would suggest, so the
rule keeps the connections that carry information the rest of the network does not
already provide.
"""


def _check(spec, run):
    return experiment_problem(run, spec["experiments"][:1], method="noise")


def _details(spec, run):
    """Caption facts; cluster sizes (boundary lines) and how many strong weights to circle."""
    exp = run.experiments[spec["experiments"][0]]
    net = exp["network"]
    pairs = int(net.get("strong_pairs") or 0)
    return dict(
        experiment_facts(exp),
        cluster_sizes=list(net["clusters"]) if net.get("clusters") else None,
        highlight=pairs * (2 if net["symmetric"] else 1),
    )


def _files(spec, run):
    """Network, covariance and noise-prune probabilities of the experiment's first seed
    (the first covariance source, the first keep fraction)."""
    exp = run.experiments[spec["experiments"][0]]
    ids = dict(exp=exp["name"], seed=exp["seeds"][0], cov=run.covariance_ids(exp["name"])[0], method="noise", keep=exp["keep_fractions"][0])
    return {
        "A": run.path_of("network", **ids),
        "C": run.path_of("covariance", **ids),
        "P": run.path_of("probabilities", **ids),
    }


@figure("fig1_probe", caption=CAPTION, check=_check, details=_details, files=_files)
def draw(inputs, spec) -> Figure:
    return fig1_probe(inputs["A"], inputs["C"], inputs["P"], clusters=spec["cluster_sizes"], highlight=spec["highlight"])
