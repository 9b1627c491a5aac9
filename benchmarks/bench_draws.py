"""Cost of one pruned draw's metrics at the paper's largest size, stage by stage.

Builds the N = 10000 network of the default config's paper10000 experiment, its
eigendecomposition (once, like the workflow's eigendecompose job), prunes it at 3 %
with the weight control, then times ``--repeats`` draws:

- ``compare_alone``: :func:`noiseprune.spectra.compare` as one job per draw did it
  (its own Cholesky factor of -A for the spectral eps);
- ``compare_shared``: the same with the factor computed once per network and shared,
  as :func:`noiseprune.draws.prune_and_measure` does for all pruning seeds of a job;
- the stages inside a draw: pruned eigenvalues, the sparse product A_sparse V for the
  eigenvector metrics, the spectral eps, and the Cholesky factor itself.

Medians over the repeats, in seconds, printed and written to benchmarks/out/draws.json:

    .venv/bin/python benchmarks/bench_draws.py --repeats 3 [--n-scale 1.0]

``--n-scale 0.3`` shrinks every cluster (a quick check of the script).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from noiseprune import networks, pruning, spectra

CLUSTERS_10000 = [9000] + [100] * 10


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n-scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2, help="BLAS threads, as the workflow's jobs at N >= 1000")
    args = ap.parse_args()
    clusters = [max(2, int(round(c * args.n_scale))) for c in CLUSTERS_10000]
    report = {"n": sum(clusters), "threads": args.threads}
    with threadpool_limits(args.threads):
        report["network_s"], A = timed(networks.clustered, clusters, density=0.6, long_range=5000,
                                       rng=np.random.default_rng(0))
        report["eigendecompose_s"], eig = timed(spectra.eigendecompose, A)
        P = pruning.probabilities(A, method="weight", keep_fraction=0.03)
        stages = {k: [] for k in ("compare_alone", "compare_shared", "factor", "eigvalsh", "sparse_times_V", "eps_shared")}
        for r in range(args.repeats):
            As = pruning.prune(A, P, rng=np.random.default_rng(r))
            t, _ = timed(spectra.compare, A, As, eig=eig)
            stages["compare_alone"].append(t)
            t, factor = timed(spectra.stiffness_factor, A)
            stages["factor"].append(t)
            t, _ = timed(spectra.compare, A, As, eig=eig, factor=factor)
            stages["compare_shared"].append(t)
            stages["eigvalsh"].append(timed(spectra.eigvalsh, As.toarray())[0])
            stages["sparse_times_V"].append(timed(spectra.sparse_times_dense, As, eig[1])[0])
            stages["eps_shared"].append(timed(spectra.spectral_eps, A, As, factor=factor)[0])
            print(f"repeat {r}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in stages.items()), flush=True)
    report.update({k: statistics.median(v) for k, v in stages.items()})
    report["runs"] = stages
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "draws.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
