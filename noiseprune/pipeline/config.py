"""Validation and expansion of the workflow configuration (``config.yaml``).

Pure Python, usable and testable without Snakemake. :func:`prepare` is what the
workflow calls before any job runs:

1. one pass of the JSON schema (``noiseprune/pipeline/config.schema.yaml``, completed
   from the registries: the method names of :mod:`noiseprune.methods` and the network
   kinds of :mod:`noiseprune.networks`) checks types, enums, ranges and required keys
   and fills in the schema's defaults;
2. checks that compare fields (which a schema cannot express) run on every
   experiment: long-range entries against N, the theory normalization against the
   methods, durations against replicas x dt, and the like;
3. ``defaults`` are merged into every experiment (mappings key by key) and the
   ``scaling`` section is expanded into generated experiments ``scaling_N<size>``.

Every failure is a :class:`ConfigError` whose message is one line naming the key
path and the offending value, e.g.
``config error: experiments.paper2000.keep_fractions[0] = 1.5: must be <= 1``.
"""

from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from noiseprune import hashing
from noiseprune._checks import DENSIFY_MAX_N
from noiseprune import methods
from noiseprune import networks
from noiseprune.pipeline.ids import NO_COVARIANCE, format_number  # noqa: F401  (config.format_number for callers)
from noiseprune.pipeline.schema import DEFAULT_SCHEMA, ConfigError, _fail, _fail_key, _path, check_schema, fill_defaults, load_schema, load_yaml

__all__ = ["ConfigError", "DEFAULT_SCHEMA", "check_schema", "fill_defaults", "load_schema", "load_yaml", "prepare", "expand"]

#: The checkout this module belongs to, the folder with the Snakefile (an absolute
#: results_dir may not lie in it).
REPOSITORY = next(
    (str(p) for p in Path(__file__).resolve().parents if (p / "Snakefile").is_file()),
    str(Path(__file__).resolve().parent.parent),
)
#: Prefix of the experiments generated from the ``scaling`` section.
SCALING_PREFIX = "scaling_N"

#: Keys of ``defaults`` that every experiment inherits (mappings merge key by key).
INHERITED = (
    "methods",
    "normalization",
    "theory_k",
    "theory_eps",
    "diagonal",
    "spectra",
    "covariance",
    "empirical",
    "dynamics_params",
    "dynamics",
)

# --------------------------------------------------------------------------- formatting


# --------------------------------------------------------------------------- checks that compare fields


#: Longest experiment (and trained section) name: names are path components and wildcards.
NAME_MAX_LENGTH = 64
#: Snakemake refuses a wildcard value ending in a pattern repeated this often (it takes
#: it for an infinite recursion of rules).
_PERIODIC = re.compile(r"(.+?)\1{19,}$")


def check_name(path: list, name: str) -> None:
    """One-line ConfigError unless ``name`` can be a path component and a wildcard value."""
    if len(name) > NAME_MAX_LENGTH:
        _fail(path, name, f"names are at most {NAME_MAX_LENGTH} characters (it has {len(name)})")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        _fail(path, name, "names start with a letter, then letters, digits, _ or -")
    periodic = _PERIODIC.search(name)
    if periodic:
        _fail(path, name, f"must not end in {periodic.group(1)!r} repeated 20 times or more "
              "(Snakemake takes such a name for an endless recursion)")


def _check_network(net: Mapping, path: list) -> tuple[int, float | None]:
    """Cross-field checks of a network mapping (schema-complete); return its size N and
    expected number of off-diagonal nonzeros (None if the kind does not say)."""
    spec = networks.get(net.get("kind", networks.DEFAULT_KIND))
    params = {k: v for k, v in net.items() if k != "kind"}
    problem = spec.check(params) if spec.check else None
    if problem:
        key, message = problem
        _fail(path + [key], net.get(key), message)
    return int(spec.size(params)), (float(spec.edges(params)) if spec.edges else None)


def _check_keep_fractions(fractions, entries: float, path: list, what: str) -> None:
    """Refuse a keep fraction whose expected kept count is below one entry."""
    for i, keep in enumerate(fractions):
        if keep * entries < 1:
            _fail(path + [i], keep, f"keeps {keep * entries:.3g} of the {entries:.0f} {what} in expectation, "
                  f"fewer than one (the smallest keep fraction is {format_number(float(f'{1 / entries:.3g}'))})")


def _check_unique_numbers(values, path) -> None:
    """Numbers that print the same in paths (10 and 10.0) would share their files."""
    seen = {}
    for i, v in enumerate(values):
        key = format_number(v)
        if key in seen:
            _fail(path + [i], v, f"duplicate of {_path(path + [seen[key]])}")
        seen[key] = i


def _check_settings(exp: Mapping, path: list) -> None:
    """Cross-field checks of a resolved experiment (after merging ``defaults``)."""
    chosen = exp["methods"]
    if exp["normalization"] == "theory":
        others = [m for m in chosen if not methods.get(m).supports_theory]
        if others:
            supported = " and ".join(m for m in methods.names() if methods.get(m).supports_theory)
            _fail(path + ["normalization"], "theory", f"applies to methods {supported} only, not {', '.join(others)}")
    if exp.get("input") is not None and exp.get("dynamics_model", "linear") != "relu":
        _fail(path + ["input"], dict(exp["input"]), "applies to dynamics_model: relu only (a linear experiment's input is dynamics_params.background)")
    tau = (exp.get("noise") or {}).get("tau", 0)
    taus = tau if isinstance(tau, list) else [tau]
    _check_unique_numbers(taus, path + ["noise", "tau"])
    colored = [t for t in taus if t > 0]
    if colored and exp.get("dynamics_model", "linear") == "relu":
        _fail(path + ["noise", "tau"], tau, "colored noise applies to dynamics_model: linear only")
    cov, emp = exp["covariance"], exp["empirical"]
    durations = cov["durations"]
    _check_unique_numbers(exp["keep_fractions"], path + ["keep_fractions"])
    simulated = exp["dynamics_params"].get("keep_fractions")
    if simulated is not None:
        _check_unique_numbers(simulated, path + ["dynamics_params", "keep_fractions"])
        for i, k in enumerate(simulated):
            if k not in exp["keep_fractions"]:
                _fail(path + ["dynamics_params", "keep_fractions", i], k, f"not one of the experiment's keep_fractions {list(exp['keep_fractions'])}")
    _check_unique_numbers(durations, path + ["covariance", "durations"])
    users = [m for m in chosen if methods.get(m).uses_covariance]
    if users and not cov["exact"] and not durations:
        _fail(
            path + ["covariance"],
            dict(cov),
            f"method {users[0]!r} needs a covariance source: set exact: true or give durations",
        )
    for i, d in enumerate(durations):
        if d / emp["replicas"] / emp["dt"] < 2:
            _fail(
                path + ["covariance", "durations", i],
                d,
                f"too short: {emp['replicas']} replicas x dt {emp['dt']} leave fewer than 2 samples per replica "
                f"(need >= {format_number(2 * emp['replicas'] * emp['dt'])})",
            )


def check_trained(trained: Mapping) -> dict:
    """Cross-field checks of a schema-complete ``trained`` section; returns it (a copy)."""
    from noiseprune.trained import experiment

    path = ["trained"]
    if trained.get("tasks") and trained.get("task"):
        _fail(path + ["task"], trained["task"], "give either task or tasks, not both")
    if trained["dt"] > trained["tau"]:
        _fail(path + ["dt"], trained["dt"], f"must be <= tau ({trained['tau']}) for a stable Euler step")
    key = "tasks" if trained.get("tasks") else "task"
    try:
        nets = experiment.networks(trained)
    except ValueError as err:
        _fail(path + [key], trained[key], str(err))
    for i, cfg in enumerate(nets.values()):
        where = path + ([key, i] if key == "tasks" else [key])
        task = cfg["task"]
        if task["name"] == "ready_set_go":
            if not task["interval_max"] > task["interval_min"]:
                _fail(where + ["interval_max"], task["interval_max"],
                      f"must be > task.interval_min ({task['interval_min']}): the interval range is empty")
            if task["ready_max"] < task["ready_min"]:
                _fail(where + ["ready_max"], task["ready_max"], f"must be >= task.ready_min ({task['ready_min']})")
            if task["pulse"] < trained["dt"]:
                _fail(where + ["pulse"], task["pulse"], f"must be >= dt ({trained['dt']}): a pulse lasts at least one step")
        try:
            experiment.task_of(cfg)
        except ValueError as err:
            _fail(where, task["name"], str(err))
        check_name(path + ["name"], cfg["name"])
        try:
            experiment.check_budget(cfg)
        except ValueError as err:
            _fail(path + ["training", "budget_minutes"], trained["training"]["budget_minutes"], str(err))
    _check_unique_numbers(trained["keep_fractions"], path + ["keep_fractions"])
    _check_keep_fractions(trained["keep_fractions"], trained["n"] ** 2, path + ["keep_fractions"], "recurrent weights")
    check_name(path + ["name"], trained["name"])
    if trained["name"].startswith(SCALING_PREFIX):
        _fail(path + ["name"], trained["name"], f"names starting with {SCALING_PREFIX!r} are reserved")
    return copy.deepcopy(dict(trained))


# --------------------------------------------------------------------------- expansion


def brain_network(brain: Mapping, size: int) -> dict:
    """The network mapping of one size of a brain_scale section: its clusters repeated to N = size."""
    return {"kind": "sparse_clustered", **brain["network"], "repeat": size // sum(brain["network"]["clusters"])}


def check_brain_scale(brain: Mapping) -> dict:
    """Cross-field checks of a schema-complete ``brain_scale`` section; returns it (a copy)."""
    path = ["brain_scale"]
    check_name(path + ["name"], brain["name"])
    if brain["name"].startswith(SCALING_PREFIX):
        _fail(path + ["name"], brain["name"], f"names starting with {SCALING_PREFIX!r} are reserved")
    unit = sum(brain["network"]["clusters"])
    online = brain.get("online")
    keyed = [(path + ["sizes", i], size) for i, size in enumerate(brain["sizes"])]
    keyed.append((path + ["accuracy", "size"], brain["accuracy"]["size"]))
    if online:
        keyed.append((path + ["online", "size"], online["size"]))
    for key, size in keyed:
        if size % unit:
            _fail(key, size, f"must be a multiple of sum(network.clusters) = {unit}")
        _check_network(brain_network(brain, size), path + ["network"])
    if brain["accuracy"]["size"] > DENSIFY_MAX_N:
        _fail(path + ["accuracy", "size"], brain["accuracy"]["size"],
              f"must be <= {DENSIFY_MAX_N}: the exact covariance it is compared with is dense")
    for i, size in enumerate(brain["sizes"]):
        edges = networks.get("sparse_clustered").edges(brain_network(brain, size))
        if brain["keep_fraction"] * edges < 1:
            _fail(path + ["keep_fraction"], brain["keep_fraction"], f"keeps fewer than one of the {edges:g} synapses of N = {size}")
        if brain["eigenvalues"] >= size - 1:
            _fail(path + ["eigenvalues"], brain["eigenvalues"], f"must be below N - 1 = {size - 1} for N = {size}")
    if online:
        if brain["eigenvalues"] >= online["size"] - 1:
            _fail(path + ["eigenvalues"], brain["eigenvalues"], f"must be below N - 1 = {online['size'] - 1} for online.size = {online['size']}")
        for i, warm_up in enumerate(online["warm_ups"]):
            if warm_up >= online["duration"]:
                _fail(path + ["online", "warm_ups", i], warm_up,
                      f"must be below online.duration = {online['duration']:g} (the once-at-the-end run is added)")
    return copy.deepcopy(dict(brain))


def merge(defaults: Mapping, overrides: Mapping) -> dict:
    """``defaults`` overridden by ``overrides``; mappings present in both merge key by key."""
    out = copy.deepcopy(dict(defaults))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def cluster_sizes(n: int, fractions: Sequence[float]) -> list[int]:
    """Split ``n`` neurons into clusters proportional to ``fractions`` (largest remainder; sums to n)."""
    raw = [f * n for f in fractions]
    sizes = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - sizes[i]), i))
    for i in order[: n - sum(sizes)]:
        sizes[i] += 1
    return sizes


def scaling_experiments(scaling: Mapping) -> dict[str, dict]:
    """Unresolved experiments ``scaling_N<size>`` (one per size) from a schema-complete ``scaling`` section."""
    path = ["scaling"]
    fractions = scaling["cluster_fractions"]
    if abs(sum(fractions) - 1.0) > 1e-9:
        _fail(path + ["cluster_fractions"], fractions, f"must sum to 1 (sum is {sum(fractions):g})")
    out = {}
    for i, n in enumerate(scaling["sizes"]):
        clusters = cluster_sizes(n, fractions)
        if min(clusters) < 1:
            _fail(path + ["sizes", i], n, f"too small for cluster_fractions {fractions} (a cluster would be empty)")
        network = {
            "kind": "clustered",
            "clusters": clusters,
            "density": scaling["density"],
            "long_range": int(round(scaling["long_range_per_neuron"] * n)),
            "symmetric": scaling["symmetric"],
            "leak": scaling["leak"],
            "strong_pairs": 0,
            "strong_scale": 8.0,
        }
        exp = {"network": network, "dynamics": False}
        for key in ("seeds", "keep_fractions", "prune_seeds", *INHERITED):
            if key in scaling and key != "dynamics":
                exp[key] = copy.deepcopy(scaling[key])
        out[f"{SCALING_PREFIX}{n}"] = exp
    return out


#: Directories of the repository a relative results_dir must not be (or lie in).
RESERVED_DIRS = ("workflow", "noiseprune", "tests", "docs", "benchmarks", "configs", ".snakemake", ".git")
#: System directories an absolute results_dir must not be or lie in.
SYSTEM_DIRS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin",
               "/sys", "/usr", "/var")
#: Directories an absolute results_dir must not be itself (results go into a folder of their own there).
SHARED_DIRS = ("/", "/home", "/root", "/tmp", "/var/tmp", "/opt", "/srv", "/mnt", "/media", "/scratch")
#: Characters of a results_dir (no shell, HTML, glob or Snakemake wildcard characters).
RESULTS_DIR_PATTERN = re.compile(r"[A-Za-z0-9._/-]+")
RESULTS_DIR_MAX_LENGTH = 200


def check_results_dir(value: str, repository=None) -> str:
    """``value`` normalized (``results/`` -> ``results``); raises ConfigError (one line
    naming the value and the rule) unless it is a place the pipeline may own:

    - characters from ``A-Za-z0-9._/-``, at most RESULTS_DIR_MAX_LENGTH of them, no
      component starting with ``-``;
    - relative: inside the working directory (no ``..`` out of it), not the working
      directory itself, not in one of its own folders (RESERVED_DIRS);
    - absolute: outside ``repository`` (default: this checkout), not one of its
      ancestors, not ``/`` or a system directory (SYSTEM_DIRS) or a shared one itself
      (SHARED_DIRS).

    Pure text: the checks that look at the disk (symlinks, an existing directory's
    marker, nesting) are :func:`check_location`'s.
    """
    rule = None
    if len(value) > RESULTS_DIR_MAX_LENGTH:
        rule = f"longer than {RESULTS_DIR_MAX_LENGTH} characters"
    elif not RESULTS_DIR_PATTERN.fullmatch(value):
        bad = "".join(sorted(set(value) - set("".join(c for c in map(chr, range(128)) if RESULTS_DIR_PATTERN.fullmatch(c)))))
        rule = f"may contain letters, digits and - _ . / only, not {bad!r}"
    if rule:
        _fail(["results_dir"], value, rule)
    path = os.path.normpath(value)
    parts = path.split(os.sep)
    if any(part.startswith("-") for part in parts):
        _fail(["results_dir"], value, "no part of it may start with - (it would read as an option)")
    if not os.path.isabs(path):
        if parts[0] == os.pardir:
            _fail(["results_dir"], value, "leads out of the working directory; a relative results_dir lies inside it")
        if path == "." or parts[0] in RESERVED_DIRS:
            _fail(["results_dir"], value, "would write results into the working directory itself or its own files "
                  f"({', '.join(RESERVED_DIRS)}); name a directory of its own, such as results/myrun")
        return path
    repository = os.path.realpath(repository or REPOSITORY)
    if path in SHARED_DIRS or any(path == d or path.startswith(d + os.sep) for d in SYSTEM_DIRS):
        _fail(["results_dir"], value, "is / or a system directory; name a directory of its own, such as /scratch/me/run1")
    if path == repository or path.startswith(repository + os.sep):
        _fail(["results_dir"], value, f"lies in the repository {repository}: give it relative to the repository")
    if repository.startswith(path + os.sep):
        _fail(["results_dir"], value, f"contains the repository {repository}: results need a directory of their own")
    return path


# --------------------------------------------------------------------------- who owns a results directory
#: Marker file of a results directory, written when the pipeline creates (or first
#: fills) it: the pipeline only writes into a non-empty directory that has it.
MARKER = ".noiseprune-results"


class LocationError(ValueError):
    """A results directory the pipeline may not write into; one line."""


def owner(path, stop=None) -> Path | None:
    """The results directory that ``path`` belongs to: its nearest ancestor holding the
    marker (``path`` itself included), looked up no higher than ``stop``; None if none."""
    path = Path(os.path.abspath(path))
    for directory in (path, *path.parents):
        if (directory / MARKER).is_file():
            return directory
        if stop is not None and directory == Path(stop):
            break
    return None


def check_location(results_dir, workdir=".") -> None:
    """Raise :class:`LocationError` (one line naming the directory and the rule) unless
    the pipeline may write into ``results_dir`` (relative to ``workdir``):

    - with symbolic links resolved, it still keeps the rules of a results_dir
      (:func:`noiseprune.config.check_results_dir`: a relative one inside ``workdir``);
    - it is not inside another config's results directory (one with the marker);
    - if it exists and is not empty, it has the marker: a results directory of this
      pipeline, not somebody's folder.
    """
    workdir = os.path.realpath(workdir)
    given = Path(os.path.normpath(os.path.join(workdir, results_dir)))
    real = os.path.realpath(given)
    if real != str(given):
        inside = real.startswith(workdir + os.sep)
        try:
            check_results_dir(os.path.relpath(real, workdir) if inside else real)
        except ConfigError as err:
            raise LocationError(f"results directory {results_dir} leads through a symbolic link to {real}, "
                                f"where it may not write ({str(err).rpartition(': ')[2]})") from None
    outer = owner(given.parent)
    if outer is not None:
        raise LocationError(f"results directory {results_dir} lies inside {outer}, the results directory of another "
                            "config; results directories may not nest")
    if given.exists() and not given.is_dir():
        raise LocationError(f"results directory {results_dir} exists and is not a directory")
    if given.is_dir() and not (given / MARKER).is_file() and any(given.iterdir()):
        raise LocationError(f"results directory {results_dir} exists, is not empty and was not created by this "
                            f"pipeline (it lacks {MARKER}); name a new or empty directory")


def claim(results_dir, workdir=".") -> None:
    """Check ``results_dir`` (:func:`check_location`), create it if needed and write its
    marker; OSError messages become one line naming the directory."""
    check_location(results_dir, workdir)
    marker = Path(workdir, results_dir) / MARKER
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        if not marker.is_file():
            tmp = marker.with_name(f"{MARKER}{hashing.TEMPORARY_TAG}{os.urandom(6).hex()}")
            try:
                tmp.write_text("A results directory of the noiseprune pipeline (docs/safety.md).\n")
                os.replace(tmp, marker)
            finally:
                tmp.unlink(missing_ok=True)
    except OSError as err:
        raise LocationError(f"cannot write the results directory {results_dir}: {err.strerror or err}") from None


def expand(config: Mapping) -> dict:
    """Resolved experiments from a schema-valid config (defaults filled in).

    Returns
    -------
    dict with keys
        ``experiments``: name -> resolved experiment (every inheritable key present, plus
        ``name``, ``n`` and ``scaling`` (bool: generated from the scaling section));
        ``scaling``: None or a dict with ``experiments`` (names, by size) and ``target_eps``;
        ``results_dir``: where every output goes (normalized);
        ``figures``: the ``figures`` section, and ``figures_explicit`` (whether the
        config spelled it out, so that a figure naming a missing experiment is an error).

    Raises
    ------
    ConfigError
        On the first invalid value (one line naming its key path).
    """
    defaults = config.get("defaults", {})
    raw: dict[str, tuple[list, dict, bool]] = {}
    for name, exp in (config.get("experiments") or {}).items():
        if name.startswith(SCALING_PREFIX):
            _fail_key(["experiments", name], f"names starting with {SCALING_PREFIX!r} are reserved for the scaling section")
        raw[name] = (["experiments", name], dict(exp), False)

    scaling = config.get("scaling")
    scaling_info = None
    if scaling is not None:
        generated = scaling_experiments(scaling)
        for name, exp in generated.items():
            raw[name] = (["scaling"], exp, True)
        scaling_info = {"experiments": list(generated), "target_eps": float(scaling["target_eps"])}

    if not raw and config.get("brain_scale") is None:
        _fail_key(["experiments"], "no experiments configured (add an experiment, a scaling or a brain_scale section)")

    resolved = {}
    for name, (path, exp, generated) in raw.items():
        if not generated:
            check_name(path, name)
        full = merge({k: defaults[k] for k in INHERITED if k in defaults}, exp)
        if full["network"].get("kind") == "sparse_clustered":
            _fail(path + ["network", "kind"], "sparse_clustered",
                  "a sparse network goes in the brain_scale section (the experiments' jobs store dense matrices)")
        n, entries = _check_network(full["network"], path + ["network"])
        if entries is not None:
            _check_keep_fractions(full["keep_fractions"], entries, path + ["keep_fractions"], f"off-diagonal entries of {name}")
        _check_settings(full, path)
        full.setdefault("dynamics_model", "linear")
        full.update(name=name, n=n, scaling=generated)
        resolved[name] = full
    trained = check_trained(config["trained"]) if config.get("trained") is not None else None
    if trained is not None and trained["name"] in resolved:
        _fail(["trained", "name"], trained["name"], "is also the name of an experiment")
    brain = check_brain_scale(config["brain_scale"]) if config.get("brain_scale") is not None else None
    if brain is not None and (brain["name"] in resolved or (trained is not None and brain["name"] == trained["name"])):
        _fail(["brain_scale", "name"], brain["name"], "is also the name of an experiment or of the trained section")
    return {
        "results_dir": check_results_dir(config.get("results_dir", "results")),
        "experiments": resolved,
        "scaling": scaling_info,
        "trained": trained,
        "brain_scale": brain,
        "figures": config.get("figures", {}),
        "limits": dict(config.get("limits") or {}),
    }


def prepare(config: Mapping, schema=DEFAULT_SCHEMA) -> dict:
    """Validate ``config`` (one schema pass, then the checks that compare fields) and expand it.

    ``config`` is not modified: defaults are filled into a deep copy. Returns
    :func:`expand`'s result, with ``figures_explicit`` set when the config has its own
    ``figures`` section.
    """
    if not isinstance(config, Mapping):
        _fail([], config, "the configuration must be a mapping")
    explicit = "figures" in config
    config = copy.deepcopy(dict(config))
    check_schema(config, load_schema(schema))
    result = expand(config)
    result["figures_explicit"] = explicit
    return result
