rule probabilities:
    """Keep probabilities p_ij = min(1, K q_ij) of one method and keep fraction
    (docs/method.md, "The rule").

    Only methods that use the covariance (noise) take it as input; the others live
    under cov "none", so changing the covariance sources never recomputes them.
    """
    input:
        unpack(covariance_input),
        A=NETWORK,
    output:
        P=PROBABILITIES,
    log:
        log("probabilities", "{exp}/seed{seed}/{cov}/{method}/keep{keep}"),
    benchmark:
        benchmark("probabilities", "{exp}/seed{seed}/{cov}/{method}/keep{keep}")
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb(6),
        runtime=runtime_cubic(0.5),
    params:
        pruning=probability_params,
        blas_threads=blas_threads,
    script:
        "../scripts/probabilities.py"
