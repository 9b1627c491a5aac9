rule dynamics:
    """Trajectory error of every method of the experiment against the original, all
    simulated with the same x(0) and noise, and a small sample of the trajectories
    (docs/method.md, "Dynamics"); linear and rectified-linear experiments. One job per
    (network, seed, covariance, keep fraction): each pruning seed's simulation in turn,
    exactly as in a job of its own, its file in the job's draws directory."""
    input:
        unpack(JOBS.fixed_point_input),
        A=NETWORK,
        pruned=JOBS.dynamics_pruned_directories,
    output:
        trajectories=directory(DYNAMICS_DRAWS),
    log:
        JOBS.log("dynamics", "{exp}/seed{seed}/{cov}/keep{keep}"),
    benchmark:
        JOBS.benchmark("dynamics", "{exp}/seed{seed}/{cov}/keep{keep}")
    priority: JOBS.cost("dynamics").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("dynamics").mem_mb,
        runtime=JOBS.cost("dynamics").runtime,
    params:
        ids=JOBS.draw_ids,
        prune_seeds=JOBS.prune_seeds,
        pruned=JOBS.dynamics_pruned,
        files=JOBS.draw_files(trajectories=npplan.DYNAMICS),
        simulation=JOBS.dynamics_params,
        sample=JOBS.dynamics_sample_params,
        blas_threads=JOBS.threads,
    script:
        "../scripts/dynamics.py"
