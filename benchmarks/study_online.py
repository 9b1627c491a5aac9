"""Pruning online (synapses deciding while the network runs) against pruning once at the end.

For each network seed (``sparse_clustered``, symmetric, row-sum leak) and each pruning
seed s, :func:`noiseprune.pruning.online` runs with ``rng = default_rng(s)`` at every
warm-up of ``--warm-ups``; a warm-up at or beyond ``--duration`` makes no early
decision, which is pruning once at the end (``covariance.on_edges`` + ``probabilities``
+ ``prune``, the same decision uniforms and noise: tests/test_online.py). Each pruned
network is measured by ``spectra.sparse_metrics`` (the ``--k`` slowest eigenvalues,
relative errors |mu / lambda - 1|). Reported per warm-up: medians over the draws of the
mean and largest slowest-mode error, the kept fraction, the fraction of synapses that
decided before the end and their mean decision time; and the Wilcoxon signed-rank test
(scipy.stats, two-sided) of the mean slowest error against the same draw pruned once
at the end, Holm-corrected over the warm-ups.

    .venv/bin/python benchmarks/study_online.py            # the defaults below

Output: printed, and ``benchmarks/out/<--name>.csv`` / ``.md`` (default ``study_online``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from noiseprune import networks, pruning, spectra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, nargs="+", default=[50] * 6)
    parser.add_argument("--within", type=float, default=24)
    parser.add_argument("--long-range", type=float, default=6)
    parser.add_argument("--keep-fraction", type=float, default=0.3)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--dt", type=float, default=0.01)
    parser.add_argument("--replicas", type=int, default=8)
    parser.add_argument("--tolerance", type=float, default=0.1)
    parser.add_argument("--check-every", type=float, default=25)
    parser.add_argument("--warm-ups", type=float, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--network-seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--pruning-seeds", type=int, default=5)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--name", default="study_online", help="output file names under benchmarks/out/")
    args = parser.parse_args()

    warm_ups = sorted(set(args.warm_ups)) + [args.duration]  # the last: once at the end
    rows = []
    start = time.perf_counter()
    for net in args.network_seeds:
        A = networks.sparse_clustered(args.clusters, within=args.within, long_range=args.long_range,
                                      symmetric=True, rng=np.random.default_rng(net))
        reference = {"slowest": spectra.slowest(A, args.k), "fastest": spectra.fastest(A, args.k)}
        for seed in range(args.pruning_seeds):
            for warm_up in warm_ups:
                r = pruning.online(A, keep_fraction=args.keep_fraction, duration=args.duration, dt=args.dt,
                                   burn_in=2, replicas=args.replicas, warm_up=warm_up, check_every=args.check_every,
                                   tolerance=args.tolerance, rng=np.random.default_rng(seed))
                m = spectra.sparse_metrics(A, r.network, k=args.k, eigenvalues=reference, spectral_eps=False)
                err = np.abs(m["slowest_err"])
                early = r.decided_at < args.duration
                rows.append(dict(network_seed=net, pruning_seed=seed, warm_up=warm_up,
                                 once_at_end=warm_up >= args.duration, slowest_mean_err=err.mean(),
                                 slowest_max_err=err.max(), kept_fraction=r.kept.mean(),
                                 decided_early=early.mean(),
                                 mean_decision_time=float(r.decided_at.mean())))
    seconds = time.perf_counter() - start
    df = pd.DataFrame(rows)
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    df.to_csv(out / f"{args.name}.csv", index=False)

    end = df[df.once_at_end].set_index(["network_seed", "pruning_seed"]).slowest_mean_err
    table = df.groupby("warm_up")[["slowest_mean_err", "slowest_max_err", "kept_fraction", "decided_early",
                                    "mean_decision_time"]].median()
    pvalues = {}
    for warm_up, group in df[~df.once_at_end].groupby("warm_up"):
        diff = group.set_index(["network_seed", "pruning_seed"]).slowest_mean_err - end
        pvalues[warm_up] = stats.wilcoxon(diff).pvalue
    order = sorted(pvalues, key=pvalues.get)
    holm, running = {}, 0.0
    for rank, w in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * pvalues[w]))
        holm[w] = running
    table["p_vs_end_holm"] = [holm.get(w, np.nan) for w in table.index]
    table.index = [f"{w:g}" + (" (once at the end)" if w >= args.duration else "") for w in table.index]
    table.index.name = "warm-up"
    n = sum(args.clusters)
    header = (f"N = {n}, sparse_clustered {args.clusters[0]} x {len(args.clusters)}, within {args.within:g}, "
              f"long-range {args.long_range:g}, keep {args.keep_fraction:g}, duration {args.duration:g}, dt {args.dt:g}, "
              f"{args.replicas} replicas, check every {args.check_every:g}, tolerance {args.tolerance:g}, "
              f"k = {args.k}; {len(args.network_seeds)} networks x {args.pruning_seeds} pruning seeds; "
              f"medians over draws; {seconds:.0f} s")
    text = header + "\n\n" + table.to_markdown(floatfmt=".3g") + "\n"
    (out / f"{args.name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
