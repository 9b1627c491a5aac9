"""The brain-scale path (docs/method.md, "Brain-scale sparse networks"): a sparse
network measures the covariances of its own synapses from its noisy activity, prunes
itself, and is compared with the original on its slowest and fastest modes and its
noisy trajectories; nothing on this path is an N x N array.

:func:`run` is one network's whole path (what the pipeline's ``brain_scale`` job runs),
:func:`accuracy` the estimation error of the rule's quantity against the duration of
the simulated run, on a network small enough for the exact (Lyapunov) covariance, and
:func:`online` the online rule against pruning once at the end on the same network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from . import _checks, covariance, dynamics, methods, networks, pruning, spectra


def rule_quantity(A, C) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, C_ii + C_jj - 2 sign(a_ij) C_ij) over the synapse pairs i < j of A (where
    a_ij = 0 and a_ji != 0, the sign of a_ji); C dense or sparse (holding those pairs)."""
    A = _checks.sparse_network(A)
    i, j = covariance.edge_pairs(A)
    a = np.asarray(A[i, j]).ravel()
    a = np.where(a != 0, a, np.asarray(A[j, i]).ravel())
    d = C.diagonal()
    return i, j, d[i] + d[j] - 2.0 * np.sign(a) * np.asarray(C[i, j]).ravel()


def accuracy(A, durations: Sequence[float], *, dt: float, burn_in: float, replicas: int,
             rng: np.random.Generator) -> list[dict]:
    """Relative error of the rule's quantity C_ii + C_jj - 2 sign(a_ij) C_ij from
    :func:`covariance.on_edges` against :func:`covariance.exact`, per duration: its
    median and 90th percentile over the synapses (one independent run per duration,
    from the same generator in turn)."""
    A = _checks.sparse_network(A)
    _, _, exact = rule_quantity(A, covariance.exact(A))
    rows = []
    for duration in durations:
        C = covariance.on_edges(A, duration=duration, dt=dt, burn_in=burn_in, replicas=replicas, rng=rng)
        err = np.abs(rule_quantity(A, C)[2] / exact - 1.0)
        rows.append({"duration": float(duration), "median_rel_err": float(np.median(err)),
                     "p90_rel_err": float(np.quantile(err, 0.9)), "synapse_pairs": int(err.size)})
    return rows


def _real(values) -> list:
    """Eigenvalues for JSON: real ones as floats, complex ones as [re, im]."""
    values = np.asarray(values)
    if np.iscomplexobj(values) and np.any(values.imag != 0):
        return [[float(v.real), float(v.imag)] for v in values]
    return [float(v) for v in np.real(values)]


def run(
    network: dict,
    *,
    methods_: Sequence[str],
    keep_fraction: float,
    prune_seeds: Sequence[int],
    covariance_params: dict,
    eigenvalues: int,
    dynamics_params: dict,
    spectral_eps: bool,
    rng: Callable[..., np.random.Generator],
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """One sparse network's whole path; returns a JSON-ready dict.

    network: ``{kind: ..., <kind's keys>}`` (:func:`networks.build`).
    covariance_params: ``duration, dt, burn_in, replicas, sample_every`` of
    :func:`covariance.on_edges`. dynamics_params: ``trials, steps, dt, noise_std`` of
    :func:`dynamics.simulate` (every method's pruned network of one pruning seed in one
    run, the same x(0) and noise). ``rng(*names)``: the generator of each random stream.

    Returns ``{"n", "synapses", "seconds": {stage: s}, "cpu_seconds": {stage: s of this
    process's CPU}, "eigenvalues": {"slowest",
    "fastest"}, "rows": [per method and pruning seed: edges kept, the pruned
    eigenvalues and their relative errors, spectral eps, end trajectory error]}``.
    """
    seconds, cpu_seconds = {}, {}

    def timed(stage, fn, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        seconds[stage] = seconds.get(stage, 0.0) + wall
        cpu_seconds[stage] = cpu_seconds.get(stage, 0.0) + cpu
        log(f"{stage}: {wall:.1f} s ({cpu:.1f} s CPU)")
        return out

    A = timed("network", networks.build, network, rng=rng("network"))
    if not sp.issparse(A):
        A = sp.csr_array(A)
    n = A.shape[0]
    edges = pruning.offdiag_nnz(A)
    def progress(done, total):
        if done % max(1, total // 10) == 0:
            log(f"covariance: step {done} of {total}")

    C = timed("covariance", covariance.on_edges, A, **covariance_params, rng=rng("covariance"), progress=progress)
    ref = {"slowest": timed("eigenvalues", spectra.slowest, A, eigenvalues),
           "fastest": timed("eigenvalues", spectra.fastest, A, eigenvalues)}
    probs = {m: timed("probabilities", pruning.probabilities, A, C if methods.uses_covariance(m) else None,
                      method=m, keep_fraction=keep_fraction) for m in methods_}
    rows = []
    for pseed in prune_seeds:
        pruned = {m: timed("prune", pruning.prune, A, probs[m], rng=rng("prune", m, pseed)) for m in methods_}
        err = timed("dynamics", dynamics.trajectory_error, A, list(pruned.values()),
                    rng=rng("dynamics", pseed), **dynamics_params)
        tail = max(1, err.shape[2] // 10)
        for k, m in enumerate(methods_):
            met = timed("metrics", spectra.sparse_metrics, A, pruned[m], eigenvalues=ref, spectral_eps=spectral_eps)
            rows.append({
                "method": m, "prune_seed": int(pseed), "edges_kept": pruning.offdiag_nnz(pruned[m]),
                "slowest_pruned": _real(met["slowest_pruned"]), "fastest_pruned": _real(met["fastest_pruned"]),
                "slowest_err": [float(abs(e)) for e in met["slowest_err"]],
                "fastest_err": [float(abs(e)) for e in met["fastest_err"]],
                "spectral_eps": met["spectral_eps"] if met["eps_converged"] else None,
                "trajectory_error": float(np.median(err[k, :, -tail:].mean(axis=1))),
            })
    return {"n": int(n), "synapses": int(edges), "seconds": seconds, "cpu_seconds": cpu_seconds,
            "eigenvalues": {k: _real(v) for k, v in ref.items()}, "rows": rows}


def online(A, *, keep_fraction: float, duration: float, dt: float, burn_in: float, replicas: int,
           warm_ups: Sequence[float], check_every: float, tolerance: float, prune_seeds: Sequence[int],
           eigenvalues: int, rng: Callable[..., np.random.Generator]) -> list[dict]:
    """Online pruning (:func:`pruning.online`) against pruning once at the end, on one network.

    For every pruning seed s and every warm-up, and once with the warm-up at ``duration``
    (nothing decides early: pruning once at the end), one run with ``rng("online", s)``:
    every warm-up of a seed sees the same noise and the same decision uniforms, so the
    runs differ only in when synapses decide. Each pruned network is compared with A on
    its ``eigenvalues`` slowest modes (:func:`spectra.sparse_metrics`). One row per run:
    the warm-up, whether it is the once-at-the-end run, the median and largest relative
    error of the slowest eigenvalues, the kept fraction of A's synapses, the fraction of
    decision units that decided before the end and their mean decision time.
    """
    A = _checks.sparse_network(A)
    ref = {"slowest": spectra.slowest(A, eigenvalues), "fastest": spectra.fastest(A, eigenvalues)}
    synapses = pruning.offdiag_nnz(A)
    rows = []
    for pseed in prune_seeds:
        for warm_up in [*sorted(warm_ups), duration]:
            r = pruning.online(A, keep_fraction=keep_fraction, duration=duration, dt=dt, burn_in=burn_in,
                               replicas=replicas, warm_up=warm_up, check_every=check_every, tolerance=tolerance,
                               rng=rng("online", pseed))
            met = spectra.sparse_metrics(A, r.network, eigenvalues=ref, spectral_eps=False)
            err = np.abs(met["slowest_err"])
            early = r.decided_at < duration
            rows.append({"prune_seed": int(pseed), "warm_up": float(warm_up), "once_at_end": bool(warm_up >= duration),
                         "median_slowest_err": float(np.median(err)), "max_slowest_err": float(err.max()),
                         "median_fastest_err": float(np.median(np.abs(met["fastest_err"]))),
                         "kept_fraction": pruning.offdiag_nnz(r.network) / synapses,
                         "decided_early": float(early.mean()),
                         "mean_decision_time": float(r.decided_at.mean())})
    return rows
