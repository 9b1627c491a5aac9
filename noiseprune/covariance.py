"""Noise covariance of dx/dt = A x + xi: exact (Lyapunov) and empirical (simulated);
of a rectified-linear network dx/dt = -D x + max(W x + b, 0) + xi: linearized at its
fixed point (:func:`linearized`) or empirical (``nonlinearity="relu"``).

docs/method.md, "Covariance". With unit white noise the stationary covariance C solves

    A C + C A^T + I = 0.

Noise of variance ``sigma^2`` multiplies C by ``sigma^2``. The exact and authors'
normalizations of the pruning probabilities divide that factor out, so unit noise is
used throughout; the theory normalization (fixed K) does not, and is defined for
unit noise.

Colored noise (``noise_tau`` = tau_c > 0): the input is an Ornstein-Uhlenbeck process
eta, d eta = -(eta / tau_c) dt + (1 / tau_c) dW, of unit intensity (its autocovariance
integrates to 1, so tau_c -> 0 is the white noise above). The augmented system
z = (x, eta) has blocks Var(eta) = I / (2 tau_c), E[x eta^T] = S = (I - tau_c A)^{-1} / 2
and A C + C A^T + S + S^T = 0 (docs/method.md, "Colored noise").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.linalg import blas, lapack

from . import _checks
from .dynamics import DIVERGED, ColoredNoise, check_euler_step, diverged
from .networks import check_stable
from .rectified import drive, fixed_point, input_vector, jacobian, lyapunov_structured, nonlinearity_of

#: Blocks at or below this size are handed to LAPACK's (unblocked) trsyl.
_TRSYL_BLOCK = 64


def _mirror_upper(M: np.ndarray) -> np.ndarray:
    """Make ``M`` exactly symmetric from its upper triangle (in place)."""
    il = np.tril_indices(M.shape[0], -1)
    M[il] = M.T[il]
    return M


def cholesky_inverse(S: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive definite matrix from its Cholesky factor (LAPACK potrf + potri).

    Raises ``numpy.linalg.LinAlgError`` if ``S`` is not positive definite.
    """
    c, info = lapack.dpotrf(S, lower=False, clean=False, overwrite_a=False)
    if info != 0:
        raise np.linalg.LinAlgError(f"matrix is not positive definite (potrf info={info})")
    inv, info = lapack.dpotri(c, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri failed (info={info})")
    return _mirror_upper(np.array(inv, order="C"))


def _split(T: np.ndarray) -> int:
    """Split point of a quasi-triangular matrix that does not cut a 2 x 2 diagonal block."""
    h = T.shape[0] // 2
    return h + 1 if T[h, h - 1] != 0.0 else h


def _trsyl(T1: np.ndarray, T2: np.ndarray, F: np.ndarray) -> np.ndarray:
    x, scale, info = lapack.dtrsyl(T1, T2, F, tranb="T")
    if info < 0:
        raise ValueError(f"trsyl argument {-info} invalid")
    return x / scale if scale != 1.0 else x


def _sylvester_tri(T1: np.ndarray, T2: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Solve T1 X + X T2^T = F for upper quasi-triangular T1, T2 (recursive, level-3 BLAS)."""
    m, n = F.shape
    if m <= _TRSYL_BLOCK and n <= _TRSYL_BLOCK:
        return _trsyl(T1, T2, F)
    X = np.empty_like(F)
    if m >= n:
        h = _split(T1)
        X[h:] = _sylvester_tri(T1[h:, h:], T2, F[h:])
        X[:h] = _sylvester_tri(T1[:h, :h], T2, F[:h] - T1[:h, h:] @ X[h:])
    else:
        h = _split(T2)
        X[:, h:] = _sylvester_tri(T1, T2[h:, h:], F[:, h:])
        X[:, :h] = _sylvester_tri(T1, T2[:h, :h], F[:, :h] - X[:, h:] @ T2[:h, h:].T)
    return X


def _lyapunov_tri(T: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Solve T X + X T^T = F (F symmetric) for upper quasi-triangular T, recursively."""
    n = T.shape[0]
    if n <= _TRSYL_BLOCK:
        return _trsyl(T, T, F)
    h = _split(T)
    T11, T12, T22 = T[:h, :h], T[:h, h:], T[h:, h:]
    X = np.empty_like(F)
    X[h:, h:] = _lyapunov_tri(T22, F[h:, h:])
    X[:h, h:] = _sylvester_tri(T11, T22, F[:h, h:] - T12 @ X[h:, h:])
    X[h:, :h] = X[:h, h:].T
    G = T12 @ X[h:, :h]
    X[:h, :h] = _lyapunov_tri(T11, F[:h, :h] - G - G.T)
    return X


def solve_lyapunov(A: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Solve A X + X A^T = Q for a general real A (Bartels-Stewart, recursive blocked).

    One real Schur factorisation A = Z T Z^T, then a recursive triangular solve whose
    work is matrix products; much faster than LAPACK's unblocked trsyl (used by
    ``scipy.linalg.solve_continuous_lyapunov``) for N in the hundreds and above.
    """
    T, Z = la.schur(A, output="real", check_finite=False)
    F = Z.T @ Q @ Z
    Y = _lyapunov_tri(T, 0.5 * (F + F.T))
    X = Z @ Y @ Z.T
    return 0.5 * (X + X.T)


def lyapunov_residual(A: np.ndarray, C: np.ndarray, Q: np.ndarray | None = None, *, probes: int | None = None) -> float:
    """Normwise relative residual ||A C + C A^T + Q||_F / (2 ||A||_F ||C||_F + ||Q||_F),
    Q = I by default (white noise; colored noise: Q = S + S^T, :func:`colored_cross_covariance`).

    ``probes=k`` estimates the Frobenius norm of the residual R from k Gaussian vectors
    (E ||R g||^2 = ||R||_F^2; with k = 16 the estimate is within a factor 2 of the norm
    with probability above 1 - 1e-6), in O(k N^2) instead of the N^3 of forming A C:
    for a check of a large covariance, where the product alone would cost twice the
    Cholesky inverse. C must then be symmetric (every covariance here is). The probe
    vectors are seeded, so the value is reproducible."""
    n = A.shape[0]
    q_norm = math.sqrt(n) if Q is None else float(np.linalg.norm(Q))
    if probes is None:
        AC = A @ C
        R = AC + AC.T
        if Q is None:
            R[np.diag_indices_from(R)] += 1.0
        else:
            R += Q
        r_norm = float(np.linalg.norm(R))
    else:
        G = np.random.default_rng(0).standard_normal((n, int(probes)))
        RG = A @ (C @ G) + C @ (A.T @ G) + (G if Q is None else Q @ G)
        r_norm = math.sqrt(float(np.sum(RG * RG)) / int(probes))
    return r_norm / (2 * float(np.linalg.norm(A)) * float(np.linalg.norm(C)) + q_norm)


def noise_tau_of(value) -> float:
    """Validate a noise correlation time tau_c >= 0 (0: white noise)."""
    return _checks.non_negative(value, "noise_tau")


def colored_cross_covariance(A: np.ndarray, noise_tau: float) -> np.ndarray:
    """S = E[x eta^T] = (I - tau_c A)^{-1} / 2 of the stationary augmented system (x, eta).

    From the (1, 2) block of the augmented Lyapunov equation, A S - S / tau_c + I / (2 tau_c) = 0.
    """
    n = A.shape[0]
    M = -noise_tau * A
    M[np.diag_indices(n)] += 1.0
    return 0.5 * la.solve(M, np.eye(n), check_finite=False)


def colored_residual(A, C: np.ndarray, noise_tau: float) -> float:
    """Normwise relative residual of the augmented Lyapunov equation M P + P M^T + B B^T = 0
    of z = (x, eta), M = [[A, I], [0, -I/tau_c]], B = [0; I/tau_c], with P's blocks C (given),
    S = :func:`colored_cross_covariance` and I / (2 tau_c): ||R||_F / (2 ||M||_F ||P||_F + ||B B^T||_F).
    """
    A = _checks.square_matrix(A)
    tau = _checks.positive(noise_tau, "noise_tau")
    n = A.shape[0]
    eye = np.eye(n)
    M = np.block([[A, eye], [np.zeros((n, n)), -eye / tau]])
    S = colored_cross_covariance(A, tau)
    P = np.block([[C, S], [S.T, eye / (2 * tau)]])
    BBt = np.zeros((2 * n, 2 * n))
    BBt[n:, n:] = eye / tau**2
    MP = M @ P
    R = MP + MP.T + BBt
    return float(np.linalg.norm(R) / (2 * np.linalg.norm(M) * np.linalg.norm(P) + np.linalg.norm(BBt)))


def exact(A, *, noise_tau: float = 0.0, cross: np.ndarray | None = None) -> np.ndarray:
    """Stationary covariance C of dx/dt = A x + xi (unit white noise): A C + C A^T + I = 0;
    with ``noise_tau`` = tau_c > 0, of dx/dt = A x + eta driven by unit-intensity
    Ornstein-Uhlenbeck noise eta of correlation time tau_c (module docstring).

    White noise:
    symmetric A: C = (-A)^{-1} / 2 from a Cholesky factorisation of -A;
    normal A: C = (-(A + A^T))^{-1}, also by Cholesky;
    general A: recursive blocked Bartels-Stewart (:func:`solve_lyapunov`).

    Colored noise: the x-block of the augmented Lyapunov equation (:func:`colored_residual`
    checks it), without forming the 2N x 2N system: S = (I - tau_c A)^{-1} / 2, then
    A C + C A^T + S + S^T = 0. Symmetric A: S commutes with A and
    C = ((-A)(I - tau_c A))^{-1} / 2 = (-A + tau_c A^2)^{-1} / 2 (eigenvalues
    1 / (2 |l| (1 + tau_c |l|))), by Cholesky; otherwise the general solver.

    Parameters
    ----------
    A : array_like, shape (N, N)
        Stable connectivity (every eigenvalue with negative real part).
    noise_tau : float
        Correlation time tau_c >= 0 of the noise; 0 (default) is white noise.
    cross : ndarray, optional
        S = :func:`colored_cross_covariance` of (A, noise_tau) when the caller has it
        already (the residual check needs it too): a non-symmetric A then does not solve
        for it a second time. Only with noise_tau > 0.

    Returns
    -------
    C : ndarray, shape (N, N), float64, exactly symmetric.

    Raises
    ------
    ValueError
        Non-square or non-finite A, unstable A (the largest real eigenvalue is named), or
        a negative or non-finite noise_tau.
    """
    A = _checks.square_matrix(A)
    noise_tau = noise_tau_of(noise_tau)
    if cross is not None and noise_tau == 0:
        raise ValueError("cross (the colored-noise cross-covariance S) needs noise_tau > 0, got 0")
    if noise_tau > 0:
        return _exact_colored(A, noise_tau, cross)
    symmetric = _checks.is_symmetric(A)
    if symmetric:
        S = -A
    else:
        AAt = A @ A.T
        normal = np.allclose(AAt, A.T @ A, rtol=0.0, atol=1e-13 * max(np.abs(AAt).max(), 1e-300))
        S = -(A + A.T) if normal else None
        if S is not None:
            S = 0.5 * (S + S.T)  # exact symmetry of the rounded sum
    if S is not None:
        try:
            C = cholesky_inverse(S)
        except np.linalg.LinAlgError:
            check_stable(A, symmetric=symmetric)
            raise ValueError("-(A + A^T) is not positive definite although A is stable") from None
        if symmetric:
            C *= 0.5
        return C
    check_stable(A, symmetric=False)
    return solve_lyapunov(A, -np.eye(A.shape[0]))


def _exact_colored(A: np.ndarray, noise_tau: float, cross: np.ndarray | None = None) -> np.ndarray:
    """:func:`exact` for tau_c > 0 (``cross``: S, if already solved for)."""
    symmetric = _checks.is_symmetric(A)
    if symmetric:
        S = A @ A
        S *= noise_tau
        S -= A  # -A + tau_c A^2, positive definite iff -A is
        S = 0.5 * (S + S.T)
        try:
            C = cholesky_inverse(S)
        except np.linalg.LinAlgError:
            check_stable(A, symmetric=True)
            raise ValueError("-A + tau_c A^2 is not positive definite although A is stable") from None
        C *= 0.5
        return C
    check_stable(A, symmetric=False)
    S = colored_cross_covariance(A, noise_tau) if cross is None else cross
    if S.shape != A.shape:
        raise ValueError(f"cross has shape {S.shape}, A {A.shape}")
    return solve_lyapunov(A, -(S + S.T))


def linearized(A, b, *, nonlinearity: str = "relu") -> np.ndarray:
    """Covariance of the dynamics linearized at the fixed point: J C + C J^T + I = 0.

    J = -D + diag(1_S) W at x* (:func:`noiseprune.dynamics.fixed_point`). When every
    neuron is active (or ``nonlinearity="linear"``), J = A and this is :func:`exact`.
    Otherwise: symmetric A by one eigendecomposition of A_SS
    (:func:`noiseprune.rectified.lyapunov_structured`), else the general solver.

    Raises
    ------
    ValueError
        As :func:`noiseprune.dynamics.fixed_point` (no stable fixed point, every neuron silent).
    """
    A = _checks.square_matrix(A)
    x = fixed_point(A, b, nonlinearity=nonlinearity)
    b = input_vector(b, A.shape[0])
    S = np.ones(A.shape[0], dtype=bool) if nonlinearity_of(nonlinearity) == "linear" else drive(A, x, b) > 0
    if S.all():
        return exact(A)
    if _checks.is_symmetric(A):
        return lyapunov_structured(A, S)[0]
    return solve_lyapunov(jacobian(A, x, b, nonlinearity=nonlinearity), -np.eye(A.shape[0]))


class SimulationGrid(NamedTuple):
    """The checked time grid of a simulated covariance (:func:`simulation_steps`)."""

    dt: float
    replicas: int
    sample_every: int
    burn_steps: int  # steps dropped at the start of each replica
    samples: int  # samples per replica, one every ``sample_every`` steps after the burn-in


def simulation_steps(duration: float, dt: float, burn_in: float, replicas: int, sample_every: int) -> SimulationGrid:
    """The time grid of a simulated covariance, its arguments checked: ``replicas`` runs
    side by side share the observed ``duration``, one sample every ``sample_every`` steps
    after ``burn_in`` time units.

    Raises
    ------
    ValueError
        A duration or dt that is not positive, a negative burn-in, replicas or
        sample_every that are not positive integers, or fewer than 2 samples per replica.
    """
    duration = _checks.positive(duration, "duration")
    dt = _checks.positive(dt, "dt")
    burn_in = _checks.non_negative(burn_in, "burn_in")
    replicas = _checks.positive_int(replicas, "replicas")
    sample_every = _checks.positive_int(sample_every, "sample_every")
    samples = int(round(duration / replicas / dt / sample_every))
    if samples < 2:
        raise ValueError(
            f"duration {duration:g} too short: {replicas} replicas x dt {dt:g} x sample_every {sample_every} "
            "leaves fewer than 2 samples per replica"
        )
    return SimulationGrid(dt, replicas, sample_every, int(round(burn_in / dt)), samples)


def empirical(
    A,
    *,
    duration: float,
    dt: float = 0.005,
    burn_in: float,
    replicas: int = 64,
    sample_every: int = 1,
    rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
    nonlinearity: str = "linear",
    background=0.0,
    noise_tau: float = 0.0,
) -> np.ndarray:
    """Sample covariance of a simulated noisy run (what a brain could measure).

    Euler-Maruyama with unit noise, x(t+dt) = (I + dt A) x(t) + sqrt(dt) xi, started at
    x = 0. ``replicas`` independent runs are simulated together as one (N x N) @ (N x R)
    product per step; each runs ``burn_in`` (discarded) and then ``duration / replicas``
    time units that are observed, so ``duration`` is the total observed time.
    The covariance is pooled over replicas and time around the grand mean (a
    per-replica mean would bias slow modes down when replicas are short).

    Parameters
    ----------
    A : array_like, shape (N, N)
    duration : float
        Total observed time, summed over replicas (> 0).
    dt : float
        Time step.
    burn_in : float
        Time dropped at the start of every replica (>= 0).
    replicas : int
        Independent runs simulated together (>= 1).
    sample_every : int
        Accumulate the sample covariance every this many steps (>= 1).
    rng : numpy.random.Generator
    progress : callable(done, total), optional
        Called with the number of steps done, about a hundred times per run.
    nonlinearity : {"linear", "relu"}
        "relu": x(t+dt) = x + dt (-D x + max(W x + b, 0)) + sqrt(dt) xi, every replica
        started at the fixed point x* (:func:`noiseprune.dynamics.fixed_point`).
    background : float or array_like, shape (N,)
        The input b of the rectified-linear model ("linear" accepts only 0: the covariance
        of the linear model does not depend on a constant input).
    noise_tau : float
        Correlation time of the noise (>= 0; linear model only): tau > 0 replaces
        sqrt(dt) xi by the exactly integrated Ornstein-Uhlenbeck input of
        :class:`noiseprune.dynamics.ColoredNoise` (started stationary); the expected
        result is then ``exact(A, noise_tau=tau)``.

    Returns
    -------
    C : ndarray, shape (N, N), float64, exactly symmetric.

    Raises
    ------
    ValueError
        Bad parameters, no stable fixed point (relu), a run too short to take a single sample, A not stable, dt at or
        above the explicit Euler bound of A (:func:`noiseprune.dynamics.check_euler_step`,
        before simulating), or a run that still diverges (non-finite or beyond
        :data:`noiseprune.dynamics.DIVERGED`).
    """
    A = _checks.square_matrix(A)
    rng = _checks.generator(rng)
    noise_tau = noise_tau_of(noise_tau)
    n = A.shape[0]
    dt, replicas, sample_every, burn_steps, samples = simulation_steps(duration, dt, burn_in, replicas, sample_every)
    total = burn_steps + samples * sample_every
    if nonlinearity_of(nonlinearity) == "relu":
        if noise_tau > 0:
            raise ValueError(f"noise_tau {noise_tau:g}: colored noise is implemented for the linear model only")
        return _empirical_relu(A, input_vector(background, n), dt, burn_steps, samples, sample_every, replicas, rng, progress)
    if np.any(np.asarray(background) != 0):
        raise ValueError("background applies to nonlinearity='relu' only (a constant input does not change a linear network's covariance)")
    check_euler_step(A, dt, "A")

    # States are Fortran-ordered (N x R) so BLAS works on them in place.
    step_matrix = np.eye(n) + dt * A  # x <- (I + dt A) x + sqrt(dt) xi
    mT = np.asfortranarray(step_matrix.T)  # dgemm(trans_a=1) on this reads step_matrix
    x = np.zeros((n, replicas), order="F")
    noise = np.empty((replicas, n)).T  # Fortran-ordered (N x R) buffer
    second = np.zeros((n, n), order="F")  # running sum of x x^T (upper triangle)
    first = np.zeros((n, replicas))  # running sum of x
    sqdt = math.sqrt(dt)
    colored = ColoredNoise((n, replicas), dt, noise_tau, rng) if noise_tau > 0 else None
    report_every = max(1, total // 100)
    for step in range(1, total + 1):
        if colored is None:
            rng.standard_normal(out=noise.T)
            beta = sqdt
        else:
            colored.increment(out=noise)  # the integrated input over the step
            beta = 1.0
        x, noise = blas.dgemm(1.0, mT, x, beta=beta, c=noise, trans_a=1, overwrite_c=True), x
        if step > burn_steps and (step - burn_steps) % sample_every == 0:
            second = blas.dsyrk(1.0, x, beta=1.0, c=second, overwrite_c=True)
            first += x
        if step % report_every == 0 or step == total:
            if diverged(x):
                raise ValueError(
                    f"the simulation of A diverged by step {step} (t = {step * dt:g}) with dt {dt:g}: "
                    f"state non-finite or beyond {DIVERGED:g}"
                )
            if progress is not None:
                progress(step, total)
    return _sample_covariance(second, first, samples * replicas)


def _sample_covariance(second: np.ndarray, first: np.ndarray, count: int) -> np.ndarray:
    """Covariance from the accumulated second moments (upper triangle) and sums of ``count`` samples."""
    C = _mirror_upper(np.array(second, order="C")) / count
    mean = first.sum(axis=1) / count
    C -= np.outer(mean, mean)
    return 0.5 * (C + C.T)


def _empirical_relu(A, b, dt, burn_steps, samples, sample_every, replicas, rng, progress):
    """:func:`empirical` of the rectified-linear network, replicas started at x*."""
    return relu_covariances(A, b, dt, burn_steps, [samples], sample_every, replicas, rng, progress)[0]


#: Samples (columns) gathered before one rank-k update of the second moments.
_SYRK_COLUMNS = 256


def relu_covariances(A, b, dt, burn_steps, samples, sample_every, replicas, rng, progress=None):
    """Sample covariances of one rectified-linear run after each count in ``samples``
    (samples per replica, ascending): the covariance :func:`empirical` returns for a
    duration of ``count * replicas * dt * sample_every``, for every count from one run
    (benchmarks/study_relu_duration.py reads several durations this way).

    The state is float32, as in :func:`noiseprune.dynamics.simulate`, and is the
    deviation y = x - x* from the fixed point (small, so float32 keeps its digits):
    y <- y + dt (d y + max(W y + c, 0) - max(c, 0)) + sqrt(dt) xi with c = W x* + b,
    the replicas one (N x N) @ (N x R) product per step. The second moments of y are
    accumulated in float64, one rank-k update per ``_SYRK_COLUMNS`` gathered samples.
    """
    from .dynamics import _check_relu_step

    n = A.shape[0]
    x_star = fixed_point(A, b)
    _check_relu_step(A, dt, "A")
    d = np.diagonal(A).astype(np.float32)[:, None]  # -leak
    W = (A - np.diag(np.diagonal(A))).astype(np.float32)
    c = drive(A, x_star, b).astype(np.float32)[:, None]  # W x* + b
    c_plus = np.maximum(c, np.float32(0.0))
    y = np.zeros((n, replicas), dtype=np.float32)
    u = np.empty_like(y)
    noise = np.empty_like(y)
    ends = sorted(int(k) for k in samples)
    width = max(1, _SYRK_COLUMNS // replicas)  # samples per block
    block = np.empty((n, width * replicas), order="F")
    filled = 0
    second = np.zeros((n, n), order="F")
    first = np.zeros((n, 1))
    taken = 0
    out = []
    step_dt = np.float32(dt)
    sqdt = np.float32(math.sqrt(dt))
    total = burn_steps + ends[-1] * sample_every
    report_every = max(1, total // 100)
    for step in range(1, total + 1):
        rng.standard_normal(dtype=np.float32, out=noise)
        np.matmul(W, y, out=u)
        u += c
        np.maximum(u, 0.0, out=u)
        u -= c_plus
        u += d * y
        u *= step_dt
        noise *= sqdt
        u += noise
        y += u
        if step > burn_steps and (step - burn_steps) % sample_every == 0:
            block[:, filled * replicas : (filled + 1) * replicas] = y
            filled += 1
            taken += 1
            if filled == width or taken == ends[0]:
                gathered = block[:, : filled * replicas]
                second = blas.dsyrk(1.0, gathered, beta=1.0, c=second, overwrite_c=True)
                first[:, 0] += gathered.sum(axis=1)
                filled = 0
            if taken == ends[0]:
                out.append(_sample_covariance(second, first, taken * replicas))
                ends.pop(0)
        if step % report_every == 0 or step == total:
            if diverged(y):
                raise ValueError(f"the rectified-linear simulation diverged by step {step} (t = {step * dt:g})")
            if progress is not None:
                progress(step, total)
    return out


# ----------------------------------------------------------------------------- edge-local covariance

#: Bytes of the float32 sample block of :func:`on_edges` (its columns: replicas x samples).
_EDGE_BLOCK_BYTES = 64 * 2**20
#: Most columns (replicas x samples) gathered before the edge products are formed.
_EDGE_BLOCK_COLUMNS = 256
#: Bytes of the float32 gathered rows per chunk of the edge products: small enough to
#: stay in cache (2x faster than 32 MB chunks at N = 10000).
_EDGE_CHUNK_BYTES = 4 * 2**20


def edge_pairs(A) -> tuple[np.ndarray, np.ndarray]:
    """Unordered synapse pairs i < j of A (either a_ij or a_ji stored and nonzero),
    row-major: the off-diagonal pattern that :func:`on_edges` measures."""
    A = _checks.sparse_network(A)
    S = abs(A) + abs(A.T)
    S = sp.csr_array(S)
    S.sum_duplicates()
    S.eliminate_zeros()
    rows = np.repeat(np.arange(S.shape[0], dtype=S.indices.dtype), np.diff(S.indptr))
    upper = S.indices > rows
    return rows[upper].astype(np.int64), S.indices[upper].astype(np.int64)


def on_edges(
    A,
    *,
    duration: float,
    dt: float = 0.005,
    burn_in: float,
    replicas: int = 16,
    sample_every: int = 1,
    rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
) -> sp.csr_array:
    """Edge-local sample covariance: what each synapse can see of a simulated noisy run.

    The run is :func:`empirical`'s (Euler-Maruyama with unit noise from x = 0, ``replicas``
    runs side by side, each ``burn_in`` plus ``duration / replicas`` observed time, the
    same random stream: the draws of a step are ``standard_normal((replicas, N))``), but
    the product is sparse, the state float32, and only the sums of x_i, x_i^2 and of
    x_i x_j over the synapses (i, j) of A are kept: O(synapses) memory, never N x N.
    The covariance is pooled over replicas and time around the grand mean, as
    :func:`empirical` does, so the two agree on these entries up to float32 rounding.

    Parameters
    ----------
    A : scipy.sparse or array_like, shape (N, N)
        Stable network.
    duration, dt, burn_in, replicas, sample_every, rng, progress
        As :func:`empirical`.

    Returns
    -------
    C : scipy.sparse.csr_array, shape (N, N), float64, exactly symmetric, with the
        pattern of A + A^T (off the diagonal) plus the full diagonal.

    Raises
    ------
    ValueError
        As :func:`empirical`.
    """
    A = _checks.sparse_network(A)
    rng = _checks.generator(rng)
    n = A.shape[0]
    dt, replicas, sample_every, burn_steps, samples = simulation_steps(duration, dt, burn_in, replicas, sample_every)
    check_euler_step(A, dt, "A")
    i, j = edge_pairs(A)
    run = EdgeRun(A, i, j, dt=dt, replicas=replicas, sample_every=sample_every, rng=rng,
                  total=burn_steps + samples * sample_every, progress=progress)
    run.advance(burn_steps, sampling=False)
    run.advance(samples * sample_every, sampling=True)
    var, cov = run.estimate()
    return run.covariance(var, cov)


class EdgeRun:
    """The simulation of :func:`on_edges`, advanced in segments: sparse Euler-Maruyama
    steps (float32 state, ``replicas`` columns, draws ``standard_normal((replicas, N))``
    per step) and the running sums of x_i, x_i^2 and x_i x_j over the pairs (i, j).

    :func:`on_edges` runs it once, burn-in then sampling; :func:`noiseprune.pruning.online`
    replaces the network between segments (:meth:`set_network`) and reads the running
    estimate at its checkpoints. With ``per_replica`` the same sums are also kept per
    replica (O(pairs x replicas) memory), for standard errors over the independent replicas.
    """

    def __init__(self, A, i, j, *, dt, replicas, sample_every, rng, total, progress=None, per_replica=False):
        n = A.shape[0]
        self.n, self.i, self.j, self.dt, self.replicas = n, i, j, dt, replicas
        self.sample_every, self.rng, self.total, self.progress = sample_every, rng, total, progress
        self.set_network(A)
        width = max(1, min(_EDGE_BLOCK_COLUMNS, _EDGE_BLOCK_BYTES // (4 * n)) // replicas)  # samples per block
        self.block = np.empty((n, width, replicas), dtype=np.float32)
        self.chunk = max(1, _EDGE_CHUNK_BYTES // (4 * width * replicas))
        self.first = np.zeros(n)
        self.squares = np.zeros(n)
        self.cross = np.zeros(i.size)
        self.per_replica = per_replica
        if per_replica:
            self.first_r = np.zeros((n, replicas))
            self.squares_r = np.zeros((n, replicas))
            self.cross_r = np.zeros((i.size, replicas))
        self.x = np.zeros((n, replicas), dtype=np.float32)
        self.draws = np.empty((replicas, n))
        self.sqdt = math.sqrt(dt)
        self.report_every = max(1, total // 100)
        self.t = 0  # steps done
        self.sampled = 0  # samples per replica accumulated or in the block
        self.since = 0  # sampling steps done
        self.filled = 0

    def set_network(self, A) -> None:
        """Run on A from the next step on (x += (dt A) x + sqrt(dt) xi, as dynamics.simulate)."""
        self.step = sp.csr_array(self.dt * A, dtype=np.float32)

    def flush(self) -> None:
        """Add the block's samples to the running sums: each block's sums in float32
        (relative error ~1e-7), added in float64."""
        count, n, i, j = self.filled, self.n, self.i, self.j
        if not count:
            return
        X = self.block[:, :count].reshape(n, count * self.replicas)
        self.first += X.sum(axis=1, dtype=np.float64)
        self.squares += np.einsum("ij,ij->i", X, X, dtype=np.float64)
        for e0 in range(0, i.size, self.chunk):
            e1 = min(i.size, e0 + self.chunk)
            self.cross[e0:e1] += np.einsum("ij,ij->i", X[i[e0:e1]], X[j[e0:e1]])
        if self.per_replica:
            B = self.block[:, :count]
            self.first_r += B.sum(axis=1, dtype=np.float64)
            self.squares_r += np.einsum("ikr,ikr->ir", B, B, dtype=np.float64)
            for e0 in range(0, i.size, self.chunk):
                e1 = min(i.size, e0 + self.chunk)
                self.cross_r[e0:e1] += np.einsum("ikr,ikr->ir", B[i[e0:e1]], B[j[e0:e1]])
        self.filled = 0

    def advance(self, steps: int, *, sampling: bool) -> None:
        """Simulate ``steps`` steps; with ``sampling``, take every ``sample_every``-th state."""
        x, draws, block = self.x, self.draws, self.block
        for _ in range(steps):
            self.t += 1
            t = self.t
            self.rng.standard_normal(out=draws)
            dx = self.step @ x
            dx += (self.sqdt * draws.T).astype(np.float32)
            x += dx
            if sampling:
                self.since += 1
                if self.since % self.sample_every == 0:
                    block[:, self.filled] = x
                    self.filled += 1
                    self.sampled += 1
                    if self.filled == block.shape[1]:
                        self.flush()
            if t % self.report_every == 0 or t == self.total:
                if diverged(x):
                    raise ValueError(
                        f"the simulation of A diverged by step {t} (t = {t * self.dt:g}) with dt {self.dt:g}: "
                        f"state non-finite or beyond {DIVERGED:g}"
                    )
                if self.progress is not None:
                    self.progress(t, self.total)

    def estimate(self) -> tuple[np.ndarray, np.ndarray]:
        """Pooled variances (N,) and pair covariances around the grand mean, so far."""
        self.flush()
        count = self.sampled * self.replicas
        mean = self.first / count
        return self.squares / count - mean**2, self.cross / count - mean[self.i] * mean[self.j]

    def replica_estimates(self) -> tuple[np.ndarray, np.ndarray]:
        """Variances (N, R) and pair covariances (pairs, R) of each replica (its own mean)."""
        self.flush()
        mean = self.first_r / self.sampled
        return (self.squares_r / self.sampled - mean**2,
                self.cross_r / self.sampled - mean[self.i] * mean[self.j])

    def covariance(self, var: np.ndarray, cov: np.ndarray) -> sp.csr_array:
        """The sparse symmetric C with the pairs' covariances and the diagonal."""
        n, i, j = self.n, self.i, self.j
        diag = np.arange(n)
        C = sp.csr_array(
            (np.concatenate([cov, cov, var]), (np.concatenate([i, j, diag]), np.concatenate([j, i, diag]))), shape=(n, n)
        )
        C.sort_indices()
        return C
