"""Tables of the seed questions (docs/results.md): colored noise (Fig. 10), the leak
margin with paired tests of noise-prune against its controls (Fig. 12), and how often the
theorem's guarantee holds (Fig. 13). Pure pandas and scipy.stats over the summary,
eigen and dynamics tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.stats

from noiseprune.pipeline.draw_rows import ID_COLUMNS
from noiseprune.pipeline.ids import NO_COVARIANCE, noise_tau_of
from noiseprune.pipeline.stats import holm
from noiseprune.pipeline.tables import require_columns, select

#: Metrics compared between noise-prune and each control (leak table; lower is better).
LEAK_METRICS = ("max_abs_eig_err", "spectral_eps", "trajectory_err_end")
#: Method whose results are tested against every other method of an experiment.
TESTED_METHOD = "noise"
LEAK_TEST_COLUMNS = [
    "network", "keep_fraction", "metric", "method", "control", "draws", "median_method", "median_control",
    "median_difference", "wins", "statistic", "p_value", "p_holm",
]  # fmt: skip
GUARANTEE_COLUMNS = [
    "network", "n", "seed", "theory_k", "theory_eps", "draws", "held", "held_fraction", "spectral_eps_median",
    "spectral_eps_max", "edges_original", "edges_kept_mean", "kept_fraction_mean", "theory_count", "kept_over_theory",
]  # fmt: skip


def slowest_time_constants(eigen: pd.DataFrame) -> pd.Series:
    """-1 / (largest real part of A's eigenvalues) per (network, seed): the time constant
    of the network's slowest mode (from any draw's rows: the eigenvalues of A are the same)."""
    require_columns(eigen, ["network", "seed", "eigenvalue"], "eigen")
    top = eigen.groupby(["network", "seed"])["eigenvalue"].max()
    if (top >= 0).any():
        network, seed = top[top >= 0].index[0]
        raise ValueError(f"eigen table: network {network} seed {seed} has a largest eigenvalue {top.max():g} >= 0")
    return (-1.0 / top).rename("slowest_time_constant")


def colored_table(summary: pd.DataFrame, eigen: pd.DataFrame, experiments: Sequence[str]) -> pd.DataFrame:
    """Summary rows of the colored-noise experiments with ``noise_tau`` (the covariance id's
    correlation time; NaN for methods that read no covariance), the network's
    ``slowest_time_constant`` and ``tau_relative`` = noise_tau / slowest_time_constant."""
    frame = select(summary, experiments)
    if frame.empty:
        return frame.assign(noise_tau=[], slowest_time_constant=[], tau_relative=[])
    frame = frame.copy()
    frame.insert(frame.columns.get_loc("covariance") + 1, "noise_tau",
                 [math.nan if c == NO_COVARIANCE else noise_tau_of(c) for c in frame["covariance"]])
    slow = slowest_time_constants(select(eigen, experiments))
    frame = frame.join(slow, on=["network", "seed"])
    frame["tau_relative"] = frame["noise_tau"] / frame["slowest_time_constant"]
    return frame.reset_index(drop=True)


def final_trajectory_errors(dynamics: pd.DataFrame) -> pd.DataFrame:
    """Mean over trials of the relative trajectory error at the last time step, per draw and
    method (column ``trajectory_err_end``), from the dynamics table."""
    require_columns(dynamics, ["network", "seed", "method", "method_covariance", "keep_fraction", "prune_seed", "step",
                               "mean_error"], "dynamics")
    if dynamics.empty:
        return pd.DataFrame(columns=ID_COLUMNS + ["trajectory_err_end"])
    last = dynamics[dynamics["step"] == dynamics.groupby("network")["step"].transform("max")]
    out = last.rename(columns={"mean_error": "trajectory_err_end"})
    out = out.drop(columns=["covariance"]).rename(columns={"method_covariance": "covariance"})
    return out[ID_COLUMNS + ["trajectory_err_end"]].reset_index(drop=True)


def leak_table(summary: pd.DataFrame, dynamics: pd.DataFrame, experiments: Sequence[str],
               networks: Mapping[str, Mapping]) -> pd.DataFrame:
    """Summary rows of the leak experiments with the network's ``leak`` and ``leak_margin``
    (from ``networks``: experiment -> its network mapping) and ``trajectory_err_end``
    (NaN without dynamics). White-noise covariance only."""
    frame = select(summary, experiments)
    frame = frame.loc[np.array([noise_tau_of(c) == 0 for c in frame["covariance"]], dtype=bool)].copy()
    frame.insert(1, "leak", [str(networks[n].get("leak", "row_sum")) for n in frame["network"]])
    frame.insert(2, "leak_margin", [float(networks[n].get("leak_margin", 0.0)) for n in frame["network"]])
    ends = final_trajectory_errors(select(dynamics, experiments))
    frame = frame.merge(ends, on=ID_COLUMNS, how="left") if len(ends) else frame.assign(trajectory_err_end=math.nan)
    return frame.reset_index(drop=True)


def paired_tests(frame: pd.DataFrame, metrics: Sequence[str] = LEAK_METRICS, method: str = TESTED_METHOD) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank tests (scipy.stats.wilcoxon, exact for small samples)
    of ``method`` against every other method of each (network, keep fraction), on each
    metric, paired by draw (network seed, pruning seed); Holm-corrected within each network
    (the family: its controls x metrics). ``wins``: draws where ``method`` is lower."""
    rows = []
    for (network, keep), group in frame.groupby(["network", "keep_fraction"], sort=True):
        tested = group[group["method"] == method]
        family = []
        for control in sorted(set(group["method"]) - {method}):
            other = group[group["method"] == control]
            for metric in metrics:
                if metric not in group or tested[metric].isna().all():
                    continue
                pair = tested.merge(other, on=["seed", "prune_seed"], suffixes=("_m", "_c"))[[f"{metric}_m", f"{metric}_c"]].dropna()
                a, b = pair[f"{metric}_m"].to_numpy(), pair[f"{metric}_c"].to_numpy()
                diff = a - b
                if len(diff) and np.any(diff != 0):
                    res = scipy.stats.wilcoxon(a, b, alternative="two-sided")
                    statistic, p = float(res.statistic), float(res.pvalue)
                else:
                    statistic, p = math.nan, math.nan
                family.append(dict(network=network, keep_fraction=keep, metric=metric, method=method, control=control,
                                   draws=len(diff), median_method=float(np.median(a)) if len(a) else math.nan,
                                   median_control=float(np.median(b)) if len(b) else math.nan,
                                   median_difference=float(np.median(diff)) if len(diff) else math.nan,
                                   wins=int(np.sum(diff < 0)), statistic=statistic, p_value=p))
        adjusted = holm([r["p_value"] for r in family])
        for r, ph in zip(family, adjusted):
            r["p_holm"] = ph
        rows += family
    return pd.DataFrame(rows, columns=LEAK_TEST_COLUMNS)


def guarantee_table(summary: pd.DataFrame, experiments: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per theory-normalized experiment and network seed: the fraction of its
    pruning draws whose spectral eps is at most the requested theory_eps (``held``), and
    the kept entries against the theorem's count k N log N / eps^2 (``theory_count``;
    unordered pairs x 2, the entries of a symmetric matrix)."""
    rows = []
    frame = select(summary, list(experiments))
    for (network, seed), group in frame.groupby(["network", "seed"], sort=True):
        exp = experiments[network]
        k, eps, n = float(exp["theory_k"]), float(exp["theory_eps"]), int(group["n"].iloc[0])
        held = int((group["spectral_eps"] <= eps).sum())
        count = 2 * k * n * math.log(n) / eps**2
        kept = float(group["edges_kept"].mean())
        rows.append(dict(network=network, n=n, seed=int(seed), theory_k=k, theory_eps=eps, draws=len(group), held=held,
                         held_fraction=held / len(group), spectral_eps_median=float(group["spectral_eps"].median()),
                         spectral_eps_max=float(group["spectral_eps"].max()),
                         edges_original=int(group["edges_original"].iloc[0]), edges_kept_mean=kept,
                         kept_fraction_mean=kept / float(group["edges_original"].iloc[0]), theory_count=count,
                         kept_over_theory=kept / count))
    return pd.DataFrame(rows, columns=GUARANTEE_COLUMNS)
