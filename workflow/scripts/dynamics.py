"""Trajectory error of every method of an experiment against the original (rule
dynamics), for each pruning seed of the job.

Per pruning seed, stores error (methods x trials x steps) with the methods, their
covariance ids and the job's identifying values, so the file describes itself; and,
from the same run, a sample of the trajectories (original and each method, trial 0, a
few neurons, every k-th step) for Fig. 3. Each pruning seed is its own simulation with
its own x(0) and noise, exactly as in a job of its own.
"""

import numpy as np
from _job import progress, setup

log = setup(snakemake)

from noiseprune import dynamics, io  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

w = snakemake.wildcards
sim = snakemake.params.simulation
pseeds = snakemake.params.prune_seeds
A = io.load_dense(snakemake.input.A)
paths = list(snakemake.params.pruned)  # pruning seed by pruning seed, methods within each
members = len(paths) // len(pseeds)
relu = {}
if sim.get("nonlinearity") == "relu":  # rectified-linear experiment: its own input b
    relu = dict(nonlinearity="relu", background=io.load_arrays(snakemake.input.fp)["b"])
sample = snakemake.params.sample
for k, pseed in enumerate(pseeds):
    pruned = [io.load_sparse(path) for path in paths[k * members : (k + 1) * members]]
    run = dynamics.simulate(
        A,
        pruned,
        trials=sim["trials"],
        steps=sim["steps"],
        dt=sim["dt"],
        noise_std=sim["noise_std"],
        noise_tau=sim.get("noise_tau", 0.0),
        **({"background": sim["background"]} | relu),
        rng=rng_for(int(w.seed), "dynamics", w.exp, int(pseed)),
        sample_neurons=sample["neurons"],
        sample_every=sample["every"],
        progress=progress(log, f"simulating prune seed {pseed}"),
    )
    error = run.error
    for method, final in zip(sim["methods"], error[:, :, -1].mean(axis=1)):
        log.info("prune seed %s, %s: mean final error %.4g", pseed, method, final)
    io.save_arrays(
        snakemake.params.files["trajectories"][k],
        error=error,
        methods=np.array(sim["methods"]),
        method_covariances=np.array(sim["method_covariances"]),
        dt=sim["dt"],
        sample=run.sample,
        sample_neurons=np.asarray(sample["neurons"], dtype=np.int64),
        sample_steps=run.sample_steps,
        **dict(snakemake.params.ids, prune_seed=int(pseed)),
    )
