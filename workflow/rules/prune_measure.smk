rule prune_measure:
    """One job per (network, seed, covariance, keep fraction) for every method that prunes
    with that covariance (plan.job_methods) and every pruning seed of the experiment
    (docs/method.md, The rule and Metrics): the keep probabilities, each pruned network
    and its spectral metrics, with A, C, the eigendecomposition and the Cholesky factor
    of -A loaded or computed once. Every draw is still its own file, under the job's
    three output directories, one subdirectory (or file) per method."""
    input:
        unpack(JOBS.covariance_input),
        unpack(JOBS.eigen_input),
        unpack(JOBS.stiffness_factor_input),
        A=NETWORK,
    output:
        P=directory(PROBABILITIES_DRAWS),
        pruned=directory(PRUNED_DRAWS),
        metrics=directory(METRICS_DRAWS),
    log:
        JOBS.log("prune_measure", "{exp}/seed{seed}/{cov}/keep{keep}"),
    benchmark:
        JOBS.benchmark("prune_measure", "{exp}/seed{seed}/{cov}/keep{keep}")
    wildcard_constraints:
        exp=alternation(JOBS.experiments_of(relu=False)),
    priority: JOBS.cost("prune_measure").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.draw_workers
    resources:
        mem_mb=JOBS.cost("prune_measure").mem_mb,
        runtime=JOBS.cost("prune_measure").runtime,
    params:
        members=JOBS.pruning_members(
            pruned=npplan.PRUNED,
            eigen=npplan.METRICS_EIGEN,
            summary=npplan.METRICS_SUMMARY,
        ),
        diagonal=JOBS.setting("diagonal"),
        spectra=JOBS.setting("spectra"),
        prune_seeds=JOBS.prune_seeds,
        blas_threads=JOBS.threads,
    script:
        "../scripts/prune_measure.py"
