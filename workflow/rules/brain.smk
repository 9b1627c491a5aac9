# Brain-scale sparse networks (docs/method.md, Brain-scale sparse networks; the config's
# `brain_scale` section): one job per (size, seed) runs the whole sparse path
# (noiseprune.brain_scale.run: network, edge-local covariance by simulation, pruning by
# every method, slowest and fastest eigenvalues, spectral eps, trajectory errors), one
# job per seed the estimation error of the rule's quantity against the duration, and
# one rule the four tables.


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
