"""Tables of the task-trained experiment: ``results/tables/trained.csv``,
``trained_intervals.parquet``, ``trained_factors.csv`` (quantiles of the 1/p factors)
and ``trained_tests.csv`` (paired Wilcoxon tests against magnitude pruning), from the
JSON files of the probe and reduction jobs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from noiseprune.pipeline.stats import holm
from noiseprune.trained import reducers
from noiseprune.trained.experiment import ID_COLUMNS, INTERVAL_COLUMNS, METRIC_COLUMNS, ORIGINAL, SUBSPACE_COLUMNS

#: The reference of the paired tests: magnitude pruning, the top |w| kept unchanged
#: (reducer weight, variant rank; the later study's magnitude baseline).
BASELINE = ("weight", "none", "rank")
#: A network's key: its name (one per task) and its seed.
NETWORK = ["network", "seed"]


def frames(docs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, intervals) from documents ``{"rows": [...], "produced": [[...]], "interval": [...]}``.

    Rows are sorted by network, seed, reducer (the original first, then registry order),
    covariance, rescale, keep fraction (descending), pruning seed, retrained. ``retention``
    is a row's task accuracy over its original network's (empty where that is 0).
    """
    rows, per_trial = [], []
    for doc in docs:
        for r, produced in zip(doc["rows"], doc["produced"]):
            rows.append(r)
            if len(doc["interval"]):
                ids = {k: r[k] for k in ID_COLUMNS}
                per_trial.append(pd.DataFrame({**ids, "interval": doc["interval"], "produced": produced}))
    columns = [*ID_COLUMNS, *METRIC_COLUMNS, *INTERVAL_COLUMNS, *SUBSPACE_COLUMNS]
    table = pd.DataFrame(rows, columns=columns)
    order = {name: i for i, name in enumerate((ORIGINAL, *reducers.names()))}
    key = table["reducer"].map(lambda r: order.get(r, len(order)))
    table = table.assign(_order=key).sort_values(
        ["network", "seed", "_order", "covariance", "rescale", "keep_fraction", "prune_seed", "retrained"],
        ascending=[True, True, True, True, True, False, True, True], kind="stable",
    ).drop(columns="_order").reset_index(drop=True)
    if not np.isfinite(table[list(METRIC_COLUMNS)].to_numpy(dtype=float)).all():
        raise ValueError("trained table: a metric is not finite")
    originals = table[table["reducer"] == ORIGINAL].set_index(NETWORK)["task_accuracy"]
    missing = set(map(tuple, table[NETWORK].to_numpy())) - set(originals.index)
    if missing:
        raise ValueError(f"trained table: no original row for network/seed {sorted(missing)[0]}")
    before = pd.Series(list(zip(table["network"], table["seed"]))).map(originals).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["retention"] = np.where(before > 0, table["task_accuracy"].to_numpy(dtype=float) / before, np.nan)
    intervals = pd.concat(per_trial, ignore_index=True) if per_trial else pd.DataFrame(columns=[*ID_COLUMNS, "interval", "produced"])
    return table, intervals


def factor_frame(docs) -> pd.DataFrame:
    """One row per rescaled reduction: its ids and the quantiles of its factors w'/w."""
    rows = []
    for doc in docs:
        for variant, quantiles in (doc.get("factors") or {}).items():
            first = next(r for r in doc["rows"] if r["rescale"] == variant)
            rows.append({**{k: first[k] for k in ID_COLUMNS if k != "retrained"}, **quantiles})
    return pd.DataFrame(rows)


def wilcoxon_tests(table: pd.DataFrame, baseline=BASELINE) -> pd.DataFrame:
    """Paired Wilcoxon signed-rank tests (scipy.stats.wilcoxon, two-sided) of every
    reduction's retention against the baseline's on the same networks, per keep fraction,
    per task and pooled over tasks (``task`` = "all"); a network's retention is its mean
    over pruning seeds; no retraining. Holm-corrected within each task scope (every
    reducer and keep fraction of it). Empty when the baseline was not run."""
    from scipy.stats import wilcoxon  # here, as in pipeline.stats: plotting imports this module, and scipy.stats takes 0.3 s

    rows = table[(table["reducer"] != ORIGINAL) & ~table["retrained"].astype(bool)].dropna(subset=["retention"])
    keys = ["reducer", "covariance", "rescale", "keep_fraction"]
    per_net = rows.groupby([*keys, "task", *NETWORK], as_index=False)["retention"].mean()
    is_base = (per_net["reducer"] == baseline[0]) & (per_net["covariance"] == baseline[1]) & (per_net["rescale"] == baseline[2])
    base = per_net[is_base].set_index(["keep_fraction", *NETWORK])["retention"]
    out = []
    if base.empty:
        return pd.DataFrame(columns=["task", *keys, "networks", "wins", "losses", "median_difference",
                                     "mean_retention", "baseline_retention", "p_value", "p_holm"])
    scopes = [("all", per_net)] + [(t, per_net[per_net["task"] == t]) for t in sorted(per_net["task"].unique())]
    if per_net["task"].nunique() == 1:
        scopes = scopes[1:]
    for scope, frame in scopes:
        found = []
        for key, group in frame[~is_base.loc[frame.index]].groupby(keys, sort=False):
            idx = [(key[3], n, s) for n, s in zip(group["network"], group["seed"])]
            paired = base.reindex(idx).to_numpy(dtype=float)
            ok = np.isfinite(paired)
            x, y = group["retention"].to_numpy(dtype=float)[ok], paired[ok]
            if x.size == 0:
                continue
            d = x - y
            p = float(wilcoxon(x, y).pvalue) if np.any(d != 0) else 1.0
            found.append(dict(task=scope, **dict(zip(keys, key)), networks=int(x.size), wins=int((d > 0).sum()),
                              losses=int((d < 0).sum()), median_difference=float(np.median(d)),
                              mean_retention=float(x.mean()), baseline_retention=float(y.mean()), p_value=p))
        if found:
            adjusted = holm([f["p_value"] for f in found])
            for f, a in zip(found, adjusted):
                f["p_holm"] = float(a)
            out.extend(found)
    return pd.DataFrame(out)


SCHEDULE_COLUMNS = ("network", "task", "seed", "reducer", "covariance", "rescale", "schedule_step", "keep_fraction",
                    "weights_kept", "kept_density", "task_accuracy", "retention")


def schedule_frame(schedule_docs, docs) -> pd.DataFrame:
    """One row per step of every iterative loop, with its retention against the original
    network (from the originals among ``docs``); empty (with its columns) when none ran."""
    rows = [r for doc in schedule_docs for r in doc["rows"]]
    if not rows:
        return pd.DataFrame(columns=list(SCHEDULE_COLUMNS))
    originals = {(r["network"], r["seed"]): r["task_accuracy"] for doc in docs for r in doc["rows"]
                 if r["reducer"] == ORIGINAL}
    frame = pd.DataFrame(rows)
    before = np.array([originals.get((n, s), np.nan) for n, s in zip(frame["network"], frame["seed"])], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["retention"] = np.where(before > 0, frame["task_accuracy"] / before, np.nan)
    return frame[list(SCHEDULE_COLUMNS)].sort_values(
        ["network", "seed", "reducer", "covariance", "schedule_step"], kind="stable").reset_index(drop=True)


#: Mean retention over the networks that trained_reach.csv asks a reduction to keep.
REACH_RETENTION = 0.9
REACH_MODES = ("none", "fine-tune", "loop")


def reach_frame(table: pd.DataFrame, schedule: pd.DataFrame, level: float = REACH_RETENTION) -> pd.DataFrame:
    """trained_reach.csv: how far each reduction goes while the networks keep ``level`` of
    their accuracy. Per reducer, covariance, variant and mode (``none``: no retraining;
    ``fine-tune``: the retrained rows, one fine-tune with the mask fixed; ``loop``: the
    iterative loop of trained_schedule.csv), going down the keep fractions from the
    largest: the last one before the mean retention over the networks (each network
    averaged over its pruning seeds) first falls below ``level`` (NaN when it is below
    at the largest), the fraction pruned there, that mean retention, the networks and
    the keep fractions tried."""
    rows = table[table["reducer"] != ORIGINAL].dropna(subset=["retention"])
    retrained = rows["retrained"].astype(bool)
    sources = {"none": rows[~retrained], "fine-tune": rows[retrained], "loop": schedule.dropna(subset=["retention"])}
    keys = ["reducer", "covariance", "rescale"]
    out = []
    for mode in REACH_MODES:
        frame = sources[mode]
        if frame.empty:
            continue
        per_net = frame.groupby([*keys, "keep_fraction", *NETWORK], as_index=False)["retention"].mean()
        for key, group in per_net.groupby(keys, sort=True):
            means = group.groupby("keep_fraction")["retention"].mean().sort_index(ascending=False)
            reached, kept = np.nan, np.nan
            for keep, mean in means.items():
                if mean < level:
                    break
                reached, kept = float(keep), float(mean)
            out.append(dict(zip(keys, key), mode=mode, keep_fraction=reached, pruned=1.0 - reached, retention=kept,
                            networks=len(group[NETWORK].drop_duplicates()), keep_fractions=len(means)))
    return pd.DataFrame(out, columns=[*keys, "mode", "keep_fraction", "pruned", "retention", "networks", "keep_fractions"])
