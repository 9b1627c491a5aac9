"""The task-trained experiment end to end, as the workflow's jobs run it (docs/method.md,
"Task-trained networks"): train one network, probe its covariances, reduce and
evaluate, and the rows of ``results/tables/trained.csv``.

``cfg`` is the validated ``trained`` section of the config (noiseprune.pipeline.config). Every
random stream is :func:`noiseprune.seeding.rng_for` of the seed and the names of the
job; the held-out batch is the same for every network.
"""

from __future__ import annotations

import dataclasses
import platform
import time

import numpy as np

from noiseprune.trained import reducers
from noiseprune.trained import rnn
from noiseprune.trained import tasks
from noiseprune.seeding import rng_for

#: Identifying columns of a row of results/tables/trained.csv, then its metrics.
ID_COLUMNS = ("network", "task", "n", "seed", "reducer", "covariance", "rescale", "keep_fraction", "prune_seed",
              "retrained")
METRIC_COLUMNS = (
    "weights_original",
    "weights_kept",
    "units_kept",
    "task_loss",
    "task_accuracy",
    "readout_r2",
    "kept_density",
    "spectral_radius",
    "spectral_radius_original",
)
#: Metrics of ready-set-go only (empty for the decision tasks).
INTERVAL_COLUMNS = ("interval_slope", "interval_bias", "reached_fraction")
#: Solution type: the reduced network's top-k activity subspace against the original's
#: on the same held-out trials and noise (empty for merged networks, whose units differ).
SUBSPACE_COLUMNS = ("subspace_angle_max", "subspace_angle_mean", "variance_in_original_subspace",
                    "variance_explained_own")
#: Dimension k of the compared activity subspaces.
SUBSPACE_DIMS = 3


class NotLearned(ValueError):
    """A trained network's held-out accuracy is below trained.accuracy_floor."""
#: The reducer name of the unreduced network's row.
ORIGINAL = "original"


def networks(section) -> dict[str, dict]:
    """The network families of a ``trained`` section: {network name: its cfg}, one per
    task. With ``task`` (one mapping): {name: section}; with ``tasks``:
    {name_<task>: section with that task, and the entry's ``seeds`` if it has them}. Each
    cfg's ``task`` is the resolved mapping (``name`` and every parameter); ValueError (one
    line) for an unknown task or parameter, or two entries of one task."""
    listed = section.get("tasks")
    out = {}
    for entry in (listed if listed else [section.get("task") or {}]):
        entry = dict(entry)
        seeds = entry.pop("seeds", None) if listed else None
        name, params = tasks.resolve(entry)
        cfg = dict(section, task={"name": name, **params})
        if seeds is not None:
            cfg["seeds"] = [int(s) for s in seeds]
        cfg.pop("tasks", None)
        if listed:
            cfg["name"] = f"{section['name']}_{name}"
        if cfg["name"] in out:
            raise ValueError(f"task {name!r} is listed twice in trained.tasks")
        out[cfg["name"]] = cfg
    return out


def task_of(cfg) -> tasks.BoundTask:
    return tasks.bind(cfg["task"], float(cfg["dt"]))


def task_name(cfg) -> str:
    return task_of(cfg).name


def options_of(cfg) -> dict:
    """Options of the reducers (noiseprune.trained.reducers)."""
    return dict(cap_percentile=cfg.get("cap_percentile"), self_connections=bool(cfg.get("self_connections", True)))


def diagonal_mask(cfg, n: int) -> np.ndarray | None:
    """The 0/1 mask of W that keeps a network without self-connections at a zero diagonal."""
    return None if cfg.get("self_connections", True) else 1.0 - np.eye(n)


def training_seconds(cfg) -> float:
    """Estimated training time of one network (noiseprune.trained.training.estimate_seconds)."""
    from noiseprune.trained.training import estimate_seconds

    tr = cfg["training"]
    return estimate_seconds(int(cfg["n"]), int(tr["steps"]), int(tr["batch"]), task_of(cfg).steps)


def check_budget(cfg) -> None:
    """One-line ValueError if the estimated training time exceeds training.budget_minutes."""
    budget = cfg["training"].get("budget_minutes")
    if budget is None:
        return
    seconds = training_seconds(cfg)
    if seconds > 60.0 * float(budget):
        tr = cfg["training"]
        raise ValueError(
            f"network {cfg['name']} is estimated at {seconds / 60:.1f} min per network (N = {cfg['n']}, "
            f"{tr['steps']} steps x {tr['batch']} trials x {task_of(cfg).steps} time steps), more than "
            f"training.budget_minutes = {budget}")


def model_of(cfg) -> rnn.Model:
    return rnn.Model(phi=cfg["phi"], tau=float(cfg["tau"]), dt=float(cfg["dt"]), sigma=float(cfg["sigma"]))


def training_model_of(cfg) -> rnn.Model:
    """The model of training: trained.sigma unless training.sigma sets the training noise apart."""
    sigma = cfg["training"].get("sigma")
    return model_of(cfg) if sigma is None else dataclasses.replace(model_of(cfg), sigma=float(sigma))


def eval_batch(cfg) -> tasks.Batch:
    """The held-out batch (same for every network): ready-set-go, eval_trials intervals
    evenly spaced over the range; decision tasks, the choices in turn."""
    return task_of(cfg).heldout(int(cfg["eval_trials"]), rng_for(0, "trained", cfg["name"], "eval"))


def rate_covariance(xs: np.ndarray, model: rnn.Model) -> np.ndarray:
    """Covariance of the rates phi(x) over every step and trial of states xs (B, T, N)."""
    R = rnn.phi(xs.reshape(-1, xs.shape[-1]), model.phi)
    R = R - R.mean(axis=0)
    return R.T @ R / R.shape[0]


def subspace_comparison(C_original: np.ndarray, C_reduced: np.ndarray, k: int = SUBSPACE_DIMS) -> dict:
    """Principal angles (degrees) between the top-k principal subspaces of two activity
    covariances (scipy.linalg.subspace_angles), the fraction of the reduced network's
    activity variance inside the original's top-k subspace, and inside its own."""
    from scipy.linalg import subspace_angles

    def top(C):
        w, V = np.linalg.eigh(0.5 * (C + C.T))
        return V[:, ::-1][:, :k]

    U0, U1 = top(C_original), top(C_reduced)
    angles = np.degrees(subspace_angles(U0, U1))
    total = float(np.trace(C_reduced))
    inside = float(np.trace(U0.T @ C_reduced @ U0))
    own = float(np.trace(U1.T @ C_reduced @ U1))
    return dict(subspace_angle_max=float(angles.max()), subspace_angle_mean=float(angles.mean()),
                variance_in_original_subspace=inside / total if total > 0 else 0.0,
                variance_explained_own=own / total if total > 0 else 0.0)


def evaluate(params, cfg, seed: int, batch: tasks.Batch, reference: np.ndarray | None = None, activity: bool = False):
    """(metrics, produced intervals, outputs) of a network on the held-out batch, with the
    noise of network seed ``seed`` (the same for the original and every reduction); with
    ``activity``, also the covariance of its rates over the batch."""
    y, xs = rnn.simulate(params, batch.u, model_of(cfg), rng_for(int(seed), "trained", cfg["name"], "eval-noise"),
                         noise_units=int(cfg["n"]), states=True)
    task = task_of(cfg)
    metrics = task.metrics(batch, y, reference if reference is not None else y)
    produced = tasks.produced_intervals(task.rsg, batch, y)[0] if task.rsg is not None else np.zeros(0)
    if activity:
        return metrics, produced, y, rate_covariance(xs, model_of(cfg))
    return metrics, produced, y


def cpu_name() -> str:
    """The CPU's model name: XLA compiles for the CPU it runs on, so a network trained on
    another CPU can differ in the last bits, and training can amplify that (docs/method.md,
    "Task-trained networks")."""
    try:
        with open("/proc/cpuinfo") as fh:
            names = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
    except OSError:
        names = []
    return names[0] if names else (platform.processor() or platform.machine() or "unknown CPU")


def train_network(cfg, seed: int, log=None) -> tuple[dict, dict]:
    """Train the network of ``seed``; return its parameters and a summary (losses; the
    seconds are logged, not returned, so that the summary file is the same in every run)."""
    from noiseprune.trained import training

    check_budget(cfg)
    rng = rng_for(int(seed), "trained", cfg["name"], "train")
    task = task_of(cfg)
    n = int(cfg["n"])
    params = rnn.init_params(n, float(cfg["gain"]), rng, inputs=task.inputs, outputs=task.outputs,
                             self_connections=bool(cfg.get("self_connections", True)))
    tr = cfg["training"]
    batch = eval_batch(cfg)
    before = training.fixed_batch_loss(params, batch, model_of(cfg), task=task)
    start = time.monotonic()
    params, history = training.train(
        params, task, training_model_of(cfg), rng, steps=int(tr["steps"]), batch=int(tr["batch"]),
        learning_rate=float(tr["learning_rate"]), clip=float(tr["clip"]), log=log, mask_W=diagonal_mask(cfg, n),
    )
    if log is not None:
        import jax

        log(f"trained in {time.monotonic() - start:.1f} s (estimated {training_seconds(cfg):.1f} s) "
            f"on {cpu_name()} with jax {jax.__version__}")
    after = training.fixed_batch_loss(params, batch, model_of(cfg), task=task)
    info = dict(steps=len(history), loss_history=[float(v) for v in history],
                heldout_loss_before=before, heldout_loss_after=after)
    return params, info


def probe(params, cfg, seed: int, covariances, log=None) -> dict[str, np.ndarray]:
    """The requested covariances: ``lnp`` (``trained.lnp: jacobian``: operating point
    under the mean held-out input; the stationary covariance, or, when the operating
    point is unstable, the covariance accumulated over one trial; ``operator``: the
    Lyapunov covariance of W - (1 + s) I, the later study's), ``snp`` (probe_trials noisy
    task trials) and/or ``rates`` (the rates' second moment over the same trials, OBS)."""
    model, out = model_of(cfg), {}
    if "lnp" in covariances and cfg.get("lnp", "jacobian") == "operator":
        out["lnp"], shift = rnn.operator_lnp_covariance(params, float(cfg["sigma"]) or 1.0)
        if log is not None:
            log(f"L-NP covariance of W - (1 + s) I with leak shift s = {shift:g}")
    elif "lnp" in covariances:
        u_mean = eval_batch(cfg).u.mean(axis=(0, 1))
        task = task_of(cfg)
        out["lnp"], _, stationary = rnn.lnp_covariance(params, u_mean, model, horizon=task.steps * task.dt)
        if log is not None:
            log("L-NP covariance: " + ("stationary (stable operating point)" if stationary else
                f"the operating point is unstable: covariance accumulated over one trial ({task.steps * task.dt:g} ms)"))
    if "snp" in covariances or "rates" in covariances:
        trials = task_of(cfg).trials(int(cfg["probe_trials"]), rng_for(int(seed), "trained", cfg["name"], "probe"))
    if "snp" in covariances:
        out["snp"] = rnn.snp_covariance(params, trials.u, model, rng_for(int(seed), "trained", cfg["name"], "probe-noise"))
    if "rates" in covariances:
        out["rates"] = rnn.rate_second_moment(params, trials.u, model,
                                              rng_for(int(seed), "trained", cfg["name"], "probe-noise"))
    return out


def spectral_radius(W) -> float:
    return float(np.abs(np.linalg.eigvals(np.asarray(W, dtype=np.float64))).max())


def row(cfg, seed, reducer, covariance, rescale, keep, pseed, retrained, params, metrics, weights_original,
        radius_original=None) -> dict:
    """One row of the trained table; ValueError if a metric is not finite. kept_density =
    kept off-diagonal weights / the original's (the target is keep_fraction)."""
    kept = reducers.weights_kept(params["W"])
    radius = spectral_radius(params["W"])
    out = dict(network=cfg["name"], task=task_name(cfg), n=int(cfg["n"]), seed=int(seed), reducer=reducer,
               covariance=covariance, rescale=rescale, keep_fraction=float(keep), prune_seed=int(pseed),
               retrained=bool(retrained), weights_original=int(weights_original), weights_kept=kept,
               units_kept=int(params["W"].shape[0]), task_loss=float(metrics["task_loss"]),
               task_accuracy=float(metrics["task_accuracy"]), readout_r2=float(metrics["readout_r2"]),
               kept_density=kept / max(int(weights_original), 1), spectral_radius=radius,
               spectral_radius_original=radius if radius_original is None else float(radius_original),
               **{k: float(metrics[k]) for k in (*INTERVAL_COLUMNS, *SUBSPACE_COLUMNS) if k in metrics})
    bad = [k for k in (*METRIC_COLUMNS[3:], *INTERVAL_COLUMNS, *SUBSPACE_COLUMNS) if k in out and not np.isfinite(out[k])]
    if bad:
        raise ValueError(f"{bad[0]} = {out[bad[0]]} for {reducer}/{covariance}/{rescale} keep {keep}: not finite")
    return out


def original_reference(params, cfg, seed, reference_y) -> dict:
    """What every reduction of one network is compared with: the held-out batch (after
    :func:`check_learned`), the original's kept weights, spectral radius and activity
    covariance."""
    batch = eval_batch(cfg)
    check_learned(cfg, seed, batch, reference_y)
    return dict(batch=batch, weights=reducers.weights_kept(params["W"]), radius=spectral_radius(params["W"]),
                C=evaluate(params, cfg, seed, batch, activity=True)[3])


def reduce_and_evaluate(params, C, cfg, seed, reducer, covariance, keep, pseed, reference_y, log=None, original=None):
    """Reduce ``params`` with ``reducer`` (pruning seed ``pseed``) and evaluate every variant.

    Returns (arrays to save, metric rows, produced intervals per row). With
    retrain_steps > 0 every variant is also retrained (pruned weights held at zero) and
    evaluated again (rows with retrained = true). ``original``: the network's
    :func:`original_reference`, computed here when not given.
    """
    if original is None:
        original = original_reference(params, cfg, seed, reference_y)
    batch = original["batch"]
    names = ("trained", cfg["name"], int(seed), reducer, covariance, float(keep))
    rng = rng_for(int(pseed), "reduce", *names)
    weights_original, radius_original, C_original = original["weights"], original["radius"], original["C"]
    arrays, rows, produced, factors = {}, [], [], {}
    for variant, reduced in reducers.reduce(reducer, params, C, float(keep), rng, options_of(cfg)):
        if variant in reducers.RESCALED:
            factors[variant] = reducers.rescale_factors(reduced["W"], params["W"])
        versions = [(False, reduced)]
        if int(cfg["retrain_steps"]) > 0:
            from noiseprune.trained import training

            tr = cfg["training"]
            retrained, _ = training.train(
                reduced, task_of(cfg), training_model_of(cfg), rng_for(int(pseed), "retrain", variant, *names),
                steps=int(cfg["retrain_steps"]), batch=int(tr["batch"]), learning_rate=float(tr["learning_rate"]),
                clip=float(tr["clip"]), mask_W=(reduced["W"] != 0).astype(np.float64),
            )
            versions.append((True, retrained))
        for was_retrained, net in versions:
            metrics, tp, _, C_net = evaluate(net, cfg, seed, batch, reference_y, activity=True)
            if C_net.shape == C_original.shape:
                metrics.update(subspace_comparison(C_original, C_net))
            rows.append(row(cfg, seed, reducer, covariance, variant, keep, pseed, was_retrained, net, metrics,
                            weights_original, radius_original))
            produced.append([float(v) for v in tp])
            prefix = f"{variant}{'_retrained' if was_retrained else ''}"
            arrays.update({f"{prefix}.{k}": np.asarray(v) for k, v in net.items()})
            if log is not None:
                log(f"{reducer}/{covariance}/{prefix} keep {keep} prune seed {pseed}: " + ", ".join(
                    f"{k} {rows[-1][k]:.4g}" for k in ("weights_kept", "units_kept", "task_accuracy", "task_loss")))
    return arrays, rows, produced, factors


def reduce_members(params, C, cfg, seed, covariance, keep, members, reference_y, log=None):
    """:func:`reduce_and_evaluate` for every reducer of one reduction job (``members``:
    reducer -> its pruning seeds, in order) at one covariance and keep fraction, the
    original evaluated once; yields (reducer, k, pruning seed, result) for the k-th
    pruning seed of each reducer. Each reduction keeps its own random streams, so its
    result does not depend on the job's other reducers."""
    original = original_reference(params, cfg, seed, reference_y)
    for reducer, pseeds in members.items():
        for k, pseed in enumerate(pseeds):
            yield reducer, k, int(pseed), reduce_and_evaluate(params, C, cfg, seed, reducer, covariance, keep, pseed,
                                                              reference_y, log=log, original=original)


#: Quantiles of the rescaling factors reported per reduction (results/tables/trained_factors.csv).
FACTOR_QUANTILES = (0.5, 0.9, 0.99, 0.999, 1.0)


def factor_quantiles(factors: np.ndarray) -> dict:
    """{"q50": ..., "q90": ..., ..., "q100": max} of the factors (empty dict for none)."""
    if factors.size == 0:
        return {}
    return {f"q{100 * q:g}": float(np.quantile(factors, q)) for q in FACTOR_QUANTILES}


def check_learned(cfg, seed, batch, reference_y) -> None:
    """NotLearned (one line naming the network, seed and accuracy) when the original
    network's held-out accuracy is below trained.accuracy_floor."""
    floor = float(cfg.get("accuracy_floor", 0.0))
    accuracy = task_of(cfg).metrics(batch, reference_y)["task_accuracy"]
    if accuracy < floor:
        raise NotLearned(f"network {cfg['name']} seed {seed}: held-out accuracy {accuracy:.3f} is below "
                         f"trained.accuracy_floor = {floor:g}; not reducing a network that did not learn the task")


def iterate(params, cfg, seed: int, reducer: str, covariance: str, schedule, pseed: int, variant: str | None = None,
            log=None) -> list[dict]:
    """The iterative loop of the seed project: for each keep fraction of ``schedule``
    (of the original's off-diagonal weights, decreasing), reduce the current network to
    it (the step's fraction of what is left) by ``reducer`` with ``covariance`` probed
    again on the current network, retrain it for ``retrain_steps`` with the removed
    weights held at zero, and evaluate it. ``variant`` (default the reducer's first:
    rescale, refit) is carried to the next step. Returns one row per step (the rows of
    the trained table, ``retrained`` true, plus ``schedule_step``)."""
    from noiseprune.trained import training

    if reducer == "merge":
        raise ValueError("the iterative schedule prunes weights; merge changes the units (not supported)")
    schedule = [float(k) for k in schedule]
    if any(not 0 < k <= 1 for k in schedule) or any(b >= a for a, b in zip(schedule, schedule[1:])):
        raise ValueError(f"schedule must be decreasing keep fractions in (0, 1], got {schedule}")
    batch = eval_batch(cfg)
    _, _, reference_y = evaluate(params, cfg, seed, batch)
    check_learned(cfg, seed, batch, reference_y)
    weights_original = reducers.weights_kept(params["W"])
    radius_original = spectral_radius(params["W"])
    tr = cfg["training"]
    current, rows = params, []
    for step, keep in enumerate(schedule):
        covs = probe(current, cfg, seed, [covariance]) if covariance != "none" else {}
        fraction = min(1.0, keep * weights_original / max(reducers.weights_kept(current["W"]), 1))
        rng = rng_for(int(pseed), "iterate", cfg["name"], int(seed), reducer, covariance, step)
        out = dict(reducers.reduce(reducer, current, covs.get(covariance), fraction, rng, options_of(cfg)))
        chosen = variant or next(iter(out))
        reduced = out[chosen]
        if int(cfg["retrain_steps"]) > 0:
            reduced, _ = training.train(
                reduced, task_of(cfg), training_model_of(cfg), rng_for(int(pseed), "iterate-retrain", cfg["name"], int(seed), step),
                steps=int(cfg["retrain_steps"]), batch=int(tr["batch"]), learning_rate=float(tr["learning_rate"]),
                clip=float(tr["clip"]), mask_W=(reduced["W"] != 0).astype(np.float64))
        metrics, _, _ = evaluate(reduced, cfg, seed, batch, reference_y)
        r = row(cfg, seed, reducer, covariance, chosen, keep, pseed, int(cfg["retrain_steps"]) > 0, reduced, metrics,
                weights_original, radius_original)
        rows.append(dict(r, schedule_step=step))
        if log is not None:
            log(f"schedule step {step}: keep {keep}, {r['weights_kept']} weights, accuracy {r['task_accuracy']:.3f}")
        current = reduced
    return rows
