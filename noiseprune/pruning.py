"""The noise-prune rule and its controls (SPEC section 4).

For every off-diagonal a_ij != 0 a score q_ij is formed and turned into a keep
probability p_ij = min(1, K q_ij); a kept entry is rescaled to a_ij / p_ij so
that E[A_sparse] = A off the diagonal.

Scores:
    noise       |a_ij| (C_ii + C_jj - 2 sign(a_ij) C_ij)   (the paper's rule)
    resistance  |a_ij| (e_i - s e_j)^T (-A)^{-1} (e_i - s e_j)  (Spielman-Srivastava;
                for symmetric A this is noise-prune with the exact C, up to K)
    weight      |a_ij|                                     (control)
    uniform     1                                          (control)
    topk        deterministic: p = 1 on the largest |a_ij|, 0 elsewhere
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from . import _checks
from .covariance import cholesky_inverse

METHODS = ("noise", "weight", "uniform", "resistance", "topk")
NORMALIZATIONS = ("exact", "authors", "theory")
DIAGONALS = ("row_sum", "original", "zero")


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
    entry is kept and the smallest K doing so is returned.
    """
    q = np.sort(np.asarray(q, dtype=np.float64))[::-1]  # descending
    m = q.size
    if m == 0:
        raise ValueError("no positive scores to normalise")
    if target >= m:
        return 1.0 / q[-1]
    # With the k largest clipped: k + K * sum(q[k:]) = target, valid when
    # K q[k] <= 1 (entry k unclipped) and, for k > 0, K q[k-1] >= 1 (entry k-1 clipped).
    tail = np.cumsum(q[::-1])[::-1]  # tail[k] = sum(q[k:])
    k = np.arange(m)
    K = (target - k) / tail
    ok = (K * q <= 1.0) & ((k == 0) | (K * np.r_[np.inf, q[:-1]] >= 1.0)) & (target - k > 0)
    if not ok.any():  # rounding at a boundary: fall back to the nearest consistent k
        ok = (target - k > 0) & (K * q <= 1.0 + 1e-12)
    return float(K[np.argmax(ok)])


def scores(A: np.ndarray, C: np.ndarray | None, method: str) -> np.ndarray:
    """Dense score matrix q (zero on the diagonal and where A is zero)."""
    mask = A != 0
    np.fill_diagonal(mask, False)
    absA = np.abs(A)
    if method == "noise":
        if C is None:
            raise ValueError("method 'noise' needs the covariance C")
        C = _checks.square_matrix(C, "C")
        if C.shape != A.shape:
            raise ValueError(f"C must have the shape of A {A.shape}, got {C.shape}")
        d = np.diagonal(C)
        var = d[:, None] + d[None, :] - 2.0 * np.sign(A) * C  # Var(x_i - s_ij x_j)
        q = absA * var
    elif method == "resistance":
        S = -0.5 * (A + A.T)
        try:
            R = cholesky_inverse(S)
        except np.linalg.LinAlgError:
            raise ValueError("method 'resistance' needs -(A + A^T)/2 positive definite") from None
        d = np.diagonal(R)
        q = absA * (d[:, None] + d[None, :] - 2.0 * np.sign(A) * R)
    elif method in ("weight", "topk"):
        q = absA
    else:  # uniform
        q = np.ones_like(absA)
    q = np.where(mask, q, 0.0)
    if _checks.is_symmetric(A):  # exact symmetry even when C is only nearly symmetric
        q = np.triu(q, 1)
        q = q + q.T
    if (q < 0).any() or not np.isfinite(q).all():
        bad = q[(q < 0) | ~np.isfinite(q)][0]
        raise ValueError(f"score {bad:g} is negative or not finite: is C a covariance (positive semidefinite)?")
    return q


def probabilities(
    A,
    C=None,
    *,
    method: str = "noise",
    keep_fraction: float | None = None,
    normalization: str = "exact",
    theory_k: float = 4.0,
    theory_eps: float = 0.5,
) -> np.ndarray:
    """Keep probabilities p_ij = min(1, K q_ij) for every off-diagonal entry of A.

    Parameters
    ----------
    A : array_like, shape (N, N)
        Network.
    C : array_like, shape (N, N), optional
        Noise covariance; needed for ``method="noise"`` only.
    method : {"noise", "weight", "uniform", "resistance", "topk"}
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
        Constants of the theory mode.

    Returns
    -------
    P : ndarray, shape (N, N), float64, values in [0, 1], zero diagonal, zero where A
        is zero; exactly symmetric when A is.

    Raises
    ------
    ValueError
        Bad matrices, unknown method/normalization, keep_fraction outside (0, 1].
    """
    A = _checks.square_matrix(A)
    _checks.choice(method, METHODS, "method")
    _checks.choice(normalization, NORMALIZATIONS, "normalization")
    if normalization != "theory":
        keep_fraction = _checks.keep_fraction(keep_fraction)
    q = scores(A, None if C is None else np.asarray(C, dtype=np.float64), method)
    nnz = int(np.count_nonzero(q))
    if nnz == 0:
        return np.zeros_like(A)
    if method == "topk":
        target = int(round(keep_fraction * offdiag_nnz(A)))
        return _top_entries(q, target, symmetric=_checks.is_symmetric(A))
    if normalization == "theory":
        if method not in ("noise", "resistance"):
            raise ValueError(f"normalization 'theory' applies to methods noise and resistance, not {method!r}")
        _checks.positive(theory_k, "theory_k")
        _checks.positive(theory_eps, "theory_eps")
        K = theory_k * math.log(A.shape[0]) / theory_eps**2
        if method == "noise":
            K *= 2.0  # C = (-A)^{-1} / 2 for symmetric A: 2 q is the effective-resistance score
    else:
        target = keep_fraction * offdiag_nnz(A)
        positive = q[q > 0]
        K = solve_scale(positive, target) if normalization == "exact" else target / positive.sum()
    return np.minimum(1.0, K * q)


def _top_entries(q: np.ndarray, count: int, *, symmetric: bool) -> np.ndarray:
    """P = 1 on the ``count`` largest scores (pairs counted twice when symmetric), 0 elsewhere."""
    P = np.zeros_like(q)
    if symmetric:
        iu = np.triu_indices_from(q, 1)
        vals = q[iu]
        take = np.argsort(-vals, kind="stable")[: count // 2]
        take = take[vals[take] > 0]
        P[iu[0][take], iu[1][take]] = 1.0
        P[iu[1][take], iu[0][take]] = 1.0
    else:
        flat = q.ravel()
        take = np.argsort(-flat, kind="stable")[:count]
        take = take[flat[take] > 0]
        P.flat[take] = 1.0
    return P


def prune(A, P, *, rng: np.random.Generator, diagonal: str = "row_sum") -> sp.csr_array:
    """Sample the pruned network: keep a_ij with probability p_ij, rescaled to a_ij / p_ij.

    Parameters
    ----------
    A : array_like, shape (N, N)
    P : array_like, shape (N, N)
        Keep probabilities in [0, 1] (e.g. from :func:`probabilities`); the diagonal is ignored.
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
        Bad matrices, P outside [0, 1], unknown diagonal mode.
    """
    A = _checks.square_matrix(A)
    P = _checks.square_matrix(P, "P")
    if P.shape != A.shape:
        raise ValueError(f"P must have the shape of A {A.shape}, got {P.shape}")
    if P.min() < 0 or P.max() > 1:
        bad = P[(P < 0) | (P > 1)][0]
        raise ValueError(f"P must have entries in [0, 1], found {bad:g}")
    _checks.choice(diagonal, DIAGONALS, "diagonal")
    rng = _checks.generator(rng)
    n = A.shape[0]
    symmetric = _checks.is_symmetric(A)

    if symmetric:
        i, j = np.nonzero(np.triu((A != 0) & (P > 0), 1))
    else:
        cand = (A != 0) & (P > 0)
        np.fill_diagonal(cand, False)
        i, j = np.nonzero(cand)
    p = P[i, j]
    kept = rng.random(p.size) < p
    i, j, p = i[kept], j[kept], p[kept]
    vals = A[i, j] / p
    if symmetric:
        i, j, vals = np.r_[i, j], np.r_[j, i], np.r_[vals, vals]

    off_abs = np.bincount(i, weights=np.abs(vals), minlength=n)
    if diagonal == "row_sum":
        orig_abs = np.abs(A).sum(axis=1) - np.abs(np.diagonal(A))
        d = np.diagonal(A) + orig_abs - off_abs
    elif diagonal == "original":
        d = np.diagonal(A).copy()
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
