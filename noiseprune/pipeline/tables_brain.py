"""Tables of the brain_scale section (``tables/brain_*.csv``), from the JSON files of its
jobs (:func:`noiseprune.brain_scale.run`, :func:`noiseprune.brain_scale.accuracy`).

brain_scale.csv   one row per (size, seed, method, pruning seed): synapses kept, the
                  median and largest relative error of the k slowest and k fastest
                  eigenvalues, the spectral eps (empty where LOBPCG did not converge), the
                  trajectory error at the end of the run
brain_eigen.csv   one row per eigenvalue: original and pruned (real part; imaginary part)
brain_accuracy.csv  per (seed, duration): median and 90th percentile of the relative error
                  of C_ii + C_jj - 2 sign(a_ij) C_ij against the exact covariance
brain_cost.csv    per (size, seed): synapses, peak memory, the seconds of every stage and
                  the job's CPU seconds in all (its BLAS is one thread: on an idle core
                  the wall time)
brain_digest.csv  medians per size and method; noise-prune against each control on the
                  same draws, pooled over sizes (Wilcoxon signed-rank, Holm-corrected)
brain_online.csv  (brain_scale.online) one row per (seed, pruning seed, warm-up): the
                  slowest-mode errors, kept fraction and decisions of the online rule;
                  the once-at-the-end run has once_at_end = True
brain_online_digest.csv  medians per warm-up; each warm-up against once at the end on
                  the same draws (Wilcoxon signed-rank, Holm-corrected over the warm-ups)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from noiseprune.pipeline.stats import holm

STAGES = ("network", "covariance", "eigenvalues", "probabilities", "prune", "metrics", "dynamics")


def _parts(values) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts of eigenvalues stored as floats or [re, im] pairs."""
    arr = np.array([v if isinstance(v, list) else [v, 0.0] for v in values], dtype=float).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def frames(name: str, results: list[tuple[int, int, dict]], accuracies: list[tuple[int, dict]]) -> dict[str, pd.DataFrame]:
    """The four tables from ``results`` [(size, seed, doc)] and ``accuracies`` [(seed, doc)]."""
    rows, eigen, cost = [], [], []
    for size, seed, doc in results:
        ids = {"network": name, "n": int(doc["n"]), "seed": int(seed)}
        cost.append({**ids, "synapses": doc["synapses"], "peak_rss_mb": doc.get("peak_rss_mb", np.nan),
                     **{f"seconds_{s}": doc["seconds"].get(s, 0.0) for s in STAGES},
                     "seconds_total": float(sum(doc["seconds"].values())),
                     "cpu_seconds_total": float(sum(doc["cpu_seconds"].values())) if "cpu_seconds" in doc else np.nan})
        for end in ("slowest", "fastest"):
            re, im = _parts(doc["eigenvalues"][end])
            eigen += [{**ids, "method": "original", "prune_seed": -1, "end": end, "rank": k, "real": r, "imag": i}
                      for k, (r, i) in enumerate(zip(re, im))]
        for r in doc["rows"]:
            rows.append({**ids, "method": r["method"], "prune_seed": r["prune_seed"], "synapses": doc["synapses"],
                         "edges_kept": r["edges_kept"],
                         "median_slowest_err": float(np.median(r["slowest_err"])),
                         "max_slowest_err": float(np.max(r["slowest_err"])),
                         "median_fastest_err": float(np.median(r["fastest_err"])),
                         "max_fastest_err": float(np.max(r["fastest_err"])),
                         "spectral_eps": np.nan if r["spectral_eps"] is None else r["spectral_eps"],
                         "trajectory_error": r["trajectory_error"]})
            for end in ("slowest", "fastest"):
                re, im = _parts(r[f"{end}_pruned"])
                eigen += [{**ids, "method": r["method"], "prune_seed": r["prune_seed"], "end": end, "rank": k,
                           "real": a, "imag": b} for k, (a, b) in enumerate(zip(re, im))]
    accuracy = [{"network": name, "n": int(doc["n"]), "seed": int(seed), **row} for seed, doc in accuracies for row in doc["rows"]]
    out = {
        "brain_scale": pd.DataFrame(rows).sort_values(["n", "seed", "method", "prune_seed"], kind="stable"),
        "brain_eigen": pd.DataFrame(eigen),
        "brain_accuracy": pd.DataFrame(accuracy).sort_values(["seed", "duration"], kind="stable"),
        "brain_cost": pd.DataFrame(cost).sort_values(["n", "seed"], kind="stable"),
    }
    metrics = out["brain_scale"][["median_slowest_err", "max_slowest_err", "median_fastest_err", "trajectory_error"]]
    if not np.isfinite(metrics.to_numpy(dtype=float)).all():
        raise ValueError("brain_scale table: an eigenvalue or trajectory error is not finite")
    return {k: v.reset_index(drop=True) for k, v in out.items()}


#: Metrics the digest compares (lower is better for each).
DIGEST_METRICS = ("median_slowest_err", "median_fastest_err", "trajectory_error")


def digest(scale: pd.DataFrame, reference: str = "noise") -> pd.DataFrame:
    """brain_digest.csv: per size and method the median of each metric over the draws
    (network seeds x pruning seeds); then, pooled over the sizes, the paired comparison
    of ``reference`` with every other method on the same draws: the median of the
    paired differences (reference minus control), its draws, the two-sided Wilcoxon
    signed-rank p-value and its Holm correction over all (control, metric) comparisons
    of the table (rows with n = "all")."""
    rows = []
    for (n, method), group in scale.groupby(["n", "method"], sort=True):
        rows.append({"n": str(n), "method": method, "comparison": "median", "draws": len(group),
                     **{m: float(group[m].median()) for m in DIGEST_METRICS}})
    tests = []
    keys = ["n", "seed", "prune_seed"]
    ref = scale[scale["method"] == reference].set_index(keys)
    for control in sorted(set(scale["method"]) - {reference}):
        other = scale[scale["method"] == control].set_index(keys)
        both = ref.join(other, lsuffix="_ref", rsuffix="_ctl", how="inner")
        for metric in DIGEST_METRICS:
            diff = both[f"{metric}_ref"] - both[f"{metric}_ctl"]
            p = float(stats.wilcoxon(diff).pvalue) if len(diff) > 1 and np.any(diff != 0) else float("nan")
            tests.append({"n": "all", "method": f"{reference} - {control}", "comparison": metric,
                          "draws": len(diff), "median_difference": float(diff.median()), "p_wilcoxon": p})
    for t, h in zip(tests, holm([t["p_wilcoxon"] for t in tests])):
        t["p_holm"] = float(h)
    return pd.DataFrame(rows + tests)


#: Columns of brain_online.csv after the ids, and the metric its digest tests.
ONLINE_COLUMNS = ("median_slowest_err", "max_slowest_err", "median_fastest_err", "kept_fraction", "decided_early",
                  "mean_decision_time")
ONLINE_TESTED = "median_slowest_err"


def online_frame(name: str, results: list[tuple[int, dict]]) -> pd.DataFrame:
    """brain_online.csv from [(network seed, doc of :func:`noiseprune.brain_scale.online`)]."""
    rows = [{"network": name, "n": int(doc["n"]), "seed": int(seed), "synapses": int(doc["synapses"]), **row}
            for seed, doc in results for row in doc["rows"]]
    frame = pd.DataFrame(rows).sort_values(["seed", "prune_seed", "warm_up"], kind="stable").reset_index(drop=True)
    if not np.isfinite(frame[list(ONLINE_COLUMNS)].to_numpy(dtype=float)).all():
        raise ValueError("brain_online table: an error, fraction or decision time is not finite")
    return frame


def online_digest(online: pd.DataFrame) -> pd.DataFrame:
    """brain_online_digest.csv: per warm-up (once at the end last) the draws and the
    median of each column over them; for every warm-up before the end, the paired
    difference of its median slowest-mode error from the once-at-the-end run on the same
    draw (network seed, pruning seed: the same noise and decision draws): median
    difference, wins (online lower), losses, two-sided Wilcoxon signed-rank p and its
    Holm correction over the warm-ups."""
    keys = ["seed", "prune_seed"]
    end = online[online["once_at_end"]].set_index(keys)[ONLINE_TESTED]
    rows = []
    for warm_up, group in online.groupby("warm_up", sort=True):
        row = {"warm_up": float(warm_up), "once_at_end": bool(group["once_at_end"].all()), "draws": len(group),
               **{c: float(group[c].median()) for c in ONLINE_COLUMNS}}
        if not row["once_at_end"]:
            diff = (group.set_index(keys)[ONLINE_TESTED] - end).dropna()
            row.update(median_difference=float(diff.median()), wins=int((diff < 0).sum()), losses=int((diff > 0).sum()),
                       p_wilcoxon=float(stats.wilcoxon(diff).pvalue) if len(diff) > 1 and np.any(diff != 0) else np.nan)
        rows.append(row)
    out = pd.DataFrame(rows)
    if "p_wilcoxon" not in out:
        out["p_wilcoxon"] = np.nan
    out["p_holm"] = holm(out["p_wilcoxon"].to_numpy(dtype=float))
    return out
