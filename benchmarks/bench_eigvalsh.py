"""Eigenvalues of a large pruned network on one core: the LAPACK drivers compared.

A pruning job's full metrics need every eigenvalue of the pruned network (the median
and maximum of |mu_i / lambda_i - 1| over all i, and the per-eigenpair table), one
dense symmetric eigenvalue problem per draw. This times, on one BLAS thread, for the
weight-pruned version (keep fraction 0.03) of config.yaml's paper10000 network, seed
0 (one cluster of 90 % of N and ten of 1 %; exactly paper10000 at the default N = 10000): ``noiseprune.spectra.eigvalsh`` (the
two-stage dsyevd_2stage when available) and ``scipy.linalg.eigvalsh`` with
``driver="evd"``, ``"evr"`` (its default for eigenvalues only) and ``"ev"``, and the
largest difference of each from the first.

    .venv/bin/python benchmarks/bench_eigvalsh.py                 # N = 10000
    .venv/bin/python benchmarks/bench_eigvalsh.py --n 4000 --drivers evd,evr

Results go to ``benchmarks/out/eigvalsh_<n>.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import scipy.linalg as la
from threadpoolctl import threadpool_limits

from noiseprune import networks, pruning, spectra
from noiseprune.seeding import rng_for

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--keep", type=float, default=0.03)
    ap.add_argument("--drivers", default="2stage,evd,evr,ev")
    args = ap.parse_args()
    n = args.n
    sizes = [n - 10 * (n // 100)] + [n // 100] * 10  # paper10000's clusters at size n
    A = networks.build(dict(clusters=sizes, density=0.6, long_range=n // 2, symmetric=True, leak="row_sum"),
                       rng=rng_for(0, "network", "paper10000"))
    P = pruning.probabilities(A, None, method="weight", keep_fraction=args.keep, sparse=True)
    dense = pruning.prune(A, P, rng=np.random.default_rng(0)).toarray()
    del A, P
    report = {"n": n, "keep_fraction": args.keep, "seconds": {}, "max_abs_diff": {}}
    reference = None
    with threadpool_limits(1):
        for driver in args.drivers.split(","):
            M = dense.copy()
            start = time.perf_counter()
            if driver == "2stage":
                w = spectra.eigvalsh(M, overwrite=True)
            else:
                w = la.eigvalsh(M, driver=driver, check_finite=False, overwrite_a=True)
            seconds = time.perf_counter() - start
            reference = w if reference is None else reference
            report["seconds"][driver] = round(seconds, 1)
            report["max_abs_diff"][driver] = float(np.max(np.abs(w - reference)) / np.max(np.abs(reference)))
            print(driver, report["seconds"][driver], "s", flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"eigvalsh_{n}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
