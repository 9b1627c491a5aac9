rule dynamics:
    """Trajectory error of every method of the experiment against the original, all
    simulated with the same x(0) and noise, and a small sample of the trajectories
    (docs/method.md, "Dynamics"); one job per pruning seed."""
    input:
        unpack(fixed_point_input),
        A=NETWORK,
        pruned=dynamics_pruned,
    output:
        trajectories=[DYNAMICS],
    log:
        log("dynamics", "{exp}/seed{seed}/{cov}/keep{keep}/prune{pseed}"),
    benchmark:
        benchmark("dynamics", "{exp}/seed{seed}/{cov}/keep{keep}/prune{pseed}")
    wildcard_constraints:
        exp=alternation(linear_dynamics_experiments()),
    priority: longest_first(runtime("dynamics"))
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb("dynamics"),
        runtime=runtime("dynamics"),
    params:
        ids=dynamics_ids,
        prune_seeds=lambda w: [int(w.pseed)],
        simulation=dynamics_params,
        sample=dynamics_sample_params,
        blas_threads=blas_threads,
    script:
        "../scripts/dynamics.py"
