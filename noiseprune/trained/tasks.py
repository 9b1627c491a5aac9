"""Ready-set-go interval reproduction: trials, the produced interval and task metrics
(docs/method.md, "Task-trained networks").

Time is in milliseconds and sampled every ``dt``. A trial has two input channels, a
"ready" pulse at t_ready and a "set" pulse at t_set = t_ready + t_s (each ``pulse``
ms long, amplitude 1); t_s is drawn uniformly from [interval_min, interval_max]. The
target output is 0 until set and then the ramp (t - t_set) / t_s, which reaches 1 at
the go time t_set + t_s. The loss counts the steps up to t_set + ``ramp_end`` x t_s
(the ramp up to ``ramp_end``); later steps are free. The **produced interval** t_p is
the time from set to the first step at which the output reaches 1 (the threshold);
an output that never reaches it is censored at the end of the trial. A trial is
correct when |t_p - t_s| <= ``tolerance`` x t_s.

Pure numpy; every random draw comes from the generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THRESHOLD = 1.0
#: Outputs are clipped to +-OUTPUT_CLIP (non-finite ones set to the clip) before the
#: metrics, so that a diverging reduced network gives finite numbers.
OUTPUT_CLIP = 10.0


@dataclass(frozen=True)
class Task:
    """Ready-set-go timing of a trial batch (all times in ms)."""

    dt: float = 10.0
    interval_min: float = 500.0
    interval_max: float = 1000.0
    ready_min: float = 100.0
    ready_max: float = 300.0
    pulse: float = 30.0
    ramp_end: float = 1.25
    tail: float = 300.0
    tolerance: float = 0.15

    def __post_init__(self):
        if not self.dt > 0:
            raise ValueError(f"task dt must be > 0, got {self.dt!r}")
        if not 0 < self.interval_min < self.interval_max:
            raise ValueError(
                f"task interval range [{self.interval_min!r}, {self.interval_max!r}] must satisfy 0 < min < max"
            )
        if not 0 <= self.ready_min <= self.ready_max:
            raise ValueError(f"task ready range [{self.ready_min!r}, {self.ready_max!r}] must satisfy 0 <= min <= max")
        if self.pulse < self.dt:
            raise ValueError(f"task pulse {self.pulse!r} ms is shorter than one step dt = {self.dt!r} ms")

    @property
    def steps(self) -> int:
        """Time steps of every trial: the latest ready, two longest intervals and the tail."""
        return int(np.ceil((self.ready_max + 2 * self.interval_max + self.tail) / self.dt)) + 1

    @classmethod
    def from_config(cls, cfg) -> "Task":
        return cls(**{k: float(v) for k, v in cfg.items()})


@dataclass
class Batch:
    """A batch of trials: inputs u (B, T, 2), target y (B, T), loss mask (B, T), and per
    trial t_s, the ready time and the set step."""

    u: np.ndarray
    target: np.ndarray
    mask: np.ndarray
    interval: np.ndarray
    ready: np.ndarray
    set_step: np.ndarray


def trials(task: Task, batch: int, rng: np.random.Generator, intervals=None) -> Batch:
    """``batch`` trials; t_s uniform in the task's range, or the given ``intervals``."""
    T, dt = task.steps, task.dt
    if intervals is None:
        ts = rng.uniform(task.interval_min, task.interval_max, batch)
    else:
        ts = np.asarray(intervals, dtype=np.float64)
        batch = ts.size
    t_ready = rng.uniform(task.ready_min, task.ready_max, batch)
    ready = np.round(t_ready / dt).astype(int)
    set_step = np.round((t_ready + ts) / dt).astype(int)
    width = max(1, int(round(task.pulse / dt)))
    t = np.arange(T)
    u = np.zeros((batch, T, 2))
    u[:, :, 0] = (t >= ready[:, None]) & (t < ready[:, None] + width)
    u[:, :, 1] = (t >= set_step[:, None]) & (t < set_step[:, None] + width)
    since = (t[None, :] - set_step[:, None]) * dt
    target = np.where(since > 0, since / ts[:, None], 0.0)
    mask = (since <= task.ramp_end * ts[:, None]).astype(np.float64)
    return Batch(u=u, target=target, mask=mask, interval=ts, ready=ready, set_step=set_step)


def clean_output(y: np.ndarray) -> np.ndarray:
    """Outputs clipped to +-OUTPUT_CLIP; non-finite values become +OUTPUT_CLIP."""
    y = np.asarray(y, dtype=np.float64)
    return np.where(np.isfinite(y), np.clip(y, -OUTPUT_CLIP, OUTPUT_CLIP), OUTPUT_CLIP)


def produced_intervals(task: Task, batch: Batch, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(t_p, reached): time from set to the first step with output >= THRESHOLD (ms), and
    whether it was reached; unreached trials are censored at the end of the trial."""
    y = clean_output(y)
    T = y.shape[1]
    after = np.arange(T)[None, :] > batch.set_step[:, None]
    crossed = (y >= THRESHOLD) & after
    reached = crossed.any(axis=1)
    first = np.where(reached, crossed.argmax(axis=1), T - 1)
    return (first - batch.set_step) * task.dt, reached


def loss(batch: Batch, y: np.ndarray) -> float:
    """Masked mean squared error of the output against the target ramp."""
    err = (clean_output(y) - batch.target) ** 2 * batch.mask
    return float(err.sum() / batch.mask.sum())


def metrics(task: Task, batch: Batch, y: np.ndarray, reference: np.ndarray | None = None) -> dict:
    """Task loss, accuracy, produced-vs-sampled fit (slope, bias in ms) and, against the
    ``reference`` outputs on the same trials and noise, the readout R^2."""
    tp, reached = produced_intervals(task, batch, y)
    ts = batch.interval
    slope, bias = np.polyfit(ts, tp, 1)
    out = dict(
        task_loss=loss(batch, y),
        task_accuracy=float(np.mean(np.abs(tp - ts) <= task.tolerance * ts)),
        interval_slope=float(slope),
        interval_bias=float(bias),
        reached_fraction=float(reached.mean()),
    )
    if reference is not None:
        ref = clean_output(reference)
        resid = ((clean_output(y) - ref) ** 2).sum()
        total = ((ref - ref.mean()) ** 2).sum()
        out["readout_r2"] = float(1.0 - resid / total) if total > 0 else 0.0
    return out
