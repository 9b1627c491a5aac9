"""Tasks of the trained networks, one registry (docs/method.md, "Task-trained networks"):
ready-set-go (below) and four decision tasks defined as neurogym defines them
(perceptual_decision, context_decision, delay_match, go_nogo; see "The task registry"
further down). ``names()``, ``get(name)``; :func:`bind` resolves a config's ``task``
mapping (``name`` plus parameters) into a :class:`BoundTask` that makes trials and scores
outputs.

Ready-set-go interval reproduction: trials, the produced interval and task metrics.

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
    """A batch of trials: inputs u (B, T, inputs), target (B, T) (ready-set-go: the ramp;
    decision tasks: the class label of every step, 0 = fixate), loss mask (B, T); per
    trial, ready-set-go: t_s, the ready time and the set step; decision tasks: the
    ground-truth label and the first step of the decision period."""

    u: np.ndarray
    target: np.ndarray
    mask: np.ndarray
    interval: np.ndarray | None = None
    ready: np.ndarray | None = None
    set_step: np.ndarray | None = None
    label: np.ndarray | None = None
    decision_start: int | None = None


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


def readout_r2(y: np.ndarray, reference: np.ndarray) -> float:
    """R^2 of the (clean) outputs ``y`` against the original network's ``reference`` outputs;
    0 when the reference is constant."""
    ref = clean_output(reference)
    resid = ((clean_output(y) - ref) ** 2).sum()
    total = ((ref - ref.mean()) ** 2).sum()
    return float(1.0 - resid / total) if total > 0 else 0.0


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
        out["readout_r2"] = readout_r2(y, reference)
    return out


# ----------------------------------------------------------------------------- the task registry
#
# Decision tasks as neurogym (github.com/neurogym/neurogym, envs/native) defines them:
# named periods of fixed durations (ms, rounded to the step dt), a fixation input, ring
# inputs cos(theta - theta_choice) x amplitude + 0.5 with Gaussian input noise of standard
# deviation sigma / sqrt(dt) where neurogym adds it, and a target label per step: 0
# (fixate) outside the decision period, the ground truth inside it. The network has one
# output per action (logits); it is trained with cross-entropy on every step, and a trial
# is correct when the largest output at the last step of the decision period is the
# ground truth (the accuracy of the later study: the decision at the final step).

from collections.abc import Callable, Mapping  # noqa: E402

from noiseprune.registry import Registry  # noqa: E402


@dataclass(frozen=True)
class TaskSpec:
    name: str
    generate: Callable
    defaults: dict
    inputs: int
    outputs: int
    loss: str  # "mse" (regression target) or "xent" (class labels)
    periods: tuple[str, ...]
    description: str


REGISTRY: Registry[TaskSpec] = Registry("task")
names = REGISTRY.names
get = REGISTRY.get
DEFAULT_TASK = "ready_set_go"


def task(name: str, *, defaults: dict, inputs: int, outputs: int, loss: str, periods=(), description: str = ""):
    """Decorator registering ``generate(params, dt, batch, rng, labels=None) -> Batch`` as task ``name``."""

    def register(fn: Callable) -> Callable:
        doc = description or ((fn.__doc__ or name).strip().splitlines() or [name])[0]
        REGISTRY.add(name, TaskSpec(name, fn, dict(defaults), inputs, outputs, loss, tuple(periods), doc))
        return fn

    return register


def resolve(cfg: Mapping | None) -> tuple[str, dict]:
    """(task name, its parameters) of a config ``task`` mapping: ``name`` (default
    ready_set_go) and parameters over the task's defaults. An unknown task or parameter
    is a one-line ValueError."""
    cfg = dict(cfg or {})
    name = cfg.pop("name", DEFAULT_TASK)
    spec = get(name)
    unknown = [k for k in cfg if k not in spec.defaults]
    if unknown:
        raise ValueError(f"task {name!r} has no parameter {unknown[0]!r}; known: {', '.join(spec.defaults)}")
    params = dict(spec.defaults)
    for key, value in cfg.items():
        default = spec.defaults[key]
        if isinstance(default, (list, tuple)):
            params[key] = [float(v) for v in value]
        else:
            params[key] = float(value)
    return name, params


def _period_steps(params: Mapping, periods, dt: float) -> dict[str, int]:
    """Steps of each period (its duration rounded to the grid; a period may be empty)."""
    out = {}
    for p in periods:
        d = float(params[p])
        if d < 0:
            raise ValueError(f"period {p!r} has a negative duration {d!r} ms")
        out[p] = int(round(d / dt))
    if out.get("decision", 1) < 1:
        raise ValueError(f"the decision period ({params['decision']!r} ms) is shorter than one step dt = {dt!r} ms")
    return out


def _layout(params, periods, dt):
    """(slices of each period, total steps)."""
    steps = _period_steps(params, periods, dt)
    start, out = 0, {}
    for p in periods:
        out[p] = slice(start, start + steps[p])
        start += steps[p]
    return out, start


def _labels(rng, choices, batch, labels):
    if labels is not None:
        labels = np.asarray(labels, dtype=int)
        bad = labels[~np.isin(labels, choices)]
        if bad.size:
            raise ValueError(f"label {int(bad[0])} is not one of the task's choices {list(choices)}")
        return labels
    return rng.choice(np.asarray(choices), size=batch)


def _decision_batch(u, label, sl, T, rng_unused=None):
    B = u.shape[0]
    target = np.zeros((B, T))
    target[:, sl["decision"]] = label[:, None]
    return Batch(u=u, target=target, mask=np.ones((B, T)), label=label, decision_start=sl["decision"].start)


RING2 = np.array([0.0, np.pi])  # the two stimulus directions of a two-choice ring (dim_ring = 2)


@task("ready_set_go", defaults={f: float(getattr(Task, f)) for f in
                                ("interval_min", "interval_max", "ready_min", "ready_max", "pulse", "ramp_end", "tail", "tolerance")},
      inputs=2, outputs=1, loss="mse", description="ready-set-go interval reproduction (scored by the produced interval)")
def ready_set_go(params, dt, batch, rng, labels=None):
    """Ready-set-go: a ready and a set pulse t_s apart; reproduce t_s (see the module docstring)."""
    return trials(Task(dt=dt, **params), batch, rng, intervals=labels)


@task("perceptual_decision", inputs=3, outputs=3, loss="xent",
      periods=("fixation", "stimulus", "delay", "decision"),
      defaults=dict(fixation=100.0, stimulus=2000.0, delay=0.0, decision=100.0,
                    cohs=[0.0, 6.4, 12.8, 25.6, 51.2], sigma=1.0))
def perceptual_decision(params, dt, batch, rng, labels=None):
    """neurogym PerceptualDecisionMaking (dim_ring 2): a noisy two-channel stimulus; choose the stronger."""
    sl, T = _layout(params, ("fixation", "stimulus", "delay", "decision"), dt)
    gt = _labels(rng, [1, 2], batch, labels)  # action 1 or 2 (neurogym: choice index 0/1 -> action 1/2)
    coh = rng.choice(np.asarray(params["cohs"], dtype=float), size=gt.size)
    u = np.zeros((gt.size, T, 3))
    u[:, sl["fixation"], 0] = 1.0
    stim = np.cos(RING2[None, :] - RING2[gt - 1][:, None]) * (coh[:, None] / 200.0) + 0.5
    n_stim = sl["stimulus"].stop - sl["stimulus"].start
    u[:, sl["stimulus"], 1:] = stim[:, None, :] + rng.normal(0.0, params["sigma"] / np.sqrt(dt), (gt.size, n_stim, 2))
    return _decision_batch(u, gt, sl, T)


@task("context_decision", inputs=7, outputs=3, loss="xent",
      periods=("fixation", "stimulus", "delay", "decision"),
      defaults=dict(fixation=300.0, stimulus=750.0, delay=600.0, decision=100.0, cohs=[5.0, 15.0, 50.0], sigma=1.0))
def context_decision(params, dt, batch, rng, labels=None):
    """neurogym ContextDecisionMaking (explicit context, dim_ring 2): two stimulus modalities; choose by the cued one."""
    sl, T = _layout(params, ("fixation", "stimulus", "delay", "decision"), dt)
    gt = _labels(rng, [1, 2], batch, labels)
    B = gt.size
    other = rng.choice([1, 2], size=B)
    context = rng.choice([0, 1], size=B)
    cohs = np.asarray(params["cohs"], dtype=float)
    coh1, coh2 = rng.choice(cohs, size=B), rng.choice(cohs, size=B)
    choice1 = np.where(context == 0, gt, other)  # the cued modality shows the ground truth
    choice2 = np.where(context == 0, other, gt)
    u = np.zeros((B, T, 7))
    u[:, sl["fixation"], 0] = 1.0
    n_stim = sl["stimulus"].stop - sl["stimulus"].start
    for cols, choice, coh in ((slice(1, 3), choice1, coh1), (slice(3, 5), choice2, coh2)):
        stim = np.cos(RING2[None, :] - RING2[choice - 1][:, None]) * (coh[:, None] / 200.0) + 0.5
        u[:, sl["stimulus"], cols] = stim[:, None, :] + rng.normal(0.0, params["sigma"] / np.sqrt(dt), (B, n_stim, 2))
    u[np.arange(B), :, 5 + context] = 1.0  # context cue on every step, the decision period included
    return _decision_batch(u, gt, sl, T)


@task("delay_match", inputs=3, outputs=3, loss="xent",
      periods=("fixation", "sample", "delay", "test", "decision"),
      defaults=dict(fixation=300.0, sample=500.0, delay=1000.0, test=500.0, decision=900.0, sigma=1.0))
def delay_match(params, dt, batch, rng, labels=None):
    """neurogym DelayMatchSample (dim_ring 2): sample, delay, test; answer match (1) or non-match (2)."""
    sl, T = _layout(params, ("fixation", "sample", "delay", "test", "decision"), dt)
    gt = _labels(rng, [1, 2], batch, labels)
    B = gt.size
    sample = rng.choice(RING2, size=B)
    test = np.where(gt == 1, sample, np.mod(sample + np.pi, 2 * np.pi))
    u = np.zeros((B, T, 3))
    u[:, :, 0] = 1.0
    u[:, sl["decision"], 0] = 0.0
    for period, theta in (("sample", sample), ("test", test)):
        n = sl[period].stop - sl[period].start
        stim = np.cos(RING2[None, :] - theta[:, None]) * 0.5 + 0.5
        u[:, sl[period], 1:] = stim[:, None, :] + rng.normal(0.0, params["sigma"] / np.sqrt(dt), (B, n, 2))
    return _decision_batch(u, gt, sl, T)


@task("go_nogo", inputs=3, outputs=2, loss="xent",
      periods=("fixation", "stimulus", "delay", "decision"),
      defaults=dict(fixation=0.0, stimulus=500.0, delay=500.0, decision=500.0))
def go_nogo(params, dt, batch, rng, labels=None):
    """neurogym GoNogo: a go or no-go cue, a delay, then go (1) or keep fixating (0)."""
    sl, T = _layout(params, ("fixation", "stimulus", "delay", "decision"), dt)
    gt = _labels(rng, [0, 1], batch, labels)
    B = gt.size
    u = np.zeros((B, T, 3))
    u[:, :, 0] = 1.0
    u[np.arange(B)[:, None], np.arange(sl["stimulus"].start, sl["stimulus"].stop)[None, :], (gt + 1)[:, None]] = 1.0
    u[:, sl["decision"], :] = 0.0
    return _decision_batch(u, gt, sl, T)


def softmax_cross_entropy(y: np.ndarray, target: np.ndarray, mask: np.ndarray) -> float:
    """Masked mean cross-entropy of logits y (B, T, K) against labels target (B, T)."""
    y = clean_output(y)
    z = y - y.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, target.astype(int)[..., None], axis=-1)[..., 0]
    return float(-(picked * mask).sum() / mask.sum())


@dataclass(frozen=True)
class BoundTask:
    """A registered task with its parameters and the time step: makes trials and scores outputs."""

    name: str
    params: dict
    dt: float

    @property
    def spec(self) -> TaskSpec:
        return get(self.name)

    @property
    def inputs(self) -> int:
        return self.spec.inputs

    @property
    def outputs(self) -> int:
        return self.spec.outputs

    @property
    def loss_kind(self) -> str:
        return self.spec.loss

    @property
    def rsg(self) -> Task | None:
        return Task(dt=self.dt, **self.params) if self.name == "ready_set_go" else None

    @property
    def steps(self) -> int:
        if self.rsg is not None:
            return self.rsg.steps
        return _layout(self.params, self.spec.periods, self.dt)[1]

    def trials(self, batch: int, rng: np.random.Generator, labels=None) -> Batch:
        return self.spec.generate(self.params, self.dt, batch, rng, labels)

    def heldout(self, count: int, rng: np.random.Generator) -> Batch:
        """``count`` held-out trials: ready-set-go, t_s evenly spaced over the range;
        decision tasks, the choices in turn (balanced)."""
        if self.rsg is not None:
            return self.trials(count, rng, np.linspace(self.params["interval_min"], self.params["interval_max"], count))
        choices = [0, 1] if self.outputs == 2 else list(range(1, self.outputs))
        return self.trials(count, rng, np.resize(np.asarray(choices), count))

    def loss(self, batch: Batch, y: np.ndarray) -> float:
        return loss(batch, y) if self.loss_kind == "mse" else softmax_cross_entropy(y, batch.target, batch.mask)

    def decisions(self, batch: Batch, y: np.ndarray) -> np.ndarray:
        """The choice of each trial: the largest output at the last step (decision tasks)."""
        return np.argmax(clean_output(y)[:, -1, :], axis=-1)

    def metrics(self, batch: Batch, y: np.ndarray, reference: np.ndarray | None = None) -> dict:
        """task_loss, task_accuracy, readout_r2 (against ``reference``); ready-set-go adds
        interval_slope, interval_bias and reached_fraction."""
        if self.rsg is not None:
            return metrics(self.rsg, batch, y, reference)
        out = dict(task_loss=self.loss(batch, y),
                   task_accuracy=float(np.mean(self.decisions(batch, y) == batch.label)))
        if reference is not None:
            out["readout_r2"] = readout_r2(y, reference)
        return out


def bind(cfg: Mapping | None, dt: float) -> BoundTask:
    """The task of a config ``task`` mapping (see :func:`resolve`) on the grid ``dt``; the
    trial layout is checked here (one line naming the period or the parameter)."""
    name, params = resolve(cfg)
    bound = BoundTask(name, params, float(dt))
    bound.steps  # noqa: B018  (validates the periods / ready-set-go timing)
    return bound
