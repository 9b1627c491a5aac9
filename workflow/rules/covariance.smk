rule covariance_exact:
    """Exact noise covariance: A C + C A^T + I = 0 (docs/method.md, "Covariance")."""
    input:
        A=NETWORK,
    output:
        C=COVARIANCE.replace("{cov}", "exact"),
    log:
        JOBS.log("covariance_exact", "{exp}/seed{seed}"),
    benchmark:
        JOBS.benchmark("covariance_exact", "{exp}/seed{seed}")
    priority: JOBS.cost("covariance_exact").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("covariance_exact").mem_mb,
        runtime=JOBS.cost("covariance_exact").runtime,
    params:
        blas_threads=JOBS.threads,
    script:
        "../scripts/covariance_exact.py"


rule covariance_empirical:
    """Sample covariance of a simulated run of total observed duration T
    (docs/method.md, "Covariance"); of the rectified-linear dynamics, started at the
    fixed point, for relu experiments."""
    input:
        unpack(JOBS.fixed_point_input),
        A=NETWORK,
    output:
        C=COVARIANCE.replace("{cov}", "T{duration}"),
    log:
        JOBS.log("covariance_empirical", "{exp}/seed{seed}/T{duration}"),
    benchmark:
        JOBS.benchmark("covariance_empirical", "{exp}/seed{seed}/T{duration}")
    priority: JOBS.cost("covariance_empirical").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("covariance_empirical").mem_mb,
        runtime=JOBS.cost("covariance_empirical").runtime,
    params:
        duration=JOBS.duration,
        empirical=JOBS.empirical_params,
        blas_threads=JOBS.threads,
    script:
        "../scripts/covariance_empirical.py"


# Colored noise (an experiment's noise.tau > 0): the same jobs under Ornstein-Uhlenbeck
# noise of correlation time tau, ids exact_tau<tau> and T<T>_tau<tau>
# (noiseprune.pipeline.ids.colored_id; docs/method.md, "Colored noise").
rule covariance_exact_colored:
    """Exact covariance under colored noise: the x-block of the augmented Lyapunov equation."""
    input:
        A=NETWORK,
    output:
        C=COVARIANCE.replace("{cov}", "exact_tau{noise_tau}"),
    log:
        JOBS.log("covariance_exact", "{exp}/seed{seed}/exact_tau{noise_tau}"),
    benchmark:
        JOBS.benchmark("covariance_exact", "{exp}/seed{seed}/exact_tau{noise_tau}")
    priority: JOBS.cost("covariance_exact").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("covariance_exact").mem_mb,
        runtime=JOBS.cost("covariance_exact").runtime,
    params:
        noise_tau=JOBS.noise_tau,
        blas_threads=JOBS.threads,
    script:
        "../scripts/covariance_exact.py"


rule covariance_empirical_colored:
    """Sample covariance of a simulated run under colored noise (linear model)."""
    input:
        A=NETWORK,
    output:
        C=COVARIANCE.replace("{cov}", "T{duration}_tau{noise_tau}"),
    log:
        JOBS.log("covariance_empirical", "{exp}/seed{seed}/T{duration}_tau{noise_tau}"),
    benchmark:
        JOBS.benchmark(
            "covariance_empirical", "{exp}/seed{seed}/T{duration}_tau{noise_tau}"
        )
    priority: JOBS.cost("covariance_empirical").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("covariance_empirical").mem_mb,
        runtime=JOBS.cost("covariance_empirical").runtime,
    params:
        duration=JOBS.duration,
        noise_tau=JOBS.noise_tau,
        empirical=JOBS.empirical_params,
        blas_threads=JOBS.threads,
    script:
        "../scripts/covariance_empirical.py"
