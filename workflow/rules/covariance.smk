rule covariance_exact:
    """Exact noise covariance: A C + C A^T + I = 0 (docs/method.md, "Covariance")."""
    input:
        A=NETWORK,
    output:
        C=COVARIANCE.replace("{cov}", "exact"),
    log:
        log("covariance_exact", "{exp}/seed{seed}"),
    benchmark:
        benchmark("covariance_exact", "{exp}/seed{seed}")
    priority: longest_first(runtime("covariance_exact"))
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb("covariance_exact"),
        runtime=runtime("covariance_exact"),
    params:
        blas_threads=blas_threads,
    script:
        "../scripts/covariance_exact.py"


rule covariance_empirical:
    """Sample covariance of a simulated run of total observed duration T
    (docs/method.md, "Covariance"); of the rectified-linear dynamics, started at the
    fixed point, for relu experiments."""
    input:
        unpack(fixed_point_input),
        A=NETWORK,
    output:
        C=COVARIANCE.replace("{cov}", "T{duration}"),
    log:
        log("covariance_empirical", "{exp}/seed{seed}/T{duration}"),
    benchmark:
        benchmark("covariance_empirical", "{exp}/seed{seed}/T{duration}")
    priority: longest_first(runtime("covariance_empirical"))
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb("covariance_empirical"),
        runtime=runtime("covariance_empirical"),
    params:
        duration=duration_param,
        empirical=empirical_params,
        blas_threads=blas_threads,
    script:
        "../scripts/covariance_empirical.py"
