"""Training of the rate RNN on ready-set-go with jax + optax (docs/method.md,
"Task-trained networks").

Backpropagation through time of :func:`noiseprune.trained.rnn.step` (scanned with
``jax.lax.scan``), Adam with global-norm gradient clipping and a cosine learning-rate
decay to 5 % over the steps, float32. Trials, noise and
the initial parameters come from numpy generators, so a run is fixed by its seed. XLA
runs on one CPU thread (set before jax is imported), which keeps a job's results
independent of the machine's core count and of the jobs running beside it.
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


def _loss_fn(model: rnn.Model):
    import jax
    import jax.numpy as jnp

    def loss(params, mask_W, u, xi, target, mask):
        p = dict(params, W=params["W"] * mask_W)
        x0 = jnp.zeros((u.shape[0], p["W"].shape[0]), dtype=u.dtype)

        def body(x, inputs):
            u_t, xi_t = inputs
            return rnn.step(p, x, u_t, xi_t, model, xp=jnp)

        _, ys = jax.lax.scan(body, x0, (jnp.swapaxes(u, 0, 1), jnp.swapaxes(xi, 0, 1)))
        err = (jnp.swapaxes(ys, 0, 1) - target) ** 2 * mask
        return err.sum() / mask.sum()

    return loss


def train(
    params: dict,
    task: tasks.Task,
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

    ``mask_W`` (0/1, shape of W) keeps the masked recurrent weights at zero (retraining
    of a pruned network). With ``eval_batch``, the loss on that fixed batch (same noise
    every time) is logged every ``log_every`` steps.

    Raises
    ------
    TrainingDiverged
        The loss is NaN or infinite at some step (named in the message).
    """
    import jax
    import jax.numpy as jnp
    import optax

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
    loss = _loss_fn(model)

    @jax.jit
    def update(p, state, u, xi, target, mask):
        value, grads = jax.value_and_grad(loss)(p, mW, u, xi, target, mask)
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state, value

    fixed = None
    if eval_batch is not None:
        xi = rng.standard_normal((*eval_batch.u.shape[:2], params["W"].shape[0]))
        fixed = [jnp.asarray(a, dtype=f32) for a in (eval_batch.u, xi, eval_batch.target, eval_batch.mask)]
        eval_loss = jax.jit(loss)
    n = params["W"].shape[0]
    history = np.empty(steps)
    start = time.monotonic()
    for k in range(steps):
        b = tasks.trials(task, batch, rng)
        xi = rng.standard_normal((*b.u.shape[:2], n))
        arrays = [jnp.asarray(a, dtype=f32) for a in (b.u, xi, b.target, b.mask)]
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


def fixed_batch_loss(params: dict, batch: tasks.Batch, model: rnn.Model, seed: int = 0) -> float:
    """Loss of ``params`` on ``batch`` with noise from ``seed`` (numpy simulation)."""
    y = rnn.simulate(params, batch.u, model, np.random.default_rng(seed))
    return tasks.loss(batch, y)
