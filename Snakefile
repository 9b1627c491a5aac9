# noiseprune: reproduction of Moore & Chaudhuri, "Using noise to probe recurrent
# neural network structure and prune synapses" (NeurIPS 2020).
#
#   snakemake --cores all --workflow-profile workflow/profiles/default [--configfile my.yaml]
#
# Exactly one config is used: config.yaml, or the --configfile given instead (never
# merged with config.yaml, here or in cluster jobs). Its outputs go under its own
# results_dir. The config is validated (JSON schema, then semantic checks) in common.smk before
# any job runs; every stage lives in its own file under workflow/rules/.

from snakemake.utils import min_version

min_version("9.0")


# config.yaml only when no config file is given: Snakemake would otherwise merge it
# under the given one (and cluster jobs, which get --configfiles, would too).
if not workflow.configfiles:

    configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/network.smk"
include: "workflow/rules/covariance.smk"
include: "workflow/rules/spectra.smk"
include: "workflow/rules/prune_measure.smk"
include: "workflow/rules/relu.smk"
include: "workflow/rules/dynamics.smk"
include: "workflow/rules/trained.smk"
include: "workflow/rules/brain.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/questions.smk"
include: "workflow/rules/figures.smk"


# Every table and figure of the configured experiments.
rule all:
    default_target: True
    input:
        final_outputs,
