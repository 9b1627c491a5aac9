"""The pipeline's plan: which files a validated config asks for, and the jobs that make them.

Pure Python over :func:`noiseprune.pipeline.config.prepare`'s result; the Snakemake rules
(``workflow/rules/common.smk``) and the tests both use it, so the DAG and the
tests' expectations are computed in one place.

Covariance ids: ``exact`` (Lyapunov), ``T<duration>`` (simulated run of duration T)
or ``none`` (methods that ignore C live there, so changing the covariance sources
never recomputes them); under colored noise (``noise: {tau: ...}``, tau > 0) the
sources carry the correlation time, ``exact_tau<tau>`` and ``T<duration>_tau<tau>``.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Mapping

from noiseprune import methods
from noiseprune.trained import reducers
from noiseprune.pipeline.config import ConfigError
from noiseprune.pipeline.ids import LINEARIZED, NO_COVARIANCE, colored_id, duration_of, format_number, noise_taus  # noqa: F401  (plan.LINEARIZED, plan.duration_of for callers)

# ---------------------------------------------------------------- path templates
# Relative to the config's results directory (``results_dir``): Plan.path() roots them.
NETWORK = "networks/{exp}/seed{seed}/A.npy"
NETWORK_META = "networks/{exp}/seed{seed}/meta.json"
COVARIANCE = "covariance/{exp}/seed{seed}/{cov}.npy"
EIGEN = "spectra/{exp}/seed{seed}/original.npz"
STIFFNESS_FACTOR = "spectra/{exp}/seed{seed}/cholesky.npy"
PROBABILITIES = "probabilities/{exp}/seed{seed}/{cov}/keep{keep}/{method}.npz"
PRUNED = "pruned/{exp}/seed{seed}/{cov}/keep{keep}/{method}/prune{pseed}.npz"
METRICS_EIGEN = "metrics/{exp}/seed{seed}/{cov}/keep{keep}/{method}/prune{pseed}.parquet"
METRICS_SUMMARY = "metrics/{exp}/seed{seed}/{cov}/keep{keep}/{method}/prune{pseed}.json"
DYNAMICS = "dynamics/{exp}/seed{seed}/{cov}/keep{keep}/prune{pseed}.npz"
# rectified-linear experiments (dynamics_model: relu)
FIXED_POINT = "fixed_points/{exp}/seed{seed}.npz"
RELU_METRICS = "relu/{exp}/seed{seed}/{cov}/keep{keep}/{method}/prune{pseed}.json"
RELU_EIGEN = "relu/{exp}/seed{seed}/{cov}/keep{keep}/{method}/prune{pseed}.parquet"


def draws_directory(template: str) -> str:
    """The directory one job writes a per-draw or per-method template's files into: the
    template up to its first part that names the method, the trained reducer or the
    pruning seed (``{method}``, ``{reducer}``, ``prune{...}``). A pruning job covers
    every method that prunes with one covariance (:func:`job_methods`) and every pruning
    seed, a trained reduction job every reducer of one covariance
    (:meth:`Plan.trained_job_reducers`), and the rules name this directory as its
    output, so the rules are the same whatever lists of methods, reducers and pruning
    seeds a config has."""
    parts = template.split("/")
    cut = next((i for i, part in enumerate(parts)
                if "{method}" in part or "{reducer}" in part or part.startswith("prune{")), 0)
    if not cut:
        raise ValueError(f"{template!r} is not a per-draw or per-method template")
    return "/".join(parts[:cut])


PROBABILITIES_DRAWS = draws_directory(PROBABILITIES)
PRUNED_DRAWS = draws_directory(PRUNED)
METRICS_DRAWS = draws_directory(METRICS_SUMMARY)
DYNAMICS_DRAWS = draws_directory(DYNAMICS)
RELU_DRAWS = draws_directory(RELU_METRICS)
TABLES = {
    "summary": "tables/summary.csv",
    "eigen": "tables/eigen.parquet",
    "dynamics": "tables/dynamics.parquet",
    "trajectories": "tables/trajectories.parquet",
    "sweeps": "tables/sweeps.csv",
    "scaling": "tables/scaling.csv",
    "empirical": "tables/empirical.csv",
}
# Task-trained networks (the `trained` section).
TRAINED_PARAMS = "trained/{trained_name}/seed{trained_seed}/params.npz"
TRAINED_LOG = "trained/{trained_name}/seed{trained_seed}/training.json"
TRAINED_COVARIANCE = "trained/{trained_name}/seed{trained_seed}/covariance/{trained_cov}.npy"
TRAINED_ORIGINAL = "trained/{trained_name}/seed{trained_seed}/original.npz"
TRAINED_ORIGINAL_METRICS = "trained/{trained_name}/seed{trained_seed}/original.json"
TRAINED_REDUCED = "trained/{trained_name}/seed{trained_seed}/{trained_cov}/keep{trained_keep}/{reducer}/prune{trained_prune_seed}.npz"
TRAINED_METRICS = "trained/{trained_name}/seed{trained_seed}/{trained_cov}/keep{trained_keep}/{reducer}/prune{trained_prune_seed}.json"
TRAINED_DRAWS = draws_directory(TRAINED_REDUCED)
TRAINED_SCHEDULE = "trained/{trained_name}/seed{trained_seed}/{trained_cov}/{reducer}/schedule.json"
#: The report's digests of the summary and scaling tables (rule report_tables).
REPORT_DIGESTS = {"summary": "report/summary_digest.csv", "scaling": "report/scaling_digest.csv"}
TRAINED_TABLES = {
    "trained": "tables/trained.csv",
    "trained_intervals": "tables/trained_intervals.parquet",
    "trained_factors": "tables/trained_factors.csv",
    "trained_tests": "tables/trained_tests.csv",
    "trained_schedule": "tables/trained_schedule.csv",
    "trained_reach": "tables/trained_reach.csv",
}
#: Tables of the rectified-linear experiments (targets only when there are any).
RELU_TABLES = {
    "relu": "tables/relu.csv",
    "relu_eigen": "tables/relu_eigen.parquet",
}
#: Table of the networks that obey Dale's law (network kind dale; targets only when there are any).
BALANCE_TABLES = {"balance": "tables/balance.csv"}
#: Network kinds whose pruned networks get a row in balance.csv.
BALANCE_KINDS = ("dale",)
#: Tables of the seed questions (noiseprune.pipeline.tables_questions), each a target
#: only when the config has experiments for it: colored noise (experiments with a
#: noise.tau > 0), the leak margin (the experiments fig12_leak_margin names) and the
#: theorem's guarantee (experiments with normalization: theory).
QUESTION_TABLES = {
    "colored": "tables/colored.csv",
    "leak": "tables/leak.csv",
    "leak_tests": "tables/leak_tests.csv",
    "guarantee": "tables/guarantee.csv",
}
FIGURE = "figures/{name}.{ext}"
FIGURE_FORMATS = ("pdf", "png")
#: Dense N x N float64 matrices each kind of job holds at once: its memory estimate is
#: MEM_BASE_MB + matrices x 8 N^2 bytes (the rules' mem_mb, and the config's memory check).
JOB_MATRICES = {
    "network": 4,
    "covariance_exact": 5,
    "covariance_empirical": 4,
    "eigendecompose": 5,
    "stiffness_factor": 3,
    "prune_measure": 8,
    "dynamics": 3,
    "fixed_point": 4,
    "covariance_linearized": 6,
    "prune_relu": 8,
}
MEM_BASE_MB = 500
#: A prune_measure job draws its pruning seeds up to DRAW_WORKERS at a time (on as many
#: cores) where each draw's full metrics take minutes: a dense eigvalsh of the pruned
#: network at N >= PARALLEL_DRAWS_MIN_N (about 60 s of one core at N = 10000). Each draw
#: runs as alone, on one BLAS thread, so outputs do not depend on it.
DRAW_WORKERS = 2
PARALLEL_DRAWS_MIN_N = 5000
#: Dense N x N matrices each further concurrent draw holds: the pruned network densified
#: for eigvalsh, A_sparse V and a temporary of its column norms.
DRAW_MATRICES = 3


# ---------------------------------------------------------------- covariance ids
def covariance_id(duration=None) -> str:
    """Path id of a covariance source: ``exact`` (``duration`` None) or ``T<duration>``."""
    return "exact" if duration is None else f"T{format_number(duration)}"


def is_relu(exp: Mapping) -> bool:
    return exp.get("dynamics_model", "linear") == "relu"


def uses_stiffness_factor(exp: Mapping) -> bool:
    """Whether the spectral eps of this experiment's pruned networks reads the Cholesky
    factor of -A (symmetric linear networks above the dense size of noiseprune.spectra),
    computed once per network by its own job and shared by every pruning job."""
    from noiseprune.spectra import DENSE_GEN_MAX_N

    return not is_relu(exp) and exp["network"].get("symmetric", True) and exp["n"] > DENSE_GEN_MAX_N


def covariance_ids(exp: Mapping) -> list[str]:
    """Covariance sources of a resolved experiment: ``exact`` first, then ``T<d>`` in config
    order; for each noise correlation time in config order (:func:`colored_id`)."""
    cov = exp["covariance"]
    ids = [LINEARIZED if is_relu(exp) else "exact"] if cov["exact"] else []
    ids += [covariance_id(d) for d in cov["durations"]]
    return [colored_id(c, tau) for tau in noise_taus(exp) for c in ids]


def method_covariances(exp: Mapping, method: str) -> list[str]:
    """Covariance ids a method is run with: every source if it reads C, else ``["none"]``."""
    return covariance_ids(exp) if methods.uses_covariance(method) else [NO_COVARIANCE]


def job_methods(exp: Mapping, cov: str) -> list[str]:
    """Methods one pruning job of ``exp`` runs with covariance ``cov``, in config order:
    those that read C for a covariance source, the others for ``"none"``. They share
    the job's loads of A, C and the original's spectrum."""
    return [m for m in exp["methods"] if cov in method_covariances(exp, m)]


def uses_covariance(exp: Mapping) -> bool:
    return any(methods.uses_covariance(m) for m in exp["methods"])


def dynamics_covariances(exp: Mapping) -> list[str]:
    """Covariance ids of the dynamics files: one per source if a method uses C, else ``["none"]``."""
    return covariance_ids(exp) if uses_covariance(exp) else [NO_COVARIANCE]


def dynamics_keep_fractions(exp: Mapping) -> list[float]:
    """The keep fractions whose pruned networks are simulated (dynamics_params.keep_fractions,
    else every keep fraction of the experiment), in the experiment's order."""
    chosen = exp["dynamics_params"].get("keep_fractions")
    return [k for k in exp["keep_fractions"] if chosen is None or k in chosen]


def dynamics_members(exp: Mapping, cov: str) -> list[tuple[str, str]]:
    """(method, covariance id) pairs simulated together in the dynamics file of ``cov``."""
    return [(m, cov if methods.uses_covariance(m) else NO_COVARIANCE) for m in exp["methods"]]


def memory_mb(n: int, matrices: int, base: float = MEM_BASE_MB) -> float:
    """Memory estimate (MB) of a job holding ``matrices`` dense N x N float64 matrices."""
    return base + matrices * 8.0 * n * n / 2**20


def draw_workers(exp: Mapping) -> int:
    """Pruning seeds a prune_measure job of ``exp`` draws at once (its `threads`)."""
    if exp["spectra"] == "full" and exp["n"] >= PARALLEL_DRAWS_MIN_N:
        return min(DRAW_WORKERS, len(exp["prune_seeds"]))
    return 1


def job_matrices(rule: str, exp: Mapping) -> int:
    """Dense N x N matrices a job of ``rule`` on ``exp`` holds at once (its memory estimate)."""
    if rule == "prune_measure":
        return JOB_MATRICES[rule] + DRAW_MATRICES * (draw_workers(exp) - 1)
    return JOB_MATRICES[rule]


# ---------------------------------------------------------------- job estimates
#: Default limit of one job's estimated cost in CPU-hours (runtime x threads); the
#: config's limits.job_cpu_hours overrides it. The plan refuses a job beyond it.
JOB_CPU_HOURS = 24.0
#: Floating-point operations per second of one core, the scale of the runtime estimates
#: (LAPACK reaches several times this on one core, so the estimates are generous).
FLOPS = 5e9
#: Flops of the jobs whose cost is O(N^3), in units of N^3: dense eigenvalues with
#: vectors (non-symmetric: about 25 N^3), Lyapunov solves through a Schur form, a
#: Cholesky factor (N^3 / 3); prune_measure: per pruning seed, the pruned network's
#: eigenvalues and its product with the eigenvectors, plus the probabilities.
CUBIC_FLOPS = {
    "network": 10,
    "covariance_exact": 30,
    "fixed_point": 10,
    "stiffness_factor": 1,
    "eigendecompose": 30,
    "covariance_linearized": 30,
}
PRUNE_FLOPS_PER_SEED, PRUNE_FLOPS_BASE = 10, 2
#: Runtime floor (minutes) of every job: a job's start, imports and file writes.
MIN_RUNTIME = 5


def empirical_steps(exp: Mapping, duration: float) -> float:
    """Euler steps of each replica of an empirical covariance of duration T."""
    emp = exp["empirical"]
    return (emp["burn_in"] + float(duration) / emp["replicas"]) / emp["dt"]


def job_runtime_min(rule: str, exp: Mapping, duration: float | None = None, prune_seeds: int | None = None,
                    cov: str | None = None) -> float:
    """Runtime estimate (minutes, first attempt) of a job of ``rule`` on ``exp``: its
    leading cost. ``duration``: T of a covariance_empirical job; ``prune_seeds``: the
    pruning seeds of a prune_measure, prune_relu or dynamics job (default: the
    experiment's; a dynamics job simulates them one after the other); ``cov``: the
    covariance of a pruning job, which runs its :func:`job_methods` one after the other
    (default: the covariance with the most methods)."""
    n = exp["n"]
    if rule in CUBIC_FLOPS:
        minutes = CUBIC_FLOPS[rule] * float(n) ** 3 / FLOPS / 60
    elif rule in ("prune_measure", "prune_relu"):
        seeds = len(exp["prune_seeds"]) if prune_seeds is None else prune_seeds
        covs = [cov] if cov is not None else covariance_ids(exp) + [NO_COVARIANCE]
        members = max(len(job_methods(exp, c)) for c in covs)
        minutes = members * (PRUNE_FLOPS_BASE + PRUNE_FLOPS_PER_SEED * seeds) * float(n) ** 3 / FLOPS / 60
    elif rule == "covariance_empirical":
        # an (N x N) @ (N x replicas) product per step
        flops = 2.0 * n**2 * exp["empirical"]["replicas"] * empirical_steps(exp, duration)
        minutes = 2 * flops / FLOPS / 60
    elif rule == "dynamics":
        # the dense original and the sparse pruned networks over trials x steps, for
        # every pruning seed
        dyn = exp["dynamics_params"]
        seeds = len(exp["prune_seeds"]) if prune_seeds is None else prune_seeds
        minutes = 3 * 2.0 * n**2 * dyn["trials"] * dyn["steps"] / FLOPS / 60 * seeds
    else:
        raise ValueError(f"no runtime estimate of rule {rule!r}")
    return max(MIN_RUNTIME, minutes)


def job_memory_mb(rule: str, exp: Mapping) -> float:
    """Memory estimate (MB) of a job of ``rule`` on ``exp``: its dense N x N matrices,
    plus what grows with the trials and steps of dynamics and the replicas of an
    empirical covariance."""
    n, extra = exp["n"], 0.0
    if rule == "dynamics":
        dyn, members = exp["dynamics_params"], len(exp["methods"])
        # the error of every member at every trial and step, and 2 states per network
        extra = 8.0 * (members * dyn["trials"] * dyn["steps"] + 2 * (1 + members) * n * dyn["trials"])
    elif rule == "covariance_empirical":
        extra = 8.0 * 4 * n * exp["empirical"]["replicas"]
    return memory_mb(n, job_matrices(rule, exp)) + extra / 2**20


def job_threads(rule: str, exp: Mapping) -> int:
    return draw_workers(exp) if rule == "prune_measure" else 1


def trial_steps(trained: Mapping) -> int:
    """Time steps of the longest task trial of the section (noiseprune.trained.tasks)."""
    from noiseprune.trained import experiment

    return max(experiment.task_of(cfg).steps for cfg in experiment.networks(trained).values())


#: Declared floor of the trained jobs (jax's own memory and start).
TRAINED_MEM_MB = 4000
TRAINED_RUNTIME = {"train_rnn": 30, "trained_probe": 10, "trained_reduce": 30}


def trained_runtime_min(rule: str, trained: Mapping, reducers: int = 1) -> float:
    """Runtime estimate (minutes) of a trained job: Adam steps of backpropagation through
    time (training, retraining) and the simulated trials, 2 N^2 flops per trial step;
    ``reducers``: those a trained_reduce job runs one after the other (the other rules
    train or probe one network)."""
    n, steps = trained["n"], trial_steps(trained)
    trials = trained["eval_trials"] + trained["probe_trials"]
    adam = {"train_rnn": trained["training"]["steps"], "trained_reduce": trained["retrain_steps"]}.get(rule, 0)
    flops = 2.0 * n**2 * steps * (3 * adam * trained["training"]["batch"] + trials)
    minutes = flops / FLOPS / 60 + (n / 1000) ** 3
    if rule == "trained_reduce":
        minutes *= reducers
    return max(TRAINED_RUNTIME[rule], minutes)


def trained_memory_mb(rule: str, trained: Mapping) -> float:
    """Memory estimate (MB) of a trained job: the stored states of backpropagation
    through time (float32: state, rate, noise and their gradients) and of the evaluated
    trials (float64)."""
    n, steps = trained["n"], trial_steps(trained)
    bptt = 4.0 * 6 * trained["training"]["batch"] * steps * n
    trials = 8.0 * 3 * max(trained["eval_trials"], trained["probe_trials"]) * steps * n
    return max(TRAINED_MEM_MB, MEM_BASE_MB + (bptt + trials) / 2**20 + 8.0 * 8 * n * n / 2**20)


# ---------------------------------------------------------------- the plan
class Plan:
    """Jobs and targets of a prepared config (:func:`noiseprune.pipeline.config.prepare`)."""

    def __init__(self, prepared: Mapping):
        #: Directory of every output of this config (``results_dir``).
        self.results_dir: str = prepared.get("results_dir", "results")
        self.experiments: dict = prepared["experiments"]
        self.scaling: dict | None = prepared["scaling"]
        self.trained: dict | None = prepared.get("trained")
        self.brain: dict | None = prepared.get("brain_scale")
        self.figure_config: dict = prepared.get("figures") or {}
        self.figures_explicit: bool = bool(prepared.get("figures_explicit"))
        #: Largest estimated cost of one job (CPU-hours) the plan accepts.
        self.job_cpu_hours: float = float((prepared.get("limits") or {}).get("job_cpu_hours", JOB_CPU_HOURS))

    def path(self, template: str) -> str:
        """``template`` (one of this module's path templates) under the results directory."""
        return os.path.join(self.results_dir, template)

    def paths(self, templates: Mapping[str, str]) -> dict[str, str]:
        return {key: self.path(t) for key, t in templates.items()}

    # ------------------------------------------------------------ jobs
    def metric_jobs(self, names=None, *, relu: bool = False) -> list[dict]:
        """Wildcard dicts of every metrics job (one per pruned network) of the experiments
        ``names`` (default: all) of the linear model, or of the relu model with ``relu``."""
        jobs = []
        for name in self.experiments if names is None else names:
            exp = self.experiments[name]
            if is_relu(exp) != relu:
                continue
            for seed in exp["seeds"]:
                for method in exp["methods"]:
                    for cov in method_covariances(exp, method):
                        for keep in exp["keep_fractions"]:
                            for pseed in exp["prune_seeds"]:
                                jobs.append(
                                    dict(exp=name, seed=seed, cov=cov, method=method, keep=format_number(keep), pseed=pseed)
                                )
        return jobs

    def dynamics_jobs(self) -> list[dict]:
        """Wildcard dicts of every dynamics job (experiments with dynamics: true)."""
        jobs = []
        for name, exp in self.experiments.items():
            if not exp["dynamics"]:
                continue
            for seed in exp["seeds"]:
                for cov in dynamics_covariances(exp):
                    for keep in dynamics_keep_fractions(exp):
                        for pseed in exp["prune_seeds"]:
                            jobs.append(dict(exp=name, seed=seed, cov=cov, keep=format_number(keep), pseed=pseed))
        return jobs

    def relu_experiments(self) -> list[str]:
        return [name for name, exp in self.experiments.items() if is_relu(exp)]

    def fixed_points(self) -> list[str]:
        return [self.path(FIXED_POINT).format(exp=n, seed=s) for n in self.relu_experiments() for s in self.experiments[n]["seeds"]]

    def _files(self, template: str, jobs: list[dict]) -> list[str]:
        return [self.path(template).format(**job) for job in jobs]

    def directories(self, template: str, jobs: list[dict]) -> list[str]:
        """The draws directories (:func:`draws_directory`) holding ``jobs``' files, once each."""
        return list(dict.fromkeys(self.path(draws_directory(template)).format(**job) for job in jobs))

    def job_output(self, path: str) -> str:
        """What a job that reads ``path`` waits for: the draws directory of a pruned
        network or of keep probabilities (:func:`draws_directory`, the output of the
        job that writes it), else ``path`` itself."""
        for template in (PRUNED, PROBABILITIES):
            pattern = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path(template)))
            match = re.fullmatch(pattern, path)
            if match:
                return self.path(draws_directory(template)).format(**match.groupdict())
        return path

    def relu_metrics(self) -> list[str]:
        return self._files(RELU_METRICS, self.metric_jobs(relu=True))

    def relu_eigen_tables(self) -> list[str]:
        return self._files(RELU_EIGEN, self.metric_jobs(relu=True))

    def relu_directories(self) -> list[str]:
        return self.directories(RELU_METRICS, self.metric_jobs(relu=True))

    def metrics_summaries(self, names=None) -> list[str]:
        return self._files(METRICS_SUMMARY, self.metric_jobs(names))

    def metrics_eigen_tables(self, names=None) -> list[str]:
        return self._files(METRICS_EIGEN, self.metric_jobs(names))

    def metrics_directories(self, names=None) -> list[str]:
        return self.directories(METRICS_SUMMARY, self.metric_jobs(names))

    def dynamics_files(self) -> list[str]:
        return self._files(DYNAMICS, self.dynamics_jobs())

    def dynamics_directories(self) -> list[str]:
        return self.directories(DYNAMICS, self.dynamics_jobs())

    def job_estimates(self) -> list[tuple]:
        """(key path, value or None, rule, what sizes it, memory MB, CPU-hours) of every
        kind of job the config runs, its costliest instance; the key path names the
        setting that sizes it."""
        out = []
        for name, exp in self.experiments.items():
            key, n = (f"experiments.{name}" if not exp["scaling"] else "scaling"), exp["n"]
            rules = ["network", "prune_relu" if is_relu(exp) else "prune_measure"]
            if is_relu(exp):
                rules += ["fixed_point", "covariance_linearized"]
            else:
                rules += ["covariance_exact"] * bool(uses_covariance(exp) and exp["covariance"]["exact"])
                rules += ["eigendecompose"] * (exp["spectra"] == "full")
                rules += ["stiffness_factor"] * uses_stiffness_factor(exp)
            for rule in rules:
                hours = job_runtime_min(rule, exp) * job_threads(rule, exp) / 60
                out.append((f"{key}.network", None, rule, f"N = {n}", job_memory_mb(rule, exp), hours))
            if uses_covariance(exp):
                emp = exp["empirical"]
                for i, d in enumerate(exp["covariance"]["durations"]):
                    hours = job_runtime_min("covariance_empirical", exp, duration=d) / 60
                    what = f"N = {n}, {emp['replicas']} replicas x {empirical_steps(exp, d):.3g} steps of dt {emp['dt']}"
                    out.append((f"{key}.covariance.durations[{i}]", d, "covariance_empirical", what,
                                job_memory_mb("covariance_empirical", exp), hours))
            if exp["dynamics"]:
                dyn = exp["dynamics_params"]
                # rectified-linear: one job simulates every pruning seed (rule dynamics_relu)
                seeds = len(exp["prune_seeds"]) if is_relu(exp) else None
                hours = job_runtime_min("dynamics", exp, prune_seeds=seeds) / 60
                what = f"N = {n}, {dyn['trials']} trials x {dyn['steps']} steps"
                out.append((f"{key}.dynamics_params", None, "dynamics", what, job_memory_mb("dynamics", exp), hours))
        if self.trained:
            t = self.trained
            what = (f"N = {t['n']}, {t['training']['steps']} Adam steps of {t['training']['batch']} trials x "
                    f"{trial_steps(t)} time steps")
            for rule in TRAINED_RUNTIME:
                hours = trained_runtime_min(rule, t, self.trained_job_size()) / 60
                out.append(("trained", None, rule, what, trained_memory_mb(rule, t), hours))
        out += self.brain_estimates()
        return out

    def check_resources(self, available_mb: float | None, source: str | None = None) -> None:
        """Refuse, before any job, a config with a job that cannot finish: one needing more
        memory than ``available_mb`` (of ``source``; None: not checked), or estimated
        beyond ``limits.job_cpu_hours`` CPU-hours. One line naming the key that sizes the
        largest such job, and its estimate."""
        from .schema import _short

        estimates = self.job_estimates()
        if not estimates:
            return

        def where(key, value):
            return key if value is None else f"{key} = {_short(value)}"

        key, value, rule, what, mem, hours = max(estimates, key=lambda e: e[4])
        if available_mb and mem > available_mb:
            raise ConfigError(
                f"config error: {where(key, value)}: its {rule} job ({what}) needs about {mem / 1024:.1f} GiB, "
                f"more than the {available_mb / 1024:.1f} GiB of {source}"
            )
        key, value, rule, what, mem, hours = max(estimates, key=lambda e: e[5])
        if hours > self.job_cpu_hours:
            raise ConfigError(
                f"config error: {where(key, value)}: its {rule} job ({what}) is estimated at {hours:.3g} CPU-hours, "
                f"more than the limit of {format_number(self.job_cpu_hours)} per job (limits.job_cpu_hours)"
            )

    # ------------------------------------------------------------ trained networks
    def trained_networks(self) -> dict[str, dict]:
        """{network name: its cfg}, one per task (noiseprune.trained.experiment.networks)."""
        from noiseprune.trained import experiment

        return experiment.networks(self.trained) if self.trained else {}

    def trained_covariances(self) -> list[str]:
        """Covariance ids the trained section needs computed (lnp, snp), in that order."""
        if not self.trained:
            return []
        needed = set()
        for name in self.trained["reducers"]:
            needed.update(self.trained_reducer_covariances(name))
        return [c for c in reducers.COVARIANCES if c in needed and c != NO_COVARIANCE]

    def trained_reducer_covariances(self, name: str) -> list[str]:
        """Covariance ids reducer ``name`` runs with (the noise reducer: trained.covariances)."""
        own = reducers.get(name).covariances
        if set(own) == {"lnp", "snp"}:
            return list(self.trained["covariances"])
        return list(own)

    def trained_prune_seeds(self, name: str) -> list[int]:
        """Pruning seeds of a reducer: all of them, or the first for a deterministic one."""
        seeds = list(self.trained["prune_seeds"])
        return seeds if reducers.get(name).stochastic else seeds[:1]

    def trained_reductions(self) -> list[dict]:
        """Wildcard dicts of every reduction: (network, seed, reducer, covariance, keep fraction)."""
        if not self.trained:
            return []
        t = self.trained
        return [
            dict(trained_name=net, trained_seed=seed, trained_cov=cov, reducer=name, trained_keep=format_number(keep))
            for net, cfg in self.trained_networks().items()
            for seed in cfg["seeds"]
            for name in t["reducers"]
            for cov in self.trained_reducer_covariances(name)
            for keep in t["keep_fractions"]
        ]

    def trained_job_reducers(self, cov: str) -> list[str]:
        """Reducers one trained_reduce job runs with covariance ``cov``, in config order.
        They share the job's loads and its evaluation of the original network."""
        return [name for name in self.trained["reducers"] if cov in self.trained_reducer_covariances(name)]

    def trained_job_size(self) -> int:
        """The most reducers one trained_reduce job runs (its runtime estimate's factor)."""
        return max(len(self.trained_job_reducers(job["trained_cov"])) for job in self.trained_reduce_jobs())

    def trained_reduce_jobs(self) -> list[dict]:
        """Wildcard dicts of every reduction job: (network, seed, covariance, keep
        fraction), every reducer of that covariance in it."""
        jobs = ({k: v for k, v in r.items() if k != "reducer"} for r in self.trained_reductions())
        return list({tuple(job.items()): job for job in jobs}.values())

    def trained_metrics(self) -> list[str]:
        """Every reduction's metrics file (one per pruning seed)."""
        return [
            self.path(TRAINED_METRICS).format(**job, trained_prune_seed=p)
            for job in self.trained_reductions()
            for p in self.trained_prune_seeds(job["reducer"])
        ]

    def trained_directories(self) -> list[str]:
        """The draws directory of every reduction job."""
        return self.directories(TRAINED_REDUCED, self.trained_reductions())

    def trained_schedules(self) -> list[str]:
        """The iterative loop's file of every (network, seed, reducer, covariance) with
        trained.schedule set (merge excluded: it changes the units), first pruning seed."""
        if not self.trained or not self.trained.get("schedule"):
            return []
        jobs = {(j["trained_name"], j["trained_seed"], j["trained_cov"], j["reducer"]) for j in self.trained_reductions()
                if j["reducer"] != "merge"}
        return [self.path(TRAINED_SCHEDULE).format(trained_name=n, trained_seed=s, trained_cov=c, reducer=r)
                for n, s, c, r in sorted(jobs)]

    def trained_originals(self) -> list[str]:
        if not self.trained:
            return []
        return [self.path(TRAINED_ORIGINAL_METRICS).format(trained_name=net, trained_seed=s)
                for net, cfg in self.trained_networks().items() for s in cfg["seeds"]]

    # ------------------------------------------------------------ experiment groups
    def sweep_experiments(self) -> list[str]:
        """Experiments of the keep-fraction sweeps: more than one keep fraction, not scaling,
        linear and symmetric (Fig. 5 plots the spectral eps, defined for symmetric A only;
        non-symmetric sweeps have Fig. 8)."""
        return sorted(
            name
            for name, exp in self.experiments.items()
            if len(exp["keep_fractions"]) > 1
            and not exp["scaling"]
            and not is_relu(exp)
            and exp["network"].get("symmetric", True)
        )

    def empirical_experiments(self) -> list[str]:
        """Linear-model experiments with at least one simulated (empirical) covariance."""
        return sorted(
            name for name, exp in self.experiments.items() if exp["covariance"]["durations"] and not is_relu(exp)
        )

    def scaling_experiments(self) -> list[str]:
        return list(self.scaling["experiments"]) if self.scaling else []

    def colored_experiments(self) -> list[str]:
        """Linear-model experiments run under colored noise (a noise.tau > 0)."""
        return sorted(n for n, e in self.experiments.items() if any(t > 0 for t in noise_taus(e)) and not is_relu(e))

    def leak_experiments(self) -> list[str]:
        """Experiments of the leak-margin comparison: those the figures section's
        fig12_leak_margin entry names (configured ones)."""
        entry = self.figure_config.get("fig12_leak_margin") or {}
        return [n for n in entry.get("experiments", []) if n in self.experiments]

    def guarantee_experiments(self) -> list[str]:
        """Experiments with normalization: theory (the theorem's K = k log N / eps^2)."""
        return sorted(n for n, e in self.experiments.items() if e["normalization"] == "theory" and not is_relu(e))

    def question_tables(self) -> list[str]:
        """Keys of QUESTION_TABLES this config produces."""
        out = ["colored"] if self.colored_experiments() else []
        out += ["leak", "leak_tests"] if self.leak_experiments() else []
        return out + (["guarantee"] if self.guarantee_experiments() else [])

    def scaling_target_eps(self) -> float:
        return self.scaling["target_eps"] if self.scaling else 0.5

    def eigen_rows(self) -> int:
        """Rows of eigen.parquet: N per metrics job with spectra: full."""
        return sum(
            self.experiments[j["exp"]]["n"]
            for j in self.metric_jobs()
            if self.experiments[j["exp"]]["spectra"] == "full"
        )

    # ------------------------------------------------------------ figures
    @functools.cached_property
    def figures(self) -> dict[str, dict]:
        """Figure name -> its spec (the config's entry completed by the figure's module:
        ``experiments`` drawn and the values its caption states), for every figure the
        config asks for and can draw, in figure-number order.

        Computed on first use: it imports ``noiseprune.plotting`` (matplotlib, pandas),
        which only the runs that plan or draw figures need.

        Raises
        ------
        ConfigError
            An unknown figure name; a figure that cannot draw what its entry names, when
            the config has its own ``figures`` section (the default section's figures
            whose experiments the config lacks are left out instead).
        """
        from .. import plotting
        from ..plotting.registry import named_experiments

        out = {}
        for name, entry in self.figure_config.items():
            try:
                fig = plotting.get(name)
            except ValueError as err:
                raise ConfigError(f"config error: figures.{name}: {err}") from None
            spec = dict(entry or {})
            named = named_experiments(spec)
            problem = self._figure_problem(fig, spec, named)
            if problem:
                if self.figures_explicit:
                    raise ConfigError(f"config error: figures.{name}: {problem}")
                # The default figures section names the paper's experiments: what this
                # config lacks is left out, and a figure left with nothing is not drawn.
                named = [n for n in named if self._figure_problem(fig, spec, [n]) is None]
                if not named:
                    continue
            if named:
                spec["experiments"] = named
            if fig.details:
                spec.update(fig.details(spec, self))
            if "experiments" in spec and not spec["experiments"]:
                continue  # a figure of an experiment group (sweeps, ...) the config has none of
            out[name] = spec
        return dict(sorted(out.items(), key=lambda item: (plotting.get(item[0]).number or math.inf, item[0])))

    def _figure_problem(self, fig, spec: Mapping, names: list[str]) -> str | None:
        """Why figure ``fig`` cannot draw the experiments ``names`` of ``spec`` (None when it can)."""
        known = list(self.experiments) + ([self.trained["name"]] if self.trained else []) + ([self.brain["name"]] if self.brain else [])
        missing = [n for n in names if n not in known]
        if missing:
            return f"figure {fig.name!r} names experiment {missing[0]!r}, which the config lacks (experiments: {', '.join(known)})"
        produced = self.table_names()
        absent = [t for t in fig.tables if t not in produced]
        if absent:
            return f"figure {fig.name!r} reads table {absent[0]!r}, which this config does not produce (tables: {', '.join(produced)})"
        if fig.check:
            return fig.check(dict(spec, experiments=names) if names else spec, self)
        return None

    def figure_files(self) -> list[str]:
        return [self.path(FIGURE).format(name=name, ext=ext) for name in self.figures for ext in FIGURE_FORMATS]

    def figure_inputs(self, name: str) -> dict[str, str]:
        """Input files of figure ``name`` by key: its tables and its module's ``files``."""
        from .. import plotting

        fig = plotting.get(name)
        spec = self.figures[name]
        tables = self.table_paths()
        inputs = {table: tables[table] for table in fig.tables}
        if fig.files:
            inputs.update(fig.files(spec, self))
        return inputs

    def figure_job_inputs(self, name: str) -> list[str]:
        """What the job of figure ``name`` waits for: its inputs, with a pruned network or
        keep probabilities replaced by the draws directory its job writes (:meth:`job_output`)."""
        return list(dict.fromkeys(self.job_output(path) for path in self.figure_inputs(name).values()))

    def figure_label(self, name: str) -> str:
        """How the report names figure ``name``: "Fig. 3", else its name."""
        from .. import plotting

        return plotting.get(name).label

    def path_of(self, kind: str, **ids) -> str:
        """Path of one result file of a figure's ``files``: ``kind`` is network, covariance,
        probabilities or pruned; ``ids`` its wildcards (exp, seed, cov, method, keep, pseed)."""
        templates = {"network": NETWORK, "covariance": COVARIANCE, "probabilities": PROBABILITIES, "pruned": PRUNED}
        if "keep" in ids:
            ids["keep"] = format_number(ids["keep"])
        return self.path(templates[kind]).format(**ids)

    def covariance_ids(self, name: str) -> list[str]:
        """Covariance ids of experiment ``name`` (:func:`covariance_ids`)."""
        return covariance_ids(self.experiments[name])

    def method_covariances(self, name: str, method: str) -> list[str]:
        """Covariance ids experiment ``name`` runs ``method`` with (:func:`method_covariances`)."""
        return method_covariances(self.experiments[name], method)

    def table_names(self) -> list[str]:
        """Tables this config produces (keys of TABLES, RELU_TABLES, TRAINED_TABLES, BALANCE_TABLES, QUESTION_TABLES,
        BRAIN_TABLES and ONLINE_TABLES)."""
        return ((list(TABLES) if self.experiments else []) + (list(RELU_TABLES) if self.relu_experiments() else [])
                + (list(TRAINED_TABLES) if self.trained else []) + (list(BALANCE_TABLES) if self.balance_experiments() else []) + self.question_tables()
                + (list(BRAIN_TABLES) if self.brain else []) + (list(ONLINE_TABLES) if self.brain_onlines() else []))

    def table_paths(self) -> dict[str, str]:
        """Path of every table family's table by name (produced or not by this config)."""
        return self.paths(TABLES | RELU_TABLES | TRAINED_TABLES | BALANCE_TABLES | QUESTION_TABLES | BRAIN_TABLES | ONLINE_TABLES)

    def table_targets(self) -> list[str]:
        paths = self.table_paths()
        return [paths[name] for name in self.table_names()]

    def report_digests(self) -> dict[str, str]:
        """The report's digests of the summary and scaling tables by name (none without
        linear-model experiments, which make those tables)."""
        return self.paths(REPORT_DIGESTS) if self.experiments else {}

    # ------------------------------------------------------------ excitatory/inhibitory balance
    def balance_experiments(self) -> list[str]:
        """Linear-model experiments whose network kind is one of :data:`BALANCE_KINDS`."""
        return [name for name, exp in self.experiments.items()
                if not is_relu(exp) and exp["network"].get("kind") in BALANCE_KINDS]

    def balance_draws(self) -> list[dict]:
        """One mapping per pruned network of the balance experiments: its ``ids`` (the
        tables' id columns), the path of its original ``network`` and of the ``pruned`` one,
        grouped by network."""
        draws = []
        for job in self.metric_jobs(self.balance_experiments()):
            exp = self.experiments[job["exp"]]
            ids = dict(network=job["exp"], n=exp["n"], seed=int(job["seed"]), covariance=job["cov"],
                       method=job["method"], keep_fraction=float(job["keep"]), prune_seed=int(job["pseed"]))
            draws.append(dict(ids=ids, network=self.path(NETWORK).format(**job), pruned=self.path(PRUNED).format(**job)))
        return draws

    # ------------------------------------------------------------ brain-scale sparse networks
    def brain_jobs(self) -> list[dict]:
        """Wildcards of every brain_scale job (one per size and seed)."""
        if not self.brain:
            return []
        return [dict(brain_name=self.brain["name"], brain_n=n, brain_seed=seed)
                for n in self.brain["sizes"] for seed in self.brain["seeds"]]

    def brain_results(self) -> list[str]:
        return [self.path(BRAIN_RESULT).format(**job) for job in self.brain_jobs()]

    def brain_accuracies(self) -> list[str]:
        if not self.brain:
            return []
        return [self.path(BRAIN_ACCURACY).format(brain_name=self.brain["name"], brain_seed=s) for s in self.brain["seeds"]]

    def brain_onlines(self) -> list[str]:
        """Result files of the online-pruning jobs (one per network seed; none without brain_scale.online)."""
        if not (self.brain and self.brain.get("online")):
            return []
        return [self.path(BRAIN_ONLINE).format(brain_name=self.brain["name"], brain_seed=s) for s in self.brain["seeds"]]

    def brain_estimates(self) -> list[tuple]:
        """:meth:`job_estimates` rows of the brain_scale jobs (the largest size sizes them)."""
        if not self.brain:
            return []
        b = self.brain
        out = []
        for i, n in enumerate(b["sizes"]):
            what = f"N = {n}, {brain_synapses(b, n):.3g} synapses"
            out.append((f"brain_scale.sizes[{i}]", n, "brain_scale", what, brain_memory_mb(b, n), brain_runtime_min(b, n) / 60))
        return out


# ---------------------------------------------------------------- brain-scale sparse networks
# The `brain_scale` section: one job per (size, seed) runs the whole sparse path
# (noiseprune.brain_scale.run), one per seed the estimation error against the duration,
# and with `online` one per seed the online rule against pruning once at the end.
BRAIN_RESULT = "brain/{brain_name}/N{brain_n}/seed{brain_seed}.json"
BRAIN_ACCURACY = "brain/{brain_name}/accuracy/seed{brain_seed}.json"
#: brain_scale.online: one job per network seed, every pruning seed and warm-up.
BRAIN_ONLINE = "brain/{brain_name}/online/seed{brain_seed}.json"
BRAIN_TABLES = {
    "brain_scale": "tables/brain_scale.csv",
    "brain_eigen": "tables/brain_eigen.csv",
    "brain_accuracy": "tables/brain_accuracy.csv",
    "brain_cost": "tables/brain_cost.csv",
    "brain_digest": "tables/brain_digest.csv",
}
ONLINE_TABLES = {
    "brain_online": "tables/brain_online.csv",
    "brain_online_digest": "tables/brain_online_digest.csv",
}
#: Bytes per synapse of a brain_scale job (the network's construction, its CSR copies,
#: the edge covariance, one probability matrix per method): the bound that
#: tests/test_sparse.py checks the traced peak of the whole path against at N = 50,000.
BRAIN_BYTES_PER_SYNAPSE = 200
#: Seconds per synapse and state column of one sparse step (product, edge sums, noise):
#: the N = 10^5 job of configs/brain-scale.yaml (10^7 synapses) took 1.3e-9 in its
#: covariance stage and 2.2e-9 in its trajectories on the loaded 2-core machine
#: (docs/performance.md); about 1.5 times the slower, so that a SLURM job is not cut short.
BRAIN_SECONDS_PER_SYNAPSE_COLUMN = 3e-9
#: Sparse products of the eigensolvers per eigenvalue asked (ARPACK, every network, both
#: ends): the same job's 110 s of eigenvalues and metrics are about 110 at that rate.
BRAIN_EIGEN_PRODUCTS = 150


def brain_synapses(brain: Mapping, n: int) -> float:
    """Expected synapses of the brain_scale network of size n."""
    return float(n) * (brain["network"]["within"] + brain["network"]["long_range"])


def brain_memory_mb(brain: Mapping, n: int) -> float:
    """Memory estimate (MB) of one brain_scale job of size n."""
    cov = brain["covariance"]
    block = 4.0 * n * max(cov["replicas"], 256) * 2  # float32 sample block and edge-chunk temporaries
    return MEM_BASE_MB + (BRAIN_BYTES_PER_SYNAPSE * brain_synapses(brain, n) + block) / 2**20


def brain_runtime_min(brain: Mapping, n: int) -> float:
    """Runtime estimate (minutes) of one brain_scale job of size n."""
    cov, dyn = brain["covariance"], brain["dynamics"]
    synapses = brain_synapses(brain, n)
    steps = (cov["burn_in"] + cov["duration"] / cov["replicas"]) / cov["dt"]
    columns = steps * cov["replicas"]
    methods = len(brain["methods"]) * len(brain["prune_seeds"])
    columns += dyn["steps"] * dyn["trials"] * (1 + brain["keep_fraction"] * methods)
    columns += BRAIN_EIGEN_PRODUCTS * brain["eigenvalues"] * (1 + methods)
    return max(MIN_RUNTIME, BRAIN_SECONDS_PER_SYNAPSE_COLUMN * synapses * columns / 60)
