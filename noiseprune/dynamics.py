"""Noisy dynamics of the original and pruned networks (docs/method.md, "Dynamics";
the paper's Fig. 3).

Euler-Maruyama, x(t + dt) = x(t) + dt (A x(t) + b) + sqrt(dt) sigma xi, with every
network driven by the same x(0) ~ Uniform(0, 1)^N and the same noise. All trials
advance together: one (N x N) @ (N x trials) product per network and step, the
original dense and the pruned networks sparse. Only the error is kept, never the
(trials x steps x N) trajectories.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from . import _checks


def trajectory_error(
    A,
    pruned: Sequence,
    *,
    trials: int = 20,
    steps: int = 8001,
    dt: float = 0.005,
    noise_std: float = 0.01,
    background: float = 2e-4,
    rng: np.random.Generator,
    dtype=np.float32,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Relative trajectory error ||x_orig(t) - x_pruned(t)|| / ||x_orig(t)|| of each pruned network.

    Parameters
    ----------
    A : array_like, shape (N, N)
        Original network.
    pruned : sequence of sparse or dense (N, N) matrices
        Pruned networks, all simulated against the same x(0) and noise as A.
    trials : int
        Independent trials (columns simulated together).
    steps : int
        Time points, t = 0, dt, ..., (steps - 1) dt (the paper: 8001, T = 40).
    dt, noise_std, background : float
        Time step, noise sigma, constant input b to every neuron.
    rng : numpy.random.Generator
        Draws x(0) and the noise.
    dtype : numpy float dtype
        State precision. float32 (default) halves the memory traffic of the products;
        ``tests/test_dynamics.py`` checks that it moves the error curves by < 1e-4
        against float64.
    progress : callable(done, total), optional
        Called with the number of steps done, about a hundred times per run.

    Returns
    -------
    err : ndarray, shape (len(pruned), trials, steps), float64; err[:, :, 0] == 0.
    """
    A = _checks.square_matrix(A)
    n = A.shape[0]
    mats = [_checks.sparse_square(P, n, f"pruned[{k}]") for k, P in enumerate(pruned)]
    trials = _checks.positive_int(trials, "trials")
    steps = _checks.positive_int(steps, "steps")
    dt = _checks.positive(dt, "dt")
    noise_std = _checks.non_negative(noise_std, "noise_std")
    background = float(background)
    if not np.isfinite(background):
        raise ValueError(f"background must be finite, got {background!r}")
    rng = _checks.generator(rng)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")

    # One step is x <- x + (dt A) x + drive; the drive (input + noise) is shared. dt A is
    # stored as is: folding it into I + dt A would round it to float32 resolution near 1.
    step_orig = (dt * A).astype(dtype)
    step_pruned = [sp.csr_array(dt * M, dtype=dtype) for M in mats]

    x0 = rng.uniform(0.0, 1.0, size=(n, trials)).astype(dtype)
    x_orig = x0.copy()
    x_pruned = [x0.copy() for _ in mats]
    err = np.zeros((len(mats), trials, steps))
    draws = np.empty((n, trials))  # float64 draws: the same noise whatever the state dtype
    noise = np.empty((n, trials), dtype=dtype)
    noise_scale = dtype.type(math.sqrt(dt) * noise_std)
    input_step = dtype.type(dt * background)
    report_every = max(1, (steps - 1) // 100)
    for t in range(1, steps):
        rng.standard_normal(out=draws)
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
        if progress is not None and (t % report_every == 0 or t == steps - 1):
            progress(t, steps - 1)
    return err
