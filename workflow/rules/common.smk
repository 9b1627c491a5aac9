"""Shared helpers: the validated config and its plan (noiseprune.pipeline.plan), inputs, params,
resources.

Every config value a job needs reaches its script through `params`; scripts never
read the global config.
"""

import math
import os
import re
import sys
import types
from pathlib import Path

from noiseprune.pipeline import config as npconfig
from noiseprune import dynamics as npdynamics
from noiseprune import hashing as nphashing
from noiseprune import methods as npmethods
from noiseprune.pipeline import plan as npplan

# Jobs import the noiseprune package of this checkout (the one that validated the
# config), whether or not it is installed: the repository root goes first on the
# PYTHONPATH that every job inherits (local, conda, or cluster jobs, which re-read
# this file).
_pythonpath = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if _pythonpath[:1] != [workflow.basedir]:
    os.environ.update(PYTHONPATH=os.pathsep.join([workflow.basedir, *_pythonpath]))


onstart:
    # the results directory, created with its marker (noiseprune.pipeline.config.claim)
    npconfig.claim(PLAN.results_dir)


# ---------------------------------------------------------------- configuration
def available_memory_mb():
    """(MB, what it is) that jobs may use: --resources mem_mb if given, else this
    machine's memory for local runs; (None, None) on a cluster, where nodes differ."""
    given = workflow.global_resources.get("mem_mb")
    given = getattr(given, "value", given)
    if isinstance(given, (int, float)) and given > 0:
        return float(given), "--resources mem_mb"
    if not getattr(workflow, "local_exec", True):
        return None, None
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return pages / 2**20, "this machine's memory"


# One validation pass (noiseprune.pipeline.config): the JSON schema, completed from the method
# and network registries, fills in defaults and reports the first error as one line
# naming the key path and value; then the checks that compare fields, and the
# expansion of `defaults` and `scaling` into experiments. The plan (noiseprune.pipeline.plan)
# turns the result into jobs and targets.
SCHEMA = npconfig.DEFAULT_SCHEMA
try:
    for _configfile in workflow.configfiles:
        # duplicated keys, which Snakemake's own loader keeps silently
        npconfig.load_yaml(_configfile)
    PLAN = npplan.Plan(npconfig.prepare(config, schema=SCHEMA))
    PLAN.check_resources(*available_memory_mb())
    npconfig.check_location(PLAN.results_dir)
    if workflow.is_main_process:
        PLAN.figures  # planned before any job; jobs plan them only if they draw one
except (npconfig.ConfigError, npconfig.LocationError) as err:
    sys.exit(str(err))
# The command an integrity error prints inside a job names this config.
if workflow.configfiles:
    os.environ.setdefault(
        nphashing.CONFIG_ENV,
        str(nphashing.relative_to_cwd(workflow.configfiles[0])),
    )

EXPERIMENTS = PLAN.experiments

# BLAS threads of a job: fixed, never taken from --cores. OpenBLAS results depend on its
# thread count, so a job must use the same count in every run for bit-identical
# outputs. Rules declare it as `threads:` too, so the scheduler accounts for it.
# One thread: on 2 cores, two 1-thread jobs at once finish in 0.55-0.60 of the time of
# the same two jobs run one after the other with 2 threads (benchmarks/bench_threads.py;
# pruning, metrics and eigendecompositions gain little from a second thread). The
# covariance solves would run 1.9x faster with 2, but a 2-thread job waits for both
# cores to be free at once, which a stream of ready 1-thread jobs never leaves: in a
# full run the N = 10000 covariance and factor jobs, which every N = 10000 pruning job
# waits for, did not start for minutes. prune_measure jobs at large N declare 2 threads
# for 2 draws at once, each on one BLAS thread (draw_workers below); nothing waits for
# them but their own tables.
BLAS_THREADS = 1

fmt = npconfig.format_number

# ---------------------------------------------------------------- path templates
# Every output lies under the config's results_dir (noiseprune.pipeline.plan roots the templates).
RESULTS = PLAN.results_dir
NETWORK = PLAN.path(npplan.NETWORK)
NETWORK_META = PLAN.path(npplan.NETWORK_META)
COVARIANCE = PLAN.path(npplan.COVARIANCE)
EIGEN = PLAN.path(npplan.EIGEN)
STIFFNESS_FACTOR = PLAN.path(npplan.STIFFNESS_FACTOR)
PROBABILITIES = PLAN.path(npplan.PROBABILITIES)
PRUNED = PLAN.path(npplan.PRUNED)
METRICS_EIGEN = PLAN.path(npplan.METRICS_EIGEN)
METRICS_SUMMARY = PLAN.path(npplan.METRICS_SUMMARY)
DYNAMICS = PLAN.path(npplan.DYNAMICS)
TABLES = PLAN.paths(npplan.TABLES)
TRAINED_PARAMS = PLAN.path(npplan.TRAINED_PARAMS)
TRAINED_LOG = PLAN.path(npplan.TRAINED_LOG)
TRAINED_COVARIANCE = PLAN.path(npplan.TRAINED_COVARIANCE)
TRAINED_ORIGINAL = PLAN.path(npplan.TRAINED_ORIGINAL)
TRAINED_ORIGINAL_METRICS = PLAN.path(npplan.TRAINED_ORIGINAL_METRICS)
TRAINED_REDUCED = PLAN.path(npplan.TRAINED_REDUCED)
TRAINED_METRICS = PLAN.path(npplan.TRAINED_METRICS)
TRAINED_TABLES = PLAN.paths(npplan.TRAINED_TABLES)
TRAINED = PLAN.trained or {}
FIXED_POINT = PLAN.path(npplan.FIXED_POINT)
RELU_METRICS = PLAN.path(npplan.RELU_METRICS)
RELU_EIGEN = PLAN.path(npplan.RELU_EIGEN)
RELU_TABLES = PLAN.paths(npplan.RELU_TABLES)


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
        [c for e in EXPERIMENTS.values() for c in npplan.covariance_ids(e)]
        + [npconfig.NO_COVARIANCE]
    ),
    duration=alternation(
        fmt(d) for e in EXPERIMENTS.values() for d in e["covariance"]["durations"]
    ),
    tname=alternation([TRAINED["name"]] if TRAINED else []),
    tseed=alternation(TRAINED.get("seeds", [])),
    tpseed=alternation(TRAINED.get("prune_seeds", [])),
    tkeep=alternation(fmt(k) for k in TRAINED.get("keep_fractions", [])),
    tcov=alternation(["lnp", "snp", npconfig.NO_COVARIANCE]),
    reducer=alternation(TRAINED.get("reducers", [])),


# ---------------------------------------------------------------- targets
def experiment(wildcards):
    return EXPERIMENTS[wildcards.exp]


metrics_summaries = PLAN.metrics_summaries
metrics_eigen_tables = PLAN.metrics_eigen_tables
dynamics_files = PLAN.dynamics_files
sweep_experiments = PLAN.sweep_experiments
empirical_experiments = PLAN.empirical_experiments
scaling_experiments = PLAN.scaling_experiments
scaling_target_eps = PLAN.scaling_target_eps
table_targets = PLAN.table_targets


trained_metrics = PLAN.trained_metrics
trained_originals = PLAN.trained_originals


def final_outputs(wildcards):
    """Everything the default target builds: the tables, the figures and the report
    tables (an input function: the figures are planned only when this target is built).
    """
    return table_targets() + PLAN.figure_files() + list(REPORT_TABLES.values())


# ---------------------------------------------------------------- inputs
def covariance_input(wildcards):
    """Covariance file of a probabilities job: none for methods that ignore C."""
    uses_c = npmethods.uses_covariance(wildcards.method)
    if uses_c == (wildcards.cov == npconfig.NO_COVARIANCE):
        raise ValueError(
            f"method {wildcards.method} with covariance {wildcards.cov}: methods that "
            f"read C need a covariance (exact or T<duration>), the others live under "
            f"{npconfig.NO_COVARIANCE!r}"
        )
    return {"C": COVARIANCE.format(**wildcards)} if uses_c else {}


def eigen_input(wildcards):
    """Cached eigendecomposition of the original network (spectra: full only)."""
    if experiment(wildcards)["spectra"] == "full":
        return {"eig": EIGEN.format(**wildcards)}
    return {}


def stiffness_factor_input(wildcards):
    """Cholesky factor of -A for the spectral eps (noiseprune.pipeline.plan.uses_stiffness_factor)."""
    if npplan.uses_stiffness_factor(experiment(wildcards)):
        return {
            "factor": STIFFNESS_FACTOR.format(exp=wildcards.exp, seed=wildcards.seed)
        }
    return {}


def fixed_point_input(wildcards):
    """Fixed point (and input b) of a rectified-linear experiment's network; none otherwise."""
    if npplan.is_relu(experiment(wildcards)):
        return {"fp": FIXED_POINT.format(exp=wildcards.exp, seed=wildcards.seed)}
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
        for method, mcov in npplan.dynamics_members(exp, wildcards.cov)
    ]


def linear_dynamics_experiments():
    """Experiments of the linear model (rectified-linear ones: rule dynamics_relu)."""
    return [name for name, exp in EXPERIMENTS.items() if not npplan.is_relu(exp)]


def _with_pseed(wildcards, pseed):
    return types.SimpleNamespace(**dict(wildcards.items()), pseed=pseed)


def relu_dynamics_pruned(pseeds):
    """Pruned networks of a dynamics_relu job: every method, for each pruning seed."""

    def files(wildcards):
        return [f for p in pseeds for f in dynamics_pruned(_with_pseed(wildcards, p))]

    return files


def relu_dynamics_ids(wildcards):
    """Identifying columns of a dynamics_relu job (the script adds the pruning seed)."""
    ids = dynamics_ids(_with_pseed(wildcards, 0))
    return {k: v for k, v in ids.items() if k != "prune_seed"}


def trained_covariance_input(wildcards):
    """Covariance file of a reduction job: none for reducers that read no covariance."""
    if wildcards.tcov == npconfig.NO_COVARIANCE:
        return {}
    return {"C": TRAINED_COVARIANCE.format(**wildcards)}


def trained_covariance_ids():
    """Covariances the probe job computes (those the configured reducers read)."""
    return PLAN.trained_covariances()


def trained_covariance_outputs():
    return expand(TRAINED_COVARIANCE, tcov=trained_covariance_ids(), allow_missing=True)


def trained_reduce_rules():
    """Name, pruning seeds and reducers of each reduction rule: one rule for the
    reducers that depend on the pruning seed, one for those that do not."""
    if not TRAINED:
        return []
    groups = {}
    for name in TRAINED["reducers"]:
        groups.setdefault(tuple(PLAN.trained_prune_seeds(name)), []).append(name)
    return [
        (
            "trained_reduce" if i == 0 else f"trained_reduce_{i}",
            list(pseeds),
            names,
        )
        for i, (pseeds, names) in enumerate(groups.items())
    ]


# Keys of the trained section every trained job reads (the model, the task, the
# training and the held-out batch); a job adds its own. Reducer lists, keep fractions
# and pruning seeds are wildcards, so changing them reruns only what they name.
TRAINED_CORE = (
    "name",
    "n",
    "phi",
    "tau",
    "dt",
    "sigma",
    "gain",
    "task",
    "training",
    "eval_trials",
)


def trained_params(*extra):
    return canonical({k: TRAINED[k] for k in TRAINED_CORE + extra}) if TRAINED else {}


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
    members = npplan.dynamics_members(exp, wildcards.cov)
    extra = {"nonlinearity": "relu"} if npplan.is_relu(exp) else {}
    return canonical(
        dict(
            exp["dynamics_params"],
            methods=[m for m, _ in members],
            method_covariances=[c for _, c in members],
            **extra,
        )
    )


def dynamics_sample_params(wildcards):
    """Stored trajectory sample of a dynamics job: a few neurons (one per cluster) and
    the step stride (noiseprune.dynamics.pick_sample_neurons, sample_stride)."""
    exp = experiment(wildcards)
    return dict(
        neurons=npdynamics.pick_sample_neurons(
            exp["n"], exp["network"].get("clusters")
        ),
        every=npdynamics.sample_stride(exp["dynamics_params"]["steps"]),
    )


def nonlinearity_param(wildcards):
    return experiment(wildcards)["dynamics_model"]


def relu_input_param(wildcards):
    return canonical(experiment(wildcards)["input"])


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
    """Identifying columns of a prune_measure job (as in the tables; the pruning seed
    is added per draw)."""
    return dict(
        network=wildcards.exp,
        n=experiment(wildcards)["n"],
        seed=int(wildcards.seed),
        covariance=wildcards.cov,
        method=wildcards.method,
        keep_fraction=float(wildcards.keep),
    )


def prune_measure_rules(base="prune_measure", relu=False):
    """Name, pruning seeds and experiments of each prune_measure rule (one per
    distinct list of pruning seeds; linear-model experiments), or of each prune_relu
    rule (relu experiments) with `relu`."""
    groups = {}
    for name, exp in EXPERIMENTS.items():
        if npplan.is_relu(exp) == relu:
            groups.setdefault(tuple(exp["prune_seeds"]), []).append(name)
    return [
        (
            (base if len(groups) == 1 else f"{base}_{'_'.join(map(str, pseeds))}"),
            list(pseeds),
            names,
        )
        for pseeds, names in groups.items()
    ]


def relu_experiments():
    return PLAN.relu_experiments()


# ---------------------------------------------------------------- resources
# mem_mb from the number of dense N x N float64 matrices a job holds; runtime (minutes)
# from its leading cost; both grow by half on every retry (`attempt`).
def size(wildcards):
    return experiment(wildcards)["n"]


def blas_threads(wildcards):
    """BLAS threads (and `threads:`) of a job; see BLAS_THREADS."""
    return BLAS_THREADS


def _grow(value, attempt):
    return int(math.ceil(value * (1 + 0.5 * (attempt - 1))))


def draw_workers(wildcards):
    """`threads` of a prune_measure job: its pruning seeds drawn at once, each on one
    BLAS thread (noiseprune.pipeline.plan.draw_workers)."""
    return npplan.draw_workers(experiment(wildcards))


def mem_mb(rule):
    """mem_mb resource of `rule`: noiseprune.pipeline.plan.job_memory_mb, the estimate
    the plan checks against the machine before any job."""

    def resource(wildcards, attempt):
        return _grow(npplan.job_memory_mb(rule, experiment(wildcards)), attempt)

    return resource


def runtime(rule, prune_seeds=None):
    """runtime resource (minutes) of `rule`: noiseprune.pipeline.plan.job_runtime_min, the estimate
    the plan checks against limits.job_cpu_hours before any job."""

    def resource(wildcards, attempt):
        duration = getattr(wildcards, "duration", None)
        seeds = None if prune_seeds is None else len(prune_seeds)
        return _grow(
            npplan.job_runtime_min(rule, experiment(wildcards), duration, seeds),
            attempt,
        )

    return resource


def trained_mem_mb(rule):
    def resource(wildcards, attempt):
        return _grow(npplan.trained_memory_mb(rule, TRAINED), attempt)

    return resource


def trained_runtime(rule):
    def resource(wildcards, attempt):
        return _grow(npplan.trained_runtime_min(rule, TRAINED), attempt)

    return resource


def longest_first(runtime):
    """The `priority` directive from a runtime resource (minutes, first attempt). Of
    the ready jobs the longest start first (N = 10000 before N = 250), and short ones
    fill the cores around them, so a run does not end on one long job alone."""

    def priority(wildcards):
        return runtime(wildcards, 1) if callable(runtime) else runtime

    return priority


def tables_mem_mb(wildcards, attempt):
    return _grow(1000 + PLAN.eigen_rows() * 20 * 8 * 3 / 2**20, attempt)


# ---------------------------------------------------------------- logs and benchmarks
def log(rule, pattern):
    return f"{RESULTS}/logs/{rule}/{pattern}.log"


def benchmark(rule, pattern):
    return f"{RESULTS}/benchmarks/{rule}/{pattern}.tsv"
