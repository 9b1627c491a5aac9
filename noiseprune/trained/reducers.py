"""Reducers of a trained rate RNN: one registry (docs/method.md, "Task-trained networks").

A reducer takes the trained parameters, a covariance (L-NP, S-NP, or None), a keep
fraction of the recurrent weights and a generator, and returns the reduced networks it
makes, one per variant:

- ``noise``, ``weight``, ``uniform``: the pruning methods of :mod:`noiseprune.methods`
  applied to W through :func:`noiseprune.pruning.probabilities` and
  :func:`noiseprune.pruning.prune` (off-diagonal entries, each on its own; W's
  diagonal kept as it is, ``diagonal: original``, so a zero diagonal stays zero).
  Variants from the same draw: ``rescale`` (kept w_ij / p_ij, the rule), ``mask``
  (kept w_ij unchanged) and, for noise and weight with the option ``cap_percentile`` q, ``capped`` (kept
  w_ij min(1/p_ij, c), c the q-th percentile of 1/p over every entry with p > 0, as
  the later study caps). ``noise`` and ``weight`` add ``rank``: no draw, the
  round(f x nonzeros) entries of largest p kept unchanged (the later study's "mask
  only" noise-prune, and for ``weight`` its magnitude pruning).
- ``obs``: OBS-compensated pruning (docs/method.md): the weights of smallest
  saliency w_ij^2 / [H^-1]_jj removed, H the second moment of the rates over the
  probe trials (covariance id ``rates``) plus a damping, then every unit's kept
  incoming weights refit by least squares so that its recurrent input over the
  probe activity changes least; variant ``refit``.
- ``merge``: the most correlated pair of units (correlation from the S-NP covariance)
  is merged, repeatedly, down to M units with M(M - 1) ~ keep fraction x N(N - 1)
  off-diagonal weights; variant ``fold``.

To add a reducer, decorate ``reduce(params, C, keep_fraction, rng, options) -> [(variant,
params), ...]`` with :func:`reducer` (``options``: ``cap_percentile``,
``self_connections``, ``obs_damping``); the config schema's reducer list, the jobs and
the plots read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from noiseprune import _checks
from noiseprune import methods
from noiseprune import pruning
from noiseprune.registry import Registry
from noiseprune.trained import rnn

#: Covariance ids of the trained experiments: L-NP (Lyapunov of the Jacobian, or of
#: W - I), S-NP (noisy rollouts), the rates' second moment (OBS), none.
COVARIANCES = ("lnp", "snp", "rates", "none")
#: Variants whose kept weights are the original ones times a factor 1/p (capped or not).
RESCALED = ("rescale", "capped")


@dataclass(frozen=True)
class Reducer:
    name: str
    reduce: Callable
    covariances: tuple[str, ...]
    stochastic: bool
    label: str
    color: str
    description: str


REGISTRY: Registry[Reducer] = Registry("reducer")


def reducer(name: str, *, covariances, stochastic: bool, label: str | None = None, color: str | None = None,
            description: str = ""):
    """Decorator registering ``reduce(params, C, keep_fraction, rng)`` as reducer ``name``.

    ``covariances``: the covariance ids it is run with (``("none",)`` when it reads
    none); ``stochastic``: its result depends on the pruning seed (else one seed runs).
    """

    def register(fn: Callable) -> Callable:
        doc = description or ((fn.__doc__ or name).strip().splitlines() or [name])[0]
        REGISTRY.add(name, Reducer(name, fn, tuple(covariances), stochastic, label or name,
                                   color or methods.DEFAULT_COLOR, doc))
        return fn

    return register


names = REGISTRY.names
get = REGISTRY.get


def label(name: str) -> str:
    return REGISTRY.get(name).label if name in REGISTRY else str(name)


def color(name: str) -> str:
    return REGISTRY.get(name).color if name in REGISTRY else methods.DEFAULT_COLOR


# ----------------------------------------------------------------------------- pruning


def top_entries(S: np.ndarray, count: int, exclude_diagonal: bool = True) -> np.ndarray:
    """Boolean mask of the ``count`` largest entries of S (off-diagonal), ties broken by position."""
    S = np.array(S, dtype=np.float64)
    if exclude_diagonal:
        np.fill_diagonal(S, -np.inf)
    flat = np.argsort(-S, axis=None, kind="stable")[:count]
    keep = np.zeros(S.size, dtype=bool)
    keep[flat] = True
    return keep.reshape(S.shape)


def kept_count(W: np.ndarray, keep_fraction: float) -> int:
    """round(keep fraction x nonzero off-diagonal weights)."""
    return int(round(keep_fraction * pruning.offdiag_nnz(W)))


def prune_weights(params: dict, C, method: str, keep_fraction: float, rng, options=None) -> list[tuple[str, dict]]:
    """W pruned by ``method``: the rescaled draw (w_ij / p_ij), the same draw as a mask,
    capped (with ``cap_percentile``) and, for noise and weight, the top entries of p."""
    options = options or {}
    W = np.asarray(params["W"], dtype=np.float64)
    P = pruning.probabilities(W, C, method=method, keep_fraction=keep_fraction)
    rescaled = pruning.prune(W, P, rng=rng, diagonal="original").toarray()
    kept = (rescaled != 0) & ~np.eye(W.shape[0], dtype=bool)
    masked = np.where(rescaled != 0, W, 0.0)
    out = [("rescale", dict(params, W=rescaled)), ("mask", dict(params, W=masked))]
    q = options.get("cap_percentile")
    if q is not None and method in ("noise", "weight"):
        factors = 1.0 / P[P > 0]
        cap = float(np.percentile(factors, float(q))) if factors.size else 1.0
        capped = np.where(kept, W * np.minimum(1.0 / np.where(P > 0, P, 1.0), cap), masked)
        out.append(("capped", dict(params, W=capped)))
    if method in ("noise", "weight"):
        top = top_entries(P + 1e-300 * np.abs(W), kept_count(W, keep_fraction))
        ranked = np.where(top, W, 0.0)
        np.fill_diagonal(ranked, np.diagonal(W))
        out.append(("rank", dict(params, W=ranked)))
    return out


def _register_pruner(method: str) -> None:
    spec = methods.get(method)
    covs = ("lnp", "snp") if spec.uses_covariance else ("none",)

    def reduce(params, C, keep_fraction, rng, options=None):
        return prune_weights(params, C, method, keep_fraction, rng, options)

    reducer(method, covariances=covs, stochastic=True, label=spec.label, color=spec.color,
            description=f"pruning method {method!r} on W: {spec.description}")(reduce)


for _method in ("noise", "weight", "uniform"):
    _register_pruner(_method)


# ----------------------------------------------------------------------------- OBS

#: Damping added to the rates' second moment H before inverting it (the later study's 1e-3).
OBS_DAMPING = 1e-3


def obs_prune(W: np.ndarray, H: np.ndarray, keep_fraction: float, damping: float = OBS_DAMPING) -> np.ndarray:
    """OBS-compensated pruning of W (docs/method.md): drop the off-diagonal weights of
    smallest saliency w_ij^2 / [Hd^-1]_jj (Hd = H + damping I), keep round(f x nonzeros),
    then refit each row's kept weights K (the diagonal among them when nonzero) by
    w_K <- w_K + Hd_KK^-1 Hd_KP w_P, the minimiser of (w' - w)^T Hd (w' - w) with w'_P = 0:
    the least-squares refit of the unit's recurrent input r . w over the probe activity."""
    W = np.asarray(W, dtype=np.float64)
    n = W.shape[0]
    Hd = np.asarray(H, dtype=np.float64) + damping * np.eye(n)
    Hinv = np.linalg.inv(Hd)
    saliency = W**2 / np.abs(np.diagonal(Hinv))[None, :]
    saliency[W == 0] = -1.0
    keep = top_entries(saliency, kept_count(W, keep_fraction))
    diag = np.diagonal(W) != 0
    keep[np.arange(n), np.arange(n)] = diag
    out = np.zeros_like(W)
    for i in range(n):
        K = np.flatnonzero(keep[i])
        Pm = np.flatnonzero(~keep[i] & (W[i] != 0))
        if K.size == 0:
            continue
        delta = np.linalg.solve(Hd[np.ix_(K, K)], Hd[np.ix_(K, Pm)] @ W[i, Pm]) if Pm.size else 0.0
        out[i, K] = W[i, K] + delta
    return out


@reducer("obs", covariances=("rates",), stochastic=False, label="OBS", color="#455A64")
def obs(params, H, keep_fraction, rng, options=None):
    """OBS-compensated pruning: smallest-saliency weights removed, kept weights refit by least squares."""
    damping = float((options or {}).get("obs_damping", OBS_DAMPING))
    return [("refit", dict(params, W=obs_prune(params["W"], H, keep_fraction, damping)))]


# ----------------------------------------------------------------------------- merging


def merged_size(n: int, keep_fraction: float) -> int:
    """M with M (M - 1) closest to keep_fraction x N (N - 1) (at least 2, at most N)."""
    target = keep_fraction * n * (n - 1)
    m = int(round((1.0 + np.sqrt(1.0 + 4.0 * target)) / 2.0))
    return int(min(n, max(2, m)))


def merge_units(params: dict, a: int, b: int) -> dict:
    """Unit b folded into unit a (a != b), then removed.

    Outgoing: column b of W and w_out[b] are added to unit a's (b's rate is taken to be
    a's). Incoming: a's row of W (after the column fold), W_in row and bias become the
    mean of a's and b's. Two identical units (equal incoming weights, inputs and
    initial state) merge without changing the network's output.
    """
    if a == b:
        raise ValueError(f"cannot merge unit {a} with itself")
    W = np.array(params["W"], dtype=np.float64)
    W[:, a] += W[:, b]
    W[a, :] = 0.5 * (W[a, :] + W[b, :])
    W_in = np.array(params["W_in"], dtype=np.float64)
    W_in[a] = 0.5 * (W_in[a] + W_in[b])
    bias = np.array(params["b"], dtype=np.float64)
    bias[a] = 0.5 * (bias[a] + bias[b])
    w_out = np.array(params["w_out"], dtype=np.float64)
    w_out[a] += w_out[b]
    units = np.asarray(params.get("units", np.arange(W.shape[0])))
    keep = np.arange(W.shape[0]) != b
    return dict(params, W=W[np.ix_(keep, keep)], W_in=W_in[keep], b=bias[keep], w_out=w_out[keep], units=units[keep])


def merge_correlated(params: dict, C: np.ndarray, m: int) -> dict:
    """Merge the most correlated pair of units, repeatedly, down to ``m`` units.

    Correlations come from the covariance C of the units' activity; after a merge the
    merged unit's activity is taken as the mean of the two, so its row of C becomes
    (C_a. + C_b.) / 2 and its variance (C_aa + C_bb + 2 C_ab) / 4.
    """
    C = np.array(C, dtype=np.float64)
    n = C.shape[0]
    if not 1 <= m <= n:
        raise ValueError(f"cannot merge {n} units down to {m}")
    if np.any(~(np.diagonal(C) > 0)):
        raise ValueError("merging needs a covariance with a positive diagonal")
    params = dict(params)
    while C.shape[0] > m:
        d = np.sqrt(np.diagonal(C))
        R = C / np.outer(d, d)
        np.fill_diagonal(R, -np.inf)
        a, b = sorted(np.unravel_index(int(np.argmax(R)), R.shape))
        params = merge_units(params, int(a), int(b))
        row = 0.5 * (C[a] + C[b])
        row[a] = 0.25 * (C[a, a] + C[b, b] + 2.0 * C[a, b])
        C[a], C[:, a] = row, row
        keep = np.arange(C.shape[0]) != b
        C = C[np.ix_(keep, keep)]
    return params


@reducer("merge", covariances=("snp",), stochastic=False, label="merge", color="#7B1FA2")
def merge(params, C, keep_fraction, rng, options=None):
    """Merge the most correlated units (S-NP activity) down to M units, M(M-1) ~ f N(N-1)."""
    merged = merge_correlated(params, C, merged_size(params["W"].shape[0], keep_fraction))
    if not (options or {}).get("self_connections", True):
        merged["W"] = merged["W"].copy()
        np.fill_diagonal(merged["W"], 0.0)  # the constraint holds after folding (docs/method.md)
    return [("fold", merged)]


def reduce(name: str, params: dict, C, keep_fraction: float, rng, options=None) -> list[tuple[str, dict]]:
    """The reduced networks of reducer ``name`` (see the module docstring).

    ValueError (one line naming the argument) for an unknown reducer, parameters of the
    wrong shape or not finite (:func:`noiseprune.rnn.check_params`), a keep fraction
    outside (0, 1], or a covariance that is missing where the reducer reads one, of
    another size or not finite."""
    spec = get(name)
    keep_fraction = _checks.keep_fraction(keep_fraction)
    params = rnn.check_params(params)
    n = params["W"].shape[0]
    if any(c != "none" for c in spec.covariances):
        if C is None:
            raise ValueError(f"reducer {name!r} reads a covariance C, got None")
        C = _checks.square_matrix(C, "C")
        if C.shape != (n, n):
            raise ValueError(f"C must have the shape {(n, n)} of W, got {C.shape}")
    return spec.reduce(params, C, keep_fraction, rng, options or {})


def rescale_factors(reduced_W: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Factors w'_ij / w_ij of the kept off-diagonal weights (1/p, or its cap)."""
    kept = (reduced_W != 0) & (W != 0) & ~np.eye(W.shape[0], dtype=bool)
    return np.abs(reduced_W[kept] / W[kept])


def weights_kept(W: np.ndarray) -> int:
    """Nonzero off-diagonal recurrent weights."""
    return pruning.offdiag_nnz(W)
