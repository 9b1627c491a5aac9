"""Trajectory error of every method of an experiment against the original (rule dynamics).

Stores error (methods x trials x steps) with the methods, their covariance ids and
the job's identifying values, so the file describes itself; and, from the same run, a
sample of the trajectories (original and each method, trial 0, a few neurons, every
k-th step) for Fig. 3.
"""

import numpy as np
from _job import progress, setup

log = setup(snakemake)

from noiseprune import dynamics, io  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

w = snakemake.wildcards
sim = snakemake.params.simulation
ids = snakemake.params.ids
A = io.load_dense(snakemake.input.A)
pruned = [io.load_sparse(path) for path in snakemake.input.pruned]
relu = {}
if sim.get("nonlinearity") == "relu":  # rectified-linear experiment: its own input b
    relu = dict(nonlinearity="relu", background=io.load_arrays(snakemake.input.fp)["b"])
sample = snakemake.params.sample
run = dynamics.simulate(
    A,
    pruned,
    trials=sim["trials"],
    steps=sim["steps"],
    dt=sim["dt"],
    noise_std=sim["noise_std"],
    **({"background": sim["background"]} | relu),
    rng=rng_for(int(w.seed), "dynamics", w.exp, int(w.pseed)),
    sample_neurons=sample["neurons"],
    sample_every=sample["every"],
    progress=progress(log, "simulating"),
)
error = run.error
for method, final in zip(sim["methods"], error[:, :, -1].mean(axis=1)):
    log.info("%s: mean final error %.4g", method, final)
io.save_arrays(
    snakemake.output.trajectories,
    error=error,
    methods=np.array(sim["methods"]),
    method_covariances=np.array(sim["method_covariances"]),
    dt=sim["dt"],
    sample=run.sample,
    sample_neurons=np.asarray(sample["neurons"], dtype=np.int64),
    sample_steps=run.sample_steps,
    **ids,
)
