"""Tidy result tables built from the per-job outputs of the workflow, and statistics over
their draws for the figures and the report (pure pandas).

Column conventions (every table):

network       experiment name (``scaling_N<size>`` for the generated scaling experiments)
n             network size N
seed          network seed
covariance    ``exact``, ``T<duration>`` (empirical), or ``none`` for methods that do not
              use the covariance (weight, uniform, resistance, topk)
method        pruning method
keep_fraction target fraction of the off-diagonal nonzeros kept
prune_seed    pruning seed
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from noiseprune import io
from noiseprune.pipeline.ids import duration_of, noise_tau_of
from noiseprune.pipeline.draw_rows import ID_COLUMNS, eigen_columns, metrics_row  # noqa: F401  (tables.metrics_row for callers)

METRIC_COLUMNS = [
    "edges_original",
    "edges_kept",
    "edges_target",
    "median_abs_eig_err",
    "max_abs_eig_err",
    "median_abs_vec_err",
    "median_alignment",
    "spectral_eps",
    "zero_modes",
    "unstable_modes",
]
SUMMARY_COLUMNS = ID_COLUMNS + METRIC_COLUMNS
EIGEN_VALUE_COLUMNS = ["eigenvalue", "eigenvalue_pruned", "eig_err", "vec_err", "alignment"]
EIGEN_COLUMNS = ID_COLUMNS + ["index"] + EIGEN_VALUE_COLUMNS
DYNAMICS_COLUMNS = [
    "network", "n", "seed", "covariance", "method", "method_covariance", "keep_fraction", "prune_seed",
    "step", "time", "mean_error", "std_error", "trials",
]  # fmt: skip
#: Stored trajectory sample (one row per network, neuron and sampled step); ``method``
#: is ``original`` for the unpruned network.
TRAJECTORY_COLUMNS = [
    "network", "n", "seed", "covariance", "method", "method_covariance", "keep_fraction", "prune_seed",
    "neuron", "step", "time", "activity",
]  # fmt: skip
#: ``method`` of the unpruned network in the trajectories table.
ORIGINAL = "original"
SCALING_COLUMNS = [
    "network", "n", "seed", "covariance", "method", "edges_original", "target_eps", "status",
    "keep_fraction_at_target", "kept_at_target", "kept_fraction", "n_log_n", "c", "c_points", "kept_fit",
]  # fmt: skip


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """TypeError unless ``frame`` is a DataFrame; ValueError naming the ``table``'s missing columns."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} table lacks column(s) {', '.join(missing)}")


def eigen_frame(ids: Mapping, result: Mapping) -> pd.DataFrame:
    """:func:`noiseprune.pipeline.draw_rows.eigen_columns` as a DataFrame."""
    return pd.DataFrame(eigen_columns(ids, result))


def summary_table(rows: Iterable[Mapping]) -> pd.DataFrame:
    """Summary table, one row per (network, seed, covariance, method, keep_fraction, prune_seed)."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    extra = [c for c in frame.columns if c not in SUMMARY_COLUMNS]
    frame = frame.reindex(columns=SUMMARY_COLUMNS + extra)  # missing metrics -> NaN
    return frame.sort_values(ID_COLUMNS, kind="stable").reset_index(drop=True)


def read_summaries(paths: Iterable) -> pd.DataFrame:
    """:func:`summary_table` of the per-job JSON summaries at ``paths`` (null read as NaN)."""
    rows = []
    for path in paths:
        rows.append(io.load_json(path))
    frame = summary_table(rows)
    for column in METRIC_COLUMNS[2:]:
        frame[column] = frame[column].astype(float)
    return frame


def eigen_table(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenated per-eigenpair tables, sorted by ids and eigenpair index."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in EIGEN_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)
    cols = EIGEN_COLUMNS + sorted(c for c in frame.columns if c not in EIGEN_COLUMNS)
    return frame[cols].sort_values(ID_COLUMNS + ["index"], kind="stable").reset_index(drop=True)


def dynamics_frame(record: Mapping) -> pd.DataFrame:
    """Mean and std over trials of one dynamics file (see the ``dynamics`` rule).

    ``record`` holds ``error`` (methods x trials x steps), ``methods``,
    ``method_covariances``, ``dt`` and the id scalars network, n, seed, covariance,
    keep_fraction, prune_seed. ``std_error`` is the sample std over trials (ddof=1;
    0 with a single trial).
    """
    error = np.asarray(record["error"], dtype=float)
    methods = [str(m) for m in np.asarray(record["methods"]).ravel()]
    method_covs = [str(c) for c in np.asarray(record["method_covariances"]).ravel()]
    if error.ndim != 3 or error.shape[0] != len(methods):
        raise ValueError(f"error must have shape (methods={len(methods)}, trials, steps), got {error.shape}")
    n_methods, trials, steps = error.shape
    mean = error.mean(axis=1)
    std = error.std(axis=1, ddof=1) if trials > 1 else np.zeros_like(mean)
    step = np.arange(steps, dtype=np.int64)
    dt = float(np.asarray(record["dt"]))
    parts = []
    for k in range(n_methods):
        parts.append(
            pd.DataFrame(
                {
                    "network": str(np.asarray(record["network"])),
                    "n": int(np.asarray(record["n"])),
                    "seed": int(np.asarray(record["seed"])),
                    "covariance": str(np.asarray(record["covariance"])),
                    "method": methods[k],
                    "method_covariance": method_covs[k],
                    "keep_fraction": float(np.asarray(record["keep_fraction"])),
                    "prune_seed": int(np.asarray(record["prune_seed"])),
                    "step": step,
                    "time": step * dt,
                    "mean_error": mean[k],
                    "std_error": std[k],
                    "trials": trials,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[DYNAMICS_COLUMNS]


def dynamics_table(records: Iterable[Mapping]) -> pd.DataFrame:
    """Concatenated :func:`dynamics_frame` of every dynamics file."""
    frames = [dynamics_frame(r) for r in records]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in DYNAMICS_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)
    keys = ["network", "seed", "covariance", "keep_fraction", "prune_seed", "method", "step"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def trajectories_frame(record: Mapping) -> pd.DataFrame:
    """The trajectory sample of one dynamics file, tidy (see the ``dynamics`` rule).

    ``record`` holds ``sample`` (1 + methods x neurons x sampled steps: trial 0 of the
    original, then of each method), ``sample_neurons``, ``sample_steps``, ``methods``,
    ``method_covariances``, ``dt`` and the id scalars of :func:`dynamics_frame`.
    """
    sample = np.asarray(record["sample"], dtype=float)
    neurons = np.asarray(record["sample_neurons"], dtype=np.int64).ravel()
    steps = np.asarray(record["sample_steps"], dtype=np.int64).ravel()
    methods = [ORIGINAL] + [str(m) for m in np.asarray(record["methods"]).ravel()]
    method_covs = ["none"] + [str(c) for c in np.asarray(record["method_covariances"]).ravel()]
    if sample.shape != (len(methods), neurons.size, steps.size):
        raise ValueError(
            f"sample must have shape (1 + methods={len(methods)}, neurons={neurons.size}, steps={steps.size}), got {sample.shape}"
        )
    dt = float(np.asarray(record["dt"]))
    frame = pd.DataFrame(
        {
            "network": str(np.asarray(record["network"])),
            "n": int(np.asarray(record["n"])),
            "seed": int(np.asarray(record["seed"])),
            "covariance": str(np.asarray(record["covariance"])),
            "method": np.repeat(methods, neurons.size * steps.size),
            "method_covariance": np.repeat(method_covs, neurons.size * steps.size),
            "keep_fraction": float(np.asarray(record["keep_fraction"])),
            "prune_seed": int(np.asarray(record["prune_seed"])),
            "neuron": np.tile(np.repeat(neurons, steps.size), len(methods)),
            "step": np.tile(steps, len(methods) * neurons.size),
            "time": np.tile(steps * dt, len(methods) * neurons.size),
            "activity": sample.ravel(),
        }
    )
    return frame[TRAJECTORY_COLUMNS]


def trajectories_table(records: Iterable[Mapping]) -> pd.DataFrame:
    """Concatenated :func:`trajectories_frame` of every dynamics file."""
    frames = [trajectories_frame(r) for r in records]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in TRAJECTORY_COLUMNS})
    return pd.concat(frames, ignore_index=True)


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


def select(summary: pd.DataFrame, experiments: Sequence[str]) -> pd.DataFrame:
    """Rows of ``summary`` belonging to ``experiments``."""
    return summary[summary["network"].isin(list(experiments))].reset_index(drop=True)


def sweeps_table(summary: pd.DataFrame, experiments: Sequence[str]) -> pd.DataFrame:
    """Summary rows of the keep-fraction sweeps (experiments with more than one keep fraction)."""
    return select(summary, experiments)


def empirical_table(summary: pd.DataFrame, experiments: Sequence[str]) -> pd.DataFrame:
    """Summary rows of experiments with empirical covariances, with a ``duration`` column.

    duration: T for ``T<T>``, inf for ``exact``, NaN (empty in CSV) for ``none`` (methods
    that do not use the covariance). White noise only: the rows of colored-noise
    covariances (``..._tau<tau>``) are Fig. 10's.
    """
    frame = select(summary, experiments)
    white = np.array([noise_tau_of(c) == 0 for c in frame["covariance"]], dtype=bool)
    frame = frame.loc[white].reset_index(drop=True)
    frame.insert(frame.columns.get_loc("covariance") + 1, "duration", [duration_of(c) for c in frame["covariance"]])
    return frame


def kept_at_target(keep_fractions, eps, target_eps: float) -> tuple[float, str]:
    """Keep fraction at which ``eps`` first falls to ``target_eps``, interpolated in log-log.

    ``keep_fractions`` ascending; ``eps`` the (mean) spectral eps at each. Linear
    interpolation of log(keep fraction) against log(eps) between the last grid point
    above the target and the first at or below it.

    Returns
    -------
    (keep_fraction, status): status ``interpolated``; ``below_grid`` (the smallest keep
    fraction already reaches the target: NaN, the value is below the grid);
    ``above_grid`` (never reached: NaN); ``undefined`` (NaN eps, e.g. non-symmetric A).
    """
    k = np.asarray(keep_fractions, dtype=float)
    e = np.asarray(eps, dtype=float)
    if k.size == 0 or np.isnan(e).any():
        return math.nan, "undefined"
    below = np.nonzero(e <= target_eps)[0]
    if below.size == 0:
        return math.nan, "above_grid"
    i = int(below[0])
    if e[i] == target_eps:
        return float(k[i]), "interpolated"
    if i == 0:
        return math.nan, "below_grid"
    le0, le1 = math.log(max(e[i - 1], 1e-300)), math.log(max(e[i], 1e-300))
    lk0, lk1 = math.log(k[i - 1]), math.log(k[i])
    t = (math.log(target_eps) - le0) / (le1 - le0)
    return float(math.exp(lk0 + t * (lk1 - lk0))), "interpolated"


def scaling_table(summary: pd.DataFrame, experiments: Sequence[str], target_eps: float) -> pd.DataFrame:
    """Kept entries needed to reach ``target_eps`` per (size, seed, covariance, method), against N log N.

    Spectral eps is averaged over pruning seeds at every keep fraction; the keep fraction
    reaching ``target_eps`` comes from :func:`kept_at_target`; ``kept_at_target`` =
    that fraction x edges_original; ``n_log_n`` = N ln N; ``c`` is the least-squares
    constant of kept = c N log N (through the origin) over all sizes and seeds of the
    same method and covariance (``c_points`` rows used); ``kept_fit`` = c x n_log_n.
    """
    frame = select(summary, experiments)
    if frame.empty:
        return pd.DataFrame(columns=SCALING_COLUMNS)
    keys = ["network", "n", "seed", "covariance", "method"]
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        grid = group.groupby("keep_fraction", sort=True).agg(
            spectral_eps=("spectral_eps", "mean"), edges_original=("edges_original", "first")
        )
        keep, status = kept_at_target(grid.index.to_numpy(), grid["spectral_eps"].to_numpy(), target_eps)
        edges = int(grid["edges_original"].iloc[0])
        n = int(key[1])
        rows.append(
            dict(
                zip(keys, key),
                edges_original=edges,
                target_eps=float(target_eps),
                status=status,
                keep_fraction_at_target=keep,
                kept_at_target=keep * edges,
                kept_fraction=keep,
                n_log_n=n * math.log(n),
            )
        )
    out = pd.DataFrame(rows)
    out["c"] = math.nan
    out["c_points"] = 0
    for _, idx in out.groupby(["covariance", "method"], sort=True).groups.items():
        sub = out.loc[idx]
        ok = np.isfinite(sub["kept_at_target"].to_numpy())
        x = sub["n_log_n"].to_numpy()[ok]
        y = sub["kept_at_target"].to_numpy()[ok]
        if x.size:
            out.loc[idx, "c"] = float(x @ y / (x @ x))
            out.loc[idx, "c_points"] = int(x.size)
    out["kept_fit"] = out["c"] * out["n_log_n"]
    return out[SCALING_COLUMNS].sort_values(["method", "covariance", "n", "seed"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- report digests

DIGEST_METRICS = ["median_abs_eig_err", "max_abs_eig_err", "median_abs_vec_err", "median_alignment", "spectral_eps"]


def _median_min_max(out: pd.DataFrame, groups, columns: Iterable[str]) -> None:
    for col in columns:
        out[f"{col}_median"] = groups[col].median()
        out[f"{col}_min"] = groups[col].min()
        out[f"{col}_max"] = groups[col].max()


def digest_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Summary table condensed over draws, for the report.

    One row per (network, n, covariance, method, keep_fraction): ``draws`` (network
    seeds x pruning seeds), the median kept fraction edges_kept / edges_original, and
    for each metric its median, min and max over the draws.
    """
    keys = ["network", "n", "covariance", "method", "keep_fraction"]
    require_columns(summary, keys + ["seed", "prune_seed", "edges_kept", "edges_original"] + DIGEST_METRICS, "summary")
    g = summary.assign(kept_fraction=summary["edges_kept"] / summary["edges_original"]).groupby(keys, sort=True, dropna=False)
    out = g.size().rename("draws").to_frame()
    out["kept_fraction"] = g["kept_fraction"].median()
    _median_min_max(out, g, DIGEST_METRICS)
    return out.reset_index()


def digest_scaling(scaling: pd.DataFrame) -> pd.DataFrame:
    """Scaling table condensed over network seeds: one row per (n, covariance, method)."""
    keys = ["n", "covariance", "method"]
    require_columns(scaling, keys + ["seed", "edges_original", "kept_at_target", "kept_fraction", "n_log_n", "c", "target_eps"], "scaling")
    g = scaling.groupby(keys, sort=True, dropna=False)
    out = g.size().rename("seeds").to_frame()
    out["target_eps"] = g["target_eps"].first()
    out["edges_original"] = g["edges_original"].median()
    out["n_log_n"] = g["n_log_n"].first()
    _median_min_max(out, g, ("kept_at_target", "kept_fraction"))
    out["c"] = g["c"].first()
    out["kept_fit"] = out["c"] * out["n_log_n"]
    return out.reset_index()
