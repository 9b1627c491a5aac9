"""The task-trained experiment end to end, as the workflow's jobs run it (docs/method.md,
"Task-trained networks"): train one network, probe its covariances, reduce and
evaluate, and the rows of ``results/tables/trained.csv``.

``cfg`` is the validated ``trained`` section of the config (noiseprune.pipeline.config). Every
random stream is :func:`noiseprune.seeding.rng_for` of the seed and the names of the
job; the held-out batch is the same for every network.
"""

from __future__ import annotations

import time

import numpy as np

from noiseprune.trained import reducers
from noiseprune.trained import rnn
from noiseprune.trained import tasks
from noiseprune.seeding import rng_for

#: Identifying columns of a row of results/tables/trained.csv, then its metrics.
ID_COLUMNS = ("network", "n", "seed", "reducer", "covariance", "rescale", "keep_fraction", "prune_seed", "retrained")
METRIC_COLUMNS = (
    "weights_original",
    "weights_kept",
    "units_kept",
    "task_loss",
    "task_accuracy",
    "interval_slope",
    "interval_bias",
    "reached_fraction",
    "readout_r2",
)
#: The reducer name of the unreduced network's row.
ORIGINAL = "original"


def task_of(cfg) -> tasks.Task:
    return tasks.Task(dt=float(cfg["dt"]), **{k: float(v) for k, v in cfg["task"].items()})


def model_of(cfg) -> rnn.Model:
    return rnn.Model(phi=cfg["phi"], tau=float(cfg["tau"]), dt=float(cfg["dt"]), sigma=float(cfg["sigma"]))


def eval_batch(cfg) -> tasks.Batch:
    """The held-out batch: eval_trials intervals evenly spaced over the range (same for every network)."""
    task = task_of(cfg)
    intervals = np.linspace(task.interval_min, task.interval_max, int(cfg["eval_trials"]))
    return tasks.trials(task, len(intervals), rng_for(0, "trained", cfg["name"], "eval"), intervals=intervals)


def evaluate(params, cfg, seed: int, batch: tasks.Batch, reference: np.ndarray | None = None):
    """(metrics, produced intervals, outputs) of a network on the held-out batch, with the
    noise of network seed ``seed`` (the same for the original and every reduction)."""
    y = rnn.simulate(params, batch.u, model_of(cfg), rng_for(int(seed), "trained", cfg["name"], "eval-noise"),
                     noise_units=int(cfg["n"]))
    task = task_of(cfg)
    metrics = tasks.metrics(task, batch, y, reference if reference is not None else y)
    produced, _ = tasks.produced_intervals(task, batch, y)
    return metrics, produced, y


def train_network(cfg, seed: int, log=None) -> tuple[dict, dict]:
    """Train the network of ``seed``; return its parameters and a summary (losses; the
    seconds are logged, not returned, so that the summary file is the same in every run)."""
    from noiseprune.trained import training

    rng = rng_for(int(seed), "trained", cfg["name"], "train")
    params = rnn.init_params(int(cfg["n"]), float(cfg["gain"]), rng)
    tr = cfg["training"]
    batch = eval_batch(cfg)
    before = training.fixed_batch_loss(params, batch, model_of(cfg))
    start = time.monotonic()
    params, history = training.train(
        params, task_of(cfg), model_of(cfg), rng, steps=int(tr["steps"]), batch=int(tr["batch"]),
        learning_rate=float(tr["learning_rate"]), clip=float(tr["clip"]), log=log,
    )
    if log is not None:
        log(f"trained in {time.monotonic() - start:.1f} s")
    after = training.fixed_batch_loss(params, batch, model_of(cfg))
    info = dict(steps=len(history), loss_history=[float(v) for v in history],
                heldout_loss_before=before, heldout_loss_after=after)
    return params, info


def probe(params, cfg, seed: int, covariances, log=None) -> dict[str, np.ndarray]:
    """The requested covariances: ``lnp`` (operating point under the mean held-out input;
    the stationary covariance, or, when the operating point is unstable, the covariance
    accumulated over one trial) and/or ``snp`` (probe_trials noisy task trials)."""
    model, out = model_of(cfg), {}
    if "lnp" in covariances:
        u_mean = eval_batch(cfg).u.mean(axis=(0, 1))
        task = task_of(cfg)
        out["lnp"], _, stationary = rnn.lnp_covariance(params, u_mean, model, horizon=task.steps * task.dt)
        if log is not None:
            log("L-NP covariance: " + ("stationary (stable operating point)" if stationary else
                f"the operating point is unstable: covariance accumulated over one trial ({task.steps * task.dt:g} ms)"))
    if "snp" in covariances:
        trials = tasks.trials(task_of(cfg), int(cfg["probe_trials"]), rng_for(int(seed), "trained", cfg["name"], "probe"))
        out["snp"] = rnn.snp_covariance(params, trials.u, model, rng_for(int(seed), "trained", cfg["name"], "probe-noise"))
    return out


def row(cfg, seed, reducer, covariance, rescale, keep, pseed, retrained, params, metrics, weights_original) -> dict:
    """One row of the trained table; ValueError if a metric is not finite."""
    out = dict(network=cfg["name"], n=int(cfg["n"]), seed=int(seed), reducer=reducer, covariance=covariance,
               rescale=rescale, keep_fraction=float(keep), prune_seed=int(pseed), retrained=bool(retrained),
               weights_original=int(weights_original), weights_kept=reducers.weights_kept(params["W"]),
               units_kept=int(params["W"].shape[0]), **{k: float(metrics[k]) for k in METRIC_COLUMNS[3:]})
    bad = [k for k in METRIC_COLUMNS[3:] if not np.isfinite(out[k])]
    if bad:
        raise ValueError(f"{bad[0]} = {out[bad[0]]} for {reducer}/{covariance}/{rescale} keep {keep}: not finite")
    return out


def reduce_and_evaluate(params, C, cfg, seed, reducer, covariance, keep, pseed, reference_y, log=None):
    """Reduce ``params`` with ``reducer`` (pruning seed ``pseed``) and evaluate every variant.

    Returns (arrays to save, metric rows, produced intervals per row). With
    retrain_steps > 0 every variant is also retrained (pruned weights held at zero) and
    evaluated again (rows with retrained = true).
    """
    batch = eval_batch(cfg)
    names = ("trained", cfg["name"], int(seed), reducer, covariance, float(keep))
    rng = rng_for(int(pseed), "reduce", *names)
    weights_original = reducers.weights_kept(params["W"])
    arrays, rows, produced = {}, [], []
    for variant, reduced in reducers.reduce(reducer, params, C, float(keep), rng):
        versions = [(False, reduced)]
        if int(cfg["retrain_steps"]) > 0:
            from noiseprune.trained import training

            tr = cfg["training"]
            retrained, _ = training.train(
                reduced, task_of(cfg), model_of(cfg), rng_for(int(pseed), "retrain", variant, *names),
                steps=int(cfg["retrain_steps"]), batch=int(tr["batch"]), learning_rate=float(tr["learning_rate"]),
                clip=float(tr["clip"]), mask_W=(reduced["W"] != 0).astype(np.float64),
            )
            versions.append((True, retrained))
        for was_retrained, net in versions:
            metrics, tp, _ = evaluate(net, cfg, seed, batch, reference_y)
            rows.append(row(cfg, seed, reducer, covariance, variant, keep, pseed, was_retrained, net, metrics,
                            weights_original))
            produced.append([float(v) for v in tp])
            prefix = f"{variant}{'_retrained' if was_retrained else ''}"
            arrays.update({f"{prefix}.{k}": np.asarray(v) for k, v in net.items()})
            if log is not None:
                log(f"{reducer}/{covariance}/{prefix} keep {keep} prune seed {pseed}: " + ", ".join(
                    f"{k} {rows[-1][k]:.4g}" for k in ("weights_kept", "units_kept", "task_accuracy", "task_loss")))
    return arrays, rows, produced
