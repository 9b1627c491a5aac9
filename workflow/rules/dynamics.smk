rule dynamics:
    """Trajectory error of every method of the experiment against the original, all
    simulated with the same x(0) and noise, and a small sample of the trajectories
    (docs/method.md, "Dynamics"); one job per pruning seed."""
    input:
        unpack(JOBS.fixed_point_input),
        A=NETWORK,
        pruned=JOBS.dynamics_pruned,
    output:
        trajectories=[DYNAMICS],
    log:
        JOBS.log("dynamics", "{exp}/seed{seed}/{cov}/keep{keep}/prune{pseed}"),
    benchmark:
        JOBS.benchmark("dynamics", "{exp}/seed{seed}/{cov}/keep{keep}/prune{pseed}")
    wildcard_constraints:
        exp=alternation(JOBS.experiments_of(relu=False)),
    priority: JOBS.cost("dynamics").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("dynamics").mem_mb,
        runtime=JOBS.cost("dynamics").runtime,
    params:
        ids=JOBS.draw_ids,
        prune_seeds=lambda w: [int(w.pseed)],
        simulation=JOBS.dynamics_params,
        sample=JOBS.dynamics_sample_params,
        blas_threads=JOBS.threads,
    script:
        "../scripts/dynamics.py"
