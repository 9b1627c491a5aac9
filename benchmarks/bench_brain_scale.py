"""Cost of the brain-scale sparse path against N, and of one simulation step against
scipy's sparse-times-dense product on the same machine.

For each N (sparse_clustered, clusters of 100, 80 within-cluster and 20 long-range
synapses per neuron: about 100 N synapses) it times, medians over ``--repeats``:

- ``product``: scipy's CSR (float32) @ dense (N x replicas, float32), the baseline;
- ``step``: one step of :func:`noiseprune.covariance.on_edges` (product, noise, and the
  edge sums every ``--sample-every`` steps): the time of a run of 2 x ``--steps`` steps
  minus that of ``--steps`` steps, over ``--steps`` (the set-up cancels);
- ``network`` (once): :func:`noiseprune.networks.sparse_clustered`;
- ``slowest`` (``--eigen``, once): :func:`noiseprune.spectra.slowest` (k = 20) by each
  eigensolver, up to ``--eigen-max-n`` for the slow ones;

then fits log(seconds) against log(synapses) for the step and the network. Printed and
written to benchmarks/out/brain_scale.json:

    .venv/bin/python benchmarks/bench_brain_scale.py --sizes 1000 10000 100000 [--eigen]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from noiseprune import covariance, networks, spectra


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000, 30000, 100000])
    parser.add_argument("--replicas", type=int, default=16)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--sample-every", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--eigen", action="store_true")
    parser.add_argument("--eigen-max-n", type=int, default=10000)
    args = parser.parse_args()
    rows = []
    with threadpool_limits(1):
        for n in args.sizes:
            t_net, A = timed(networks.sparse_clustered, [100], repeat=n // 100, within=80, long_range=20,
                             rng=np.random.default_rng(0))
            S = sp.csr_array(0.02 * A, dtype=np.float32)
            X = np.random.default_rng(1).standard_normal((n, args.replicas)).astype(np.float32)
            product = statistics.median(timed(S.__matmul__, X)[0] for _ in range(max(5, args.repeats)))
            def run(steps):
                return timed(covariance.on_edges, A, duration=steps * 0.02 * args.replicas, dt=0.02, burn_in=0.0,
                             replicas=args.replicas, sample_every=args.sample_every, rng=np.random.default_rng(2))[0]

            # the difference of a run of 2s and one of s steps: the steps alone, not the set-up
            # (the stability check, the synapse list) that every run pays once
            steps = [(run(2 * args.steps) - run(args.steps)) / args.steps for _ in range(args.repeats)]
            row = {"n": n, "synapses": int(A.nnz - n), "network_s": t_net, "product_s": product,
                   "step_s": statistics.median(steps)}
            row["step_over_product"] = row["step_s"] / product
            if args.eigen:
                for method in spectra.SLOWEST_METHODS:
                    if method != "lanczos" and n > args.eigen_max_n:
                        continue
                    row[f"slowest_{method}_s"] = timed(spectra.slowest, A, 20, method=method)[0]
            print(json.dumps(row), flush=True)
            rows.append(row)
    syn = np.log([r["synapses"] for r in rows])
    fit = {key: float(np.polyfit(syn, np.log([r[key] for r in rows]), 1)[0]) for key in ("step_s", "network_s", "product_s")} if len(rows) > 1 else {}
    print("log-log slope against synapses:", json.dumps(fit))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "brain_scale.json").write_text(json.dumps({"rows": rows, "slopes": fit, "args": vars(args)}, indent=1))


if __name__ == "__main__":
    main()
