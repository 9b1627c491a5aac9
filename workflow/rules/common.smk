"""The validated config, its plan (noiseprune.pipeline.plan) and what the rules ask of
it for each job (noiseprune.pipeline.jobs, JOBS: inputs, params, resources), the path
templates and the wildcards' patterns.

Every config value a job needs reaches its script through `params`; scripts never
read the global config.
"""

import os
import sys

from noiseprune.pipeline import config as npconfig
from noiseprune.pipeline import plan as npplan
from noiseprune.pipeline import verify as npverify
from noiseprune.pipeline.jobs import Jobs, alternation, canonical

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
        npverify.CONFIG_ENV,
        str(npverify.relative_to_cwd(workflow.configfiles[0])),
    )

JOBS = Jobs(PLAN)

# ---------------------------------------------------------------- path templates
# Every output lies under the config's results_dir (the plan roots the templates).
NETWORK = PLAN.path(npplan.NETWORK)
NETWORK_META = PLAN.path(npplan.NETWORK_META)
COVARIANCE = PLAN.path(npplan.COVARIANCE)
EIGEN = PLAN.path(npplan.EIGEN)
STIFFNESS_FACTOR = PLAN.path(npplan.STIFFNESS_FACTOR)
# A job that draws every pruning seed (and, pruning, every method of one covariance)
# writes one file per draw into a draws directory (plan.draws_directory), its declared output.
PROBABILITIES_DRAWS = PLAN.path(npplan.PROBABILITIES_DRAWS)
PRUNED_DRAWS = PLAN.path(npplan.PRUNED_DRAWS)
METRICS_DRAWS = PLAN.path(npplan.METRICS_DRAWS)
DYNAMICS_DRAWS = PLAN.path(npplan.DYNAMICS_DRAWS)
TABLES = PLAN.paths(npplan.TABLES)
TRAINED_PARAMS = PLAN.path(npplan.TRAINED_PARAMS)
TRAINED_LOG = PLAN.path(npplan.TRAINED_LOG)
TRAINED_ORIGINAL = PLAN.path(npplan.TRAINED_ORIGINAL)
TRAINED_ORIGINAL_METRICS = PLAN.path(npplan.TRAINED_ORIGINAL_METRICS)
TRAINED_DRAWS = PLAN.path(npplan.TRAINED_DRAWS)
TRAINED_SCHEDULE = PLAN.path(npplan.TRAINED_SCHEDULE)
TRAINED_TABLES = PLAN.paths(npplan.TRAINED_TABLES)
FIXED_POINT = PLAN.path(npplan.FIXED_POINT)
RELU_DRAWS = PLAN.path(npplan.RELU_DRAWS)
RELU_TABLES = PLAN.paths(npplan.RELU_TABLES)
BRAIN_RESULT = PLAN.path(npplan.BRAIN_RESULT)
BRAIN_ACCURACY = PLAN.path(npplan.BRAIN_ACCURACY)
BRAIN_TABLES = PLAN.paths(npplan.BRAIN_TABLES)
BRAIN_ONLINE = PLAN.path(npplan.BRAIN_ONLINE)
ONLINE_TABLES = PLAN.paths(npplan.ONLINE_TABLES)

# ---------------------------------------------------------------- wildcards
# Each wildcard matches exactly the values the config names (noiseprune.pipeline.jobs).
WILDCARDS = JOBS.wildcard_patterns()


wildcard_constraints:
    exp=WILDCARDS["exp"],
    seed=WILDCARDS["seed"],
    keep=WILDCARDS["keep"],
    method=WILDCARDS["method"],
    cov=WILDCARDS["cov"],
    duration=WILDCARDS["duration"],
    noise_tau=WILDCARDS["noise_tau"],
    trained_name=WILDCARDS["trained_name"],
    trained_seed=WILDCARDS["trained_seed"],
    trained_keep=WILDCARDS["trained_keep"],
    trained_cov=WILDCARDS["trained_cov"],
    reducer=WILDCARDS["reducer"],
    brain_name=WILDCARDS["brain_name"],
    brain_n=WILDCARDS["brain_n"],
    brain_seed=WILDCARDS["brain_seed"],


def final_outputs(wildcards):
    """Everything the default target builds: the tables, the figures and the report
    tables (an input function: the figures are planned only when this target is built).
    """
    return (
        PLAN.table_targets()
        + PLAN.figure_files()
        + list(PLAN.report_digests().values())
    )
