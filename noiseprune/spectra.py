"""Spectral comparison of a network and its pruned version (docs/method.md, "Metrics").

Per original eigenpair (lambda_i, v_i), sorted ascending:
    eigenvalue error   mu_i / lambda_i - 1   (mu_i: sorted eigenvalues of A_sparse)
    eigenvector error  v_i^T A_sparse v_i / lambda_i - 1
    alignment          |v_i^T A_sparse v_i| / ||A_sparse v_i||   (1 if v_i stays an eigenvector)
and the spectral approximation eps = max |eig(-A_sparse, -A) - 1|, the smallest eps with
(1 - eps)(-A) <= -A_sparse <= (1 + eps)(-A): the quantity the paper's theorem bounds.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from . import _checks

#: Up to this size the generalized eigenproblem is solved densely (no Cholesky factor).
DENSE_GEN_MAX_N = 400
#: Relative accuracy asked of ARPACK for the extremal generalized eigenvalues.
_EPS_TOL = 1e-8
#: Largest N solved densely when ARPACK does not converge.
_DENSE_GEN_FALLBACK_MAX_N = 8000
#: An eigenvalue of modulus at most this times the largest modulus counts as a zero mode.
ZERO_MODE_RTOL = 1e-9


def zero_modes(eigenvalues) -> int:
    """Zero modes of a (pruned) network from its eigenvalues: |mu| <= ZERO_MODE_RTOL max |mu|
    (an isolated neuron, or a component whose row sums balance, under the row-sum diagonal)."""
    modulus = np.abs(np.asarray(eigenvalues))
    if not modulus.size:
        raise ValueError("no eigenvalues to count zero modes in")
    return int(np.count_nonzero(modulus <= ZERO_MODE_RTOL * modulus.max()))


def unstable_modes(eigenvalues) -> int:
    """Eigenvalues with a real part above ZERO_MODE_RTOL max |mu| (growing modes: the
    pruned network is unstable when there is one)."""
    values = np.asarray(eigenvalues)
    if not values.size:
        raise ValueError("no eigenvalues to count unstable modes in")
    return int(np.count_nonzero(values.real > ZERO_MODE_RTOL * np.abs(values).max()))


@functools.cache
def _syevd_2stage():
    """LAPACKE dsyevd_2stage from the OpenBLAS bundled with scipy's wheels, or None.

    The two-stage tridiagonal reduction is mostly level-3 BLAS, about twice as fast as
    ``eigvalsh`` (dsyevd) for the eigenvalues of large dense matrices. scipy does not
    wrap it; builds without the bundled library fall back to ``scipy.linalg.eigvalsh``.
    """
    libs = glob.glob(os.path.join(os.path.dirname(scipy.__file__), os.pardir, "scipy.libs", "libscipy_openblas*.so*"))
    for path in libs:
        try:
            fn = ctypes.CDLL(path).scipy_LAPACKE_dsyevd_2stage
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_int, ctypes.c_char, ctypes.c_char, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        return fn
    return None


def eigvalsh(M: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """Ascending eigenvalues of a dense symmetric matrix (two-stage LAPACK when available).

    ``overwrite`` lets LAPACK work in M itself when M is a C-contiguous float64 array
    (its contents are then lost): no N x N copy.
    """
    fn = _syevd_2stage()
    n = M.shape[0]
    if fn is None or n < 500 or n > 40000:
        return la.eigvalsh(M, check_finite=False, overwrite_a=overwrite)
    a = np.array(M, dtype=np.float64, order="C", copy=None if overwrite else True)  # overwritten by LAPACK
    w = np.empty(n)
    info = fn(101, b"N", b"U", n, a.ctypes.data, n, w.ctypes.data)  # 101: row-major
    if info != 0:
        raise np.linalg.LinAlgError(f"dsyevd_2stage failed (info={info})")
    return w


def _blas_threads() -> int:
    """Threads OpenBLAS may use in this process (threadpoolctl's view), at most 4."""
    from threadpoolctl import threadpool_info

    counts = [lib["num_threads"] for lib in threadpool_info() if lib.get("internal_api") == "openblas"]
    return max(1, min([4, *counts]))


#: Columns of V per sparse product in :func:`sparse_times_dense`. Each stored entry of S
#: reads a row of V; over 64 columns at a time that row stays in cache (a 64-column slab
#: is 5 MB at N = 10000), 2.4x faster than one product over every column at N = 10000.
COLUMN_BLOCK = 64


def sparse_times_dense(S: sp.csr_array, V: np.ndarray, workers: int | None = None) -> np.ndarray:
    """S @ V, over slabs of :data:`COLUMN_BLOCK` columns of V shared among threads
    (scipy's kernel releases the GIL).

    Every column is computed by the same serial kernel, in the same order, so the result
    is that of ``S @ V`` bit for bit, whatever the number of workers (default: the BLAS
    thread limit, as a job of the workflow sets it).
    """
    workers = workers or _blas_threads()
    n = V.shape[1]
    if n <= COLUMN_BLOCK:
        return S @ V
    out = np.empty((S.shape[0], n), dtype=np.result_type(S.dtype, V.dtype))

    def block(start):
        out[:, start : start + COLUMN_BLOCK] = S @ np.ascontiguousarray(V[:, start : start + COLUMN_BLOCK])

    starts = range(0, n, COLUMN_BLOCK)
    if workers == 1:
        for start in starts:
            block(start)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(block, starts))
    return out


def eigendecompose(A) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of A: ``eigh`` when A is symmetric.

    Non-symmetric A gives complex eigenvalues sorted by (real, imaginary) part and
    unit-norm right eigenvectors.
    """
    A = _checks.square_matrix(A)
    if _checks.is_symmetric(A):
        return la.eigh(A, check_finite=False)
    w, V = la.eig(A, check_finite=False)
    order = np.lexsort((w.imag, w.real))
    return w[order], V[:, order]


def stiffness_factor(A) -> np.ndarray | None:
    """Cholesky factor L of -A = L L^T, for :func:`spectral_eps` (None where it is not used).

    None for symmetric A small enough for the dense generalized solve, for non-symmetric
    A, and for -A not positive definite (spectral_eps then reports the problem itself).
    Computed once per network and shared by every pruned version of it.
    """
    A = _checks.square_matrix(A)
    if A.shape[0] <= DENSE_GEN_MAX_N or not _checks.is_symmetric(A):
        return None
    try:
        return la.cholesky(-A, lower=True, check_finite=False)
    except la.LinAlgError:
        return None


def spectral_eps(A, A_sparse, *, factor: np.ndarray | None = None, stiffness_min: float | None = None) -> float:
    """Smallest eps with (1 - eps)(-A) <= -A_sparse <= (1 + eps)(-A) (Loewner order).

    ``max |mu - 1|`` over the generalized eigenvalues of (-A_sparse, -A). Only the two
    extremal ones are computed: ARPACK on L^{-1} (-A_sparse) L^{-T} with -A = L L^T (two
    triangular solves per product: several times cheaper than going through the
    eigenvectors of A, which cost two full dense products).

    The lower end is skipped where it provably cannot be the maximum (given
    ``stiffness_min``): Gershgorin bounds the spectrum of -A_sparse below by g, so every
    mu >= min(g, 0) / stiffness_min; when 1 minus that bound is at most mu_max - 1, eps is
    mu_max - 1 exactly. Row-sum pruned networks far from A (mu_max >= 2, g about 0) are
    the case, and their lower end needs the most products (1480 against 41 for the upper
    one for a weight-pruned N = 10000 network at 3 %).

    ``factor``: the Cholesky factor of -A from :func:`stiffness_factor`, to reuse it
    across pruned versions of one network. ``stiffness_min``: the smallest eigenvalue of
    -A (``-max(eigenvalues of A)``), or None to always compute both ends.

    Raises
    ------
    ValueError
        If A or A_sparse is not symmetric, or -A is not positive definite.
    """
    A = _checks.square_matrix(A)
    n = A.shape[0]
    As = _checks.sparse_square(A_sparse, n)
    if not _checks.is_symmetric(A) or (As != As.T).nnz:
        raise ValueError("spectral_eps is defined for symmetric A and A_sparse only")
    if n <= DENSE_GEN_MAX_N:
        try:
            mu = la.eigh(-As.toarray(), -A, eigvals_only=True, check_finite=False)
        except la.LinAlgError:
            raise ValueError("spectral_eps needs -A positive definite (A stable)") from None
        return float(np.max(np.abs(mu - 1.0)))
    if factor is not None:
        if factor.shape != A.shape:
            raise ValueError(f"factor must have the shape of A {A.shape}, got {factor.shape}")
        L = factor
    else:
        try:
            L = la.cholesky(-A, lower=True, check_finite=False)
        except la.LinAlgError:
            raise ValueError("spectral_eps needs -A positive definite (A stable)") from None

    def matvec(y):  # L^{-1} (-A_sparse) L^{-T} y: two triangular solves and a sparse product
        z = la.solve_triangular(L, y.ravel(), lower=True, trans="T", check_finite=False)
        return la.solve_triangular(L, -(As @ z), lower=True, check_finite=False)

    op = sla.LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    v0 = np.ones(n)
    ends = []
    for which in ("LA", "SA"):
        if which == "SA" and stiffness_min is not None and 1.0 - _generalized_lower_bound(As, stiffness_min) <= ends[0] - 1.0:
            break
        try:
            ends.append(sla.eigsh(op, k=1, which=which, v0=v0, ncv=min(n, 40), tol=_EPS_TOL, return_eigenvectors=False)[0])
        except sla.ArpackNoConvergence:
            # very sparse pruned networks pile eigenvalues up near 0: solve densely if affordable
            if n > _DENSE_GEN_FALLBACK_MAX_N:
                raise ValueError(f"spectral_eps: ARPACK did not converge ({which}) at N = {n}") from None
            mu = la.eigh(-As.toarray(), -A, eigvals_only=True, check_finite=False)
            return float(np.max(np.abs(mu - 1.0)))
    return float(max(abs(e - 1.0) for e in ends))


def _generalized_lower_bound(As: sp.csr_array, stiffness_min: float) -> float:
    """A lower bound on the generalized eigenvalues of (-As, -A), given the smallest
    eigenvalue of -A: min(g, 0) / stiffness_min with g the Gershgorin lower bound of -As
    (min over rows of -As_ii - sum_{j != i} |As_ij|, the sums widened by their rounding)."""
    if not stiffness_min > 0:
        return -np.inf
    diag, off = _checks.gershgorin(As)
    g = float(np.min(-diag - off * (1.0 + 4.0 * As.shape[0] * np.finfo(float).eps)))
    return min(g, 0.0) / stiffness_min


def match_eigenvalues(w: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``mu`` reordered to pair with ``w``: by rank when both are real (``w`` ascending),
    else by the linear assignment minimizing sum |w_i - mu_pi(i)|."""
    w, mu = np.asarray(w), np.asarray(mu)
    if not np.iscomplexobj(w) and not np.iscomplexobj(mu):
        return np.sort(mu)
    from scipy.optimize import linear_sum_assignment  # imported here: ~0.3 s that symmetric jobs skip

    cost = np.abs(w[:, None] - mu[None, :])
    rows, cols = linear_sum_assignment(cost)
    return mu[cols[np.argsort(rows)]]


def compare(
    A,
    A_sparse,
    *,
    eig: tuple[np.ndarray, np.ndarray] | None = None,
    metrics: str = "full",
    factor: np.ndarray | None = None,
) -> dict:
    """Spectral metrics of ``A_sparse`` against ``A``.

    Parameters
    ----------
    A : array_like, shape (N, N)
        Original network.
    A_sparse : sparse or dense, shape (N, N)
        Pruned network.
    eig : (w, V), optional
        Cached :func:`eigendecompose` of A (saves the most expensive step).
    metrics : {"full", "eps"}
        "eps" computes only ``spectral_eps`` (cheap: no full eigendecomposition).
    factor : ndarray, optional
        Cached :func:`stiffness_factor` of A (for ``spectral_eps``).

    Returns
    -------
    dict with
        eigenvalues        (N,) eigenvalues of A, ascending (complex if A is not symmetric)
        eigenvalues_pruned (N,) eigenvalues of A_sparse, sorted (symmetric) or optimally
                           matched to ``eigenvalues`` (non-symmetric, linear assignment)
        eig_err, vec_err, alignment  (N,) per original eigenpair (see module doc);
                           complex errors for non-symmetric A
        spectral_eps       float; NaN for non-symmetric A, where the Loewner order is undefined.
        For ``metrics="eps"`` the arrays are empty.
    """
    A = _checks.square_matrix(A)
    n = A.shape[0]
    As = _checks.sparse_square(A_sparse, n)
    _checks.choice(metrics, ("full", "eps"), "metrics")
    if not np.any(As.data):
        raise ValueError("A_sparse must not be all zero: its eigenvalue errors and alignments are undefined")
    symmetric = _checks.is_symmetric(A) and not (As != As.T).nnz
    empty = np.empty(0)
    out = {"eigenvalues": empty, "eigenvalues_pruned": empty, "eig_err": empty, "vec_err": empty, "alignment": empty}
    if metrics == "eps" or not symmetric:
        stiffness_min = None
    else:
        eig = eig if eig is not None else eigendecompose(A)
        stiffness_min = -float(np.max(eig[0]))
    out["spectral_eps"] = spectral_eps(A, As, factor=factor, stiffness_min=stiffness_min) if symmetric else float("nan")
    if metrics == "eps":
        return out

    w, V = eig if eig is not None else eigendecompose(A)
    if symmetric:
        mu = eigvalsh(As.toarray(), overwrite=True)
    else:
        mu = match_eigenvalues(w, la.eigvals(As.toarray(), check_finite=False, overwrite_a=True))
    AsV = sparse_times_dense(As, V)
    norms = np.linalg.norm(AsV, axis=0)
    if not norms.all():
        k = int(np.flatnonzero(norms == 0)[0])
        raise ValueError(f"A_sparse maps eigenvector {k} of A to zero: its alignment is undefined")
    rayleigh = np.einsum("ij,ij->j", V.conj() if np.iscomplexobj(V) else V, AsV)
    out.update(
        eigenvalues=w,
        eigenvalues_pruned=mu,
        eig_err=mu / w - 1.0,
        vec_err=rayleigh / w - 1.0,
        alignment=np.abs(rayleigh) / norms,
    )
    return out


# ----------------------------------------------------------------------------- sparse networks

#: Eigensolvers of :func:`slowest` (and :func:`fastest`: "lanczos" or "lobpcg").
SLOWEST_METHODS = ("lanczos", "shift-invert", "lobpcg")
#: Relative accuracy asked of the sparse eigensolvers.
SPARSE_EIG_TOL = 1e-6
#: Iterations of LOBPCG before it is declared not converged.
_LOBPCG_MAXITER = 500


def _sparse_network(A) -> tuple[sp.csr_array, bool]:
    A = _checks.sparse_network(A)
    return A, _checks.sparse_is_symmetric(A)


def _by_magnitude(w: np.ndarray, *, descending: bool = False) -> np.ndarray:
    order = np.lexsort((np.imag(w), np.real(w), np.abs(w)))
    return w[order[::-1]] if descending else w[order]


def _lobpcg(M, k: int, *, largest: bool, B=None) -> np.ndarray:
    """k extreme eigenvalues of the symmetric M (M v = mu B v) by LOBPCG with a Jacobi
    preconditioner and a fixed random start; ValueError if it does not converge."""
    n = M.shape[0]
    X = np.random.default_rng(0).standard_normal((n, k))
    d = np.abs(M.diagonal())
    precond = sp.diags_array(1.0 / np.where(d > 0, d, 1.0))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is checked below from the residuals
        w, V = sla.lobpcg(M, X, B=B, M=precond, largest=largest, tol=SPARSE_EIG_TOL, maxiter=_LOBPCG_MAXITER)
    R = M @ V - (B @ V if B is not None else V) * w
    scale = np.abs(w) * (np.linalg.norm(B @ V, axis=0) if B is not None else 1.0)
    if not np.all(np.linalg.norm(R, axis=0) <= 1e-4 * np.maximum(scale, 1e-300)):
        raise ValueError(f"LOBPCG did not converge to {k} eigenvalues in {_LOBPCG_MAXITER} iterations at N = {n}")
    return w


def slowest(A, k: int, *, method: str = "lanczos") -> np.ndarray:
    """The k eigenvalues of smallest magnitude of a stable A (its slowest modes), sorted
    by magnitude ascending; dense or scipy.sparse A, never densified.

    method (symmetric A):
        "lanczos": ARPACK eigsh on A for the largest algebraic eigenvalues (for a stable
        symmetric A exactly those of smallest magnitude); products only.
        "shift-invert": eigsh with sigma = 0 (a sparse LU factorisation of A).
        "lobpcg": LOBPCG on -A for its smallest eigenvalues, Jacobi preconditioner.
    Non-symmetric A: "lanczos" is ARPACK eigs for the largest real parts (the slowest
    decay; the modes of smallest magnitude when they lie on the real axis, as for the
    row-sum networks), "shift-invert" eigs with sigma = 0 (exactly the smallest
    magnitudes); complex eigenvalues.
    benchmarks/bench_brain_scale.py measures which converges and how fast.
    """
    A, symmetric, k, v0 = _eigen_problem(A, k, method, SLOWEST_METHODS)
    if symmetric:
        if method == "lanczos":
            w = sla.eigsh(A, k=k, which="LA", v0=v0, tol=SPARSE_EIG_TOL, return_eigenvectors=False)
        elif method == "shift-invert":
            w = sla.eigsh(sp.csc_array(A), k=k, sigma=0.0, which="LM", v0=v0, tol=SPARSE_EIG_TOL, return_eigenvectors=False)
        else:
            w = -_lobpcg(-A, k, largest=False)
        return _by_magnitude(np.asarray(w, dtype=np.float64))
    if method == "lobpcg":
        raise ValueError("method 'lobpcg' needs a symmetric A; use 'lanczos' or 'shift-invert'")
    if method == "lanczos":
        w = sla.eigs(A, k=k, which="LR", v0=v0, tol=SPARSE_EIG_TOL, return_eigenvectors=False)
    else:
        w = sla.eigs(sp.csc_array(A), k=k, sigma=0.0, which="LM", v0=v0, tol=SPARSE_EIG_TOL, return_eigenvectors=False)
    return _by_magnitude(np.asarray(w))


def _eigen_problem(A, k: int, method: str, methods: tuple) -> tuple:
    """(sparse A, whether symmetric, k, start vector of ones) of a request for k extreme
    eigenvalues by ``method``; one-line errors for a bad k or method."""
    A, symmetric = _sparse_network(A)
    k = _checks.positive_int(k, "k")
    _checks.choice(method, methods, "method")
    n = A.shape[0]
    if k >= n - 1:
        raise ValueError(f"k = {k} must be below N - 1 = {n - 1} (the sparse eigensolvers need it)")
    return A, symmetric, k, np.ones(n)


def fastest(A, k: int, *, method: str = "lanczos") -> np.ndarray:
    """The k eigenvalues of largest magnitude of A (its fastest modes), sorted by
    magnitude descending; dense or scipy.sparse A. "lanczos": ARPACK (eigsh smallest
    algebraic for symmetric A, eigs largest magnitude otherwise); "lobpcg": symmetric A."""
    A, symmetric, k, v0 = _eigen_problem(A, k, method, ("lanczos", "lobpcg"))
    if symmetric:
        if method == "lobpcg":
            w = -_lobpcg(-A, k, largest=True)
        else:
            w = sla.eigsh(A, k=k, which="SA", v0=v0, tol=SPARSE_EIG_TOL, return_eigenvectors=False)
        return _by_magnitude(np.asarray(w, dtype=np.float64), descending=True)
    if method == "lobpcg":
        raise ValueError("method 'lobpcg' needs a symmetric A; use 'lanczos'")
    w = sla.eigs(A, k=k, which="LM", v0=v0, tol=SPARSE_EIG_TOL, return_eigenvectors=False)
    return _by_magnitude(np.asarray(w), descending=True)


def generalized_extremes(A, A_sparse) -> tuple[float, float]:
    """Smallest and largest generalized eigenvalue mu of (-A_sparse) v = mu (-A) v for
    symmetric A and A_sparse, by LOBPCG with B = -A (products only, no factorisation):
    the spectral eps is max |mu - 1| over both ends. ValueError if not symmetric or if
    LOBPCG does not converge (ill-conditioned -A, e.g. very slow modes)."""
    A, symmetric = _sparse_network(A)
    As, symmetric_s = _sparse_network(A_sparse)
    if As.shape != A.shape:
        raise ValueError(f"A_sparse must have the shape of A {A.shape}, got {As.shape}")
    if not (symmetric and symmetric_s):
        raise ValueError("the generalized eigenvalues (spectral eps) are defined for symmetric A and A_sparse only")
    lo = _lobpcg(-As, 1, largest=False, B=-A)[0]
    hi = _lobpcg(-As, 1, largest=True, B=-A)[0]
    return float(lo), float(hi)


def sparse_metrics(A, A_sparse, *, k: int = 20, eigenvalues: dict | None = None, spectral_eps: bool = True) -> dict:
    """Spectral metrics of a pruned network without dense matrices.

    The k slowest (:func:`slowest`) and k fastest (:func:`fastest`) eigenvalues of A
    and of A_sparse, paired by rank (real) or by linear assignment (complex,
    :func:`match_eigenvalues`), their relative errors mu / lambda - 1, and for symmetric
    networks the spectral eps max |mu - 1| over the extreme generalized eigenvalues
    (:func:`generalized_extremes`; NaN with ``eps_converged = False`` when LOBPCG does not
    converge, or when ``spectral_eps`` is False).

    ``eigenvalues``: {"slowest": ..., "fastest": ...} of A, computed once per network.
    """
    A, symmetric = _sparse_network(A)
    As, _ = _sparse_network(A_sparse)
    if As.shape != A.shape:
        raise ValueError(f"A_sparse must have the shape of A {A.shape}, got {As.shape}")
    ref = eigenvalues if eigenvalues is not None else {"slowest": slowest(A, k), "fastest": fastest(A, k)}
    out = {}
    for name, fn in (("slowest", slowest), ("fastest", fastest)):
        w = np.asarray(ref[name])
        mu = fn(As, len(w))
        mu = match_eigenvalues(w, mu) if (np.iscomplexobj(w) or np.iscomplexobj(mu)) else mu
        out[name] = w
        out[f"{name}_pruned"] = mu
        out[f"{name}_err"] = mu / w - 1.0
    out["spectral_eps"] = float("nan")
    out["eps_converged"] = False
    if spectral_eps and symmetric and _checks.sparse_is_symmetric(As):
        try:
            lo, hi = generalized_extremes(A, As)
            out["spectral_eps"] = max(abs(lo - 1.0), abs(hi - 1.0))
            out["eps_converged"] = True
        except ValueError:
            pass
    return out
