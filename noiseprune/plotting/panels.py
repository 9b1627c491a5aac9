"""Helpers and panels shared by the figures: row selection, axes, legends, titles, and the
spectral panels of Figs. 2 and 4 (docs/method.md, "Figures" and "Metrics").

Spread: every figure shows the variability over network seeds and pruning seeds (one
"draw" = one (seed, prune_seed) pair), never a single draw: distributions are pooled
over draws, curves are medians with a min-max band over draws, and individual draws
are drawn as thin lines or small points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import cbook, mlab, ticker
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from noiseprune.pipeline.ids import duration_of, percent, plural
from noiseprune.pipeline.tables import require_columns
from .style import method_color, method_label, ordered_methods

#: Smallest error shown on logarithmic axes (exact zeros are clipped to it).
LOG_FLOOR = 1e-6

# Axis labels.
EIG_ERR = r"$|\mu_i/\lambda_i - 1|$"
VEC_ERR = r"$|v_i^\top \tilde{A} v_i/\lambda_i - 1|$"
ALIGN = r"$|v_i^\top \tilde{A} v_i| \,/\, \|\tilde{A} v_i\|$"
EPS = r"spectral $\varepsilon$"
MAX_EIG_ERR = r"$\max_i\, |\mu_i/\lambda_i - 1|$"
METRIC_LABELS = {"max_abs_eig_err": MAX_EIG_ERR, "spectral_eps": EPS, "median_abs_eig_err": r"median $|\mu_i/\lambda_i - 1|$"}
#: Unit of every time axis: the model dx/dt = A x + xi measures time in units of the
#: network's time constant tau (docs/method.md, "Dynamics").
TIME_UNIT = r"(units of $\tau$)"

# ---------------------------------------------------------------------------- rows


def network_rows(frame: pd.DataFrame, network: str, table: str) -> pd.DataFrame:
    """Rows of ``network``; ValueError naming it (and the networks present) if there are none."""
    rows = frame[frame["network"] == network]
    if rows.empty:
        present = ", ".join(sorted(map(str, frame["network"].unique()))) or "none"
        raise ValueError(f"{table} table has no rows for network {network!r} (networks present: {present})")
    return rows


def duration(cov) -> float:
    """Simulated duration of a covariance id: inf for exact, T for T<T>, NaN otherwise."""
    try:
        return duration_of(str(cov))
    except ValueError:
        return math.nan


def prefer_exact(frame: pd.DataFrame) -> pd.DataFrame:
    """One covariance source per method: exact (or none); else the longest simulated T."""
    if "covariance" not in frame.columns or frame.empty:
        return frame
    keep = []
    for _, rows in frame.groupby("method", sort=False):
        covs = set(rows["covariance"].astype(str))
        if covs & {"exact", "none"}:
            keep.append(rows[rows["covariance"].isin(["exact", "none"])])
        else:
            longest = max(covs, key=duration)
            keep.append(rows[rows["covariance"] == longest])
    return pd.concat(keep) if keep else frame


def pick_keep(rows: pd.DataFrame, keep_fraction: float | None, table: str, network: str) -> pd.DataFrame:
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


def modulus(frame: pd.DataFrame, column: str) -> np.ndarray:
    """|column| (the modulus when a ``<column>_imag`` part is present)."""
    real = frame[column].to_numpy(dtype=float)
    imag = f"{column}_imag"
    if imag in frame.columns:
        return np.hypot(real, frame[imag].fillna(0.0).to_numpy(dtype=float))
    return np.abs(real)


def is_complex(frame: pd.DataFrame) -> bool:
    imag = frame.get("eigenvalue_imag")
    return imag is not None and bool(np.any(np.abs(imag.fillna(0.0).to_numpy(dtype=float)) > 0))


def band(x_frame: pd.DataFrame, by: str, value: str) -> pd.DataFrame:
    """Median, min and max of ``value`` over rows grouped by ``by`` (NaN values dropped)."""
    finite = x_frame[np.isfinite(x_frame[value].to_numpy(dtype=float))]
    return finite.groupby(by, sort=True)[value].agg(["median", "min", "max", "count"])


# ---------------------------------------------------------------------------- text


def seeds_text(rows: pd.DataFrame) -> str:
    """'3 network seeds x 3 pruning seeds' of the rows."""
    return f"{plural(rows['seed'].nunique(), 'network seed')} $\\times$ {plural(rows['prune_seed'].nunique(), 'pruning seed')}"


def describe(rows: pd.DataFrame, keep: bool = True) -> str:
    """'N = 2000, 20 % kept, 3 network seeds x 3 pruning seeds' of the rows."""
    parts = []
    if "n" in rows and len(rows):
        parts.append(f"$N = {int(rows['n'].iloc[0])}$")
    if keep and "keep_fraction" in rows and len(rows):
        parts.append(", ".join(percent(k) for k in sorted(set(rows["keep_fraction"]))) + " kept")
    parts.append(seeds_text(rows))
    return ", ".join(parts)


# ---------------------------------------------------------------------------- axes and legends


class _PlainLogFormatter(ticker.LogFormatter):
    """LogFormatter's choice of labelled ticks, written as plain numbers (0.3, 40, 1e-05)."""

    def __call__(self, x, pos=None):
        return self.fix_minus(f"{x:g}") if super().__call__(x, pos) else ""


def log_axis(ax, axis: str) -> None:
    """Logarithmic ``axis`` ("x" or "y") with plain tick labels (0.3, 40, not 3x10^-1)."""
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(_PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    target.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))


def size_axis(ax, sizes) -> None:
    """Logarithmic x axis labelled at exactly the network sizes plotted (no crowded minor labels)."""
    ax.set_xscale("log")
    sizes = sorted({float(n) for n in sizes})
    ax.xaxis.set_major_locator(ticker.FixedLocator(sizes))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, pos: f"{x:g}"))
    ax.xaxis.set_minor_locator(ticker.NullLocator())


def spans_decade(values) -> bool:
    """True when the positive finite ``values`` span at least a factor 10 (worth a log axis)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    return v.size > 1 and v.max() >= 10.0 * v.min()


def note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.35", wrap=True)


def legend_handles(methods: Sequence[str], covariances: dict | None = None) -> list:
    covariances = covariances or {}
    return [Patch(color=method_color(m), label=method_label(m, covariances.get(m)), alpha=0.8) for m in methods]


def max_marker() -> Line2D:
    return Line2D([], [], marker="D", ls="none", mfc="white", mec="black", ms=3.5, label="max of one draw")


def median_band(ax, x, stats: pd.DataFrame, color: str, label: str | None, marker="o") -> None:
    """Median line over a min-max band (``stats`` from :func:`band`)."""
    ax.fill_between(x, stats["min"], stats["max"], color=color, alpha=0.18, lw=0)
    ax.plot(x, stats["median"], color=color, marker=marker, ms=3, label=label)


# ---------------------------------------------------------------------------- matrices (Figs. 1 and 2)

#: Diverging colormap of signed weights, white at 0.
WEIGHT_CMAP = "RdBu_r"
#: Percentile of the original network's |a_ij| (off-diagonal nonzeros) at which the
#: weight panels clip their symmetric colour scale.
WEIGHT_CLIP_PERCENTILE = 99.0


def dense(M, name: str) -> np.ndarray:
    """``M`` (dense or scipy.sparse) as a square float64 array; ValueError naming it otherwise."""
    M = M.toarray() if hasattr(M, "toarray") else np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    return np.asarray(M, dtype=float)


def check_clusters(clusters, n: int) -> None:
    if clusters is not None and int(np.sum(clusters)) != n:
        raise ValueError(f"clusters {list(clusters)} sum to {int(np.sum(clusters))}, but N = {n}")


def matrix_axes(ax, clusters) -> None:
    """Matrix panel frame: neuron labels, a full box, black lines at the cluster boundaries."""
    ax.set_xlabel("presynaptic neuron $j$")
    ax.set_ylabel("postsynaptic neuron $i$")
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    if clusters is not None:
        for b in np.cumsum(clusters)[:-1] - 0.5:
            ax.axhline(b, color="black", lw=0.6)
            ax.axvline(b, color="black", lw=0.6)


def weight_limit(A: np.ndarray) -> float:
    """Symmetric colour limit of the weight panels: the :data:`WEIGHT_CLIP_PERCENTILE`-th
    percentile of |a_ij| over the off-diagonal nonzeros of ``A`` (1 when there are none)."""
    off = ~np.eye(A.shape[0], dtype=bool) & (A != 0)
    return float(np.percentile(np.abs(A[off]), WEIGHT_CLIP_PERCENTILE)) if off.any() else 1.0


def weight_panels(fig, matrices: dict, clusters=None, *, first_letter: str = "a") -> float:
    """One panel per signed weight matrix (``{title: (N, N) array}``), left to right, with
    one shared colour scale, symmetric around 0 and clipped at :func:`weight_limit` of the
    first (the original); the diagonal is left out (white). Every entry is drawn (nearest
    neighbour: at print size a pixel shows one entry, so sparsity stays visible). Each
    title counts the synapses and, when some are beyond the scale (drawn at its ends, the
    colour bar's arrows), their share. Returns the colour limit."""
    mats = list(matrices.items())
    vmax = weight_limit(mats[0][1])
    axes = np.atleast_1d(fig.subplots(1, len(mats), squeeze=False)[0])
    image = None
    for i, (ax, (title, M)) in enumerate(zip(axes, mats)):
        shown = M.copy()
        np.fill_diagonal(shown, np.nan)
        image = ax.imshow(
            np.ma.masked_invalid(shown), cmap=WEIGHT_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest", rasterized=True
        )
        image.cmap = image.cmap.with_extremes(bad="white")
        values = shown[np.isfinite(shown)]
        kept = np.count_nonzero(values)
        beyond = np.count_nonzero(np.abs(values) > vmax)
        text = f"{kept:,} synapses".replace(",", "\u2009")
        if beyond:
            text += f", {100 * beyond / kept:.0f} % clipped"
        ax.set_title(f"({chr(ord(first_letter) + i)}) {title}\n{text}", loc="left")
        matrix_axes(ax, clusters)
    bar = fig.colorbar(image, ax=list(axes), shrink=0.85, pad=0.02, extend="both")
    bar.set_label(f"$a_{{ij}}$, clipped at $\\pm${vmax:.2g} (diagonal not shown)")
    bar.outline.set_linewidth(0.5)
    return vmax


# ---------------------------------------------------------------------------- spectral panels (Figs. 2 and 4)


def _gaussian_kde(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Gaussian KDE (Scott's bandwidth) of ``values`` at ``coords``, as in ``Axes.violinplot``."""
    return mlab.GaussianKDE(values, "scott").evaluate(coords)


def distribution_panel(
    ax, values: dict, *, log: bool, ylabel: str, per_draw: dict | None = None, rotate_over: int = 3
) -> None:
    """Violin (KDE, in log space for log axes) + min-max box plot per method; optional per-draw points."""
    methods = [m for m in values if len(values[m])]
    if not methods:
        note(ax, "no finite values")
        ax.set_ylabel(ylabel)
        return
    log = log and spans_decade(np.concatenate([np.asarray(values[m], dtype=float) for m in methods]))
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
        log_axis(ax, "y")
    ax.set_xticks(positions, [method_label(m) for m in methods])
    if len(methods) > rotate_over:
        ax.tick_params(axis="x", labelrotation=35)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
    ax.set_xlim(-0.6, len(methods) - 0.35)
    ax.set_ylabel(ylabel)


def eigen_scatter(
    ax, eigen: pd.DataFrame, methods: Sequence[str], *, slow_fraction: float | None = None, short_labels: bool = False
) -> None:
    """Pruned vs original eigenvalues (complex plane for non-symmetric networks); short axis
    labels for narrow panels."""
    complex_ = is_complex(eigen)
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


def spectral_data(eigen: pd.DataFrame, summary: pd.DataFrame | None, network: str, keep_fraction: float | None):
    """Eigenpair rows of one network and keep fraction, its methods, covariances and per-draw summary rows."""
    require_columns(
        eigen,
        ["network", "n", "method", "seed", "prune_seed", "keep_fraction", "index"]
        + ["eigenvalue", "eigenvalue_pruned", "eig_err", "vec_err", "alignment"],
        "eigen",
    )
    rows = network_rows(eigen, network, "eigen")
    rows = prefer_exact(pick_keep(rows, keep_fraction, "eigen", network))
    keep = float(rows["keep_fraction"].iloc[0])
    methods = ordered_methods(rows["method"].unique())
    covs = {m: str(rows.loc[rows["method"] == m, "covariance"].iloc[0]) for m in methods} if "covariance" in rows else {}
    draws = None
    if summary is not None and len(summary):
        require_columns(summary, ["network", "method", "keep_fraction", "max_abs_eig_err"], "summary")
        sub = summary[(summary["network"] == network) & np.isclose(summary["keep_fraction"].to_numpy(dtype=float), keep)]
        draws = prefer_exact(sub)
    return rows, methods, covs, draws


def spectral_distributions(axes, rows, methods, draws, rotate_over: int = 3) -> None:
    """|eigenvalue error| (with per-draw maxima), |eigenvector error| and alignment panels."""

    def finite(values):
        values = np.asarray(values, dtype=float)
        return values[np.isfinite(values)]

    by = {m: rows[rows["method"] == m] for m in methods}
    max_per_draw = None
    if draws is not None:
        max_per_draw = {m: draws.loc[draws["method"] == m, "max_abs_eig_err"].to_numpy(dtype=float) for m in methods}
    distribution_panel(axes[0], {m: finite(modulus(by[m], "eig_err")) for m in methods}, log=True, ylabel=EIG_ERR, per_draw=max_per_draw, rotate_over=rotate_over)
    distribution_panel(axes[1], {m: finite(modulus(by[m], "vec_err")) for m in methods}, log=True, ylabel=VEC_ERR, rotate_over=rotate_over)
    distribution_panel(axes[2], {m: finite(by[m]["alignment"]) for m in methods}, log=False, ylabel=ALIGN, rotate_over=rotate_over)


def trained_networks_per_task(run) -> str:
    """'3 trained networks' per task of the run's trained section, or '2–4 trained networks'
    where tasks have their own seeds."""
    counts = sorted({len(cfg["seeds"]) for cfg in run.trained_networks().values()})
    if len(counts) == 1:
        return plural(counts[0], "trained network")
    return f"{counts[0]}–{counts[-1]} trained networks"
