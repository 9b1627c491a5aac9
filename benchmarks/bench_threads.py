"""Threads where they pay: one 2-thread job after another against two 1-thread jobs at once.

A job here is what one prune_measure job of the workflow does (``workflow/scripts/
prune_measure.py``): load A, C and the eigendecomposition, keep probabilities, then for
every pruning seed the pruned network and its spectral metrics, each written to disk.
Inputs are read from an existing results directory (``make reproduce`` of the default
config, or the part of it that ran). For each workload two different jobs (two keep
fractions) are timed as a pair:

- ``serial_2threads``: the two jobs one after the other, BLAS threads 2 (today's N >= 1000);
- ``parallel_1thread``: the two jobs at the same time, BLAS threads 1 each.

Whole-process wall times (Python start-up and imports included), medians of
``--repeats``, written to benchmarks/out/threads.json:

    .venv/bin/python benchmarks/bench_threads.py --results results --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name: (experiment, seed, method, keep fractions of the pair, pruning seeds, metrics)
WORKLOADS = {
    "sweep2000": ("sweep2000", 0, "noise", (0.1, 0.2), (0, 1, 2), "full"),
    "paper3000": ("paper3000", 0, "noise", (0.03, 0.05), (0, 1, 2), "full"),
    "scaling4000": ("scaling_N4000", 1, "noise", (0.1, 0.2), (0,), "eps"),
    "scaling8000": ("scaling_N8000", 0, "noise", (0.1, 0.2), (0,), "eps"),
}


def job(results: str, exp: str, seed: int, method: str, keep: float, pseeds: str, metrics: str, out: str) -> None:
    """One prune_measure job (run in its own process by :func:`start`)."""
    import numpy as np

    from noiseprune import draws, io
    from noiseprune.pipeline import draw_rows

    base = Path(results)
    A = io.load_dense(base / "networks" / exp / f"seed{seed}" / "A.npy")
    C = io.load_dense(base / "covariance" / exp / f"seed{seed}" / "exact.npy") if method == "noise" else None
    eig = None
    if metrics == "full":
        cached = io.load_arrays(base / "spectra" / exp / f"seed{seed}" / "original.npz")
        eig = (cached["w"], cached["V"])
    seeds = [int(s) for s in pseeds.split(",")]
    rngs = [np.random.default_rng([s, seed]) for s in seeds]
    probability = {"method": method, "keep_fraction": keep, "normalization": "exact"}
    P, results_iter = draws.prune_and_measure(
        A, C, probability=probability, diagonal="row_sum", rngs=rngs,
        measure=draws.spectral(A, eig=eig, metrics=metrics),
    )
    out = Path(out)
    io.save_sparse(out / "P.npz", P)
    for s, (A_sparse, result) in zip(seeds, results_iter):
        io.save_sparse(out / f"pruned{s}.npz", A_sparse)
        ids = {"network": exp, "n": A.shape[0], "seed": seed, "covariance": "exact", "method": method,
               "keep_fraction": keep, "prune_seed": s}
        io.save_table(out / f"eigen{s}.parquet", draw_rows.eigen_columns(ids, result))


def start(threads: int, args: tuple, out: Path) -> subprocess.Popen:
    exp, seed, method, keep, pseeds, metrics, results = args
    code = (
        "import sys, numpy, scipy.linalg; from threadpoolctl import threadpool_limits; "
        f"threadpool_limits({threads}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
        "import bench_threads as b; "
        f"b.job({results!r}, {exp!r}, {seed}, {method!r}, {keep}, {pseeds!r}, {metrics!r}, {str(out)!r})"
    )
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)


def timed_pair(threads: int, parallel: bool, pair: list[tuple], tmp: Path) -> float:
    begin = time.perf_counter()
    if parallel:
        procs = [start(threads, args, tmp / f"job{k}") for k, args in enumerate(pair)]
        codes = [p.wait() for p in procs]
    else:
        codes = [start(threads, args, tmp / f"job{k}").wait() for k, args in enumerate(pair)]
    if any(codes):
        raise RuntimeError(f"a job failed: {codes}")
    return time.perf_counter() - begin


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default="results", help="results directory holding the inputs")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    args = ap.parse_args()
    report = {}
    with tempfile.TemporaryDirectory(prefix="bench_threads_") as tmp:
        for name in args.workloads.split(","):
            exp, seed, method, keeps, pseeds, metrics = WORKLOADS[name]
            pair = [(exp, seed, method, k, ",".join(map(str, pseeds)), metrics, args.results) for k in keeps]
            runs = {"serial_2threads": [], "parallel_1thread": []}
            for r in range(args.repeats):
                runs["serial_2threads"].append(timed_pair(2, False, pair, Path(tmp)))
                runs["parallel_1thread"].append(timed_pair(1, True, pair, Path(tmp)))
                print(name, r, {k: round(v[-1], 2) for k, v in runs.items()}, flush=True)
            med = {k: statistics.median(v) for k, v in runs.items()}
            report[name] = {"median_s": med, "runs": runs, "ratio_parallel_over_serial": med["parallel_1thread"] / med["serial_2threads"]}
            print(name, json.dumps(report[name]["median_s"]), f"ratio {report[name]['ratio_parallel_over_serial']:.2f}", flush=True)
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "threads.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
