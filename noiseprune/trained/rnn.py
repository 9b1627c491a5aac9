"""Continuous-time rate RNN of the task-trained experiments (docs/method.md,
"Task-trained networks"): the model, its simulation, and the two covariances that
noise-prune reads (L-NP and S-NP).

    tau dx/dt = -x + W phi(x) + W_in u + b + sigma xi(t),    y = w_out . phi(x) + b_out

Euler-Maruyama with step dt (ms): x <- x + (dt/tau) (-x + W phi(x) + W_in u + b)
+ (sigma sqrt(dt) / tau) xi. :func:`step` is written once for numpy and jax.numpy
(the training in :mod:`noiseprune.trained.training` scans the same function).

Parameters are a dict of arrays ``W (N, N), W_in (N, I), b (N,), w_out (N,) or (N, K),
b_out () or (K,)`` (I task inputs; one output, or K logits of a decision task); a
reduced network may add ``units`` (the original indices of its units).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noiseprune import _checks
from noiseprune import covariance
from noiseprune import io

PHIS = ("tanh", "relu")
PARAM_KEYS = ("W", "W_in", "b", "w_out", "b_out")


@dataclass(frozen=True)
class Model:
    """Dynamics constants: nonlinearity, time constant tau (ms), step dt (ms), noise sigma."""

    phi: str = "tanh"
    tau: float = 50.0
    dt: float = 10.0
    sigma: float = 1.0

    def __post_init__(self):
        if self.phi not in PHIS:
            raise ValueError(f"phi must be one of {', '.join(PHIS)}, got {self.phi!r}")
        for name in ("tau", "dt", "sigma"):
            if not np.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number, got {getattr(self, name)!r}")
        if not 0 < self.dt <= self.tau:
            raise ValueError(f"dt = {self.dt!r} must be in (0, tau = {self.tau!r}] for a stable Euler step")
        if not self.sigma >= 0:
            raise ValueError(f"sigma must be >= 0, got {self.sigma!r}")

    @property
    def alpha(self) -> float:
        return self.dt / self.tau

    @property
    def noise_scale(self) -> float:
        """Standard deviation of the noise increment of one step: sigma sqrt(dt) / tau."""
        return self.sigma * np.sqrt(self.dt) / self.tau


def check_params(params) -> dict:
    """``params`` as float64 arrays of the shapes of the module docstring, all finite;
    ValueError (one line naming the parameter) otherwise."""
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of arrays {', '.join(PARAM_KEYS)}, got {type(params).__name__}")
    missing = [k for k in PARAM_KEYS if k not in params]
    if missing:
        raise ValueError(f"params lacks {', '.join(missing)}")
    W = _checks.square_matrix(params["W"], "W")
    n = W.shape[0]
    out = dict(params, W=W)
    w_in = np.asarray(params["W_in"])
    w_out = np.asarray(params["w_out"])
    inputs = w_in.shape[1] if w_in.ndim == 2 and w_in.shape[1] >= 1 else 2
    outputs = w_out.shape[1:] if w_out.ndim == 2 else ()
    for key, shape in (("W_in", (n, inputs)), ("b", (n,)), ("w_out", (n, *outputs)), ("b_out", outputs)):
        value = np.asarray(params[key])
        _checks._reject_complex(value, key)
        value = np.asarray(value, dtype=np.float64)
        if value.shape != shape:
            raise ValueError(f"{key} must have shape {shape} for a network of {n} units, got {value.shape}")
        if not np.isfinite(value).all():
            raise ValueError(f"{key} must be finite, found {value[~np.isfinite(value)][0]}")
        out[key] = value
    if "units" in params:
        units = np.asarray(params["units"])
        if units.shape != (n,) or units.dtype.kind not in "iu" or (units < 0).any():
            raise ValueError(f"units must be {n} non-negative unit indices, got {units.dtype} of shape {units.shape}")
    return out


def check_inputs(u, name: str = "u", inputs: int = 2) -> np.ndarray:
    """Trial inputs ``u`` as a finite float64 array of shape (B, T, inputs)."""
    u = np.asarray(u)
    _checks._reject_complex(u, name)
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 3 or u.shape[2] != inputs or 0 in u.shape:
        raise ValueError(f"{name} must have shape (trials, steps, {inputs}), got {u.shape}")
    if not np.isfinite(u).all():
        raise ValueError(f"{name} must be finite, found {u[~np.isfinite(u)][0]}")
    return u


def phi(x, name: str, xp=np):
    return xp.tanh(x) if name == "tanh" else xp.maximum(x, 0.0)


def phi_prime(x, name: str):
    return 1.0 - np.tanh(x) ** 2 if name == "tanh" else (x > 0).astype(np.float64)


def step(params, x, u_t, xi_t, model: Model, xp=np):
    """One Euler-Maruyama step of a batch of states x (B, N) under inputs u_t (B, I) and
    standard normal noise xi_t (B, N); returns (x_next, y) with y the readout of x."""
    r = phi(x, model.phi, xp)
    y = r @ params["w_out"] + params["b_out"]
    drive = -x + r @ params["W"].T + u_t @ params["W_in"].T + params["b"]
    return x + model.alpha * drive + model.noise_scale * xi_t, y


def init_params(n: int, gain: float, rng: np.random.Generator, *, inputs: int = 2, outputs: int = 1,
                self_connections: bool = True) -> dict:
    """W ~ N(0, gain^2 / N), W_in ~ N(0, 1) (N x inputs), w_out ~ N(0, 1 / N) (a vector for
    one output, N x outputs otherwise), b = b_out = 0. Without ``self_connections`` the
    diagonal of W is zero."""
    if n < 2:
        raise ValueError(f"the network needs at least 2 units, got n = {n}")
    W = rng.normal(0.0, gain / np.sqrt(n), (n, n))
    if not self_connections:
        np.fill_diagonal(W, 0.0)
    out_shape = (n,) if outputs == 1 else (n, outputs)
    return dict(
        W=W,
        W_in=rng.normal(0.0, 1.0, (n, inputs)),
        b=np.zeros(n),
        w_out=rng.normal(0.0, 1.0 / np.sqrt(n), out_shape),
        b_out=np.zeros(out_shape[1:]),
    )


def simulate(params, u: np.ndarray, model: Model, rng: np.random.Generator | None, *, noise_units: int | None = None,
             states: bool = False):
    """Outputs y (B, T) (or (B, T, K) for K outputs) of a batch of trials u (B, T, I)
    from x(0) = 0 (float64).

    Noise is drawn per step as (B, ``noise_units``) standard normals (default N); a
    reduced network with ``params["units"]`` uses the columns of its units, so that it
    sees the noise the original units saw. ``rng`` None: no noise. With ``states``,
    also returns the states x (B, T, N).
    """
    params = check_params(params)
    u = check_inputs(u, inputs=params["W_in"].shape[1])
    if not isinstance(model, Model):
        raise ValueError(f"model must be a noiseprune.rnn.Model, got {type(model).__name__}")
    B, T, _ = u.shape
    n = params["W"].shape[0]
    units = params.get("units")
    if noise_units is not None and (isinstance(noise_units, bool) or not isinstance(noise_units, (int, np.integer)) or noise_units < n):
        raise ValueError(f"noise_units must be an integer >= the {n} units of the network, got {noise_units!r}")
    full = noise_units or n
    x = np.zeros((B, n))
    y = np.empty((B, T, *params["w_out"].shape[1:]))
    xs = np.empty((B, T, n)) if states else None
    zero = np.zeros((B, n))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            if rng is None:
                xi = zero
            else:
                xi = rng.standard_normal((B, full))
                if units is not None:
                    xi = xi[:, units]
                elif full != n:
                    raise ValueError(f"noise_units = {full} but the network has {n} units and no 'units' map")
            if states:
                xs[:, t] = x
            x, y[:, t] = step(params, x, u[:, t], xi, model)
    return (y, xs) if states else y


# ----------------------------------------------------------------------------- covariances


def operating_point(params, u_mean: np.ndarray, model: Model, relax_steps: int = 2000, tol: float = 1e-9) -> np.ndarray:
    """Fixed point x* of the noise-free dynamics under the constant input ``u_mean``:
    -x + W phi(x) + W_in u_mean + b = 0, solved by Newton's method (scipy's hybrid
    solver) from the state reached by ``relax_steps`` Euler steps from x = 0.

    Raises ValueError if no fixed point is found (its stability is checked by
    :func:`lnp_covariance`).
    """
    from scipy.optimize import root

    params = check_params(params)
    u_mean = np.asarray(u_mean, dtype=np.float64)
    if u_mean.shape != (params["W_in"].shape[1],) or not np.isfinite(u_mean).all():
        raise ValueError(f"u_mean must be {params['W_in'].shape[1]} finite numbers, got {u_mean!r}")
    W = params["W"]
    drive_in = params["W_in"] @ u_mean + params["b"]
    x = np.zeros(W.shape[0])
    for _ in range(relax_steps):
        x = x + model.alpha * (-x + W @ phi(x, model.phi) + drive_in)

    def residual(x):
        return -x + W @ phi(x, model.phi) + drive_in

    def jac(x):
        return -np.eye(x.size) + W * phi_prime(x, model.phi)[None, :]

    sol = root(residual, x, jac=jac, tol=1e-12)
    worst = float(np.max(np.abs(residual(sol.x))))
    if not worst <= tol:
        raise ValueError(f"no fixed point under the mean input: the solver stopped at |dx/dt| tau = {worst:.3g}")
    return sol.x


def jacobian(params, x_star: np.ndarray, model: Model) -> np.ndarray:
    """J = (-I + W diag(phi'(x*))) / tau, the linearization at x*."""
    n = x_star.size
    return (-np.eye(n) + params["W"] * phi_prime(x_star, model.phi)[None, :]) / model.tau


def lnp_covariance(params, u_mean: np.ndarray, model: Model, horizon: float | None = None):
    """(C, x*, stationary): covariance of the network linearized at its operating point x*.

    With J = (-I + W diag(phi'(x*))) / tau stable: the stationary covariance,
    J C + C J^T + (sigma / tau)^2 I = 0, from :func:`noiseprune.covariance.exact`
    (``stationary`` True). With J unstable and a ``horizon`` T (ms): the covariance the
    linearized network accumulates from x* in time T,
    C(T) = int_0^T e^{Js} Q e^{J^T s} ds with Q = (sigma / tau)^2 I (Van Loan's block
    exponential; ``stationary`` False). J unstable and no horizon: ValueError.
    """
    x_star = operating_point(params, u_mean, model)
    J = jacobian(params, x_star, model)
    q = (model.sigma / model.tau) ** 2
    top = np.linalg.eigvals(J).real.max()
    if top < 0:
        return covariance.exact(J) * q, x_star, True
    if horizon is None:
        raise ValueError(f"the Jacobian at the operating point is unstable (largest real eigenvalue {top:.3g} / ms)")
    return finite_horizon_covariance(J, q, float(horizon)), x_star, False


def finite_horizon_covariance(J: np.ndarray, q: float, horizon: float) -> np.ndarray:
    """int_0^T e^{Js} (q I) e^{J^T s} ds, by doubling from a short step h = T / 2^k.

    On [0, h] (h |J|_1 <= 1/2) Van Loan's block exponential: with
    M = [[-J, qI], [0, J^T]] h and expm(M) = [[F11, F12], [0, F22]], the integral is
    F22^T F12. Then k doublings, C(2t) = C(t) + e^{Jt} C(t) e^{J^T t}: sums of positive
    semidefinite terms, without the cancellation of one Van Loan step over all of T.
    """
    from scipy.linalg import expm

    n = J.shape[0]
    rho = float(np.abs(J).sum(axis=0).max())
    k = max(0, int(np.ceil(np.log2(max(horizon * rho / 0.5, 1.0)))))
    h = horizon / 2**k
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n] = -J
    M[:n, n:] = q * np.eye(n)
    M[n:, n:] = J.T
    F = expm(M * h)
    C = F[n:, n:].T @ F[:n, n:]
    E = F[n:, n:].T  # e^{J h}
    for _ in range(k):
        C = C + E @ C @ E.T
        E = E @ E
    C = 0.5 * (C + C.T)
    if not np.all(np.isfinite(C)):
        raise ValueError(f"the finite-horizon L-NP covariance over {horizon:g} ms overflows")
    return C


def operator_lnp_covariance(params, sigma: float = 1.0, max_shifts: int = 8) -> tuple[np.ndarray, float]:
    """(C, s): the later study's L-NP covariance, the Lyapunov solution of the weight
    operator A = W - (1 + s) I, A C + C A^T + sigma^2 I = 0, with the smallest shift s of
    0, 0.5, 1, 2, 4, ... that makes A stable (their adaptive leak shift). It reads W only,
    not the operating point."""
    W = check_params(params)["W"]
    eye = np.eye(W.shape[0])
    shift = 0.0
    for _ in range(max_shifts):
        A = W - (1.0 + shift) * eye
        if np.linalg.eigvals(A).real.max() < -1e-9:
            return covariance.exact(A) * sigma**2, shift
        shift = 0.5 if shift == 0.0 else 2.0 * shift
    raise ValueError(f"W - (1 + s) I is unstable up to the leak shift s = {shift / 2:g}")


def rate_second_moment(params, u: np.ndarray, model: Model, rng: np.random.Generator) -> np.ndarray:
    """E[r r^T] of the rates r = phi(x) over every step of noisy task trials u: the layer
    Hessian of a unit's recurrent input (OBS)."""
    _, xs = simulate(params, u, model, rng, states=True)
    R = phi(xs.reshape(-1, xs.shape[-1]), model.phi)
    H = R.T @ R / R.shape[0]
    return 0.5 * (H + H.T)


def snp_covariance(params, u: np.ndarray, model: Model, rng: np.random.Generator) -> np.ndarray:
    """Sample covariance of the states x over every step of noisy task trials u (pooled
    over time and trials, around the grand mean, divided by the sample count)."""
    _, xs = simulate(params, u, model, rng, states=True)
    X = xs.reshape(-1, xs.shape[-1])
    mean = X.mean(axis=0)
    C = X.T @ X / X.shape[0] - np.outer(mean, mean)
    return 0.5 * (C + C.T)


# ----------------------------------------------------------------------------- storage


def save(path, params) -> None:
    """Parameters as one .npz (pickle-free); refuses non-finite values."""
    for key, value in params.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"parameter {key} has non-finite values; not saved to {path}")
    io.save_arrays(path, **{k: np.asarray(v) for k, v in params.items()})


def load(path) -> dict:
    arrays = io.load_arrays(path)
    missing = [k for k in PARAM_KEYS if k not in arrays]
    if missing:
        raise ValueError(f"{path}: missing parameter(s) {', '.join(missing)}")
    return arrays
