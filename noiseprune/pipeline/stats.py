"""Paired tests of pruning methods over draws (pure pandas and scipy).

Methods compared on the same experiment are paired draw by draw: the same network seed
and pruning seed index, so the same network. :func:`paired_tests` runs the Wilcoxon
signed-rank test (``scipy.stats.wilcoxon``, two-sided, exact for small samples) of a
reference method against each other method, one test per (method, group), and corrects
the family of all these tests for multiple comparisons by Holm's step-down method.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Columns that pair two methods' draws.
PAIR_KEYS = ["network", "seed", "prune_seed"]
PAIRED_COLUMNS = ["metric", "method", "pairs", "wins", "median_difference", "p_value", "p_holm"]


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error rate, monotone, at most 1), in
    the input order; NaN stays NaN and does not count towards the family size."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(~np.isnan(p))
    running = 0.0
    for rank, k in enumerate(finite[np.argsort(p[finite], kind="stable")]):
        running = max(running, min(1.0, (finite.size - rank) * p[k]))
        out[k] = running
    return out


def paired_tests(frame: pd.DataFrame, metric: str, *, reference: str = "noise", by: Sequence[str] = ("keep_fraction",)) -> pd.DataFrame:
    """Wilcoxon signed-rank tests of ``reference`` against every other method of ``frame``
    on ``metric``, one per (method, group of ``by``), Holm-corrected over all of them.

    ``frame`` holds one experiment's rows for one covariance per method (e.g. the exact
    covariance and ``none``). Columns: ``by``, metric, method, pairs (draws present for
    both), wins (pairs where the reference is lower), median_difference (of reference
    minus method), p_value (two-sided), p_holm. Groups with fewer than 2 pairs, or whose
    differences are all zero, get p_value NaN and are left out of the correction.
    """
    from scipy.stats import wilcoxon

    by = list(by)
    rows = []
    ref = frame[frame["method"] == reference]
    for method in [m for m in frame["method"].unique() if m != reference]:
        other = frame[frame["method"] == method]
        merged = ref.merge(other, on=PAIR_KEYS + by, suffixes=("_ref", "_other"))
        for key, group in merged.groupby(by, sort=True) if by else [((), merged)]:
            diff = (group[f"{metric}_ref"] - group[f"{metric}_other"]).to_numpy(dtype=float)
            diff = diff[np.isfinite(diff)]
            p = float(wilcoxon(diff).pvalue) if diff.size >= 2 and np.any(diff != 0) else np.nan
            key = key if isinstance(key, tuple) else (key,)
            rows.append(dict(zip(by, key), metric=metric, method=method, pairs=int(diff.size),
                             wins=int(np.sum(diff < 0)), median_difference=float(np.median(diff)) if diff.size else np.nan,
                             p_value=p))
    out = pd.DataFrame(rows, columns=by + PAIRED_COLUMNS[:-1])
    tested = out["p_value"].notna().to_numpy()
    out["p_holm"] = np.nan
    if tested.any():
        out.loc[tested, "p_holm"] = holm(out.loc[tested, "p_value"].to_numpy())
    return out[by + PAIRED_COLUMNS]
