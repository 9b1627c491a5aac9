"""Benchmarks of the noiseprune library against baselines measured in the same run.

Run:  .venv/bin/python benchmarks/bench_library.py [--repeats 3] [--skip-large] [--out benchmarks/out/library.json]

Every figure is a median over ``--repeats`` runs (the N = 10000 check runs once: it is
minutes long). Ratios compare against baselines timed in this same process, so they
hold on whatever machine runs the script:

1. paper2000: the N = 2000 paper workload (network, exact covariance, noise-prune and
   weight control at 20 %, spectra of both, 20 trials x 8001 steps of trajectory error
   for the original and both pruned networks) against a re-implementation of the
   authors' approach (full non-symmetric eigendecompositions, scipy's Lyapunov solver,
   one trial at a time with dense mat-vecs). The baseline's trajectory cost is linear in
   the number of trials, so it is timed on ``--baseline-trials`` trials and scaled to 20.
2. trajectory floor: our trajectory stage against the same number of dense float64
   (N x N) @ (N x trials) products (3 networks x 8000 steps, timed on a tenth of them
   and scaled), the floor of any batched dense simulation.
3. lyapunov1000: general (non-symmetric) exact covariance at N = 1000 against
   scipy.linalg.solve_continuous_lyapunov, with both relative residuals.
4. empirical2000: achieved float64 flop rate of the empirical covariance at N = 2000
   (2 N^2 R per step for the propagation + N^2 R per sample for the covariance) against
   the measured rate of a square float64 matrix product of the same N.
6. relu2000: one rectified-linear draw at N = 2000 (fixed point, Jacobian eigenvalues,
   linearized covariance, noise-prune at 10 %, the relu metrics of the pruned network)
   against one linear draw of the same network in the same run (exact covariance,
   eigendecomposition, noise-prune at 10 %, spectra.compare), with every neuron active
   and with about 40 % active; target: at most 2x.
5. large10000: symmetric N = 10000 paper network + exact covariance + one pruning at 3 %
   + every spectral metric, wall time and peak resident memory (in a child process).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.linalg as la

from noiseprune import covariance, dynamics, networks, pruning, rectified, spectra

CLUSTERS_2000 = [1000, 200, 800]
DYN = dict(trials=20, steps=8001, dt=0.005, noise_std=0.01, background=2e-4)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


# ----------------------------------------------------------------------------- ours
def ours_setup(seed: int):
    A = networks.clustered(CLUSTERS_2000, density=0.6, long_range=5000, rng=np.random.default_rng(seed))
    C = covariance.exact(A)
    eig = spectra.eigendecompose(A)
    pruned, results = [], {}
    for method in ("noise", "weight"):
        P = pruning.probabilities(A, C, method=method, keep_fraction=0.2)
        As = pruning.prune(A, P, rng=np.random.default_rng(seed + 1))
        results[method] = spectra.compare(A, As, eig=eig)
        pruned.append(As)
    return A, pruned, results


def ours_trajectories(A, pruned, seed: int):
    return dynamics.trajectory_error(A, pruned, rng=np.random.default_rng(seed + 2), **DYN)


# ------------------------------------------------------------------------- baseline
def authors_setup(seed: int):
    """The authors' approach: full dense eigendecompositions, scipy Lyapunov, dense masks."""
    rng = np.random.default_rng(seed)
    n = sum(CLUSTERS_2000)
    W = np.zeros((n, n))
    off = 0
    for c in CLUSTERS_2000:
        iu = np.triu_indices(c, 1)
        pick = rng.choice(len(iu[0]), size=round(0.6 * len(iu[0])), replace=False)
        i, j = iu[0][pick] + off, iu[1][pick] + off
        W[i, j] = rng.normal(1, 1, size=len(i))
        W[j, i] = W[i, j]
        off += c
    iu = np.triu_indices(n, 1)
    pick = rng.choice(len(iu[0]), size=2500, replace=False)
    W[iu[0][pick], iu[1][pick]] += rng.uniform(0, 1, size=2500)
    W = np.triu(W) + np.triu(W, 1).T
    W /= 1.1 * np.max(np.linalg.eigvals(W).real)
    A = W - np.diag(np.abs(W).sum(axis=1))
    C = la.solve_continuous_lyapunov(A, -np.eye(n))
    w, V = np.linalg.eig(A)
    pruned = []
    for method in ("noise", "weight"):
        s = np.sign(A)
        q = np.abs(A) * (np.diag(C)[:, None] + np.diag(C)[None, :] - 2 * s * C) if method == "noise" else np.abs(A)
        np.fill_diagonal(q, 0)
        P = np.minimum(1, 0.2 * np.count_nonzero(q) * q / q.sum())
        keep = np.triu(rng.random((n, n)) < P, 1)
        keep = keep | keep.T
        As = np.where(keep, A / np.where(P > 0, P, 1), 0.0)
        np.fill_diagonal(As, -np.abs(As).sum(axis=1))
        mu = np.linalg.eigvals(As)
        _ = np.sort(mu.real) / np.sort(w.real) - 1
        pruned.append(As)
    return A, pruned


def authors_trajectories(A, pruned, trials: int, seed: int):
    """One trial at a time, a dense mat-vec per network and step."""
    rng = np.random.default_rng(seed)
    n = A.shape[0]
    dt, sigma, b, steps = DYN["dt"], DYN["noise_std"], DYN["background"], DYN["steps"]
    err = np.zeros((len(pruned), trials, steps))
    for trial in range(trials):
        x0 = rng.uniform(0, 1, n)
        xs = [x0.copy() for _ in range(len(pruned) + 1)]
        mats = [A, *pruned]
        for t in range(1, steps):
            xi = rng.standard_normal(n)
            for k, M in enumerate(mats):
                xs[k] = xs[k] + dt * (M @ xs[k] + b) + math.sqrt(dt) * sigma * xi
            for k in range(len(pruned)):
                err[k, trial, t] = np.linalg.norm(xs[0] - xs[k + 1]) / np.linalg.norm(xs[0])
    return err


def dense_floor(n: int, products: int, trials: int) -> float:
    """Time of ``products`` dense float64 (n x n) @ (n x trials) products."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((n, n)) / n
    X = rng.standard_normal((n, trials))
    t = time.perf_counter()
    for _ in range(products):
        X = M @ X
    return time.perf_counter() - t


def square_gemm_rate(n: int) -> float:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    times = [timed(np.matmul, a, b)[0] for _ in range(5)]
    return 2 * n**3 / statistics.median(times)


def median_of(values):
    return statistics.median(values)


# --------------------------------------------------------------------------- checks
def bench_paper2000(repeats: int, baseline_trials: int) -> dict:
    setup, traj, base_setup, base_traj, floor = [], [], [], [], []
    for r in range(repeats):
        t_setup, (A, pruned, results) = timed(ours_setup, r)
        t_traj, _ = timed(ours_trajectories, A, pruned, r)
        # the floor is linear in the number of products: time a tenth of them, scale by 10
        t_floor = 10 * dense_floor(A.shape[0], 3 * (DYN["steps"] - 1) // 10, DYN["trials"])
        tb_setup, (Ab, pb) = timed(authors_setup, r)
        tb_traj, _ = timed(authors_trajectories, Ab, pb, baseline_trials, r)
        setup.append(t_setup)
        traj.append(t_traj)
        floor.append(t_floor)
        base_setup.append(tb_setup)
        base_traj.append(tb_traj * DYN["trials"] / baseline_trials)
        print(
            f"  repeat {r}: ours setup {t_setup:.1f}s traj {t_traj:.1f}s | floor {t_floor:.1f}s | "
            f"authors setup {tb_setup:.1f}s traj {base_traj[-1]:.1f}s (from {baseline_trials} trials)",
            flush=True,
        )
    ours_total = median_of([s + t for s, t in zip(setup, traj)])
    base_total = median_of([s + t for s, t in zip(base_setup, base_traj)])
    base_step = median_of(base_traj) / (3 * DYN["trials"] * (DYN["steps"] - 1))
    return {
        "ours_setup_s": median_of(setup),
        "ours_trajectories_s": median_of(traj),
        "ours_total_s": ours_total,
        "authors_setup_s": median_of(base_setup),
        "authors_trajectories_s": median_of(base_traj),
        "authors_ms_per_network_step_trial": 1e3 * base_step,
        "authors_total_s": base_total,
        "speedup": base_total / ours_total,
        "trajectory_floor_s": median_of(floor),
        "trajectory_over_floor": median_of(traj) / median_of(floor),
    }


def bench_lyapunov(repeats: int) -> dict:
    A = networks.clustered([500, 100, 400], long_range=2500, symmetric=False, rng=np.random.default_rng(0))
    ours, ref = [], []
    for _ in range(repeats):
        t, C = timed(covariance.exact, A)
        ours.append(t)
        t, X = timed(la.solve_continuous_lyapunov, A, -np.eye(A.shape[0]))
        ref.append(t)
    return {
        "ours_s": median_of(ours),
        "scipy_s": median_of(ref),
        "speedup": median_of(ref) / median_of(ours),
        "ours_residual": covariance.lyapunov_residual(A, C),
        "scipy_residual": covariance.lyapunov_residual(A, X),
    }


def bench_empirical(repeats: int, replicas: int = 64, duration: float = 64.0) -> dict:
    n = 2000
    A = networks.clustered(CLUSTERS_2000, long_range=5000, rng=np.random.default_rng(0))
    dt = 0.005
    steps = int(round(duration / replicas / dt))
    flops = steps * (2 * n * n * replicas + n * n * replicas)
    times = [
        timed(covariance.empirical, A, duration=duration, dt=dt, burn_in=0.0, replicas=replicas, rng=np.random.default_rng(r))[0]
        for r in range(repeats)
    ]
    rate = flops / median_of(times)
    peak = square_gemm_rate(n)
    return {
        "replicas": replicas,
        "steps": steps,
        "seconds": median_of(times),
        "gflops": rate / 1e9,
        "matmul_gflops": peak / 1e9,
        "fraction_of_matmul": rate / peak,
    }


def linear_draw(A, seed: int):
    C = covariance.exact(A)
    eig = spectra.eigendecompose(A)
    As = pruning.prune(A, pruning.probabilities(A, C, method="noise", keep_fraction=0.1), rng=np.random.default_rng(seed))
    return spectra.compare(A, As, eig=eig)


def relu_draw(A, b, seed: int):
    x = rectified.fixed_point(A, b)
    w = rectified.jacobian_eigenvalues(A, rectified.active_set(A, x, b))
    C = covariance.linearized(A, b)
    As = pruning.prune(A, pruning.probabilities(A, C, method="noise", keep_fraction=0.1), rng=np.random.default_rng(seed))
    return rectified.compare(A, As, b, x_star=x, eigenvalues=w)


def bench_relu(repeats: int) -> dict:
    A = networks.clustered(CLUSTERS_2000, long_range=5000, rng=np.random.default_rng(0))
    out = {}
    for regime, (mean, std) in {"all_active": (1.0, 0.25), "active40": (-0.5, 1.0)}.items():
        b = np.random.default_rng(1).normal(mean, std, A.shape[0])
        lin, relu = [], []
        for r in range(repeats):
            lin.append(timed(linear_draw, A, r)[0])
            t, res = timed(relu_draw, A, b, r)
            relu.append(t)
        print(f"  {regime}: linear {lin} relu {relu}", flush=True)
        out[regime] = {
            "active_fraction": res["active_fraction"],
            "linear_draw_s": median_of(lin),
            "relu_draw_s": median_of(relu),
            "ratio": median_of(relu) / median_of(lin),
        }
    out["max_ratio"] = max(v["ratio"] for v in out.values())
    return out


LARGE_CHILD = """
import resource, time, json, numpy as np
from noiseprune import networks, covariance, pruning, spectra
t0 = time.perf_counter(); stages = {}
def mark(name):
    stages[name] = time.perf_counter() - t0 - sum(stages.values())
A = networks.clustered([9000] + [100] * 10, density=0.6, long_range=5000, rng=np.random.default_rng(0)); mark("network")
C = covariance.exact(A); mark("covariance")
P = pruning.probabilities(A, C, method="noise", keep_fraction=0.03); del C; mark("probabilities")
As = pruning.prune(A, P, rng=np.random.default_rng(1)); del P; mark("prune")
r = spectra.compare(A, As); mark("spectra")
print(json.dumps({"seconds": time.perf_counter() - t0, "stages": stages,
                  "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                  "edges_kept_fraction": pruning.offdiag_nnz(As) / pruning.offdiag_nnz(A),
                  "max_abs_eig_err": float(np.max(np.abs(r["eig_err"]))), "spectral_eps": r["spectral_eps"]}))
"""


def bench_large() -> dict:
    out = subprocess.run([sys.executable, "-c", LARGE_CHILD], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-trials", type=int, default=2)
    ap.add_argument("--skip-large", action="store_true", help="skip the N = 10000 check (minutes)")
    ap.add_argument("--only", choices=["paper2000", "lyapunov1000", "empirical2000", "relu2000", "large10000"])
    ap.add_argument("--out", default="benchmarks/out/library.json")
    args = ap.parse_args(argv)

    report = {}
    checks = {
        "lyapunov1000": lambda: bench_lyapunov(args.repeats),
        "empirical2000": lambda: bench_empirical(args.repeats),
        "paper2000": lambda: bench_paper2000(args.repeats, args.baseline_trials),
        "relu2000": lambda: bench_relu(args.repeats),
        "large10000": bench_large,
    }
    for name, fn in checks.items():
        if (args.only and name != args.only) or (name == "large10000" and args.skip_large and args.only != name):
            continue
        print(f"{name} ...", flush=True)
        report[name] = fn()
        print(json.dumps(report[name], indent=2), flush=True)

    targets = []
    if "paper2000" in report:
        r = report["paper2000"]
        targets += [("paper2000 speedup >= 5", r["speedup"], r["speedup"] >= 5),
                    ("trajectory / floor <= 2", r["trajectory_over_floor"], r["trajectory_over_floor"] <= 2)]
    if "lyapunov1000" in report:
        r = report["lyapunov1000"]
        targets.append(("lyapunov faster than scipy, residual < 1e-8", r["speedup"], r["speedup"] > 1 and r["ours_residual"] < 1e-8))
    if "empirical2000" in report:
        r = report["empirical2000"]
        targets.append(("empirical >= 40% of matmul rate", r["fraction_of_matmul"], r["fraction_of_matmul"] >= 0.4))
    if "relu2000" in report:
        r = report["relu2000"]
        targets.append(("relu draw / linear draw <= 2", r["max_ratio"], r["max_ratio"] <= 2))
    if "large10000" in report:
        r = report["large10000"]
        targets += [("N=10000 under 300 s", r["seconds"], r["seconds"] < 300),
                    ("N=10000 peak under 12 GiB", r["peak_rss_gib"], r["peak_rss_gib"] < 12)]
    print("\ntarget                                        value      met")
    for name, value, ok in targets:
        print(f"{name:44s} {value:9.3f}   {'yes' if ok else 'NO'}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(ok for *_, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
