# Brain-scale sparse networks (docs/method.md, Brain-scale sparse networks; the config's
# `brain_scale` section): one job per (size, seed) runs the whole sparse path
# (noiseprune.brain_scale.run: network, edge-local covariance by simulation, pruning by
# every method, slowest and fastest eigenvalues, spectral eps, trajectory errors), one
# job per seed the estimation error of the rule's quantity against the duration, with
# `online` one job per seed the online rule against pruning once at the end, and one
# rule per table family.


rule brain_scale:
    """One sparse network's whole path; a JSON of its metrics and the seconds of each stage."""
    output:
        result=BRAIN_RESULT,
    log:
        JOBS.log("brain_scale", "{brain_name}/N{brain_n}/seed{brain_seed}"),
    benchmark:
        JOBS.benchmark("brain_scale", "{brain_name}/N{brain_n}/seed{brain_seed}")
    priority: JOBS.brain_cost().priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.brain_cost().mem_mb,
        runtime=JOBS.brain_cost().runtime,
    params:
        brain=JOBS.brain_params,
        blas_threads=JOBS.threads,
    script:
        "../scripts/brain_scale.py"


rule brain_accuracy:
    """Estimation error of C_ii + C_jj - 2 sign(a_ij) C_ij from covariance.on_edges against
    covariance.exact, per duration, on the section's small network."""
    output:
        result=BRAIN_ACCURACY,
    log:
        JOBS.log("brain_accuracy", "{brain_name}/seed{brain_seed}"),
    benchmark:
        JOBS.benchmark("brain_accuracy", "{brain_name}/seed{brain_seed}")
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        accuracy=JOBS.brain_accuracy_params(),
        blas_threads=JOBS.threads,
    script:
        "../scripts/brain_accuracy.py"


rule brain_online:
    """The online rule against pruning once at the end on one network (brain_scale.online):
    every pruning seed and warm-up, slowest-mode errors per run."""
    output:
        result=BRAIN_ONLINE,
    log:
        JOBS.log("brain_online", "{brain_name}/seed{brain_seed}"),
    benchmark:
        JOBS.benchmark("brain_online", "{brain_name}/seed{brain_seed}")
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        online=JOBS.brain_online_params(),
        blas_threads=JOBS.threads,
    script:
        "../scripts/brain_online.py"


rule brain_online_tables:
    """brain_online.csv (one row per network seed, pruning seed and warm-up) and
    brain_online_digest.csv (medians per warm-up; each warm-up against once at the end on
    the same draws, Wilcoxon signed-rank, Holm-corrected)."""
    input:
        results=PLAN.brain_onlines(),
    output:
        **ONLINE_TABLES,
    log:
        JOBS.log("tables", "brain_online"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        name=PLAN.brain["name"] if PLAN.brain else "",
    script:
        "../scripts/table_brain_online.py"


rule brain_tables:
    """brain_scale.csv (one row per method and pruning seed), brain_eigen.csv (one row per
    eigenvalue), brain_accuracy.csv (per duration), brain_cost.csv (seconds per stage) and
    brain_digest.csv (medians, and noise-prune against each control on the same draws).
    """
    input:
        results=PLAN.brain_results(),
        accuracy=PLAN.brain_accuracies(),
    output:
        **BRAIN_TABLES,
    log:
        JOBS.log("tables", "brain"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        name=PLAN.brain["name"] if PLAN.brain else "",
    script:
        "../scripts/table_brain.py"
