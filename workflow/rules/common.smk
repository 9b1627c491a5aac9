"""Shared helpers: config validation and expansion, path templates, targets, resources.

Every config value a job needs reaches its script through `params`; scripts never
read the global config.
"""

import math
import os
import re
import sys
from pathlib import Path

from snakemake.utils import validate

from noiseprune import config as npconfig

# Jobs import the noiseprune package of this checkout (the one that validated the
# config), whether or not it is installed: the repository root goes first on the
# PYTHONPATH that every job inherits (local, conda, or cluster jobs, which re-read
# this file).
_pythonpath = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if _pythonpath[:1] != [workflow.basedir]:
    os.environ.update(PYTHONPATH=os.pathsep.join([workflow.basedir, *_pythonpath]))

# ---------------------------------------------------------------- configuration
# Our own schema check first: it reports the first error as one line naming the key
# path and value (Snakemake's `validate` would dump the whole schema). Then the
# semantic checks and the expansion of `defaults` and `scaling` into experiments.
SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
try:
    NP = npconfig.prepare(config, schema=SCHEMA)
except npconfig.ConfigError as err:
    sys.exit(str(err))


validate(config, schema="../schemas/config.schema.yaml")

EXPERIMENTS = NP["experiments"]
SCALING = NP["scaling"]

# BLAS threads of the dense linear-algebra jobs: 2 from N = BLAS_MIN_N up, else 1.
# Fixed by the config, never taken from --cores: OpenBLAS results depend on its thread
# count, so a job must use the same count in every run for bit-identical outputs.
# Rules declare it as `threads:` too, so the scheduler accounts for it (with --cores 1
# such a job still runs its 2 BLAS threads).
BLAS_THREADS = 2
BLAS_MIN_N = 1000

fmt = npconfig.format_number

# ---------------------------------------------------------------- path templates
# cov is "exact", "T<duration>" (empirical covariance), or "none": methods that do not
# use the covariance (weight, uniform, resistance, topk) live under "none", so changing
# the covariance sources never recomputes them.
NETWORK = "results/networks/{exp}/seed{seed}/A.npy"
NETWORK_META = "results/networks/{exp}/seed{seed}/meta.json"
COVARIANCE = "results/covariance/{exp}/seed{seed}/{cov}.npy"
EIGEN = "results/spectra/{exp}/seed{seed}/original.npz"
PROBABILITIES = "results/probabilities/{exp}/seed{seed}/{cov}/{method}/keep{keep}.npz"
PRUNED = "results/pruned/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.npz"
METRICS_EIGEN = (
    "results/metrics/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.parquet"
)
METRICS_SUMMARY = (
    "results/metrics/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.json"
)
DYNAMICS = "results/dynamics/{exp}/seed{seed}/{cov}/keep{keep}/prune{pseed}.npz"
TABLES = {
    "summary": "results/tables/summary.csv",
    "eigen": "results/tables/eigen.parquet",
    "dynamics": "results/tables/dynamics.parquet",
    "sweeps": "results/tables/sweeps.csv",
    "scaling": "results/tables/scaling.csv",
    "empirical": "results/tables/empirical.csv",
}


# ---------------------------------------------------------------- wildcard constraints
def alternation(values):
    """Regex matching exactly one of `values` (the config's own values, nothing else)."""
    values = sorted(set(map(str, values)))
    return "|".join(re.escape(v) for v in values) if values else "(?!)"


def _all(key):
    return [v for exp in EXPERIMENTS.values() for v in exp[key]]


wildcard_constraints:
    exp=alternation(EXPERIMENTS),
    seed=alternation(_all("seeds")),
    pseed=alternation(_all("prune_seeds")),
    keep=alternation(fmt(k) for k in _all("keep_fractions")),
    method=alternation(_all("methods")),
    cov=alternation(
        [c for e in EXPERIMENTS.values() for c in npconfig.covariance_ids(e)]
        + [npconfig.NO_COVARIANCE]
    ),
    duration=alternation(
        fmt(d) for e in EXPERIMENTS.values() for d in e["covariance"]["durations"]
    ),


# ---------------------------------------------------------------- targets
def experiment(wildcards):
    return EXPERIMENTS[wildcards.exp]


def metric_jobs(names=None):
    """Wildcard dicts of every metrics job of the experiments `names` (default: all)."""
    jobs = []
    for name in EXPERIMENTS if names is None else names:
        exp = EXPERIMENTS[name]
        for seed in exp["seeds"]:
            for method in exp["methods"]:
                for cov in npconfig.method_covariances(exp, method):
                    for keep in exp["keep_fractions"]:
                        for pseed in exp["prune_seeds"]:
                            jobs.append(
                                dict(
                                    exp=name,
                                    seed=seed,
                                    cov=cov,
                                    method=method,
                                    keep=fmt(keep),
                                    pseed=pseed,
                                )
                            )
    return jobs


def dynamics_jobs():
    """Wildcard dicts of every dynamics job (experiments with dynamics: true)."""
    jobs = []
    for name, exp in EXPERIMENTS.items():
        if not exp["dynamics"]:
            continue
        for seed in exp["seeds"]:
            for cov in npconfig.dynamics_covariances(exp):
                for keep in exp["keep_fractions"]:
                    for pseed in exp["prune_seeds"]:
                        jobs.append(
                            dict(
                                exp=name,
                                seed=seed,
                                cov=cov,
                                keep=fmt(keep),
                                pseed=pseed,
                            )
                        )
    return jobs


def metrics_summaries(names=None):
    return [METRICS_SUMMARY.format(**job) for job in metric_jobs(names)]


def metrics_eigen_tables(names=None):
    return [METRICS_EIGEN.format(**job) for job in metric_jobs(names)]


def dynamics_files():
    return [DYNAMICS.format(**job) for job in dynamics_jobs()]


def sweep_experiments():
    """Experiments of the keep-fraction sweeps: more than one keep fraction, not scaling."""
    return sorted(
        name
        for name, exp in EXPERIMENTS.items()
        if len(exp["keep_fractions"]) > 1 and not exp["scaling"]
    )


def empirical_experiments():
    """Experiments with at least one simulated (empirical) covariance."""
    return sorted(
        name for name, exp in EXPERIMENTS.items() if exp["covariance"]["durations"]
    )


def scaling_experiments():
    return list(SCALING["experiments"]) if SCALING else []


def scaling_target_eps():
    return SCALING["target_eps"] if SCALING else 0.5


def table_targets():
    return list(TABLES.values())


def figure_targets():
    """Figure files: outputs of the `figures` target in figures.smk, else its inputs."""
    fig = rules.figures
    files = list(fig.output) or list(fig.input)
    return [f for f in files if isinstance(f, str)]


def final_outputs():
    """Everything the default target builds: the tables and the figures."""
    return table_targets() + [f for f in figure_targets() if f not in TABLES.values()]


# ---------------------------------------------------------------- inputs
def covariance_input(wildcards):
    """Covariance file of a probabilities job: none for methods that ignore C."""
    uses_c = wildcards.method in npconfig.COVARIANCE_METHODS
    if uses_c == (wildcards.cov == npconfig.NO_COVARIANCE):
        raise ValueError(
            f"method {wildcards.method} with covariance {wildcards.cov}: methods "
            f"{', '.join(npconfig.COVARIANCE_METHODS)} need a covariance (exact or "
            f"T<duration>), the others live under {npconfig.NO_COVARIANCE!r}"
        )
    return {"C": COVARIANCE.format(**wildcards)} if uses_c else {}


def eigen_input(wildcards):
    """Cached eigendecomposition of the original network (spectra: full only)."""
    if experiment(wildcards)["spectra"] == "full":
        return {"eig": EIGEN.format(**wildcards)}
    return {}


def dynamics_pruned(wildcards):
    """Pruned networks simulated together: every method of the experiment."""
    exp = experiment(wildcards)
    return [
        PRUNED.format(
            exp=wildcards.exp,
            seed=wildcards.seed,
            cov=mcov,
            method=method,
            keep=wildcards.keep,
            pseed=wildcards.pseed,
        )
        for method, mcov in npconfig.dynamics_members(exp, wildcards.cov)
    ]


# ---------------------------------------------------------------- params
# Snakemake compares params by their text, so mappings are passed with sorted keys:
# reordering keys in config.yaml must not rerun anything.
def canonical(value):
    """`value` with every mapping's keys sorted (recursively)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def network_params(wildcards):
    return canonical(experiment(wildcards)["network"])


def empirical_params(wildcards):
    return canonical(experiment(wildcards)["empirical"])


def duration_param(wildcards):
    return float(wildcards.duration)


def probability_params(wildcards):
    exp = experiment(wildcards)
    return dict(
        method=wildcards.method,
        keep_fraction=float(wildcards.keep),
        normalization=exp["normalization"],
        theory_k=exp["theory_k"],
        theory_eps=exp["theory_eps"],
    )


def diagonal_param(wildcards):
    return experiment(wildcards)["diagonal"]


def spectra_param(wildcards):
    return experiment(wildcards)["spectra"]


def dynamics_params(wildcards):
    exp = experiment(wildcards)
    members = npconfig.dynamics_members(exp, wildcards.cov)
    return canonical(
        dict(
            exp["dynamics_params"],
            methods=[m for m, _ in members],
            method_covariances=[c for _, c in members],
        )
    )


def dynamics_ids(wildcards):
    """Identifying columns of a dynamics job."""
    return dict(
        network=wildcards.exp,
        n=experiment(wildcards)["n"],
        seed=int(wildcards.seed),
        covariance=wildcards.cov,
        keep_fraction=float(wildcards.keep),
        prune_seed=int(wildcards.pseed),
    )


def job_ids(wildcards):
    """Identifying columns of a metrics job (as in the tables)."""
    return dict(
        network=wildcards.exp,
        n=experiment(wildcards)["n"],
        seed=int(wildcards.seed),
        covariance=wildcards.cov,
        method=wildcards.method,
        keep_fraction=float(wildcards.keep),
        prune_seed=int(wildcards.pseed),
    )


# ---------------------------------------------------------------- resources
# mem_mb from the number of dense N x N float64 matrices a job holds; runtime (minutes)
# from its leading cost; both grow by half on every retry (`attempt`).
def size(wildcards):
    return experiment(wildcards)["n"]


def blas_threads(wildcards):
    """BLAS threads (and `threads:`) of a dense linear-algebra job; see BLAS_THREADS."""
    return BLAS_THREADS if size(wildcards) >= BLAS_MIN_N else 1


def _grow(value, attempt):
    return int(math.ceil(value * (1 + 0.5 * (attempt - 1))))


def mem_mb(matrices, base=500):
    """mem_mb resource: `base` MB + `matrices` dense N x N float64 matrices."""

    def resource(wildcards, attempt):
        n = size(wildcards)
        return _grow(base + matrices * 8 * n * n / 2**20, attempt)

    return resource


def runtime_cubic(minutes_at_1000, minimum=5):
    """runtime resource (minutes) of an O(N^3) job taking `minutes_at_1000` at N = 1000."""

    def resource(wildcards, attempt):
        n = size(wildcards)
        return _grow(max(minimum, minutes_at_1000 * (n / 1000) ** 3), attempt)

    return resource


def runtime_empirical(wildcards, attempt):
    """Simulation of (burn_in + T / replicas) / dt steps of an (N x N) @ (N x R) product."""
    exp = experiment(wildcards)
    emp = exp["empirical"]
    steps = (emp["burn_in"] + float(wildcards.duration) / emp["replicas"]) / emp["dt"]
    flops = 2.0 * size(wildcards) ** 2 * emp["replicas"] * steps
    return _grow(max(5, 2 * flops / 5e9 / 60), attempt)


def runtime_dynamics(wildcards, attempt):
    """Dense original plus sparse pruned products over trials x steps."""
    exp = experiment(wildcards)
    dyn = exp["dynamics_params"]
    flops = 2.0 * size(wildcards) ** 2 * dyn["trials"] * dyn["steps"]
    return _grow(max(5, 3 * flops / 5e9 / 60), attempt)


def eigen_rows():
    """Rows of eigen.parquet: N per metrics job with spectra: full."""
    return sum(
        EXPERIMENTS[j["exp"]]["n"]
        for j in metric_jobs()
        if EXPERIMENTS[j["exp"]]["spectra"] == "full"
    )


def tables_mem_mb(wildcards, attempt):
    return _grow(1000 + eigen_rows() * 20 * 8 * 3 / 2**20, attempt)


# ---------------------------------------------------------------- logs and benchmarks
def log(rule, pattern):
    return f"results/logs/{rule}/{pattern}.log"


def benchmark(rule, pattern):
    return f"results/benchmarks/{rule}/{pattern}.tsv"
