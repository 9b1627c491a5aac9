"""Paper-style figures drawn from the tidy result tables (SPEC section 7).

Every ``fig*`` function is pure: it takes tidy DataFrames (arrays for Fig. 1) with the
columns of :mod:`noiseprune.tables` and returns a :class:`matplotlib.figure.Figure`; it
never reads files, never touches pyplot's global state and never shows anything.
Figures are built on plain ``Figure`` objects and rendered with the non-interactive
Agg canvas (PNG) and matplotlib's PDF backend; :func:`save` writes both atomically.

Spread: every figure shows the variability over network seeds and pruning seeds (one
"draw" = one (seed, prune_seed) pair), never a single draw: distributions are pooled
over draws, curves are medians with a min-max band over draws, and individual draws
are drawn as thin lines or small points.

Methods are coloured as in the authors' plots (noise-prune red #A91101, weight
control blue #1034A6) and named by :data:`LABELS`.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import cbook, mlab, ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

# ---------------------------------------------------------------------------- style

#: Method colours: the authors' red and blue for noise-prune and the weight control.
COLORS = {
    "noise": "#A91101",
    "weight": "#1034A6",
    "uniform": "#6E6E6E",
    "resistance": "#D98E04",
    "topk": "#2E7D32",
}
#: Display names of the methods.
LABELS = {
    "noise": "noise-prune",
    "weight": "weight",
    "uniform": "uniform",
    "resistance": "resistance",
    "topk": "top-k",
}
#: Order of the methods in every legend and every box plot.
METHOD_ORDER = ("noise", "weight", "uniform", "resistance", "topk")

#: Shared paper style (matplotlib rcParams), applied while a figure is built and saved.
STYLE = {
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "figure.titlesize": 9.5,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4,
    "lines.linewidth": 1.3,
    "lines.markersize": 4,
    "image.cmap": "viridis",
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "standard",
    "pdf.fonttype": 42,
    "svg.hashsalt": "noiseprune",
}
#: Full text width (inches) of the paper figures.
WIDTH = 7.2
#: Metadata written into every file: no dates, no version strings, so equal figures
#: give byte-identical files on every machine and every run.
METADATA = {
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    "png": {"Software": None},
}
#: Smallest error shown on logarithmic axes (exact zeros are clipped to it).
LOG_FLOOR = 1e-6

# Axis labels.
EIG_ERR = r"$|\mu_i/\lambda_i - 1|$"
VEC_ERR = r"$|v_i^\top \tilde{A} v_i/\lambda_i - 1|$"
ALIGN = r"$|v_i^\top \tilde{A} v_i| \,/\, \|\tilde{A} v_i\|$"
EPS = r"spectral $\varepsilon$"
MAX_EIG_ERR = r"$\max_i\, |\mu_i/\lambda_i - 1|$"
METRIC_LABELS = {"max_abs_eig_err": MAX_EIG_ERR, "spectral_eps": EPS, "median_abs_eig_err": r"median $|\mu_i/\lambda_i - 1|$"}


@contextlib.contextmanager
def paper_style():
    """Context in which the shared paper style (:data:`STYLE`) is active."""
    with matplotlib.rc_context(STYLE):
        yield


def method_color(method: str) -> str:
    """Colour of a method (grey-ish fallback for unknown names)."""
    return COLORS.get(method, "#8C564B")


def method_label(method: str, covariance: str | None = None) -> str:
    """Display name of a method, with its covariance source when it is not exact/none."""
    label = LABELS.get(method, method)
    if covariance and covariance not in ("exact", "none"):
        label += f" ($T={covariance[1:]}$)" if covariance.startswith("T") else f" ({covariance})"
    return label


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


# ---------------------------------------------------------------------------- saving


def save(fig: Figure, stem, formats: Sequence[str] = ("pdf", "png")) -> list[Path]:
    """Write ``fig`` as ``<stem>.pdf`` and ``<stem>.png``, each atomically.

    Each file is written to a temporary file in the target directory and moved into
    place with ``os.replace``. Dates and version strings are left out of the metadata
    (:data:`METADATA`), so saving the same figure twice gives byte-identical files.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    stem : str or path-like
        Output path without extension (a trailing ``.pdf``/``.png`` is dropped).
    formats : sequence of {"pdf", "png"}

    Returns
    -------
    list of pathlib.Path, the files written, in the order of ``formats``.
    """
    stem = Path(stem)
    if stem.suffix.lower() in (".pdf", ".png"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        if fmt not in METADATA:
            raise ValueError(f"format must be one of {', '.join(METADATA)}, got {fmt!r}")
        target = stem.parent / f"{stem.name}.{fmt}"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{fmt}", dir=target.parent)
        os.close(fd)
        try:
            with paper_style():
                fig.savefig(tmp, format=fmt, metadata=METADATA[fmt])
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        written.append(target)
    return written


# ---------------------------------------------------------------------------- table helpers


def _require(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} table lacks column(s) {', '.join(missing)}")


def _network_rows(frame: pd.DataFrame, network: str, table: str) -> pd.DataFrame:
    """Rows of ``network``; ValueError naming it (and the networks present) if there are none."""
    rows = frame[frame["network"] == network]
    if rows.empty:
        present = ", ".join(sorted(map(str, frame["network"].unique()))) or "none"
        raise ValueError(f"{table} table has no rows for network {network!r} (networks present: {present})")
    return rows


def _ordered_methods(methods: Iterable[str]) -> list[str]:
    methods = set(map(str, methods))
    known = [m for m in METHOD_ORDER if m in methods]
    return known + sorted(methods - set(known))


def _prefer_exact(frame: pd.DataFrame) -> pd.DataFrame:
    """One covariance source per method: exact (or none); else the longest simulated T."""
    if "covariance" not in frame.columns or frame.empty:
        return frame
    keep = []
    for _, rows in frame.groupby("method", sort=False):
        covs = set(rows["covariance"].astype(str))
        if covs & {"exact", "none"}:
            keep.append(rows[rows["covariance"].isin(["exact", "none"])])
        else:
            longest = max(covs, key=_duration)
            keep.append(rows[rows["covariance"] == longest])
    return pd.concat(keep) if keep else frame


def _duration(cov: str) -> float:
    if cov == "exact":
        return math.inf
    if cov.startswith("T"):
        try:
            return float(cov[1:])
        except ValueError:
            return math.nan
    return math.nan


def _modulus(frame: pd.DataFrame, column: str) -> np.ndarray:
    """|column| (the modulus when a ``<column>_imag`` part is present)."""
    real = frame[column].to_numpy(dtype=float)
    imag = f"{column}_imag"
    if imag in frame.columns:
        return np.hypot(real, frame[imag].fillna(0.0).to_numpy(dtype=float))
    return np.abs(real)


def _is_complex(frame: pd.DataFrame) -> bool:
    imag = frame.get("eigenvalue_imag")
    return imag is not None and bool(np.any(np.abs(imag.fillna(0.0).to_numpy(dtype=float)) > 0))


def _draws(frame: pd.DataFrame) -> int:
    return len(frame[["seed", "prune_seed"]].drop_duplicates()) if len(frame) else 0


def _band(x_frame: pd.DataFrame, by: str, value: str) -> pd.DataFrame:
    """Median, min and max of ``value`` over rows grouped by ``by`` (NaN values dropped)."""
    finite = x_frame[np.isfinite(x_frame[value].to_numpy(dtype=float))]
    stats = finite.groupby(by, sort=True)[value].agg(["median", "min", "max", "count"])
    return stats


class _PlainLogFormatter(ticker.LogFormatter):
    """LogFormatter's choice of labelled ticks, written as plain numbers (0.3, 40, 1e-05)."""

    def __call__(self, x, pos=None):
        return self.fix_minus(f"{x:g}") if super().__call__(x, pos) else ""


def _log_axis(ax, axis: str) -> None:
    """Logarithmic ``axis`` ("x" or "y") with plain tick labels (0.3, 40, not 3x10^-1)."""
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(_PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    target.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))


def _size_axis(ax, sizes) -> None:
    """Logarithmic x axis labelled at exactly the network sizes plotted (no crowded minor labels)."""
    ax.set_xscale("log")
    sizes = sorted({float(n) for n in sizes})
    ax.xaxis.set_major_locator(ticker.FixedLocator(sizes))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, pos: f"{x:g}"))
    ax.xaxis.set_minor_locator(ticker.NullLocator())


def _spans_decade(values) -> bool:
    """True when the positive finite ``values`` span at least a factor 10 (worth a log axis)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    return v.size > 1 and v.max() >= 10.0 * v.min()


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.35", wrap=True)


def _legend_handles(methods: Sequence[str], covariances: dict | None = None) -> list:
    covariances = covariances or {}
    return [Patch(color=method_color(m), label=method_label(m, covariances.get(m)), alpha=0.8) for m in methods]


# ---------------------------------------------------------------------------- Fig. 1


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
    ax.set_xlabel("presynaptic neuron $j$")
    ax.set_ylabel("postsynaptic neuron $i$")
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    if clusters is not None:
        for b in np.cumsum(clusters)[:-1] - 0.5:
            ax.axhline(b, color="black", lw=0.6)
            ax.axvline(b, color="black", lw=0.6)
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
    mats = []
    for name, M in (("A", A), ("C", C), ("P", P)):
        M = M.toarray() if hasattr(M, "toarray") else np.asarray(M, dtype=float)
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
        mats.append(np.asarray(M, dtype=float))
    A, C, P = mats
    if not (A.shape == C.shape == P.shape):
        raise ValueError(f"A, C and P must have the same shape, got {A.shape}, {C.shape}, {P.shape}")
    n = A.shape[0]
    if clusters is not None and int(np.sum(clusters)) != n:
        raise ValueError(f"clusters {list(clusters)} sum to {int(np.sum(clusters))}, but N = {n}")
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
        fig = _new_figure(WIDTH * 0.85, 5.6)
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
        title = f"Noise probe on a clustered network, $N = {n}$ (expected {_percent(kept)} of edges kept)"
        if marks is not None:
            title += f"\ncircles: the {len(marks[0])} largest weights"
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------------------- spectral panels


def _gaussian_kde(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Gaussian KDE (Scott's bandwidth) of ``values`` at ``coords``, as in ``Axes.violinplot``."""
    return mlab.GaussianKDE(values, "scott").evaluate(coords)


def _distribution_panel(
    ax, values: dict, *, log: bool, ylabel: str, per_draw: dict | None = None, rotate_over: int = 3
) -> None:
    """Violin (KDE, in log space for log axes) + min-max box plot per method; optional per-draw points."""
    methods = [m for m in values if len(values[m])]
    if not methods:
        _note(ax, "no finite values")
        ax.set_ylabel(ylabel)
        return
    log = log and _spans_decade(np.concatenate([np.asarray(values[m], dtype=float) for m in methods]))
    data = []
    for m in methods:
        v = np.asarray(values[m], dtype=float)
        data.append(np.log10(np.maximum(v, LOG_FLOOR)) if log else v)
    positions = np.arange(len(methods), dtype=float)
    varying = [i for i, d in enumerate(data) if np.ptp(d) > 0]
    if varying:
        # Densities estimated in the plotted space (log10 for log axes), drawn in data units.
        stats = cbook.violin_stats([data[i] for i in varying], _gaussian_kde, points=120)
        if log:
            for st in stats:
                for key in ("coords", "mean", "median", "min", "max"):
                    st[key] = 10.0 ** np.asarray(st[key])
        parts = ax.violin(stats, positions[varying], widths=0.8, showextrema=False)
        for body, i in zip(parts["bodies"], varying):
            color = method_color(methods[i])
            body.set_facecolor(color)
            body.set_edgecolor(color)
            body.set_alpha(0.3)
            body.set_linewidth(0.5)
    raw = [10.0**d if log else d for d in data]
    box = ax.boxplot(
        raw,
        positions=positions,
        widths=0.22,
        whis=(0, 100),
        showfliers=False,
        patch_artist=True,
        medianprops=dict(color="white", lw=1.2),
        whiskerprops=dict(lw=0.8),
        capprops=dict(lw=0.8),
        boxprops=dict(lw=0.6),
    )
    for patch, m in zip(box["boxes"], methods):
        patch.set_facecolor(method_color(m))
        patch.set_edgecolor("black")
    for key in ("whiskers", "caps"):
        for k, line in enumerate(box[key]):
            line.set_color(method_color(methods[k // 2]))
    if per_draw:
        for i, m in enumerate(methods):
            pts = np.asarray(per_draw.get(m, []), dtype=float)
            pts = pts[np.isfinite(pts)]
            if pts.size:
                offsets = np.linspace(-0.08, 0.08, pts.size) if pts.size > 1 else np.zeros(1)
                ax.scatter(
                    positions[i] + 0.32 + offsets,
                    np.maximum(pts, LOG_FLOOR) if log else pts,
                    marker="D",
                    s=7,
                    facecolor="white",
                    edgecolor=method_color(m),
                    linewidth=0.7,
                    zorder=3,
                )
    if log:
        _log_axis(ax, "y")
    ax.set_xticks(positions, [LABELS.get(m, m) for m in methods])
    if len(methods) > rotate_over:
        ax.tick_params(axis="x", labelrotation=35)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
    ax.set_xlim(-0.6, len(methods) - 0.35)
    ax.set_ylabel(ylabel)


def _eigen_scatter(
    ax, eigen: pd.DataFrame, methods: Sequence[str], *, slow_fraction: float | None = None, short_labels: bool = False
) -> None:
    """Pruned vs original eigenvalues (complex plane for non-symmetric networks); short axis
    labels for narrow panels."""
    complex_ = _is_complex(eigen)
    rows = eigen
    if slow_fraction is not None:
        cut = np.quantile(eigen["eigenvalue"].to_numpy(dtype=float), 1.0 - slow_fraction)
        rows = eigen[eigen["eigenvalue"] >= cut]
    n_points = len(rows)
    size = 4.0 if n_points < 5000 else 1.5
    alpha = 0.6 if n_points < 5000 else 0.25
    if complex_:
        imag = rows["eigenvalue_imag"].fillna(0.0) if "eigenvalue_imag" in rows else 0.0
        ax.scatter(rows["eigenvalue"], imag, s=10, facecolor="none", edgecolor="black", lw=0.4, label="original", rasterized=True)
    for m in reversed(list(methods)):  # noise-prune drawn last, on top
        sub = rows[rows["method"] == m]
        if complex_:
            y = sub["eigenvalue_pruned_imag"].fillna(0.0) if "eigenvalue_pruned_imag" in sub else np.zeros(len(sub))
            x = sub["eigenvalue_pruned"]
        else:
            x, y = sub["eigenvalue"], sub["eigenvalue_pruned"]
        ax.scatter(x, y, s=size, color=method_color(m), alpha=alpha, linewidths=0, rasterized=True)
    if complex_:
        ax.set_xlabel(r"$\mathrm{Re}\,\lambda_i$, $\mathrm{Re}\,\mu_i$")
        ax.set_ylabel(r"$\mathrm{Im}\,\lambda_i$, $\mathrm{Im}\,\mu_i$")
        return
    lo = float(np.nanmin([rows["eigenvalue"].min(), rows["eigenvalue_pruned"].min()]))
    hi = float(np.nanmax([rows["eigenvalue"].max(), rows["eigenvalue_pruned"].max()]))
    pad = 0.03 * (hi - lo if hi > lo else 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="black", lw=0.7, ls="--", zorder=4)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)  # equal limits: the identity runs corner to corner
    word = "" if short_labels else " eigenvalue"
    ax.set_xlabel(rf"original{word} $\lambda_i$")
    ax.set_ylabel(rf"pruned{word} $\mu_i$")


def _error_by_mode(ax, eigen: pd.DataFrame, methods: Sequence[str], bins: int = 30) -> None:
    """|eigenvalue error| against |lambda_i|: modes binned by |lambda_i| (equal counts);
    line = median over draws of each draw's bin median, band = min to max over draws."""
    lam = _modulus(eigen, "eigenvalue")
    bins = int(max(1, min(bins, len(np.unique(lam)) // 5 or 1)))
    edges = np.unique(np.quantile(lam, np.linspace(0.0, 1.0, bins + 1)))
    frame = eigen.assign(
        _err=np.maximum(_modulus(eigen, "eig_err"), LOG_FLOOR),
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
    _log_axis(ax, "x")
    _log_axis(ax, "y")
    ax.set_xlabel(r"$|\lambda_i|$ (slow modes on the left)")
    ax.set_ylabel(EIG_ERR)


def _pick_keep(rows: pd.DataFrame, keep_fraction: float | None, table: str, network: str) -> pd.DataFrame:
    """Rows of one keep fraction: ``keep_fraction``, or the only one present."""
    keeps = sorted(float(k) for k in rows["keep_fraction"].unique())
    if keep_fraction is None:
        if len(keeps) > 1:
            raise ValueError(
                f"{table} table has keep fractions {keeps} for network {network!r}: pass keep_fraction to pick one"
            )
        return rows
    match = np.isclose(rows["keep_fraction"].to_numpy(dtype=float), float(keep_fraction), rtol=1e-9, atol=0.0)
    if not match.any():
        raise ValueError(f"{table} table has no rows for network {network!r} at keep fraction {keep_fraction} (present: {keeps})")
    return rows[match]


def _spectral_data(eigen: pd.DataFrame, summary: pd.DataFrame | None, network: str, keep_fraction: float | None):
    """Eigenpair rows of one network and keep fraction, its methods, covariances and per-draw summary rows."""
    _require(
        eigen,
        ["network", "n", "method", "seed", "prune_seed", "keep_fraction", "index"]
        + ["eigenvalue", "eigenvalue_pruned", "eig_err", "vec_err", "alignment"],
        "eigen",
    )
    rows = _network_rows(eigen, network, "eigen")
    rows = _prefer_exact(_pick_keep(rows, keep_fraction, "eigen", network))
    keep = float(rows["keep_fraction"].iloc[0])
    methods = _ordered_methods(rows["method"].unique())
    covs = {m: str(rows.loc[rows["method"] == m, "covariance"].iloc[0]) for m in methods} if "covariance" in rows else {}
    draws = None
    if summary is not None and len(summary):
        _require(summary, ["network", "method", "keep_fraction", "max_abs_eig_err"], "summary")
        sub = summary[(summary["network"] == network) & np.isclose(summary["keep_fraction"].to_numpy(dtype=float), keep)]
        draws = _prefer_exact(sub)
    return rows, methods, covs, draws


def _spectral_distributions(axes, rows, methods, draws, rotate_over: int = 3) -> None:
    def finite(values):
        values = np.asarray(values, dtype=float)
        return values[np.isfinite(values)]

    by = {m: rows[rows["method"] == m] for m in methods}
    max_per_draw = None
    if draws is not None:
        max_per_draw = {m: draws.loc[draws["method"] == m, "max_abs_eig_err"].to_numpy(dtype=float) for m in methods}
    _distribution_panel(axes[0], {m: finite(_modulus(by[m], "eig_err")) for m in methods}, log=True, ylabel=EIG_ERR, per_draw=max_per_draw, rotate_over=rotate_over)
    _distribution_panel(axes[1], {m: finite(_modulus(by[m], "vec_err")) for m in methods}, log=True, ylabel=VEC_ERR, rotate_over=rotate_over)
    _distribution_panel(axes[2], {m: finite(by[m]["alignment"]) for m in methods}, log=False, ylabel=ALIGN, rotate_over=rotate_over)


def _percent(fraction: float) -> str:
    """0.2 -> '20 %'."""
    return f"{100 * float(fraction):.4g} %"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _seeds_text(rows: pd.DataFrame) -> str:
    """'3 network seeds x 3 pruning seeds' of the rows."""
    return f"{_plural(rows['seed'].nunique(), 'network seed')} $\\times$ {_plural(rows['prune_seed'].nunique(), 'pruning seed')}"


def _describe(rows: pd.DataFrame, keep: bool = True) -> str:
    """'N = 2000, 20 % kept, 3 network seeds x 3 pruning seeds' of the rows."""
    parts = []
    if "n" in rows and len(rows):
        parts.append(f"$N = {int(rows['n'].iloc[0])}$")
    if keep and "keep_fraction" in rows and len(rows):
        parts.append(", ".join(_percent(k) for k in sorted(set(rows["keep_fraction"]))) + " kept")
    parts.append(_seeds_text(rows))
    return ", ".join(parts)


def _max_marker() -> Line2D:
    return Line2D([], [], marker="D", ls="none", mfc="white", mec="black", ms=3.5, label="max of one draw")


def fig2_spectrum(
    eigen: pd.DataFrame, summary: pd.DataFrame | None, network: str = "paper2000", keep_fraction: float | None = None
) -> Figure:
    """Fig. 2: spectrum preservation of one network at one keep fraction.

    Top row: violin (density) + box (quartiles, whiskers at min and max) plots per
    method of (a) |eigenvalue error| |mu_i/lambda_i - 1|, (b) |eigenvector error| and
    (c) alignment, pooled over every eigenpair, network seed and pruning seed; open
    diamonds in (a) are the max |eigenvalue error| of each draw (from ``summary``).
    Bottom row: (d) pruned vs original eigenvalues of every draw with the identity
    line, (e) the same for the slowest 10 % of modes, (f) |eigenvalue error| against
    |lambda_i|: modes binned by |lambda_i|, median over draws of each draw's bin median,
    band from the best to the worst draw.

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

    Raises
    ------
    ValueError
        ``network`` (or ``keep_fraction``) absent from ``eigen`` (the message names it),
        several keep fractions and none chosen, missing columns.
    """
    rows, methods, covs, draws = _spectral_data(eigen, summary, network, keep_fraction)
    with paper_style():
        fig = _new_figure(WIDTH, 5.2)
        axes = fig.subplots(2, 3)
        _spectral_distributions(axes[0], rows, methods, draws)
        _eigen_scatter(axes[1, 0], rows, methods)
        _eigen_scatter(axes[1, 1], rows, methods, slow_fraction=0.1)
        _error_by_mode(axes[1, 2], rows, methods)
        titles = [
            "(a) eigenvalue error",
            "(b) eigenvector error",
            "(c) eigenvector alignment",
            "(d) eigenvalues",
            "(e) slowest 10 % of modes",
            "(f) error against mode speed",
        ]
        for ax, title in zip(axes.flat, titles):
            ax.set_title(title, loc="left")
        handles = _legend_handles(methods, covs)
        if draws is not None:
            handles.append(_max_marker())
        if _is_complex(rows):
            handles.append(Line2D([], [], marker="o", ls="none", mfc="none", mec="black", ms=4, label="original eigenvalues"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        fig.suptitle(f"Spectrum preservation: {network}, {_describe(rows)}")
    return fig


def fig4_large(
    eigen: pd.DataFrame,
    summary: pd.DataFrame | None,
    networks: Sequence[str] = ("paper3000", "paper10000"),
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
    data = [_spectral_data(eigen, summary, net, keep_fractions.get(net)) for net in networks]
    all_methods = _ordered_methods({m for _, methods, _, _ in data for m in methods})
    with paper_style():
        fig = _new_figure(WIDTH, 2.45 * len(networks) + 0.5)
        subfigs = np.atleast_1d(fig.subfigures(len(networks), 1))
        covs = {}
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        for sub, net, (rows, methods, c, draws) in zip(subfigs, networks, data):
            covs.update(c)
            axes = sub.subplots(1, 4, width_ratios=[1, 1, 1, 0.9])
            _spectral_distributions(axes, rows, methods, draws, rotate_over=2)
            _eigen_scatter(axes[3], rows, methods, short_labels=True)  # the narrow fourth column
            for ax, title in zip(axes, ["eigenvalue error", "eigenvector error", "alignment", "eigenvalues"]):
                ax.set_title(f"({next(letters)}) {title}", loc="left")
            sub.suptitle(f"{net}: {_describe(rows)}", x=0.01, ha="left", fontsize=STYLE["figure.titlesize"] - 0.5)
        handles = _legend_handles(all_methods, covs)
        handles.append(_max_marker())
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        fig.suptitle("Spectrum preservation in large networks")
    return fig


# ---------------------------------------------------------------------------- Fig. 3


def pooled_trials(dynamics: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over every trial of every draw, per (method, time), from per-draw statistics.

    Combines the per-draw means and sample standard deviations (``trials`` trials each)
    exactly: the pooled std is the sample std of all trials of all draws together.
    """
    t = dynamics["trials"].to_numpy(dtype=float) if "trials" in dynamics else np.ones(len(dynamics))
    frame = dynamics.assign(
        _t=t,
        _tm=t * dynamics["mean_error"].to_numpy(dtype=float),
        _ss=(t - 1) * dynamics["std_error"].to_numpy(dtype=float) ** 2,
    )
    g = frame.groupby(["method", "time"], sort=True)
    out = g.agg(trials=("_t", "sum"), tm=("_tm", "sum"), ss=("_ss", "sum")).reset_index()
    out["mean"] = out["tm"] / out["trials"]
    merged = frame.merge(out[["method", "time", "mean"]], on=["method", "time"])
    between = (merged["_t"] * (merged["mean_error"] - merged["mean"]) ** 2).groupby([merged["method"], merged["time"]], sort=True).sum()
    out["ss"] = out["ss"].to_numpy() + between.to_numpy()
    out["std"] = np.sqrt(out["ss"] / np.maximum(out["trials"] - 1, 1))
    return out[["method", "time", "trials", "mean", "std"]]


def fig3_dynamics(dynamics: pd.DataFrame, network: str = "paper2000") -> Figure:
    """Fig. 3: trajectory error ||x_orig(t) - x_pruned(t)|| / ||x_orig(t)|| over time.

    Per method: thick line and shading = mean +- std over every trial of every network
    seed and pruning seed (pooled exactly from the per-draw statistics); thin lines =
    the mean over trials of each draw. One panel per keep fraction. Dynamics files of
    the exact covariance are used when present.

    Raises
    ------
    ValueError
        ``network`` absent from ``dynamics`` (the message names it), missing columns.
    """
    _require(dynamics, ["network", "seed", "method", "keep_fraction", "prune_seed", "time", "mean_error", "std_error"], "dynamics")
    rows = _network_rows(dynamics, network, "dynamics")
    if "covariance" in rows and rows["covariance"].nunique() > 1:
        covs = sorted(rows["covariance"].astype(str).unique(), key=lambda c: (c != "exact", -_duration(c) if c != "none" else 0))
        rows = rows[rows["covariance"] == covs[0]]
    keeps = sorted(rows["keep_fraction"].unique())
    methods = _ordered_methods(rows["method"].unique())
    with paper_style():
        fig = _new_figure(min(WIDTH, 3.3 * len(keeps) + 2.3), 3.0)
        axes = np.atleast_1d(fig.subplots(1, len(keeps), squeeze=False)[0])
        for ax, keep in zip(axes, keeps):
            sub = rows[rows["keep_fraction"] == keep]
            pooled = pooled_trials(sub)
            for m in reversed(methods):
                color = method_color(m)
                for _, draw in sub[sub["method"] == m].groupby(["seed", "prune_seed"], sort=True):
                    ax.plot(draw["time"], draw["mean_error"], color=color, lw=0.5, alpha=0.45)
                p = pooled[pooled["method"] == m]
                ax.fill_between(p["time"], p["mean"] - p["std"], p["mean"] + p["std"], color=color, alpha=0.18, lw=0)
                ax.plot(p["time"], p["mean"], color=color, lw=1.6, label=LABELS.get(m, m))
            trials = int(sub["trials"].iloc[0]) if "trials" in sub else None
            desc = _seeds_text(sub) + (f" $\\times$ {trials} trials" if trials else "")
            ax.set_title(f"{_percent(keep)} kept\n{desc}", loc="left")
            ax.set_xlabel("time $t$")
            ax.set_ylabel(r"$\|x(t) - x_{\mathrm{pruned}}(t)\| \,/\, \|x(t)\|$")
            ax.set_xlim(float(sub["time"].min()), float(sub["time"].max()))
            ax.set_ylim(bottom=0)
        handles = [Line2D([], [], color=method_color(m), lw=1.6, label=LABELS.get(m, m)) for m in methods]
        handles.append(Patch(color="0.5", alpha=0.3, label=r"mean $\pm$ std, all trials of all draws"))
        handles.append(Line2D([], [], color="0.5", lw=0.5, label="one draw (mean)"))
        fig.legend(handles=handles, loc="outside right center")
        n = int(rows["n"].iloc[0]) if "n" in rows else None
        fig.suptitle(f"Trajectory error: {network}" + (f", $N = {n}$" if n else ""))
    return fig


# ---------------------------------------------------------------------------- Fig. 5


def _median_band(ax, x, stats: pd.DataFrame, color: str, label: str | None, marker="o") -> None:
    ax.fill_between(x, stats["min"], stats["max"], color=color, alpha=0.18, lw=0)
    ax.plot(x, stats["median"], color=color, marker=marker, ms=3, label=label)


def _sweep_panel(ax, rows: pd.DataFrame, methods: Sequence[str], metric: str) -> None:
    drawn = False
    for m in methods:
        sub = rows[rows["method"] == m]
        stats = _band(sub, "keep_fraction", metric)
        if stats.empty:
            continue
        drawn = True
        _median_band(ax, stats.index.to_numpy(dtype=float), stats, method_color(m), LABELS.get(m, m))
    _log_axis(ax, "x")
    ax.set_xlabel("keep fraction")
    ax.set_ylabel(METRIC_LABELS[metric])
    if drawn and _spans_decade(rows[metric]):
        _log_axis(ax, "y")
    else:
        _note(ax, f"no finite {metric}\n(e.g. spectra: eps, or a non-symmetric network)")


def _scaling_panels(ax_kept, ax_frac, scaling: pd.DataFrame) -> None:
    rows = _prefer_exact(scaling)
    methods = _ordered_methods(rows["method"].unique())
    outside = 0
    for m in methods:
        sub = rows[rows["method"] == m]
        color = method_color(m)
        finite = sub[np.isfinite(sub["kept_at_target"].to_numpy(dtype=float))]
        outside += len(sub) - len(finite)
        if finite.empty:
            continue
        ax_kept.scatter(finite["n"], finite["kept_at_target"], s=8, color=color, alpha=0.5, linewidths=0)
        stats = _band(finite, "n", "kept_at_target")
        ax_kept.plot(stats.index, stats["median"], ls="none", marker="o", ms=3.5, color=color)
        c = finite["c"].dropna()
        if len(c):
            grid = np.geomspace(finite["n"].min(), finite["n"].max(), 50)
            ax_kept.plot(grid, float(c.iloc[0]) * grid * np.log(grid), color=color, lw=1.0, ls="-")
        fstats = _band(finite, "n", "kept_fraction")
        _median_band(ax_frac, fstats.index.to_numpy(dtype=float), fstats, color, LABELS.get(m, m))
        ax_frac.scatter(finite["n"], finite["kept_fraction"], s=8, color=color, alpha=0.5, linewidths=0)
    edges = rows.groupby("n", sort=True)["edges_original"].median()
    if len(edges):
        ax_kept.plot(edges.index, edges.to_numpy(), color="black", lw=0.8, ls=":", label="all edges")
    _size_axis(ax_kept, rows["n"])
    _log_axis(ax_kept, "y")
    ax_kept.set_xlabel("network size $N$")
    target = rows["target_eps"].dropna()
    eps_text = f"{float(target.iloc[0]):g}" if len(target) else "target"
    ax_kept.set_ylabel(rf"kept entries for $\varepsilon = {eps_text}$")
    ax_kept.plot([], [], color="0.3", lw=1.0, label=r"fit $c\,N\log N$")
    ax_kept.plot([], [], color="0.3", ls="none", marker="o", ms=3.5, label="median over seeds")
    ax_kept.scatter([], [], s=8, color="0.3", alpha=0.5, linewidths=0, label="one network seed")
    ax_kept.legend(loc="upper left")
    _size_axis(ax_frac, rows["n"])
    ax_frac.set_xlabel("network size $N$")
    ax_frac.set_ylabel(rf"kept fraction for $\varepsilon = {eps_text}$")
    ax_frac.set_ylim(bottom=0)
    if outside:
        ax_frac.text(0.98, 0.98, f"{outside} (N, seed) outside the keep grid", transform=ax_frac.transAxes, ha="right", va="top", fontsize=6, color="0.35")


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
        _require(sweeps, ["network", "method", "keep_fraction", "seed", "prune_seed", "max_abs_eig_err", "spectral_eps"], "sweeps")
    if has_scaling:
        _require(scaling, ["n", "method", "kept_at_target", "kept_fraction", "c", "edges_original", "target_eps"], "scaling")
    networks = sorted(sweeps["network"].unique()) if has_sweeps else []
    nrows = len(networks) + has_scaling
    with paper_style():
        fig = _new_figure(WIDTH * 0.8, 2.6 * nrows + 0.3)
        subfigs = np.atleast_1d(fig.subfigures(nrows, 1))
        methods = set()
        letter = iter("abcdefghijklmnopqrstuvwxyz")
        for sub, net in zip(subfigs, networks):
            rows = _prefer_exact(sweeps[sweeps["network"] == net])
            ms = _ordered_methods(rows["method"].unique())
            methods.update(ms)
            axes = sub.subplots(1, 2)
            _sweep_panel(axes[0], rows, ms, "max_abs_eig_err")
            _sweep_panel(axes[1], rows, ms, "spectral_eps")
            axes[0].set_title(f"({next(letter)}) worst eigenvalue error", loc="left")
            axes[1].set_title(f"({next(letter)}) spectral approximation", loc="left")
            sub.suptitle(f"{net}: {_describe(rows, keep=False)}", x=0.01, ha="left")
        if has_scaling:
            rows = _prefer_exact(scaling)
            methods.update(rows["method"].unique())
            axes = subfigs[-1].subplots(1, 2)
            _scaling_panels(axes[0], axes[1], rows)
            axes[0].set_title(f"({next(letter)}) kept entries vs $N\\log N$", loc="left")
            axes[1].set_title(f"({next(letter)}) kept fraction vs $N$", loc="left")
            seeds = _plural(rows["seed"].nunique(), "network seed") if "seed" in rows else ""
            subfigs[-1].suptitle(f"Scaling: {rows['n'].nunique()} sizes, {seeds}", x=0.01, ha="left")
        handles = _legend_handles(_ordered_methods(methods))
        handles.append(Patch(color="0.5", alpha=0.3, label="min-max over draws"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
    return fig


# ---------------------------------------------------------------------------- Fig. 6


def _empirical_panel(ax, rows: pd.DataFrame, metric: str) -> None:
    durations = np.array([_duration(str(c)) for c in rows["covariance"]])
    rows = rows.assign(_T=durations)
    simulated = rows[np.isfinite(durations)]
    t_min = simulated["_T"].min() if len(simulated) else 1.0
    t_max = simulated["_T"].max() if len(simulated) else 10.0
    _log_axis(ax, "x")
    ax.set_xlim(t_min / 2.0, t_max * 2.0)
    ax.set_xlabel("simulated duration $T$")
    if not np.isfinite(rows[metric].to_numpy(dtype=float)).any():
        _note(ax, f"no finite {METRIC_LABELS[metric]}\n(spectral $\\varepsilon$ needs a symmetric network,\nper-eigenpair errors need spectra: full)")
        ax.set_yticks([])
        return
    for m in _ordered_methods(rows["method"].unique()):
        color = method_color(m)
        sub = rows[rows["method"] == m]
        sim = sub[np.isfinite(sub["_T"])]
        if len(sim):
            stats = _band(sim, "_T", metric)
            _median_band(ax, stats.index.to_numpy(dtype=float), stats, color, None)
        for cov, ls in (("exact", "--"), ("none", ":")):
            level = sub.loc[sub["covariance"] == cov, metric].to_numpy(dtype=float)
            level = level[np.isfinite(level)]
            if level.size:
                ax.axhspan(level.min(), level.max(), color=color, alpha=0.1, lw=0)
                ax.axhline(np.median(level), color=color, ls=ls, lw=1.0)
    if _spans_decade(rows[metric]):
        _log_axis(ax, "y")
    ax.set_ylabel(METRIC_LABELS[metric])


def fig6_empirical(empirical: pd.DataFrame) -> Figure:
    """Fig. 6: pruning quality with a covariance estimated from a simulation of duration T.

    One row per experiment; spectral eps and max |eigenvalue error| against T (log
    axes). Noise-prune with the empirical covariance: median over network seeds x
    pruning seeds with a min-max band; dashed line and band: the same rule with the
    exact covariance; dotted line and band: methods that use no covariance (e.g. the
    weight control), which do not depend on T.

    Raises
    ------
    ValueError
        Empty table, no simulated covariance rows, missing columns.
    """
    _require(empirical, ["network", "method", "covariance", "seed", "prune_seed", "max_abs_eig_err", "spectral_eps"], "empirical")
    if empirical.empty:
        raise ValueError("empirical table is empty: no experiment has simulated covariances (covariance.durations)")
    networks = sorted(empirical["network"].unique())
    with paper_style():
        fig = _new_figure(WIDTH * 0.8, 2.6 * len(networks) + 0.6)
        subfigs = np.atleast_1d(fig.subfigures(len(networks), 1))
        methods = set()
        letter = iter("abcdefghijklmnopqrstuvwxyz")
        for sub, net in zip(subfigs, networks):
            rows = empirical[empirical["network"] == net]
            if not any(str(c).startswith("T") for c in rows["covariance"]):
                raise ValueError(f"empirical table has no simulated covariance (T<duration>) rows for network {net!r}")
            methods.update(rows["method"].unique())
            axes = sub.subplots(1, 2)
            _empirical_panel(axes[0], rows, "spectral_eps")
            _empirical_panel(axes[1], rows, "max_abs_eig_err")
            axes[0].set_title(f"({next(letter)}) spectral approximation", loc="left")
            axes[1].set_title(f"({next(letter)}) worst eigenvalue error", loc="left")
            sub.suptitle(f"{net}: {_describe(rows)}", x=0.01, ha="left")
        methods = _ordered_methods(methods)
        handles = _legend_handles(methods)
        handles += [
            Line2D([], [], color="0.3", marker="o", ms=3, label="empirical $C$ (median, min-max)"),
            Line2D([], [], color="0.3", ls="--", label="exact $C$"),
            Line2D([], [], color="0.3", ls=":", label="no covariance"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4))
    return fig


# ---------------------------------------------------------------------------- report tables

DIGEST_METRICS = ["median_abs_eig_err", "max_abs_eig_err", "median_abs_vec_err", "median_alignment", "spectral_eps"]


def digest_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Summary table condensed over draws, for the report.

    One row per (network, n, covariance, method, keep_fraction): ``draws`` (network
    seeds x pruning seeds), the median kept fraction edges_kept / edges_original, and
    for each metric its median, min and max over the draws.
    """
    keys = ["network", "n", "covariance", "method", "keep_fraction"]
    _require(summary, keys + ["seed", "prune_seed", "edges_kept", "edges_original"] + DIGEST_METRICS, "summary")
    frame = summary.assign(kept_fraction=summary["edges_kept"] / summary["edges_original"])
    g = frame.groupby(keys, sort=True, dropna=False)
    out = g.size().rename("draws").to_frame()
    out["kept_fraction"] = g["kept_fraction"].median()
    for metric in DIGEST_METRICS:
        out[f"{metric}_median"] = g[metric].median()
        out[f"{metric}_min"] = g[metric].min()
        out[f"{metric}_max"] = g[metric].max()
    return out.reset_index()


def digest_scaling(scaling: pd.DataFrame) -> pd.DataFrame:
    """Scaling table condensed over network seeds: one row per (n, covariance, method)."""
    keys = ["n", "covariance", "method"]
    _require(scaling, keys + ["seed", "edges_original", "kept_at_target", "kept_fraction", "n_log_n", "c", "target_eps"], "scaling")
    g = scaling.groupby(keys, sort=True, dropna=False)
    out = g.size().rename("seeds").to_frame()
    out["target_eps"] = g["target_eps"].first()
    out["edges_original"] = g["edges_original"].median()
    out["n_log_n"] = g["n_log_n"].first()
    for col in ("kept_at_target", "kept_fraction"):
        out[f"{col}_median"] = g[col].median()
        out[f"{col}_min"] = g[col].min()
        out[f"{col}_max"] = g[col].max()
    out["c"] = g["c"].first()
    out["kept_fit"] = out["c"] * out["n_log_n"]
    return out.reset_index()
