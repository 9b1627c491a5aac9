"""Keep probabilities and the pruning step (docs/method.md, "The rule").

For every off-diagonal a_ij != 0 a method of :mod:`noiseprune.methods` forms a score
q_ij, turned into a keep probability p_ij = min(1, K q_ij); a kept entry is rescaled
to a_ij / p_ij so that E[A_sparse] = A off the diagonal.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _checks, covariance, methods

NORMALIZATIONS = ("exact", "authors", "theory")
DIAGONALS = ("row_sum", "original", "zero")
#: The theorem's constant: its guarantee holds with high probability for theory_k above this.
THEORY_K_MIN = 3.0

log = logging.getLogger(__name__)


def check_theory(theory_k, theory_eps) -> tuple[float, float]:
    """Validate the theory normalization's constants: k > 0 and eps in (0, 1). A k at or
    below :data:`THEORY_K_MIN` is accepted (to measure where the guarantee fails) with a
    logged note."""
    k = _checks.positive(theory_k, "theory_k")
    eps = _checks.positive(theory_eps, "theory_eps")
    if not eps < 1:
        raise ValueError(f"theory_eps must be in (0, 1), got {theory_eps!r}")
    if k <= THEORY_K_MIN:
        log.warning("theory_k %g: the theorem's guarantee assumes k > %g; measuring below it", k, THEORY_K_MIN)
    return k, eps


def offdiag_nnz(M) -> int:
    """Number of nonzero off-diagonal entries (both directions) of a dense or sparse matrix."""
    if sp.issparse(M):
        M = sp.coo_array(M)
        return int(np.count_nonzero(M.data[M.row != M.col]))
    M = np.asarray(M)
    return int(np.count_nonzero(M) - np.count_nonzero(np.diagonal(M)))


def target_edges(A, keep_fraction: float) -> float:
    """Expected number of kept entries asked for: keep_fraction x off-diagonal nonzeros of A."""
    return _checks.keep_fraction(keep_fraction) * offdiag_nnz(A)


def solve_scale(q: np.ndarray, target: float) -> float:
    """K such that sum(min(1, K q)) == target, the clipping at 1 included (exactly).

    ``q`` holds the positive scores. If ``target`` reaches the number of scores, every
    entry is kept and the smallest K doing so is returned. Water-filling: with the
    clipped set S fixed, K = (target - |S|) / sum(q outside S); S grows monotonically
    to the fixed point, usually in a handful of O(len(q)) passes (a sort is the fallback).
    """
    q = np.asarray(q, dtype=np.float64)
    m = q.size
    if m == 0:
        raise ValueError("no positive scores to normalise")
    if target >= m:
        return 1.0 / q.min()
    clipped = np.zeros(m, dtype=bool)
    for _ in range(64):
        K = (target - np.count_nonzero(clipped)) / q[~clipped].sum()
        now = K * q >= 1.0
        if np.array_equal(now, clipped):
            return float(K)
        clipped = now
    # Slow convergence (many distinct clipping levels): exact solve over the sorted scores.
    # With the k largest clipped: k + K sum(q[k:]) = target, valid when K q[k] <= 1.
    q = np.sort(q)[::-1]
    tail = np.cumsum(q[::-1])[::-1]
    k = np.arange(m)
    Ks = (target - k) / tail
    ok = (Ks * q <= 1.0) & ((k == 0) | (Ks * np.r_[np.inf, q[:-1]] >= 1.0)) & (target - k > 0)
    return float(Ks[np.argmax(ok)])


def edges(A: np.ndarray, *, symmetric: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, j) of the off-diagonal nonzeros of A (dense or canonical CSR), row-major;
    only i < j when ``symmetric``."""
    if sp.issparse(A):
        return _sparse_edges(A, symmetric=symmetric)
    i, j = np.nonzero(A)  # row-major; filtering keeps the order (np.triu would copy A)
    keep = i < j if symmetric else i != j
    return i[keep], j[keep]


def edge_scores(A: np.ndarray, C: np.ndarray | None, method: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Scores q_ij of the listed edges by the registered ``method`` (:mod:`noiseprune.methods`)."""
    spec = methods.get(method)
    if spec.uses_covariance and sp.issparse(A):
        C = _sparse_network_covariance(A, C, method, i, j)
    elif spec.uses_covariance:
        if C is None:
            raise ValueError(f"method {method!r} needs the covariance C")
        C = _checks.square_matrix(C, "C")
        if C.shape != A.shape:
            raise ValueError(f"C must have the shape of A {A.shape}, got {C.shape}")
        _checks.covariance_matrix(C, "C")
    else:
        C = None
    q = np.asarray(spec.score(A, C, i, j), dtype=np.float64)
    if q.shape != i.shape:
        raise ValueError(f"method {method!r} returned {q.shape} scores for {i.size} edges")
    bad = (q < 0) | ~np.isfinite(q)
    if bad.any():
        raise ValueError(f"score {q[bad][0]:g} is negative or not finite: is C a covariance (positive semidefinite)?")
    return q


def _scatter(n: int, i, j, values, *, symmetric: bool) -> np.ndarray:
    out = np.zeros((n, n))
    out[i, j] = values
    if symmetric:
        out[j, i] = values
    return out


def _scatter_sparse(n: int, i, j, values, *, symmetric: bool) -> sp.csr_array:
    """The nonzero ``values`` at the distinct positions (i, j) (and (j, i) when
    ``symmetric``) as a canonical CSR matrix: sorted indices, no explicit zeros, like
    ``csr_array`` of :func:`_scatter`.

    Listed in row-major order, as :func:`edges` gives them, (i, j) are already in CSR
    order: the rows are only counted, and the lower triangle of a symmetric matrix is
    the transpose of the upper one (5x faster than sorting at N = 10000).
    """
    keep = values != 0
    i, j, values = i[keep], j[keep], values[keep]
    stored = (2 if symmetric else 1) * i.size
    index = np.int32 if max(n, stored) < np.iinfo(np.int32).max else np.int64  # as csr_array(dense) picks
    di = np.diff(i)
    if (di < 0).any() or ((di == 0) & (np.diff(j) <= 0)).any():  # not row-major: sort
        if symmetric:
            i, j, values = np.r_[i, j], np.r_[j, i], np.r_[values, values]
        out = sp.csr_array((values, (i.astype(index), j.astype(index))), shape=(n, n))
        out.sort_indices()
        return out
    indptr = np.zeros(n + 1, dtype=index)
    np.cumsum(np.bincount(i, minlength=n), out=indptr[1:])
    out = sp.csr_array((values, j.astype(index), indptr), shape=(n, n))
    return out + out.T if symmetric else out


def scores(A, C=None, method: str = "noise") -> np.ndarray:
    """Dense score matrix q (zero on the diagonal and where A is zero; symmetric when A is)."""
    A = _checks.square_matrix(A)
    methods.get(method)
    symmetric = _checks.is_symmetric(A)
    i, j = edges(A, symmetric=symmetric)
    return _scatter(A.shape[0], i, j, edge_scores(A, C, method, i, j), symmetric=symmetric)


def probabilities(
    A,
    C=None,
    *,
    method: str = "noise",
    keep_fraction: float | None = None,
    normalization: str = "exact",
    theory_k: float = 4.0,
    theory_eps: float = 0.5,
    sparse: bool = False,
) -> np.ndarray | sp.csr_array:
    """Keep probabilities p_ij = min(1, K q_ij) for every off-diagonal entry of A.

    Parameters
    ----------
    A : array_like, shape (N, N)
        Network.
    C : array_like, shape (N, N), optional
        Noise covariance; needed for ``method="noise"`` only.
    method : str
        A registered method (:func:`noiseprune.methods.names`).
    keep_fraction : float in (0, 1]
        Target expected fraction of the off-diagonal nonzeros to keep (not needed for
        ``normalization="theory"``).
    normalization : {"exact", "authors", "theory"}
        exact: K solves sum(P) = keep_fraction x nnz with the clipping included.
        authors: K = target / sum(q), then clip (keeps slightly fewer; the authors' code).
        theory: K = theory_k log(N) / theory_eps^2 (the theorem's rate; methods noise
        and resistance only; the noise score is doubled so that, with the exact C of a
        symmetric A, it is the effective-resistance score).
    theory_k, theory_eps : float
        Constants of the theory mode: k > 0 (k <= 3 is logged: the theorem assumes
        k > 3) and eps in (0, 1) (:func:`check_theory`).
    sparse : bool
        Return P as a CSR matrix of its nonzero entries (the same values): no dense
        N x N array is formed, and :func:`prune` samples from it directly. Always so
        for a scipy.sparse A, which is never densified (C then may be dense, or sparse
        holding at least A's synapses and the diagonal, as :func:`covariance.on_edges`).

    Returns
    -------
    P : ndarray, shape (N, N), float64 (scipy.sparse.csr_array with ``sparse``), values
        in [0, 1], zero diagonal, zero where A is zero; exactly symmetric when A is.

    Raises
    ------
    ValueError
        Bad matrices, unknown method/normalization, keep_fraction outside (0, 1].
    """
    A, symmetric = network(A)
    sparse = sparse or sp.issparse(A)  # sparse in, sparse out
    methods.get(method)
    _checks.choice(normalization, NORMALIZATIONS, "normalization")
    if normalization != "theory":
        keep_fraction = _checks.keep_fraction(keep_fraction)
    n = A.shape[0]
    i, j = edges(A, symmetric=symmetric)
    q = edge_scores(A, C, method, i, j)
    per_entry = 2 if symmetric else 1  # a symmetric pair is two matrix entries
    spec = methods.get(method)
    positive = q > 0
    scatter = _scatter_sparse if sparse else _scatter
    if not q.size:
        return scatter(n, i, j, q, symmetric=symmetric)  # no off-diagonal entries: the target is 0 kept entries
    if keep_fraction is not None and normalization != "theory" and keep_fraction * offdiag_nnz(A) < 1:
        raise ValueError(
            f"keep_fraction {keep_fraction:g} keeps {keep_fraction * offdiag_nnz(A):.3g} of the {offdiag_nnz(A)} "
            f"off-diagonal entries of A in expectation, fewer than one"
        )
    if not positive.any():
        asked = f"keep_fraction {keep_fraction:g}" if keep_fraction is not None else f"normalization {normalization!r}"
        raise ValueError(
            f"every {method!r} score of the {q.size} edges is 0, so nothing can be kept although {asked} was asked for"
            + (": is C a degenerate covariance?" if spec.uses_covariance else "")
        )
    if spec.deterministic:
        count = int(round(keep_fraction * offdiag_nnz(A))) // per_entry
        p = np.zeros_like(q)
        p[np.argsort(-q, kind="stable")[:count]] = 1.0
        return scatter(n, i, j, p, symmetric=symmetric)
    if normalization == "theory":
        if not spec.supports_theory:
            supported = " and ".join(m for m in methods.names() if methods.get(m).supports_theory)
            raise ValueError(f"normalization 'theory' applies to methods {supported}, not {method!r}")
        theory_k, theory_eps = check_theory(theory_k, theory_eps)
        K = theory_k * math.log(n) / theory_eps**2
        if spec.theory_scale != 1.0:
            K *= spec.theory_scale
    else:
        target = keep_fraction * q.size
        scored = int(np.count_nonzero(positive))
        if scored < target * (1 - 1e-12):
            raise ValueError(
                f"keep_fraction {keep_fraction:g} asks for {target:g} of the {q.size} edges, but only {scored} have "
                f"a positive {method!r} score (the others can never be kept)"
            )
        K = solve_scale(q[positive], target) if normalization == "exact" else target / q.sum()
    q *= K
    return scatter(n, i, j, np.minimum(1.0, q, out=q), symmetric=symmetric)


def _first_asymmetric(P) -> tuple[int, int] | None:
    """(i, j) of an entry of P that differs from P[j, i]; None if P is symmetric."""
    if sp.issparse(P):
        diff = sp.coo_array(P - P.T)
        diff.eliminate_zeros()
        return (int(diff.row[0]), int(diff.col[0])) if diff.nnz else None
    if _checks.is_symmetric(P):
        return None
    return tuple(int(x) for x in np.argwhere(P != P.T)[0])


def prune(A, P, *, rng: np.random.Generator, diagonal: str = "row_sum") -> sp.csr_array:
    """Sample the pruned network: keep a_ij with probability p_ij, rescaled to a_ij / p_ij.

    Parameters
    ----------
    A : array_like, shape (N, N)
    P : array_like or sparse, shape (N, N)
        Keep probabilities in [0, 1] (e.g. from :func:`probabilities`, dense or sparse:
        the same draws); the diagonal is ignored.
    rng : numpy.random.Generator
    diagonal : {"row_sum", "original", "zero"}
        row_sum: a_ii + sum_{j!=i} |a_ij| - sum_{j!=i} |A_sparse[i, j]| (keeps diagonal
        dominance; the authors' choice); original: a_ii; zero: 0.

    Returns
    -------
    A_sparse : scipy.sparse.csr_array, shape (N, N), float64
        Exactly symmetric when A is: each unordered pair is sampled once and mirrored.

    Raises
    ------
    ValueError
        Bad matrices, P outside [0, 1], a P that is not symmetric for a symmetric A,
        unknown diagonal mode.
    """
    A, symmetric = network(A)
    n = A.shape[0]
    if sp.issparse(A) and not sp.issparse(P):
        P = _checks.sparse_square(P, n, "P")
    if sp.issparse(P):
        P = _checks.sparse_square(P, n, "P")
        values = P.data
    else:
        P = _checks.square_matrix(P, "P")
        if P.shape != A.shape:
            raise ValueError(f"P must have the shape of A {A.shape}, got {P.shape}")
        values = P
    if values.size and (values.min() < 0 or values.max() > 1):
        bad = values[(values < 0) | (values > 1)][0]
        raise ValueError(f"P must have entries in [0, 1], found {bad:g}")
    _checks.choice(diagonal, DIAGONALS, "diagonal")
    rng = _checks.generator(rng)
    if symmetric:
        # each pair of a symmetric A is drawn once, from the upper triangle of P: a P
        # whose triangles differ would have its lower one silently ignored
        pair = _first_asymmetric(P)
        if pair is not None:
            r, c = pair
            raise ValueError(
                f"P must be symmetric like A (each pair of a symmetric A is drawn once), "
                f"found P[{r}, {c}] = {float(P[r, c]):g} != P[{c}, {r}] = {float(P[c, r]):g}"
            )

    # candidates (i, j) in row-major order, dense or sparse P alike: the same draws
    if sp.issparse(P):
        cand = sp.csr_array(P)
        if not cand.has_canonical_format:
            cand = cand.copy()
            cand.sum_duplicates()  # sorted indices, repeated entries summed
        i = np.repeat(np.arange(n, dtype=cand.indices.dtype), np.diff(cand.indptr))
        j, p = cand.indices, cand.data
        keep = (p > 0) & ((j > i) if symmetric else (i != j))  # upper triangle of a symmetric P
        i, j, p = i[keep], j[keep], p[keep]
        keep = A[i, j] != 0  # A read at the remaining candidates only: half as many when symmetric
        i, j, p = i[keep], j[keep], p[keep]
    else:
        if symmetric:
            i, j = np.nonzero(np.triu((A != 0) & (P > 0), 1))
        else:
            mask = (A != 0) & (P > 0)
            np.fill_diagonal(mask, False)
            i, j = np.nonzero(mask)
        p = P[i, j]
    kept = rng.random(p.size) < p
    i, j, p = i[kept], j[kept], p[kept]
    return _assemble(A, i, j, A[i, j] / p, symmetric=symmetric, diagonal=diagonal)


def _assemble(A, i, j, vals, *, symmetric: bool, diagonal: str) -> sp.csr_array:
    """The network with off-diagonal entries ``vals`` at (i, j) (and (j, i) when
    ``symmetric``) and the diagonal of :func:`prune`'s ``diagonal`` mode."""
    n = A.shape[0]
    if symmetric:
        i, j, vals = np.r_[i, j], np.r_[j, i], np.r_[vals, vals]

    off_abs = np.bincount(i, weights=np.abs(vals), minlength=n)
    if diagonal == "row_sum":
        orig_abs = np.asarray(abs(A).sum(axis=1)).ravel() - np.abs(_diagonal(A))
        d = _diagonal(A) + orig_abs - off_abs
    elif diagonal == "original":
        d = _diagonal(A).copy()
    else:
        d = np.zeros(n)
    idx = np.arange(n)
    rows = np.r_[i, idx]
    cols = np.r_[j, idx]
    data = np.r_[vals, d]
    out = sp.csr_array(sp.coo_array((data, (rows, cols)), shape=(n, n)))
    out.eliminate_zeros()
    out.sort_indices()
    return out


# ----------------------------------------------------------------------------- sparse networks


def network(A) -> tuple[np.ndarray | sp.csr_array, bool]:
    """A validated network and whether it is symmetric: a dense float64 array, or for a
    scipy.sparse A a canonical CSR array (never densified)."""
    if sp.issparse(A):
        A = _checks.sparse_network(A)
        return A, _checks.sparse_is_symmetric(A)
    A = _checks.square_matrix(A)
    return A, _checks.is_symmetric(A)


def _diagonal(A) -> np.ndarray:
    return A.diagonal() if sp.issparse(A) else np.diagonal(A)


def _sparse_edges(A: sp.csr_array, *, symmetric: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`edges` of a canonical CSR A, row-major like the dense ones."""
    i = np.repeat(np.arange(A.shape[0], dtype=np.int64), np.diff(A.indptr))
    j = A.indices.astype(np.int64)
    keep = (A.data != 0) & ((j > i) if symmetric else (j != i))
    return i[keep], j[keep]


def _sparse_network_covariance(A: sp.csr_array, C, method: str, i: np.ndarray, j: np.ndarray):
    """The covariance of a sparse network's scores, validated: a dense C (as for dense A),
    or a sparse one that holds every synapse (i, j) and the whole diagonal, symmetric on
    them and with a positive diagonal; its entries elsewhere are never read."""
    if C is None:
        raise ValueError(f"method {method!r} needs the covariance C")
    n = A.shape[0]
    if not sp.issparse(C):
        C = _checks.square_matrix(C, "C")
        if C.shape != A.shape:
            raise ValueError(f"C must have the shape of A {A.shape}, got {C.shape}")
        _checks.covariance_matrix(C, "C")
        return C
    C = _checks.sparse_square(C, n, "C")
    C.sum_duplicates()
    d = C.diagonal()
    pattern = sp.csr_array((np.ones(C.nnz), C.indices, C.indptr), shape=(n, n))
    for r, c in ((i, j), (j, i)):
        present = pattern[r, c] != 0
        if not present.all():
            k = int(np.flatnonzero(~present)[0])
            raise ValueError(
                f"C lacks the synapse ({int(r[k])}, {int(c[k])}) of A: a sparse covariance must hold every synapse "
                "of A (and its mirror image) and the diagonal"
            )
    diag_present = pattern.diagonal() != 0
    bad = np.flatnonzero(~diag_present | ~(d > 0))
    if bad.size:
        k = int(bad[0])
        raise ValueError(
            f"C must have a positive diagonal (a covariance of noisy units), found C[{k}, {k}] = {d[k]:g}"
            + ("" if diag_present[k] else " (not stored)")
        )
    upper, lower = C[i, j], C[j, i]
    tol = 1e-8 * float(d.max())
    gap = np.abs(upper - lower)
    if gap.size and not gap.max() <= tol:
        k = int(np.argmax(gap > tol))
        raise ValueError(
            f"C must be symmetric, found C[{int(i[k])}, {int(j[k])}] = {upper[k]:g} but "
            f"C[{int(j[k])}, {int(i[k])}] = {lower[k]:g} (tolerance {tol:.3g})"
        )
    return C


# ----------------------------------------------------------------------------- the online rule


@dataclass(frozen=True)
class OnlineResult:
    """What :func:`online` returns. Per decision unit (a synapse (i, j); for a symmetric A
    the pair i < j, decided once for both directions), in :func:`edges`' row-major order:

    network : the pruned network (sparse CSR; kept synapses rescaled to a_ij / p_ij).
    i, j : the synapses.
    decided_at : observed time (summed over replicas, as ``duration``) of the decision.
    p : the keep probability the synapse decided with.
    score : its noise score |a_ij| (C_ii + C_jj - 2 sign(a_ij) C_ij) when it decided.
    kept : whether it was kept (``u < p``).
    C : the edge-local covariance at the end of the run (:func:`covariance.on_edges`' form).
    """

    network: sp.csr_array
    i: np.ndarray
    j: np.ndarray
    decided_at: np.ndarray
    p: np.ndarray
    score: np.ndarray
    kept: np.ndarray
    C: sp.csr_array


def online(
    A,
    *,
    keep_fraction: float,
    duration: float,
    dt: float = 0.005,
    burn_in: float,
    replicas: int = 16,
    sample_every: int = 1,
    warm_up: float,
    check_every: float,
    tolerance: float = 0.05,
    rng: np.random.Generator,
    diagonal: str = "row_sum",
    progress=None,
) -> OnlineResult:
    """Prune while the noisy network runs: each synapse decides from its own running estimate.

    The run is :func:`covariance.on_edges`' (the same random stream after the decision
    draws). Every synapse draws u_ij ~ Uniform(0, 1) once, before the run (first from
    ``rng``), and is labile until it decides. At each checkpoint (observed time
    ``warm_up``, ``warm_up + check_every``, ... before ``duration``) every labile synapse
    computes p_ij from the running estimate (:func:`probabilities`, method noise, exact
    normalization over all of A's synapses) and decides if the relative standard error
    of its score, from the spread of the per-replica scores, is below ``tolerance``:
    kept (stable, a_ij / p_ij) if u_ij < p_ij, else pruned. The decided synapses are
    changed in the running network at once (diagonal by ``diagonal`` as :func:`prune`),
    so later estimates come from the partially pruned dynamics. At the end of the run
    every synapse still labile decides with the final estimate. With
    ``warm_up >= duration`` nothing decides early and the result equals
    ``prune(A, probabilities(A, on_edges(...)), ...)`` with the same u and noise.

    Parameters
    ----------
    A : scipy.sparse or array_like, shape (N, N)
        Stable network.
    keep_fraction : float in (0, 1]
        Target expected fraction of synapses kept (as :func:`probabilities`).
    duration, dt, burn_in, replicas, sample_every, progress
        As :func:`covariance.on_edges`.
    warm_up : float
        Observed time before the first checkpoint (>= 0).
    check_every : float
        Observed time between checkpoints (> 0).
    tolerance : float
        Largest relative standard error of a synapse's score at which it decides early (> 0).
    rng : numpy.random.Generator
    diagonal : {"row_sum", "original", "zero"}
        As :func:`prune`, for the running network and the result.

    Returns
    -------
    OnlineResult

    Raises
    ------
    ValueError
        Bad parameters (as :func:`covariance.on_edges` and :func:`probabilities`), fewer
        than 2 replicas when a checkpoint falls before the end (no standard error), or a
        partially pruned network that explicit Euler with ``dt`` cannot run.
    """
    keep_fraction = _checks.keep_fraction(keep_fraction)
    warm_up = _checks.non_negative(warm_up, "warm_up")
    check_every = _checks.positive(check_every, "check_every")
    tolerance = _checks.positive(tolerance, "tolerance")
    _checks.choice(diagonal, DIAGONALS, "diagonal")
    rng = _checks.generator(rng)
    A = _checks.sparse_network(A)
    symmetric = _checks.sparse_is_symmetric(A)
    n = A.shape[0]
    dt, replicas, sample_every, burn_steps, samples = covariance.simulation_steps(duration, dt, burn_in, replicas, sample_every)
    per_sample = replicas * dt * sample_every  # observed time of one sample per replica
    checkpoints = []  # samples per replica at each checkpoint: warm_up + k check_every, at most one per sample
    k = 0
    while (c := max(2, int(round((warm_up + k * check_every) / per_sample)))) < samples:
        checkpoints.append(c)
        k = max(k + 1, math.ceil(((c + 0.5) * per_sample - warm_up) / check_every))  # the next k past sample c
        while int(round((warm_up + k * check_every) / per_sample)) <= c:
            k += 1
    if checkpoints and replicas < 2:
        raise ValueError(
            f"replicas {replicas}: deciding before the end (warm_up {warm_up:g} < duration {duration:g}) "
            "needs at least 2 replicas for a standard error"
        )
    covariance.check_euler_step(A, dt, "A")

    i, j = edges(A, symmetric=symmetric)
    a = np.asarray(A[i, j]).ravel()
    pi, pj = covariance.edge_pairs(A)
    pair = np.searchsorted(pi * n + pj, np.minimum(i, j) * n + np.maximum(i, j))  # each synapse's measured pair
    sign = np.sign(a)
    u = rng.random(i.size)
    run = covariance.EdgeRun(A, pi, pj, dt=dt, replicas=replicas, sample_every=sample_every, rng=rng,
                             total=burn_steps + samples * sample_every, progress=progress, per_replica=bool(checkpoints))
    run.advance(burn_steps, sampling=False)

    decided = np.zeros(i.size, dtype=bool)
    kept = np.zeros(i.size, dtype=bool)
    decided_at = np.full(i.size, np.nan)
    p_at = np.full(i.size, np.nan)
    score_at = np.full(i.size, np.nan)
    for c in [*checkpoints, samples]:
        run.advance(c * sample_every - run.since, sampling=True)
        var, cov = run.estimate()
        C = run.covariance(var, cov)
        p = np.asarray(probabilities(A, C, method="noise", keep_fraction=keep_fraction)[i, j]).ravel()
        score = np.abs(a) * (var[i] + var[j] - 2 * sign * cov[pair])
        deciding = ~decided
        if c < samples:
            var_r, cov_r = run.replica_estimates()
            scores_r = np.abs(a)[:, None] * (var_r[i] + var_r[j] - 2 * sign[:, None] * cov_r[pair])
            error = scores_r.std(axis=1, ddof=1) / math.sqrt(replicas)
            deciding &= error < tolerance * score
        if not deciding.any():
            continue
        decided |= deciding
        kept[deciding] = u[deciding] < p[deciding]
        decided_at[deciding] = c * per_sample
        p_at[deciding] = p[deciding]
        score_at[deciding] = score[deciding]
        if c < samples:
            running = _assemble(A, *_online_weights(i, j, a, decided, kept, p_at), symmetric=symmetric, diagonal=diagonal)
            covariance.check_euler_step(running, dt, f"the network pruned online at observed time {c * per_sample:g}",
                                        allow_zero_modes=True)
            run.set_network(running)
    network = _assemble(A, *_online_weights(i, j, a, decided, kept, p_at), symmetric=symmetric, diagonal=diagonal)
    return OnlineResult(network, i, j, decided_at, p_at, score_at, kept, C)


def _online_weights(i, j, a, decided, kept, p):
    """The synapses of the running network: labile ones at a_ij, kept ones at a_ij / p_ij."""
    present = ~decided | kept
    vals = a / np.where(decided & kept, p, 1.0)
    return i[present], j[present], vals[present]
