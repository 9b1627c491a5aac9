"""What the workflow's rules ask of the plan for one job: input files, params, threads and
resources, each a function of the job's wildcards (docs/architecture.md, "The plan").

The rules in ``workflow/rules/*.smk`` call a :class:`Jobs` built on the run's
:class:`~noiseprune.pipeline.plan.Plan` (``JOBS`` in ``common.smk``); nothing here
imports Snakemake, so every function is unit-tested with plain wildcard mappings.

Params that are mappings are passed with sorted keys (:func:`canonical`): Snakemake
compares params by their text, and reordering keys in a config must not rerun anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping

from noiseprune import dynamics
from noiseprune.pipeline import plan as npplan
from noiseprune.pipeline.ids import NO_COVARIANCE, format_number, noise_tau_of

#: BLAS threads of every job, never taken from --cores: OpenBLAS results depend on the
#: thread count, so a job uses the same count in every run for bit-identical outputs.
#: One thread: two 1-thread jobs side by side beat one 2-thread job after another
#: (benchmarks/bench_threads.py), and a 2-thread job would wait for both cores to be
#: free. Pruning jobs at large N take 2 threads for 2 draws at once, each on one BLAS
#: thread (plan.draw_workers).
BLAS_THREADS = 1

#: Keys of the trained section that every trained job reads (model, task, training,
#: held-out batch); covariances and keep fractions are wildcards instead, a reduction
#: job's reducers and pruning seeds its params (Jobs.trained_members).
TRAINED_CORE = ("name", "n", "phi", "tau", "dt", "sigma", "gain", "task", "training", "eval_trials", "self_connections",
                "lnp", "cap_percentile", "accuracy_floor")


def canonical(value):
    """``value`` with every mapping's keys sorted (recursively)."""
    if isinstance(value, Mapping):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def alternation(values: Iterable) -> str:
    """Regex matching exactly one of ``values`` (the config's own values, nothing else)."""
    values = sorted(set(map(str, values)))
    return "|".join(re.escape(v) for v in values) if values else "(?!)"


def fields(wildcards) -> dict:
    """A job's wildcards as a dict (Snakemake's Wildcards object or a plain mapping)."""
    return dict(wildcards.items()) if hasattr(wildcards, "items") else dict(vars(wildcards))


def grow(value: float, attempt: int) -> int:
    """A resource estimate for retry ``attempt``: half as much again on every retry."""
    return int(math.ceil(value * (1 + 0.5 * (attempt - 1))))


class Cost:
    """mem_mb, runtime (minutes) and priority of one rule's jobs, from the plan's estimates.

    The one place a rule's cost is stated: its ``resources`` and its ``priority``
    (longest first: of the ready jobs the N = 10000 ones start before the N = 250 ones, and
    short jobs fill the cores around them) read the same estimate.
    """

    def __init__(self, memory: Callable[[dict], float], minutes: Callable[[dict], float]):
        self._memory, self._minutes = memory, minutes

    def mem_mb(self, wildcards, attempt):
        return grow(self._memory(fields(wildcards)), attempt)

    def runtime(self, wildcards, attempt):
        return grow(self._minutes(fields(wildcards)), attempt)

    def priority(self, wildcards):
        return self.runtime(wildcards, 1)


class Jobs:
    """The per-job answers of one plan, for the rules."""

    def __init__(self, plan: npplan.Plan):
        self.plan = plan
        self.experiments = plan.experiments
        self.trained = plan.trained or {}

    def experiment(self, wildcards) -> dict:
        return self.experiments[fields(wildcards)["exp"]]

    def _path(self, template: str, **ids) -> str:
        return self.plan.path(template).format(**ids)

    # ------------------------------------------------------------ wildcards and rules
    def wildcard_patterns(self) -> dict[str, str]:
        """Regex of each wildcard: exactly the values the config names."""
        exps = self.experiments.values()

        def every(key):
            return [v for exp in exps for v in exp[key]]

        trained = self.trained
        return dict(
            exp=alternation(self.experiments),
            seed=alternation(every("seeds")),
            keep=alternation(format_number(k) for k in every("keep_fractions")),
            method=alternation(every("methods")),
            cov=alternation([c for e in exps for c in npplan.covariance_ids(e)] + [NO_COVARIANCE]),
            duration=alternation(format_number(d) for e in exps for d in e["covariance"]["durations"]),
            noise_tau=alternation(format_number(t) for e in exps for t in npplan.noise_taus(e) if t > 0),
            trained_name=alternation(list(self.plan.trained_networks())),
            trained_seed=alternation(sorted({s for cfg in self.plan.trained_networks().values() for s in cfg["seeds"]})),
            trained_keep=alternation(format_number(k) for k in trained.get("keep_fractions", [])),
            trained_cov=alternation(["lnp", "snp", "rates", NO_COVARIANCE]),
            reducer=alternation(trained.get("reducers", [])),
            **self.brain_wildcard_patterns(),
        )

    def experiments_of(self, *, relu: bool) -> list[str]:
        """Experiments of the rectified-linear (``relu``) or the linear model."""
        return [name for name, exp in self.experiments.items() if npplan.is_relu(exp) == relu]

    # ------------------------------------------------------------ inputs
    def covariance_input(self, wildcards) -> dict:
        """Covariance file of a pruning job: none for the methods that ignore C (``cov``
        is ``none``)."""
        w = fields(wildcards)
        if not npplan.job_methods(self.experiment(w), w["cov"]):
            raise ValueError(f"no method of experiment {w['exp']} prunes with covariance {w['cov']}")
        return {} if w["cov"] == NO_COVARIANCE else {"C": self._path(npplan.COVARIANCE, **w)}

    def eigen_input(self, wildcards) -> dict:
        """Cached eigendecomposition of the original network (spectra: full only)."""
        w = fields(wildcards)
        return {"eig": self._path(npplan.EIGEN, **w)} if self.experiment(w)["spectra"] == "full" else {}

    def stiffness_factor_input(self, wildcards) -> dict:
        """Cholesky factor of -A for the spectral eps (plan.uses_stiffness_factor)."""
        w = fields(wildcards)
        if npplan.uses_stiffness_factor(self.experiment(w)):
            return {"factor": self._path(npplan.STIFFNESS_FACTOR, exp=w["exp"], seed=w["seed"])}
        return {}

    def fixed_point_input(self, wildcards) -> dict:
        """Fixed point (and input b) of a rectified-linear experiment's network; none otherwise."""
        w = fields(wildcards)
        if npplan.is_relu(self.experiment(w)):
            return {"fp": self._path(npplan.FIXED_POINT, exp=w["exp"], seed=w["seed"])}
        return {}

    def dynamics_pruned(self, wildcards) -> list[str]:
        """Pruned networks a dynamics job simulates together, pruning seed by pruning seed:
        every method of the experiment (its covariance) for each of the pruning seeds."""
        w = fields(wildcards)
        members = npplan.dynamics_members(self.experiment(w), w["cov"])
        return [
            self._path(npplan.PRUNED, **dict(w, cov=mcov, method=method, pseed=pseed))
            for pseed in self.experiment(w)["prune_seeds"]
            for method, mcov in members
        ]

    def dynamics_pruned_directories(self, wildcards) -> list[str]:
        """Input of a dynamics job: the draws directories of :meth:`dynamics_pruned`."""
        w = fields(wildcards)
        return list(dict.fromkeys(
            self._path(npplan.PRUNED_DRAWS, **dict(w, cov=mcov))
            for _, mcov in npplan.dynamics_members(self.experiment(w), w["cov"])
        ))

    def draw_files(self, **templates: str) -> Callable:
        """Param function of a job that draws every pruning seed of its experiment: by key,
        each per-draw template's file for each pruning seed (in the draws directory that
        is the job's output)."""

        def files(wildcards) -> dict[str, list[str]]:
            w = fields(wildcards)
            return {key: [self._path(t, **dict(w, pseed=p)) for p in self.experiment(w)["prune_seeds"]]
                    for key, t in templates.items()}

        return files

    def pruning_members(self, **templates: str) -> Callable:
        """Param function of a pruning job: for each of its methods (plan.job_methods, in
        config order), its keep-probability settings (``pruning``), the identifying
        columns of its rows (``ids``, the pruning seed added per draw), its probabilities
        file (``P``) and, by key, each per-draw template's file for each pruning seed
        (``files``), all in the job's output directories."""

        def members(wildcards) -> dict[str, dict]:
            w = fields(wildcards)
            out = {}
            for method in npplan.job_methods(self.experiment(w), w["cov"]):
                mw = dict(w, method=method)
                out[method] = dict(pruning=self.probability_params(mw), ids=self.draw_ids(mw),
                                   P=self._path(npplan.PROBABILITIES, **mw), files=self.draw_files(**templates)(mw))
            return out

        return members

    def prune_seeds(self, wildcards) -> list[int]:
        return list(self.experiment(wildcards)["prune_seeds"])

    def trained_members(self, **templates: str) -> Callable:
        """Param function of a trained_reduce job: for each of its reducers
        (plan.trained_job_reducers, in config order), its pruning seeds (``prune_seeds``:
        all, or the first for a deterministic reducer) and, by key, each per-draw
        template's file for each of them (``files``), in the job's draws directory."""

        def members(wildcards) -> dict[str, dict]:
            w = fields(wildcards)
            out = {}
            for reducer in self.plan.trained_job_reducers(w["trained_cov"]):
                seeds = self.plan.trained_prune_seeds(reducer)
                files = {key: [self._path(t, **dict(w, reducer=reducer, trained_prune_seed=p)) for p in seeds]
                         for key, t in templates.items()}
                out[reducer] = dict(prune_seeds=seeds, files=files)
            return out

        return members

    def trained_covariance_input(self, wildcards) -> dict:
        """Covariance file of a reduction job: none for reducers that read no covariance."""
        w = fields(wildcards)
        if not self.plan.trained_job_reducers(w["trained_cov"]):
            raise ValueError(f"no reducer of the trained section reduces with covariance {w['trained_cov']}")
        if w["trained_cov"] == NO_COVARIANCE:
            return {}
        return {"C": self._path(npplan.TRAINED_COVARIANCE, **w)}

    def trained_covariance_outputs(self) -> list[str]:
        """Covariance files of a probe job (the covariances the configured reducers read),
        with the network's wildcards left in."""
        template = self.plan.path(npplan.TRAINED_COVARIANCE)
        return [template.replace("{trained_cov}", cov) for cov in self.plan.trained_covariances()]

    # ------------------------------------------------------------ params
    def network_params(self, wildcards) -> dict:
        return canonical(self.experiment(wildcards)["network"])

    def empirical_params(self, wildcards) -> dict:
        return canonical(self.experiment(wildcards)["empirical"])

    def probability_params(self, wildcards) -> dict:
        w = fields(wildcards)
        exp = self.experiment(w)
        return dict(method=w["method"], keep_fraction=float(w["keep"]), normalization=exp["normalization"],
                    theory_k=exp["theory_k"], theory_eps=exp["theory_eps"])

    def duration(self, wildcards) -> float:
        """Simulated duration T of an empirical-covariance job."""
        return float(fields(wildcards)["duration"])

    def noise_tau(self, wildcards) -> float:
        """Noise correlation time of a colored-noise covariance job."""
        return float(fields(wildcards)["noise_tau"])

    def setting(self, key: str) -> Callable:
        """Param function: the experiment's value of ``key`` (diagonal, spectra, ...)."""
        return lambda wildcards: canonical(self.experiment(wildcards)[key])

    def dynamics_params(self, wildcards) -> dict:
        w = fields(wildcards)
        exp = self.experiment(w)
        members = npplan.dynamics_members(exp, w["cov"])
        extra = {"nonlinearity": "relu"} if npplan.is_relu(exp) else {}
        if noise_tau_of(w["cov"]) > 0:
            extra["noise_tau"] = noise_tau_of(w["cov"])  # each covariance id's dynamics under its noise
        simulation = {k: v for k, v in exp["dynamics_params"].items() if k != "keep_fractions"}  # which jobs, not how
        return canonical(dict(simulation, methods=[m for m, _ in members],
                              method_covariances=[c for _, c in members], **extra))

    def dynamics_sample_params(self, wildcards) -> dict:
        """Stored trajectory sample of a dynamics job: a few neurons (one per cluster) and
        the step stride (noiseprune.dynamics.pick_sample_neurons, sample_stride)."""
        exp = self.experiment(wildcards)
        return dict(neurons=dynamics.pick_sample_neurons(exp["n"], exp["network"].get("clusters")),
                    every=dynamics.sample_stride(exp["dynamics_params"]["steps"]))

    def draw_ids(self, wildcards) -> dict:
        """Identifying columns of a job's rows, as in the tables (the pruning seed is
        added per draw)."""
        w = fields(wildcards)
        ids = dict(network=w["exp"], n=self.experiment(w)["n"], seed=int(w["seed"]), covariance=w["cov"])
        if "method" in w:
            ids["method"] = w["method"]
        ids["keep_fraction"] = float(w["keep"])
        return ids

    def trained_params(self, *extra: str) -> Callable:
        """Param function: the network's cfg (its task) restricted to the keys its jobs read."""
        nets = self.plan.trained_networks()
        return lambda wildcards: canonical({k: nets[fields(wildcards)["trained_name"]].get(k)
                                            for k in TRAINED_CORE + extra})

    # ------------------------------------------------------------ threads and resources
    def threads(self, wildcards) -> int:
        """BLAS threads (and ``threads:``) of a job; see :data:`BLAS_THREADS`."""
        return BLAS_THREADS

    def draw_workers(self, wildcards) -> int:
        """``threads`` of a prune_measure job: its pruning seeds drawn at once, each on
        one BLAS thread (plan.draw_workers)."""
        return npplan.draw_workers(self.experiment(wildcards))

    def cost(self, rule: str, prune_seeds=None) -> Cost:
        """The plan's estimates for ``rule`` (plan.job_memory_mb, plan.job_runtime_min):
        the same the plan checks against the machine and limits.job_cpu_hours."""
        seeds = None if prune_seeds is None else len(prune_seeds)
        return Cost(
            lambda w: npplan.job_memory_mb(rule, self.experiment(w)),
            lambda w: npplan.job_runtime_min(rule, self.experiment(w), w.get("duration"), seeds, w.get("cov")),
        )

    def trained_cost(self, rule: str) -> Cost:
        """The plan's estimates for a trained ``rule``; a trained_reduce job runs the
        reducers of its covariance one after the other (a job with a ``reducer`` wildcard,
        trained_iterate, runs that one)."""

        def reducers(w) -> int:
            if "trained_cov" not in w or "reducer" in w:
                return 1
            return len(self.plan.trained_job_reducers(w["trained_cov"]))

        return Cost(lambda w: npplan.trained_memory_mb(rule, self.trained),
                    lambda w: npplan.trained_runtime_min(rule, self.trained, reducers(w)))

    def tables_cost(self) -> Cost:
        """The tables jobs hold the eigen rows of every draw."""
        return Cost(lambda w: 1000 + self.plan.eigen_rows() * 20 * 8 * 3 / 2**20, lambda w: 10)

    # ------------------------------------------------------------ logs and benchmarks
    def log(self, rule: str, pattern: str) -> str:
        return f"{self.plan.results_dir}/logs/{rule}/{pattern}.log"

    def benchmark(self, rule: str, pattern: str) -> str:
        return f"{self.plan.results_dir}/benchmarks/{rule}/{pattern}.tsv"

    # ------------------------------------------------------------ brain-scale sparse networks
    def brain_wildcard_patterns(self) -> dict[str, str]:
        brain = self.plan.brain or {}
        return dict(
            brain_name=alternation([brain["name"]] if brain else []),
            brain_n=alternation(brain.get("sizes", [])),
            brain_seed=alternation(brain.get("seeds", [])),
        )

    def brain_params(self, wildcards) -> dict:
        """Everything a brain_scale job reads: the section with the network of its size."""
        from .config import brain_network

        b = self.plan.brain
        return canonical({**{k: b[k] for k in ("name", "methods", "keep_fraction", "prune_seeds", "covariance",
                                                 "eigenvalues", "spectral_eps", "dynamics")},
                          "network": brain_network(b, int(wildcards.brain_n))})

    def brain_accuracy_params(self) -> dict:
        from .config import brain_network

        b = self.plan.brain or {}
        if not b:
            return {}
        return canonical({"network": brain_network(b, b["accuracy"]["size"]), "durations": b["accuracy"]["durations"],
                          "replicas": b["accuracy"]["replicas"], "dt": b["covariance"]["dt"],
                          "burn_in": b["covariance"]["burn_in"], "name": b["name"]})

    def brain_online_params(self) -> dict:
        """Everything a brain_online job reads: brain_scale.online with its network, the
        section's keep fraction, eigenvalues and the covariance run's dt and burn-in."""
        from .config import brain_network

        b = self.plan.brain or {}
        if not b.get("online"):
            return {}
        o = b["online"]
        return canonical({**{k: o[k] for k in ("duration", "replicas", "warm_ups", "check_every", "tolerance", "prune_seeds")},
                          "network": brain_network(b, o["size"]), "keep_fraction": b["keep_fraction"],
                          "eigenvalues": b["eigenvalues"], "dt": b["covariance"]["dt"],
                          "burn_in": b["covariance"]["burn_in"], "name": b["name"]})

    def brain_cost(self) -> Cost:
        return Cost(lambda w: npplan.brain_memory_mb(self.plan.brain, int(w["brain_n"])),
                    lambda w: npplan.brain_runtime_min(self.plan.brain, int(w["brain_n"])))
