"""Rectified-linear networks: fixed point, active set, Jacobian and the metrics of a pruned
rectified-linear network (docs/method.md, "Rectified-linear networks").

The model is dx/dt = -D x + phi(W x + b) + sigma xi(t), with -D the diagonal of A and W
its off-diagonal part (A = W - D); phi is the identity (``linear``) or max(u, 0)
(``relu``). At a fixed point x* the active set is S = {i : (W x* + b)_i > 0} and the
Jacobian J = -D + diag(1_S) W. Ordered active neurons first, J is block upper
triangular,

    J = [[A_SS, A_SI], [0, -D_I]],

so its eigenvalues are those of the principal submatrix A_SS and the leaks -d_i of the
inactive neurons, and the linearized covariance follows from one eigendecomposition of
A_SS when A is symmetric (:func:`lyapunov_structured`).

The public names :func:`fixed_point` and :func:`jacobian` are re-exported by
:mod:`noiseprune.dynamics`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.linalg import lapack

from . import _checks
from .networks import max_real_eigenvalue

NONLINEARITIES = ("linear", "relu")
#: Relative residual ||-D x* + phi(W x* + b)|| / ||x*|| a fixed point must reach.
RESIDUAL_TOL = 1e-10
#: Smallest reciprocal condition number of A_SS accepted: below it A_SS is singular to
#: working precision and the fixed point does not exist (or is not isolated).
RCOND_MIN = 1e-12
#: Active-set iterations before falling back to damped iteration.
_MAX_ACTIVE_SET_ITER = 100


def nonlinearity_of(value) -> str:
    return _checks.choice(value, NONLINEARITIES, "nonlinearity")


def input_vector(b, n: int, name: str = "b") -> np.ndarray:
    """``b`` as a finite float64 vector of length n (a scalar is broadcast)."""
    b = np.asarray(b)
    _checks._reject_complex(b, name)
    b = np.broadcast_to(np.asarray(b, dtype=np.float64), (n,)).copy() if b.ndim == 0 else np.asarray(b, dtype=np.float64)
    if b.shape != (n,):
        raise ValueError(f"{name} must be a scalar or a vector of length {n}, got shape {b.shape}")
    if not np.isfinite(b).all():
        raise ValueError(f"{name} must be finite, found {b[~np.isfinite(b)][0]} at index {int(np.flatnonzero(~np.isfinite(b))[0])}")
    return b


def _dense(M) -> np.ndarray:
    return M.toarray() if sp.issparse(M) else _checks.square_matrix(M)


def drive(A, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """u = W x + b, with W the off-diagonal part of A."""
    d = A.diagonal() if sp.issparse(A) else np.diagonal(A)
    return A @ x - d * x + b


def residual(A, x: np.ndarray, b: np.ndarray, nonlinearity: str = "relu") -> np.ndarray:
    """-D x + phi(W x + b)."""
    u = drive(A, x, b)
    d = A.diagonal() if sp.issparse(A) else np.diagonal(A)
    return d * x + (np.maximum(u, 0.0) if nonlinearity == "relu" else u)


def _solve_active(A: np.ndarray, b: np.ndarray, S: np.ndarray, symmetric: bool):
    """x with x_I = 0 and A_SS x_S = -b_S; None if A_SS is singular to working precision
    (reciprocal condition number below :data:`RCOND_MIN`, e.g. the zero mode of a
    component of a pruned network with the row-sum diagonal) or, for symmetric A, not
    negative definite."""
    x = np.zeros(A.shape[0])
    if not S.any():
        return x
    M = -A[np.ix_(S, S)]
    anorm = float(np.abs(M).sum(axis=0).max())
    try:
        if symmetric:
            factor = la.cho_factor(M, check_finite=False)
            rcond, _ = lapack.dpocon(factor[0], anorm, uplo="L" if factor[1] else "U")
            x[S] = la.cho_solve(factor, b[S], check_finite=False)
        else:
            lu = la.lu_factor(M, check_finite=False)
            rcond, _ = lapack.dgecon(lu[0], anorm)
            x[S] = la.lu_solve(lu, b[S], check_finite=False)
    except (la.LinAlgError, np.linalg.LinAlgError):
        return None
    if not rcond >= RCOND_MIN or not np.isfinite(x).all():
        return None
    return x


def _active_set_iteration(A, b, S, symmetric):
    """Block principal pivoting on the complementarity problem of the fixed point:
    solve for the guessed active set, make active every neuron with positive drive,
    repeat. Returns x or None (singular system or cycle)."""
    seen = set()
    for _ in range(_MAX_ACTIVE_SET_ITER):
        x = _solve_active(A, b, S, symmetric)
        if x is None:
            return None
        S_new = drive(A, x, b) > 0
        if np.array_equal(S_new, S):
            return x
        key = np.packbits(S_new).tobytes()
        if key in seen:
            return None
        seen.add(key)
        S = S_new
    return None


def _damped(A, b, x, steps: int = 20000):
    """Euler iteration of the noiseless dynamics from x, until the active set settles."""
    d = -np.diagonal(A)
    r = np.abs(A).sum(axis=1) - np.abs(np.diagonal(A))
    h = 1.0 / max(float(np.max(d + r)), 1e-12)
    S = drive(A, x, b) > 0
    still = 0
    for _ in range(steps):
        x = x + h * (-d * x + np.maximum(drive(A, x, b), 0.0))
        if not np.isfinite(x).all() or np.abs(x).max() > 1e30:
            return None
        S_new = drive(A, x, b) > 0
        still = still + 1 if np.array_equal(S_new, S) else 0
        S = S_new
        if still >= 200:
            break
    return S


def fixed_point(A, b, *, nonlinearity: str = "relu", active=None) -> np.ndarray:
    """Stable fixed point x* of dx/dt = -D x + phi(W x + b) (A = W - D).

    ``relu``: x*_i = 0 off the active set and A_SS x*_S = -b_S on it; the active set is
    found by iterating (solve for a guess, take the neurons with positive drive, repeat;
    the start is ``active`` if given, else b > 0), falling back to damped iteration of the
    noiseless dynamics when that cycles. ``linear``: x* = -A^{-1} b.

    Parameters
    ----------
    A : array_like (dense) or sparse, shape (N, N)
    b : float or array_like, shape (N,)
        Background input.
    nonlinearity : {"linear", "relu"}
    active : bool array, shape (N,), optional
        First guess of the active set (e.g. the original network's, for a pruned one).

    Returns
    -------
    x_star : ndarray, shape (N,), with ||-D x* + phi(W x* + b)|| <= 1e-10 ||x*||.

    Raises
    ------
    ValueError
        Bad input; no fixed point found; one that is not stable (the Jacobian's largest
        real eigenvalue is named); or, for ``relu``, no active neuron (the input silences
        every neuron: the Jacobian is -D and the noise probes no synapse).
    """
    nonlinearity = nonlinearity_of(nonlinearity)
    A = _dense(A)
    n = A.shape[0]
    b = input_vector(b, n)
    symmetric = _checks.is_symmetric(A)
    if nonlinearity == "linear":
        S = np.ones(n, dtype=bool)
        x = _solve_active(A, b, S, symmetric)
    else:
        S = (b > 0) if active is None else np.asarray(active, dtype=bool).copy()
        if S.shape != (n,):
            raise ValueError(f"active must be a boolean vector of length {n}, got shape {S.shape}")
        x = _active_set_iteration(A, b, S, symmetric)
        if x is None:
            S = _damped(A, b, _solve_active(A, b, np.zeros(n, dtype=bool), symmetric))
            x = None if S is None else _active_set_iteration(A, b, S, symmetric)
    if x is None:
        if S is not None:
            check_jacobian_stable(A, S, symmetric)  # names the eigenvalue when J is unstable
        raise ValueError(
            "no stable fixed point: the active-set iteration did not converge or met an active block "
            f"A_SS singular to working precision (reciprocal condition < {RCOND_MIN:g})"
        )
    S = np.ones(n, dtype=bool) if nonlinearity == "linear" else drive(A, x, b) > 0
    if not S.any():
        raise ValueError("no active neuron at the fixed point: the input silences every neuron (max drive "
                         f"{float(drive(A, x, b).max()):.3g} <= 0)")
    res = float(np.linalg.norm(residual(A, x, b, nonlinearity)))
    if not res <= RESIDUAL_TOL * float(np.linalg.norm(x)):
        raise ValueError(f"no accurate fixed point: relative residual {res / max(np.linalg.norm(x), 1e-300):.3g} > {RESIDUAL_TOL:g}")
    # symmetric A: the last solve factorized -A_SS by Cholesky for this very S, so A_SS is stable
    check_jacobian_stable(A, S, symmetric, active_block_stable=symmetric)
    return x


def active_set(A, x_star, b, *, nonlinearity: str = "relu") -> np.ndarray:
    """Boolean active set {i : (W x* + b)_i > 0} (every neuron for ``linear``)."""
    if nonlinearity_of(nonlinearity) == "linear":
        return np.ones(A.shape[0], dtype=bool)
    return drive(A, np.asarray(x_star, dtype=np.float64), input_vector(b, A.shape[0])) > 0


def jacobian(A, x_star, b, *, nonlinearity: str = "relu") -> np.ndarray:
    """J = -D + diag(1_S) W at the fixed point x* (J = A for ``linear`` or when all are active)."""
    A = _dense(A)
    S = active_set(A, x_star, b, nonlinearity=nonlinearity)
    J = A.copy()
    off = np.flatnonzero(~S)
    J[off, :] = 0.0
    J[off, off] = np.diagonal(A)[off]
    return J


def jacobian_eigenvalues(A, S: np.ndarray, symmetric: bool | None = None) -> np.ndarray:
    """Eigenvalues of J: those of A_SS (real, ascending, if A is symmetric) and -d_i, i not in S.

    Returned sorted ascending when real, by real then imaginary part otherwise.
    """
    A = _dense(A)
    symmetric = _checks.is_symmetric(A) if symmetric is None else symmetric
    inactive = np.diagonal(A)[~S]
    A_SS = A[np.ix_(S, S)]
    if symmetric:
        from .spectra import eigvalsh  # two-stage LAPACK where available

        return np.sort(np.concatenate([eigvalsh(A_SS) if S.any() else [], inactive]))
    w = np.concatenate([la.eigvals(A_SS, check_finite=False) if S.any() else np.empty(0, complex), inactive])
    return w[np.lexsort((w.imag, w.real))]


def check_jacobian_stable(A: np.ndarray, S: np.ndarray, symmetric: bool, *, active_block_stable: bool = False) -> None:
    """ValueError unless J (active set S) is stable: A_SS stable (known already with
    ``active_block_stable``) and every inactive leak d_i > 0."""
    d_inactive = -np.diagonal(A)[~S]
    worst = -float(d_inactive.min()) if d_inactive.size else -np.inf
    if S.any() and not active_block_stable:
        A_SS = A[np.ix_(S, S)]
        stable = False
        if symmetric:
            try:
                la.cholesky(-A_SS, check_finite=False)
                stable = True
            except la.LinAlgError:
                pass
        if not stable:
            worst = max(worst, max_real_eigenvalue(A_SS, symmetric=symmetric))
    if worst >= 0:
        raise ValueError(f"no stable fixed point: the Jacobian's largest real eigenvalue is {worst:.6g} (must be < 0)")


def lyapunov_structured(A: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solution C of J C + C J^T + I = 0 for symmetric A, and the eigenvalues of J.

    With the active neurons first, J = [[A_SS, A_SI], [0, -D_I]] and A_SS = U L U^T:
    C_II = diag(1 / (2 d_I)); C_SI = U Y, Y_jk = (U^T (-A_SI C_II))_jk / (l_j - d_k);
    C_SS = U Z U^T, Z_jk = (U^T G U)_jk / (l_j + l_k), G = -I - A_SI C_IS - C_SI A_SI^T.
    """
    n = A.shape[0]
    s, i = np.flatnonzero(S), np.flatnonzero(~S)
    lam, U = la.eigh(A[np.ix_(s, s)], check_finite=False)
    d = -np.diagonal(A)[i]
    C = np.zeros((n, n))
    c_ii = 0.5 / d
    C[i, i] = c_ii
    A_SI = A[np.ix_(s, i)]
    Y = (U.T @ (-A_SI * c_ii)) / (lam[:, None] - d[None, :])
    C_SI = U @ Y
    G = -A_SI @ C_SI.T
    G = G + G.T
    G[np.diag_indices_from(G)] -= 1.0
    Z = (U.T @ G @ U) / (lam[:, None] + lam[None, :])
    C_SS = U @ Z @ U.T
    C[np.ix_(s, s)] = 0.5 * (C_SS + C_SS.T)
    C[np.ix_(s, i)] = C_SI
    C[np.ix_(i, s)] = C_SI.T
    return C, np.sort(np.concatenate([lam, -d]))


def match(w: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``mu`` reordered to pair with ``w`` (see :func:`noiseprune.spectra.match_eigenvalues`)."""
    from .spectra import match_eigenvalues

    return match_eigenvalues(w, mu)


def compare(A, A_sparse, b, *, x_star=None, eigenvalues=None) -> dict:
    """Metrics of a pruned rectified-linear network against the original.

    Parameters
    ----------
    A : ndarray, shape (N, N); A_sparse : sparse or dense, shape (N, N); b : input, shape (N,)
    x_star : ndarray, optional
        Fixed point of A (computed if absent).
    eigenvalues : ndarray, optional
        Eigenvalues of J at x* (:func:`jacobian_eigenvalues`; computed if absent).

    Returns
    -------
    dict with ``status`` ("ok", or "no_stable_fixed_point" when the pruned network has
    none: the other values are then NaN and the arrays empty), ``active_fraction`` and
    ``active_fraction_pruned``, ``fixed_point_err`` = ||x*_s - x*|| / ||x*||,
    ``active_set_mismatch`` (fraction of neurons whose active state differs),
    ``eigenvalues`` (of J), ``eigenvalues_pruned`` (of J_s, matched), ``eig_err``
    (mu / lambda - 1 per eigenvalue of J; complex when J is).
    """
    A = _checks.square_matrix(A)
    n = A.shape[0]
    As = _checks.sparse_square(A_sparse, n).toarray()
    b = input_vector(b, n)
    x = fixed_point(A, b) if x_star is None else np.asarray(x_star, dtype=np.float64)
    S = drive(A, x, b) > 0
    w = jacobian_eigenvalues(A, S) if eigenvalues is None else np.asarray(eigenvalues)
    out = {"status": "ok", "active_fraction": float(S.mean())}
    try:
        xs = fixed_point(As, b, active=S)
    except ValueError as err:
        if "fixed point" not in str(err) and "silences" not in str(err):
            raise
        nan = float("nan")
        out.update(status="no_stable_fixed_point", active_fraction_pruned=nan, fixed_point_err=nan,
                   active_set_mismatch=nan, eigenvalues=w, eigenvalues_pruned=np.full(n, nan), eig_err=np.full(n, nan))
        return out
    Ss = drive(As, xs, b) > 0
    mu = match(w, jacobian_eigenvalues(As, Ss))
    out.update(
        active_fraction_pruned=float(Ss.mean()),
        fixed_point_err=float(np.linalg.norm(xs - x) / np.linalg.norm(x)),
        active_set_mismatch=float(np.mean(Ss != S)),
        eigenvalues=w,
        eigenvalues_pruned=mu,
        eig_err=mu / w - 1.0,
    )
    return out
