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
