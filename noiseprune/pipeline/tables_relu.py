"""Tables of the rectified-linear experiments (docs/method.md, "Rectified-linear networks").

``results/tables/relu.csv``: one row per pruned network (columns :data:`RELU_COLUMNS`),
from the per-draw JSON rows of the ``prune_relu`` jobs, with the end value of the
nonlinear trajectory error joined from ``dynamics.parquet`` (NaN for experiments
without dynamics). ``results/tables/relu_eigen.parquet``: one row per (pruned
network, eigenvalue of J) with the matched eigenvalue of J_s.

``status`` is ``ok`` or ``no_stable_fixed_point`` (the pruned network has none; its
metrics are then empty, NaN in the table, and said so by this column).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from noiseprune import io
from noiseprune.pipeline.draw_rows import ID_COLUMNS, relu_eigen_columns, relu_row  # noqa: F401  (tables_relu.relu_row for callers)

RELU_COLUMNS = [
    "network", "n", "seed", "active_fraction", "covariance", "method", "keep_fraction", "prune_seed",
    "status", "edges_original", "edges_kept", "active_fraction_pruned", "fixed_point_err",
    "active_set_mismatch", "median_abs_jac_eig_err", "max_abs_jac_eig_err", "trajectory_err_end",
]  # fmt: skip
RELU_EIGEN_COLUMNS = ID_COLUMNS + ["index", "eigenvalue", "eigenvalue_pruned", "eig_err"]


def relu_eigen_frame(ids: Mapping, result: Mapping) -> pd.DataFrame:
    """:func:`noiseprune.pipeline.draw_rows.relu_eigen_columns` as a DataFrame."""
    return pd.DataFrame(relu_eigen_columns(ids, result))


def read_rows(paths: Iterable) -> list[dict]:
    rows = []
    for path in paths:
        rows.append({k: (math.nan if v is None else v) for k, v in io.load_json(path).items()})
    return rows


def trajectory_end(dynamics: pd.DataFrame) -> pd.DataFrame:
    """Mean over trials of the last time point, per (network, seed, method covariance,
    method, keep fraction, pruning seed); a method that reads no covariance is simulated
    identically in every dynamics file of a draw, and its first is used."""
    keys = ["network", "seed", "method_covariance", "method", "keep_fraction", "prune_seed"]
    if dynamics is None or dynamics.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in keys + ["trajectory_err_end"]})
    last = dynamics[dynamics["step"] == dynamics.groupby(keys[:1] + ["seed"])["step"].transform("max")]
    last = last.drop_duplicates(keys, keep="first")
    return last[keys + ["mean_error"]].rename(columns={"mean_error": "trajectory_err_end", "method_covariance": "covariance"})


def relu_table(rows: Iterable[Mapping], dynamics: pd.DataFrame | None = None) -> pd.DataFrame:
    """relu.csv from :func:`relu_row` rows and the dynamics table."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in RELU_COLUMNS})
    end = trajectory_end(dynamics)
    keys = ["network", "seed", "covariance", "method", "keep_fraction", "prune_seed"]
    end = end.astype({"network": str, "covariance": str, "method": str}) if not end.empty else end
    frame = frame.merge(end, on=keys, how="left") if not end.empty else frame.assign(trajectory_err_end=math.nan)
    return frame[RELU_COLUMNS].sort_values(keys, kind="stable").reset_index(drop=True)


def relu_eigen_table(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = list(frames)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in RELU_EIGEN_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(ID_COLUMNS + ["index"], kind="stable").reset_index(drop=True)
