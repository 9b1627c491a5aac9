"""How long must a rectified-linear network be simulated for its empirical covariance?

For each rectified-linear experiment of a config (default config.yaml; network seed
``--seed``): the network, its input b and fixed point exactly as the workflow builds
them, the linearized covariance (the exact reference), and ONE simulated run (the
workflow's float32 simulation, ``noiseprune.covariance.relu_covariances``, with the
experiment's dt, burn_in and replicas) read at each total observed duration T of
``--durations``. Each covariance then noise-prunes the network at every keep fraction
and pruning seed of the experiment, with the same pruning streams for every T, and the
pruned networks are measured as the workflow measures them (``rectified.compare``:
fixed-point error, Jacobian eigenvalue errors) plus the spectral eps of the pruned A.
Weight pruning, which reads no covariance, is the baseline.

    .venv/bin/python benchmarks/study_relu_duration.py                  # config.yaml
    .venv/bin/python benchmarks/study_relu_duration.py --durations 10,100,1000

Output: ``benchmarks/out/study_relu_duration.csv`` (one row per draw) and
``study_relu_duration.md``: medians over the draws per experiment and covariance, with
the relative Frobenius distance of C_T from the linearized C; the median over draws of
each metric's ratio to that of the same draw (keep fraction, pruning seed) pruned with
the linearized C; and per experiment the slowest Jacobian time constant
1/|Re lambda_max| and the simulation's wall time on one BLAS thread.
``--tables-only`` rewrites the draw tables from the csv (without the run summary).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from threadpoolctl import threadpool_limits

from noiseprune.pipeline import config as npconfig
from noiseprune import covariance, draws, networks, rectified, spectra
from noiseprune.seeding import pruning_rng, rng_for

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = npconfig.DEFAULT_SCHEMA


def study(name: str, exp: dict, seed: int, durations: list[float]) -> tuple[list[dict], list[dict]]:
    A = networks.build(exp["network"], rng=rng_for(seed, "network", name))
    n = A.shape[0]
    spec = exp["input"]
    b = rng_for(seed, "input", name).normal(spec["mean"], spec["std"], size=n)  # as rule fixed_point
    x = rectified.fixed_point(A, b)
    S = rectified.active_set(A, x, b)
    w = rectified.jacobian_eigenvalues(A, S)
    emp = exp["empirical"]
    replicas, dt = emp["replicas"], emp["dt"]
    counts = [int(round(T / replicas / dt)) for T in durations]
    start = time.perf_counter()
    simulated = covariance.relu_covariances(
        A, b, dt, int(round(emp["burn_in"] / dt)), counts, 1, replicas, rng_for(seed, "empirical", name, "study")
    )
    seconds = time.perf_counter() - start
    lin = covariance.linearized(A, b)
    covs = {"linearized": lin, **{f"T{T:g}": C for T, C in zip(durations, simulated)}, "none": None}
    factor = spectra.stiffness_factor(A)
    rows, summary = [], []
    for cov, C in covs.items():
        method = "weight" if C is None else "noise"
        for keep in exp["keep_fractions"]:
            probability = dict(method=method, keep_fraction=keep, normalization=exp["normalization"],
                               theory_k=exp["theory_k"], theory_eps=exp["theory_eps"])
            rngs = [pruning_rng(p, name, seed, "study", method, str(keep)) for p in exp["prune_seeds"]]
            _, results = draws.prune_and_measure(
                A, C, probability=probability, diagonal=exp["diagonal"], rngs=rngs,
                measure=lambda As: rectified.compare(A, As, b, x_star=x, eigenvalues=w),
            )
            for pseed, (As, r) in zip(exp["prune_seeds"], results):
                rows.append(dict(
                    experiment=name, seed=seed, covariance=cov, method=method, keep_fraction=keep, prune_seed=pseed,
                    spectral_eps=spectra.spectral_eps(A, As, factor=factor),
                    fixed_point_err=r["fixed_point_err"],
                    median_abs_jac_eig_err=float(np.nanmedian(np.abs(r["eig_err"]))),
                    status=r["status"],
                ))
        summary.append(dict(
            experiment=name, covariance=cov,
            c_rel_err=np.nan if C is None else float(np.linalg.norm(C - lin) / np.linalg.norm(lin)),
        ))
    info = dict(experiment=name, n=n, active_fraction=float(S.mean()),
                slowest_time_constant=float(1.0 / abs(w.real.max())), simulation_s=round(seconds, 1),
                simulated_time=float(emp["burn_in"] * replicas + durations[-1]))
    return rows, [dict(s, **info) for s in summary]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "config.yaml"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--durations", default="10,30,100,300,1000")
    ap.add_argument("--experiments", default="", help="comma-separated; default: every relu experiment")
    ap.add_argument("--tables-only", action="store_true", help="the draw tables from an earlier run's csv")
    args = ap.parse_args()
    out = ROOT / "benchmarks" / "out"
    if args.tables_only:
        lines = draw_tables(pd.read_csv(out / "study_relu_duration.csv"), None)
        print("\n".join(lines))
        return
    durations = sorted(float(t) for t in args.durations.split(","))
    prepared = npconfig.prepare(yaml.safe_load(Path(args.config).read_text()), schema=SCHEMA)
    chosen = [e for e in args.experiments.split(",") if e]
    experiments = {k: e for k, e in prepared["experiments"].items()
                   if e.get("dynamics_model") == "relu" and (not chosen or k in chosen)}
    rows, summary = [], []
    with threadpool_limits(1):  # one BLAS thread, as every workflow job
        for name, exp in experiments.items():
            r, s = study(name, exp, args.seed, durations)
            rows += r
            summary += s
            print(f"{name}: done ({s[0]['simulation_s']} s simulating)", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(rows)
    df.to_csv(out / "study_relu_duration.csv", index=False)
    lines = draw_tables(df, pd.DataFrame(summary))
    lines += ["", pd.DataFrame(summary).drop_duplicates("experiment")[
        ["experiment", "n", "active_fraction", "slowest_time_constant", "simulated_time", "simulation_s"]
    ].to_markdown(index=False, floatfmt=".4g")]
    (out / "study_relu_duration.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


METRICS = ["spectral_eps", "fixed_point_err", "median_abs_jac_eig_err"]


def draw_tables(df: pd.DataFrame, summary: pd.DataFrame | None) -> list[str]:
    """Medians per experiment and covariance, and medians of the per-draw ratios to the
    same draw pruned with the linearized covariance."""
    med = df.groupby(["experiment", "covariance"], sort=False)[METRICS].median().reset_index()
    if summary is not None:
        med = med.merge(summary[["experiment", "covariance", "c_rel_err"]], on=["experiment", "covariance"])
    keys = ["experiment", "keep_fraction", "prune_seed"]
    ref = df[df["covariance"] == "linearized"].set_index(keys)[METRICS]
    ratio = df.set_index(keys)[METRICS] / ref.reindex(df.set_index(keys).index).to_numpy()
    ratio["covariance"] = df["covariance"].to_numpy()
    ratios = ratio.reset_index().groupby(["experiment", "covariance"], sort=False)[METRICS].median().reset_index()
    return ["Medians over keep fractions x pruning seeds (noise pruning; `none`: weight pruning).", "",
            med.to_markdown(index=False, floatfmt=".4g"), "",
            "Median over draws of the ratio to the same draw pruned with the linearized C.", "",
            ratios.to_markdown(index=False, floatfmt=".3f")]


if __name__ == "__main__":
    main()
