"""The pipeline's plan: which files a validated config asks for, and the jobs that make them.

Pure Python over :func:`noiseprune.pipeline.config.prepare`'s result; the Snakemake rules
(``workflow/rules/common.smk``) and the tests both use it, so the DAG and the
tests' expectations are computed in one place.

Covariance ids: ``exact`` (Lyapunov), ``T<duration>`` (simulated run of duration T)
or ``none`` (methods that ignore C live there, so changing the covariance sources
never recomputes them).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from noiseprune import methods
from noiseprune.trained import reducers
from noiseprune.pipeline.config import ConfigError
from noiseprune.pipeline.ids import LINEARIZED, NO_COVARIANCE, duration_of, format_number  # noqa: F401  (plan.LINEARIZED, plan.duration_of for callers)

# ---------------------------------------------------------------- path templates
# Relative to the config's results directory (``results_dir``): Plan.path() roots them.
NETWORK = "networks/{exp}/seed{seed}/A.npy"
NETWORK_META = "networks/{exp}/seed{seed}/meta.json"
COVARIANCE = "covariance/{exp}/seed{seed}/{cov}.npy"
EIGEN = "spectra/{exp}/seed{seed}/original.npz"
STIFFNESS_FACTOR = "spectra/{exp}/seed{seed}/cholesky.npy"
PROBABILITIES = "probabilities/{exp}/seed{seed}/{cov}/{method}/keep{keep}.npz"
PRUNED = "pruned/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.npz"
METRICS_EIGEN = "metrics/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.parquet"
METRICS_SUMMARY = "metrics/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.json"
DYNAMICS = "dynamics/{exp}/seed{seed}/{cov}/keep{keep}/prune{pseed}.npz"
# rectified-linear experiments (dynamics_model: relu)
FIXED_POINT = "fixed_points/{exp}/seed{seed}.npz"
RELU_METRICS = "relu/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.json"
RELU_EIGEN = "relu/{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}.parquet"
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
TRAINED_PARAMS = "trained/{tname}/seed{tseed}/params.npz"
TRAINED_LOG = "trained/{tname}/seed{tseed}/training.json"
TRAINED_COVARIANCE = "trained/{tname}/seed{tseed}/covariance/{tcov}.npy"
TRAINED_ORIGINAL = "trained/{tname}/seed{tseed}/original.npz"
TRAINED_ORIGINAL_METRICS = "trained/{tname}/seed{tseed}/original.json"
TRAINED_REDUCED = "trained/{tname}/seed{tseed}/{tcov}/{reducer}/keep{tkeep}/prune{tpseed}.npz"
TRAINED_METRICS = "trained/{tname}/seed{tseed}/{tcov}/{reducer}/keep{tkeep}/prune{tpseed}.json"
TRAINED_TABLES = {
    "trained": "tables/trained.csv",
    "trained_intervals": "tables/trained_intervals.parquet",
}
#: Tables of the rectified-linear experiments (targets only when there are any).
RELU_TABLES = {
    "relu": "tables/relu.csv",
    "relu_eigen": "tables/relu_eigen.parquet",
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
#: Figure names in the order of the paper.
FIGURES = (
    "fig1_probe", "fig2_spectrum", "fig3_dynamics", "fig4_large", "fig5_sweeps", "fig6_empirical",
    "fig7_relu", "fig8_nonsymmetric", "fig9_trained",
)  # fmt: skip


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
    """Covariance sources of a resolved experiment: ``exact`` first, then ``T<d>`` in config order."""
    cov = exp["covariance"]
    ids = [LINEARIZED if is_relu(exp) else "exact"] if cov["exact"] else []
    return ids + [covariance_id(d) for d in cov["durations"]]


def method_covariances(exp: Mapping, method: str) -> list[str]:
    """Covariance ids a method is run with: every source if it reads C, else ``["none"]``."""
    return covariance_ids(exp) if methods.uses_covariance(method) else [NO_COVARIANCE]


def uses_covariance(exp: Mapping) -> bool:
    return any(methods.uses_covariance(m) for m in exp["methods"])


def dynamics_covariances(exp: Mapping) -> list[str]:
    """Covariance ids of the dynamics files: one per source if a method uses C, else ``["none"]``."""
    return covariance_ids(exp) if uses_covariance(exp) else [NO_COVARIANCE]


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


# ---------------------------------------------------------------- the plan
class Plan:
    """Jobs and targets of a prepared config (:func:`noiseprune.pipeline.config.prepare`)."""

    def __init__(self, prepared: Mapping):
        #: Directory of every output of this config (``results_dir``).
        self.results_dir: str = prepared.get("results_dir", "results")
        self.experiments: dict = prepared["experiments"]
        self.scaling: dict | None = prepared["scaling"]
        self.trained: dict | None = prepared.get("trained")
        self.figure_config: dict = prepared.get("figures") or {}
        self.figures_explicit: bool = bool(prepared.get("figures_explicit"))
        self.figures: dict[str, list[str]] = self._figures()

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
                    for keep in exp["keep_fractions"]:
                        for pseed in exp["prune_seeds"]:
                            jobs.append(dict(exp=name, seed=seed, cov=cov, keep=format_number(keep), pseed=pseed))
        return jobs

    def relu_experiments(self) -> list[str]:
        return [name for name, exp in self.experiments.items() if is_relu(exp)]

    def fixed_points(self) -> list[str]:
        return [self.path(FIXED_POINT).format(exp=n, seed=s) for n in self.relu_experiments() for s in self.experiments[n]["seeds"]]

    def relu_metrics(self) -> list[str]:
        return [self.path(RELU_METRICS).format(**job) for job in self.metric_jobs(relu=True)]

    def relu_eigen_tables(self) -> list[str]:
        return [self.path(RELU_EIGEN).format(**job) for job in self.metric_jobs(relu=True)]

    def relu_dynamics_files(self) -> list[str]:
        return [self.path(DYNAMICS).format(**job) for job in self.dynamics_jobs() if is_relu(self.experiments[job["exp"]])]

    def metrics_summaries(self, names=None) -> list[str]:
        return [self.path(METRICS_SUMMARY).format(**job) for job in self.metric_jobs(names)]

    def metrics_eigen_tables(self, names=None) -> list[str]:
        return [self.path(METRICS_EIGEN).format(**job) for job in self.metric_jobs(names)]

    def dynamics_files(self) -> list[str]:
        return [self.path(DYNAMICS).format(**job) for job in self.dynamics_jobs()]

    def check_memory(self, available_mb: float, source: str) -> None:
        """Refuse, before any job, an experiment whose largest job cannot fit in ``available_mb``."""
        for name, exp in self.experiments.items():
            largest = max(job_matrices(rule, exp) for rule in JOB_MATRICES)
            need = memory_mb(exp["n"], largest)
            if need > available_mb:
                raise ConfigError(
                    f"config error: experiments.{name}: its largest job needs about {need / 1024:.1f} GiB "
                    f"({largest} dense N x N matrices at N = {exp['n']}), more than the "
                    f"{available_mb / 1024:.1f} GiB of {source}"
                )

    # ------------------------------------------------------------ trained networks
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

    def trained_reduce_jobs(self) -> list[dict]:
        """Wildcard dicts of every reduction job: (seed, reducer, covariance, keep fraction)."""
        if not self.trained:
            return []
        t = self.trained
        return [
            dict(tname=t["name"], tseed=seed, tcov=cov, reducer=name, tkeep=format_number(keep))
            for seed in t["seeds"]
            for name in t["reducers"]
            for cov in self.trained_reducer_covariances(name)
            for keep in t["keep_fractions"]
        ]

    def trained_metrics(self) -> list[str]:
        """Every reduction's metrics file (one per pruning seed)."""
        return [
            self.path(TRAINED_METRICS).format(**job, tpseed=p)
            for job in self.trained_reduce_jobs()
            for p in self.trained_prune_seeds(job["reducer"])
        ]

    def trained_originals(self) -> list[str]:
        if not self.trained:
            return []
        return [self.path(TRAINED_ORIGINAL_METRICS).format(tname=self.trained["name"], tseed=s) for s in self.trained["seeds"]]

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
    def _figure_problem(self, figure: str, names: list[str]) -> str | None:
        """Why ``figure`` cannot draw ``names`` (None when it can)."""
        if figure == "fig9_trained":
            name = self.trained["name"] if self.trained else None
            if names != [name]:
                return f"the trained section is {'named ' + repr(name) if name else 'not configured'}, not {names[0]!r}"
            keep = (self.figure_config.get(figure) or {}).get("keep_fraction")
            if keep is not None and not any(math.isclose(keep, k) for k in self.trained["keep_fractions"]):
                return f"keep_fraction {keep} is not one of trained.keep_fractions {self.trained['keep_fractions']}"
            return None
        missing = [n for n in names if n not in self.experiments]
        if missing:
            return f"experiment {missing[0]!r} is not configured (experiments: {', '.join(self.experiments)})"
        for name in names:
            exp = self.experiments[name]
            if figure in ("fig2_spectrum", "fig4_large") and exp["spectra"] != "full":
                return f"experiment {name!r} has spectra: {exp['spectra']}; the figure needs spectra: full"
            if figure == "fig3_dynamics" and not exp["dynamics"]:
                return f"experiment {name!r} has dynamics: false; the figure needs dynamics: true"
            if figure == "fig9_trained":
                continue
            if figure == "fig1_probe" and "noise" not in exp["methods"]:
                return f"experiment {name!r} does not run method 'noise', whose probabilities the figure shows"
            if figure == "fig7_relu" and not is_relu(exp):
                return f"experiment {name!r} has dynamics_model: {exp['dynamics_model']}; the figure needs dynamics_model: relu"
            if figure in ("fig1_probe", "fig2_spectrum", "fig3_dynamics", "fig4_large", "fig8_nonsymmetric") and is_relu(exp):
                return f"experiment {name!r} has dynamics_model: relu; the figure draws linear networks"
            if figure == "fig8_nonsymmetric" and exp["spectra"] != "full":
                return f"experiment {name!r} has spectra: {exp['spectra']}; the figure needs spectra: full"
        return None

    def _figures(self) -> dict[str, list[str]]:
        """Figure name -> experiments it draws, for every figure the config asks for and can draw."""
        out = {}
        for figure in FIGURES:
            if figure not in self.figure_config:
                continue
            entry = self.figure_config[figure] or {}
            if figure == "fig5_sweeps":
                names = self.sweep_experiments() + self.scaling_experiments()
            elif figure == "fig6_empirical":
                names = self.empirical_experiments()
            else:
                names = list(entry.get("experiments") or [entry["experiment"]])
                problem = self._figure_problem(figure, names)
                if problem:
                    if self.figures_explicit:
                        raise ConfigError(f"config error: figures.{figure}: {problem}")
                    # The default figures section names the paper's experiments: a figure
                    # whose experiment this config lacks is simply not drawn.
                    names = [n for n in names if self._figure_problem(figure, [n]) is None]
            if names:
                out[figure] = names
        return out

    def figure_files(self) -> list[str]:
        return [self.path(FIGURE).format(name=name, ext=ext) for name in self.figures for ext in FIGURE_FORMATS]

    def trained_keep_drawn(self) -> float:
        """Keep fraction of Fig. 9c: figures.fig9_trained.keep_fraction, else the second
        largest of trained.keep_fractions (the only one if there is one)."""
        keep = (self.figure_config.get("fig9_trained") or {}).get("keep_fraction")
        if keep is not None:
            return float(keep)
        keeps = sorted(self.trained["keep_fractions"], reverse=True) if self.trained else [1.0]
        return float(keeps[min(1, len(keeps) - 1)])

    def keep_fraction_drawn(self, name: str) -> float:
        """Keep fraction an experiment is drawn at in Fig. 2-4: the first of its list."""
        return self.experiments[name]["keep_fractions"][0]

    def table_targets(self) -> list[str]:
        return [
            self.path(t)
            for t in (
                list(TABLES.values())
                + (list(RELU_TABLES.values()) if self.relu_experiments() else [])
                + (list(TRAINED_TABLES.values()) if self.trained else [])
            )
        ]
