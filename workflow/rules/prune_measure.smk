rule prune_measure:
    """One job per (network, seed, covariance, method, keep fraction) for every pruning
    seed of the experiment (docs/method.md, The rule and Metrics): the keep
    probabilities, each pruned network and its spectral metrics, with A, C, the
    eigendecomposition and the Cholesky factor of -A loaded or computed once. Every
    draw is still its own file, in the job's two draws directories."""
    input:
        unpack(JOBS.covariance_input),
        unpack(JOBS.eigen_input),
        unpack(JOBS.stiffness_factor_input),
        A=NETWORK,
    output:
        P=PROBABILITIES,
        pruned=directory(PRUNED_DRAWS),
        metrics=directory(METRICS_DRAWS),
    log:
        JOBS.log("prune_measure", "{exp}/seed{seed}/{cov}/{method}/keep{keep}"),
    benchmark:
        JOBS.benchmark("prune_measure", "{exp}/seed{seed}/{cov}/{method}/keep{keep}")
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
        pruning=JOBS.probability_params,
        diagonal=JOBS.setting("diagonal"),
        spectra=JOBS.setting("spectra"),
        prune_seeds=JOBS.prune_seeds,
        files=JOBS.draw_files(
            pruned=npplan.PRUNED,
            eigen=npplan.METRICS_EIGEN,
            summary=npplan.METRICS_SUMMARY,
        ),
        ids=JOBS.draw_ids,
        blas_threads=JOBS.threads,
    script:
        "../scripts/prune_measure.py"
