"""Training of the rate RNN on ready-set-go with jax + optax (docs/method.md,
"Task-trained networks").

Backpropagation through time of :func:`noiseprune.trained.rnn.step` (scanned with
``jax.lax.scan``), Adam with global-norm gradient clipping and a cosine learning-rate
decay to 5 % over the steps, float32. Trials, noise and
the initial parameters come from numpy generators, so a run is fixed by its seed. XLA
runs on one CPU thread (set before jax is imported), which keeps a job's results
independent of the machine's core count and of the jobs running beside it, though not of
the CPU model (XLA compiles for the CPU it runs on).
"""

from __future__ import annotations

import os
import time

import numpy as np

from noiseprune.trained import rnn
from noiseprune.trained import tasks

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite."""


def _loss_fn(model: rnn.Model, kind: str = "mse"):
    """Masked mean squared error (``mse``: target (B, T)) or softmax cross-entropy
    (``xent``: one-hot target (B, T, K)) of the scanned network's outputs."""
    import jax
    import jax.numpy as jnp

    def loss(params, mask_W, u, xi, target, mask):
        p = dict(params, W=params["W"] * mask_W)
        x0 = jnp.zeros((u.shape[0], p["W"].shape[0]), dtype=u.dtype)

        def body(x, inputs):
            u_t, xi_t = inputs
            return rnn.step(p, x, u_t, xi_t, model, xp=jnp)

        _, ys = jax.lax.scan(body, x0, (jnp.swapaxes(u, 0, 1), jnp.swapaxes(xi, 0, 1)))
        ys = jnp.swapaxes(ys, 0, 1)
        if kind == "xent":
            err = -(jax.nn.log_softmax(ys, axis=-1) * target).sum(axis=-1) * mask
        else:
            err = (ys - target) ** 2 * mask
        return err.sum() / mask.sum()

    return loss


#: CPU seconds per (Adam step x trial x N^2 x time step) of :func:`train` on one XLA thread,
#: measured by benchmarks/bench_training.py (docs/performance.md); with a floor per
#: step for the small networks, where XLA's fixed cost dominates.
SECONDS_PER_UNIT = 4.0e-10
SECONDS_PER_STEP_FLOOR = 1.0e-2


def estimate_seconds(n: int, steps: int, batch: int, time_steps: int) -> float:
    """Estimated training time: steps x (batch x N^2 x time steps x SECONDS_PER_UNIT, at least the floor)."""
    return steps * max(batch * n * n * time_steps * SECONDS_PER_UNIT, SECONDS_PER_STEP_FLOOR)


def _bound(task):
    return tasks.BoundTask("ready_set_go", {k: getattr(task, k) for k in tasks.get("ready_set_go").defaults}, task.dt) \
        if isinstance(task, tasks.Task) else task


def _target(task, batch: tasks.Batch) -> np.ndarray:
    if task.loss_kind == "xent":
        return np.eye(task.outputs)[batch.target.astype(int)]
    return batch.target


def train(
    params: dict,
    task,
    model: rnn.Model,
    rng: np.random.Generator,
    *,
    steps: int,
    batch: int,
    learning_rate: float,
    clip: float = 1.0,
    mask_W: np.ndarray | None = None,
    eval_batch: tasks.Batch | None = None,
    log=None,
    log_every: int = 100,
) -> tuple[dict, np.ndarray]:
    """Train ``params`` for ``steps`` Adam steps (learning rate decaying from
    ``learning_rate`` to 5 % of it, cosine) on fresh noisy trials; return the
    parameters (float64 numpy) and the training loss of each step.

    ``task``: a :class:`noiseprune.trained.tasks.BoundTask` (or a ready-set-go
    :class:`~noiseprune.trained.tasks.Task`). ``mask_W`` (0/1, shape of W) keeps the
    masked recurrent weights at zero (retraining of a pruned network; a zero diagonal
    for a network without self-connections). With ``eval_batch``, the loss on that fixed batch (same noise
    every time) is logged every ``log_every`` steps.

    Raises
    ------
    TrainingDiverged
        The loss is NaN or infinite at some step (named in the message).
    """
    import jax
    import jax.numpy as jnp
    import optax

    task = _bound(task)
    if steps < 1 or batch < 1 or not learning_rate > 0:
        raise ValueError(f"steps ({steps}), batch ({batch}) and learning_rate ({learning_rate}) must be positive")
    f32 = jnp.float32
    p = {k: jnp.asarray(params[k], dtype=f32) for k in rnn.PARAM_KEYS}
    mW = jnp.asarray(np.ones_like(params["W"]) if mask_W is None else mask_W, dtype=f32)
    # cosine decay to 5 % of the learning rate: late large steps undid a solved task
    # (a loss of 0.006 jumped to 0.2 at step 300 and never came back at a constant 0.003)
    schedule = optax.cosine_decay_schedule(learning_rate, steps, alpha=0.05)
    opt = optax.chain(optax.clip_by_global_norm(clip), optax.adam(schedule))
    state = opt.init(p)
    loss = _loss_fn(model, task.loss_kind)

    @jax.jit
    def update(p, state, u, xi, target, mask):
        value, grads = jax.value_and_grad(loss)(p, mW, u, xi, target, mask)
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state, value

    fixed = None
    if eval_batch is not None:
        xi = rng.standard_normal((*eval_batch.u.shape[:2], params["W"].shape[0]))
        fixed = [jnp.asarray(a, dtype=f32) for a in (eval_batch.u, xi, _target(task, eval_batch), eval_batch.mask)]
        eval_loss = jax.jit(loss)
    n = params["W"].shape[0]
    history = np.empty(steps)
    start = time.monotonic()
    for k in range(steps):
        b = task.trials(batch, rng)
        xi = rng.standard_normal((*b.u.shape[:2], n))
        arrays = [jnp.asarray(a, dtype=f32) for a in (b.u, xi, _target(task, b), b.mask)]
        p, state, value = update(p, state, *arrays)
        history[k] = float(value)
        if not np.isfinite(history[k]):
            raise TrainingDiverged(f"training diverged at step {k}: loss = {history[k]} (no parameters written)")
        if log is not None and (k % log_every == 0 or k == steps - 1):
            extra = f", fixed-batch loss {float(eval_loss(p, mW, *fixed)):.5f}" if fixed is not None else ""
            log(f"step {k}: loss {history[k]:.5f}{extra} ({time.monotonic() - start:.1f} s)")
    out = {k: np.asarray(v, dtype=np.float64) for k, v in p.items()}
    out["W"] = out["W"] * np.asarray(mW, dtype=np.float64)
    for key in params:
        if key not in out:
            out[key] = params[key]
    return out, history


def fixed_batch_loss(params: dict, batch: tasks.Batch, model: rnn.Model, seed: int = 0, task=None) -> float:
    """Loss of ``params`` on ``batch`` with noise from ``seed`` (numpy simulation); the
    task's loss (default: ready-set-go's squared error)."""
    y = rnn.simulate(params, batch.u, model, np.random.default_rng(seed))
    return tasks.loss(batch, y) if task is None else _bound(task).loss(batch, y)
