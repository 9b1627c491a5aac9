"""Noisy dynamics of the original and pruned networks (docs/method.md, "Dynamics";
the paper's Fig. 3).

Euler-Maruyama, x(t + dt) = x(t) + dt (A x(t) + b) + sqrt(dt) sigma xi (linear), or
x(t + dt) = x(t) + dt (-D x(t) + max(W x(t) + b, 0)) + sqrt(dt) sigma xi (rectified
linear, A = W - D), with every network driven by the same x(0) ~ Uniform(0, 1)^N and the
same noise. The fixed point and Jacobian of a rectified-linear network
(:func:`fixed_point`, :func:`jacobian`) live in :mod:`noiseprune.rectified`. All trials
advance together: one (N x N) @ (N x trials) product per network and step, the
original dense and the pruned networks sparse. The error is kept, and of the
(trials x steps x N) trajectories only a small sample (:func:`simulate`: a few neurons
of trial 0, every k-th step) for the figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from . import _checks
from .networks import check_stable
from .rectified import fixed_point, input_vector, jacobian, nonlinearity_of

__all__ = [
    "ColoredNoise",
    "Simulation",
    "check_euler_step",
    "diverged",
    "fixed_point",
    "jacobian",
    "pick_sample_neurons",
    "sample_stride",
    "simulate",
    "trajectory_error",
]

#: Below this size extreme eigenvalues are computed densely (cheaper and more robust than ARPACK).
_DENSE_EIG_MAX_N = 256
#: A simulated state (or relative error) beyond this magnitude has diverged.
DIVERGED = 1e30
#: Neurons whose trajectories a dynamics job stores (:func:`pick_sample_neurons`).
SAMPLE_NEURONS = 3
#: Time points (about) of the stored trajectory sample (:func:`sample_stride`).
SAMPLE_POINTS = 400


class ColoredNoise:
    """Integrated Ornstein-Uhlenbeck input over successive steps of length dt, sampled exactly.

    eta has correlation time tau (d eta = -(eta / tau) dt + (1 / tau) dW, unit intensity,
    stationary variance 1 / (2 tau)) and starts from its stationary distribution. Over one
    step, ``increment`` returns I = int_t^{t+dt} eta ds = dW - tau (eta(t + dt) - eta(t)), with
    (dW, eta(t + dt)) drawn jointly given eta(t): Var dW = dt, Cov(dW, eta(t + dt)) = 1 - rho,
    Var(eta(t + dt) | eta(t)) = (1 - rho^2) / (2 tau), rho = exp(-dt / tau). The Euler step
    x <- x + dt A x + I then replaces the white-noise step x <- x + dt A x + sqrt(dt) xi,
    which it becomes as tau -> 0 (docs/method.md, "Colored noise").
    """

    def __init__(self, shape: tuple[int, ...], dt: float, tau: float, rng: np.random.Generator):
        self.dt = _checks.positive(dt, "dt")
        self.tau = _checks.positive(tau, "noise_tau")
        self.rng = _checks.generator(rng)
        rho = math.exp(-self.dt / self.tau)
        one_minus_rho = -math.expm1(-self.dt / self.tau)
        self._rho = rho
        self._gain = one_minus_rho / self.dt  # regression of eta(t + dt) on dW
        conditional = (1.0 - rho * rho) / (2.0 * self.tau) - one_minus_rho**2 / self.dt
        self._rest = math.sqrt(max(conditional, 0.0))
        self._sqdt = math.sqrt(self.dt)
        self.eta = self.rng.standard_normal(shape) / math.sqrt(2.0 * self.tau)
        self._dW = np.empty(shape)
        self._xi = np.empty(shape)

    def increment(self, out: np.ndarray) -> np.ndarray:
        """Write the next step's integrated input I into ``out`` (shape ``shape``) and return it."""
        dW, xi = self._dW, self._xi
        self.rng.standard_normal(out=dW)
        self.rng.standard_normal(out=xi)
        dW *= self._sqdt
        new = self._rho * self.eta + self._gain * dW + self._rest * xi
        out[...] = dW - self.tau * (new - self.eta)
        self.eta = new
        return out


class Simulation(NamedTuple):
    """Result of :func:`simulate`.

    error : ndarray, shape (networks, trials, steps), float64
        Relative trajectory error of each pruned network; ``error[:, :, 0] == 0``.
    sample : ndarray, shape (1 + networks, neurons, len(sample_steps)), float64
        Trial 0 of the original (row 0) and of each pruned network, at the sampled
        neurons and steps (the values of the simulated state, float32 by default).
    sample_steps : ndarray of int
        Steps of the sample (time = step * dt).
    """

    error: np.ndarray
    sample: np.ndarray
    sample_steps: np.ndarray


def pick_sample_neurons(n: int, clusters: Sequence[int] | None = None, count: int = SAMPLE_NEURONS) -> list[int]:
    """Neurons whose trajectories are stored, ascending: the middle neuron of each of the
    first ``count`` clusters (neurons are numbered cluster by cluster), completed with
    evenly spaced neurons when there are fewer clusters (or none); at most ``n``."""
    middles = []
    if clusters is not None:
        starts = np.concatenate([[0], np.cumsum(clusters)[:-1]])
        middles = [int(s + c // 2) for s, c in zip(starts, clusters)][:count]
    spaced = np.linspace(0, n - 1, count + 2)[1:-1].round().astype(int).tolist()
    candidates = dict.fromkeys([*middles, *spaced, *range(n)])
    return sorted(list(candidates)[: min(int(count), int(n))])


def sample_stride(steps: int, points: int = SAMPLE_POINTS) -> int:
    """Stride k of the stored sample: steps 0, k, 2k, ... give about ``points`` time points."""
    return max(1, math.ceil((int(steps) - 1) / points))


def _extreme_eigenvalue(M, which: str) -> float:
    """Smallest ("SA") or largest ("LA") eigenvalue of a symmetric M, or the largest real part ("LR")."""
    n = M.shape[0]
    if n > _DENSE_EIG_MAX_N:
        v0 = np.ones(n)  # fixed Krylov start: deterministic
        try:
            if which == "LR":
                return float(sla.eigs(M, k=1, which="LR", v0=v0, return_eigenvectors=False).real.max())
            return float(sla.eigsh(M, k=1, which=which, v0=v0, return_eigenvectors=False)[0])
        except sla.ArpackNoConvergence:
            pass
    D = _checks.densified(M, "the network") if sp.issparse(M) else M
    if which == "LR":
        return float(la.eigvals(D, check_finite=False).real.max())
    w = la.eigvalsh(D, check_finite=False)
    return float(w[0] if which == "SA" else w[-1])


def check_euler_step(M, dt: float, name: str = "A", *, allow_zero_modes: bool = False) -> None:
    """ValueError unless the network M is stable and explicit Euler x <- x + dt M x is stable for it.

    The Euler iteration matrix is I + dt M; it is stable iff |1 + dt lambda| < 1 for every
    eigenvalue lambda of M, i.e. dt < 2 |Re lambda| / |lambda|^2 (dt < 2 / |lambda_min| for
    symmetric M). Computing every eigenvalue is O(N^3), so the Gershgorin discs (O(nnz))
    decide first: their centres are real, so a disc lies in the closed Euler disc
    |1 + dt z| <= 1 iff d_i + r_i <= 0 and d_i - r_i >= -2 / dt, and touches its edge
    only at 0 when d_i - r_i > -2 / dt. That settles diagonally dominant networks (the
    paper's row-sum leak) without an eigensolver, up to whether 0 is an eigenvalue.
    Otherwise: a Cholesky factorisation (networks.check_stable) or an extreme eigenvalue
    (ARPACK, fixed start) for symmetric M; for non-symmetric M the rightmost eigenvalue
    alpha and the bound dt < 2 |alpha| / (||M||_1 ||M||_inf) >= 2 |alpha| / rho^2, and
    only when that fails every eigenvalue (dense, O(N^3)).

    Parameters
    ----------
    M : ndarray or sparse, shape (N, N), finite float64
    dt : float
        Time step.
    name : str
        How the network is named in the error.
    allow_zero_modes : bool
        Accept eigenvalues at 0 (up to rounding): a pruned network with the row-sum
        diagonal has one for every isolated neuron (its row and column are empty). Those
        modes are marginal (Euler factor 1), neither growing nor decaying.

    Raises
    ------
    ValueError
        M has an eigenvalue with nonnegative real part (positive beyond rounding with
        ``allow_zero_modes``), naming it; or dt is at or above the Euler bound, naming
        dt and the bound.
    """
    sparse = sp.issparse(M)
    n = M.shape[0]
    symmetric = not (M != M.T).nnz if sparse else _checks.is_symmetric(M)
    d, r = _checks.gershgorin(M)
    scale = float(np.max(np.abs(d) + r))
    if scale == 0.0:
        if allow_zero_modes:
            return
        raise ValueError(f"{name} is not stable: it is zero (largest real eigenvalue 0, must be < 0)")
    tol = 8 * n * np.finfo(np.float64).eps * scale  # rounding of the row sums
    zero_tol = max(tol, 1e-9 * scale)  # accuracy of a computed eigenvalue near 0
    hi = float(np.max(d + r))
    lo = float(np.min(d - r))
    slow_ok = hi < -tol or (allow_zero_modes and hi <= tol)
    fast_ok = lo - tol > -2.0 / dt and (symmetric or hi <= tol)
    if slow_ok and fast_ok:
        return

    def unstable(lam):
        bound = "<= 0 up to rounding" if allow_zero_modes else "< 0"
        return ValueError(f"{name} is not stable: its largest real eigenvalue is {lam:.6g} (must be {bound})")

    def too_large(bound, lam):
        how = f"2/|{lam.real:.6g}|, its most negative eigenvalue" if np.isreal(lam) else f"2|Re l|/|l|^2 for its eigenvalue l = {lam:.6g}"
        return ValueError(
            f"dt {dt:g} is too large for {name}: explicit Euler (x += dt {name} x) is stable only for dt < {bound:.6g} ({how})"
        )

    if symmetric:
        if not slow_ok:
            if allow_zero_modes:
                lam = _extreme_eigenvalue(M, "LA")
                if lam > zero_tol:
                    raise unstable(lam)
            else:
                try:
                    check_stable(M, symmetric=True)
                except ValueError as err:
                    raise ValueError(str(err).replace("A is not stable", f"{name} is not stable", 1)) from None
        if not fast_ok:
            lam = _extreme_eigenvalue(M, "SA")
            if not lam > -2.0 / dt:
                raise too_large(2.0 / abs(lam), lam)
        return

    alpha = _extreme_eigenvalue(M, "LR")
    if alpha >= (zero_tol if allow_zero_modes else 0.0):
        raise unstable(alpha)
    if fast_ok:
        return
    norm1 = float(abs(M).sum(axis=0).max()) if sparse else float(np.abs(M).sum(axis=0).max())
    if alpha < 0 and dt < 2.0 * -alpha / (norm1 * scale):
        return  # every |lambda|^2 <= ||M||_1 ||M||_inf and -Re lambda >= |alpha|
    w = la.eigvals(_checks.densified(M, name) if sparse else M, check_finite=False)
    w = w[np.abs(w) > zero_tol] if allow_zero_modes else w
    if w.size:
        bounds = 2.0 * -w.real / np.abs(w) ** 2
        k = int(np.argmin(bounds))
        if not dt < bounds[k]:
            raise too_large(bounds[k], w[k])


def diverged(values: np.ndarray) -> bool:
    """True if any value is non-finite or beyond :data:`DIVERGED` in magnitude."""
    return not np.abs(values).max(initial=0.0) <= DIVERGED


def trajectory_error(A, pruned: Sequence, **kwargs) -> np.ndarray:
    """Relative trajectory error ||x_orig(t) - x_pruned(t)|| / ||x_orig(t)|| of each
    pruned network: ``simulate(A, pruned, **kwargs).error``, shape (len(pruned), trials,
    steps) (see :func:`simulate`)."""
    return simulate(A, pruned, **kwargs).error


def simulate(
    A,
    pruned: Sequence,
    *,
    trials: int = 20,
    steps: int = 8001,
    dt: float = 0.005,
    noise_std: float = 0.01,
    background=2e-4,
    rng: np.random.Generator,
    dtype=np.float32,
    nonlinearity: str = "linear",
    sample_neurons: Sequence[int] = (),
    sample_every: int = 1,
    progress: Callable[[int, int], None] | None = None,
    noise_tau: float = 0.0,
) -> Simulation:
    """Simulate the original and every pruned network with the same x(0) and noise.

    Returns the relative trajectory error ||x_orig(t) - x_pruned(t)|| / ||x_orig(t)|| of
    each pruned network, and a sample of the trajectories themselves (trial 0, the
    neurons ``sample_neurons``, every ``sample_every``-th step) read from the same run:
    recording it changes nothing in the simulation.

    Parameters
    ----------
    A : array_like or scipy.sparse, shape (N, N)
        Original network (a sparse A is simulated with sparse products, never densified).
    pruned : sequence of sparse or dense (N, N) matrices
        Pruned networks, all simulated against the same x(0) and noise as A.
    trials : int
        Independent trials (columns simulated together).
    steps : int
        Time points, t = 0, dt, ..., (steps - 1) dt (the paper: 8001, T = 40).
    dt, noise_std : float
        Time step, noise sigma.
    background : float or array_like, shape (N,)
        Constant input b (the same for every neuron when a float).
    rng : numpy.random.Generator
        Draws x(0) and the noise.
    dtype : numpy float dtype
        State precision. float32 (default) halves the memory traffic of the products;
        ``tests/test_dynamics.py`` checks that it moves the error curves by < 1e-4
        against float64.
    progress : callable(done, total), optional
        Called with the number of steps done, about a hundred times per run.
    nonlinearity : {"linear", "relu"}
        phi of dx/dt = -D x + phi(W x + b) + sigma xi; "linear" is dx/dt = A x + b + sigma xi.
    sample_neurons : sequence of int
        Neurons whose trajectories (trial 0) are returned in ``sample`` (none by default).
    sample_every : int
        Stride of the sample: steps 0, k, 2k, ... < ``steps``.
    noise_tau : float
        Correlation time of the noise (>= 0): 0 is white noise; tau > 0 drives every
        network with the same sigma x Ornstein-Uhlenbeck input of unit intensity
        (:class:`ColoredNoise`; linear model only).

    Returns
    -------
    Simulation
        ``error`` (len(pruned), trials, steps), ``sample`` (1 + len(pruned),
        len(sample_neurons), len(sample_steps)), ``sample_steps``.

    Raises
    ------
    ValueError
        Bad parameters; A not stable or a pruned network with an eigenvalue of positive
        real part (zero modes of isolated neurons are allowed); dt at or above the
        explicit Euler bound of any network (:func:`check_euler_step`, before simulating;
        for ``relu`` the Gershgorin bound dt < 2 / max_i (d_i + sum_j |w_ij|), which
        covers the Jacobian of every active set);
        or a simulation that still diverges (non-finite or beyond :data:`DIVERGED`).
    """
    A = _checks.sparse_network(A) if sp.issparse(A) else _checks.square_matrix(A)  # a sparse A stays sparse
    n = A.shape[0]
    mats = [_checks.sparse_square(P, n, f"pruned[{k}]") for k, P in enumerate(pruned)]
    trials = _checks.positive_int(trials, "trials")
    steps = _checks.positive_int(steps, "steps")
    dt = _checks.positive(dt, "dt")
    noise_std = _checks.non_negative(noise_std, "noise_std")
    nonlinearity = nonlinearity_of(nonlinearity)
    noise_tau = _checks.non_negative(noise_tau, "noise_tau")
    if noise_tau > 0 and nonlinearity == "relu":
        raise ValueError(f"noise_tau {noise_tau:g}: colored noise is implemented for the linear model only")
    if np.ndim(background) == 0:
        background = float(background)
        if not np.isfinite(background):
            raise ValueError(f"background must be finite, got {background!r}")
    else:
        background = input_vector(background, n, "background")
    rng = _checks.generator(rng)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    recorder = _Recorder(n, len(mats), steps, sample_neurons, sample_every)
    if nonlinearity == "relu":
        error = _relu_trajectory_error(A, mats, trials, steps, dt, noise_std, background, rng, dtype, progress, recorder)
        return Simulation(error, recorder.sample, recorder.steps)
    check_euler_step(A, dt, "A")
    for k, M in enumerate(mats):
        check_euler_step(M, dt, f"pruned[{k}]", allow_zero_modes=True)

    # One step is x <- x + (dt A) x + drive; the drive (input + noise) is shared. dt A is
    # stored as is: folding it into I + dt A would round it to float32 resolution near 1.
    step_orig = sp.csr_array(dt * A, dtype=dtype) if sp.issparse(A) else (dt * A).astype(dtype)
    step_pruned = [sp.csr_array(dt * M, dtype=dtype) for M in mats]

    x0 = rng.uniform(0.0, 1.0, size=(n, trials)).astype(dtype)
    x_orig = x0.copy()
    x_pruned = [x0.copy() for _ in mats]
    recorder(0, [x_orig, *x_pruned])
    err = np.zeros((len(mats), trials, steps))
    draws = np.empty((n, trials))  # float64 draws: the same noise whatever the state dtype
    noise = np.empty((n, trials), dtype=dtype)
    noise_scale = dtype.type(math.sqrt(dt) * noise_std)
    colored = None
    if noise_tau > 0:
        colored = ColoredNoise((n, trials), dt, noise_tau, rng)
        noise_scale = dtype.type(noise_std)  # the increment already integrates over dt
    input_step = dtype.type(dt * background) if np.ndim(background) == 0 else (dt * background).astype(dtype)[:, None]
    report_every = max(1, (steps - 1) // 100)
    for t in range(1, steps):
        if colored is None:
            rng.standard_normal(out=draws)
        else:
            colored.increment(out=draws)
        np.multiply(draws, noise_scale, out=noise, casting="same_kind")
        noise += input_step
        dx = step_orig @ x_orig
        dx += noise
        x_orig += dx
        norm = np.linalg.norm(x_orig, axis=0)
        for k, S in enumerate(step_pruned):
            xk = x_pruned[k]
            dx = S @ xk
            dx += noise
            xk += dx
            xk = xk - x_orig
            err[k, :, t] = np.linalg.norm(xk, axis=0) / norm
        recorder(t, [x_orig, *x_pruned])
        _check_not_diverged(norm, err[:, :, t], t, dt)
        if progress is not None and (t % report_every == 0 or t == steps - 1):
            progress(t, steps - 1)
    return Simulation(err, recorder.sample, recorder.steps)


class _Recorder:
    """Copies trial 0 of the sampled neurons of every network at the sampled steps."""

    def __init__(self, n: int, networks: int, steps: int, neurons: Sequence[int], every: int):
        self.neurons = np.asarray(list(neurons), dtype=np.int64)
        if self.neurons.ndim != 1 or ((self.neurons < 0) | (self.neurons >= n)).any():
            raise ValueError(f"sample_neurons must be neuron indices in [0, {n}), got {list(neurons)}")
        self.every = _checks.positive_int(every, "sample_every")
        self.steps = np.arange(0, steps, self.every, dtype=np.int64)
        self.sample = np.zeros((1 + networks, self.neurons.size, self.steps.size))

    def __call__(self, t: int, states) -> None:
        if t % self.every == 0 and self.neurons.size:
            for k, x in enumerate(states):
                self.sample[k, :, t // self.every] = x[self.neurons, 0]


def _check_not_diverged(norm, err, t: int, dt: float, model: str = "") -> None:
    """Raise naming the first diverged network at step t: A when the original's state
    norms (one per trial) diverged, else the first pruned[k] with a diverged relative
    error err[k, trial] in any trial."""
    if diverged(norm):
        who = "A"
    elif diverged(err):
        who = f"pruned[{next(k for k, e in enumerate(err) if diverged(e))}]"
    else:
        return
    raise ValueError(
        f"the {model}simulation of {who} diverged at step {t} (t = {t * dt:g}) with dt {dt:g}: "
        f"state or relative error non-finite or beyond {DIVERGED:g}"
    )


def _check_relu_step(M, dt: float, name: str) -> None:
    """dt < 2 / max_i (d_i + r_i): every Gershgorin disc of every Jacobian -D + diag(1_S) W
    (centre -d_i, radius at most r_i = sum_j |w_ij|) then lies left of -2/dt."""
    d, r = _checks.gershgorin(M)
    top = float(np.max(-d + r))
    if top > 0 and not dt < 2.0 / top:
        raise ValueError(f"dt {dt:g} is too large for {name}: explicit Euler of the rectified-linear network needs dt < {2.0 / top:.6g}")


def _relu_trajectory_error(A, mats, trials, steps, dt, noise_std, background, rng, dtype, progress, recorder):
    """:func:`trajectory_error` of the rectified-linear dynamics (same x(0), same noise)."""
    n = A.shape[0]
    _check_relu_step(A, dt, "A")
    for k, M in enumerate(mats):
        _check_relu_step(M, dt, f"pruned[{k}]")
    b = np.broadcast_to(np.asarray(background, dtype=np.float64), (n,))[:, None].astype(dtype)

    def parts(M, sparse):
        d = (M.diagonal() if sparse else np.diagonal(M)).astype(dtype)[:, None]
        W = M - (sp.diags_array(M.diagonal()) if sparse else np.diag(np.diagonal(M)))
        return (sp.csr_array(W, dtype=dtype) if sparse else W.astype(dtype)), dt * d

    nets = [parts(A, sp.issparse(A))] + [parts(M, True) for M in mats]
    x0 = rng.uniform(0.0, 1.0, size=(n, trials)).astype(dtype)
    states = [x0.copy() for _ in nets]
    recorder(0, states)
    err = np.zeros((len(mats), trials, steps))
    draws = np.empty((n, trials))
    noise = np.empty((n, trials), dtype=dtype)
    noise_scale = dtype.type(math.sqrt(dt) * noise_std)
    step_dt = dtype.type(dt)
    report_every = max(1, (steps - 1) // 100)
    for t in range(1, steps):
        rng.standard_normal(out=draws)
        np.multiply(draws, noise_scale, out=noise, casting="same_kind")
        for (W, dtd), x in zip(nets, states):
            u = W @ x
            u += b
            np.maximum(u, 0, out=u)
            u *= step_dt
            u += dtd * x  # dt d_i x_i with d_i = A_ii = -leak
            u += noise
            x += u
        norm = np.linalg.norm(states[0], axis=0)
        for k in range(len(mats)):
            err[k, :, t] = np.linalg.norm(states[k + 1] - states[0], axis=0) / norm
        recorder(t, states)
        _check_not_diverged(norm, err[:, :, t], t, dt, "rectified-linear ")
        if progress is not None and (t % report_every == 0 or t == steps - 1):
            progress(t, steps - 1)
    return err
