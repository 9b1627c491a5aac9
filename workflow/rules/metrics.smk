rule metrics:
    """Spectral metrics of one pruned network against the original (docs/method.md,
    "Metrics"): a long per-eigenpair table and a one-row summary."""
    input:
        unpack(eigen_input),
        A=NETWORK,
        A_sparse=PRUNED,
    output:
        eigen=METRICS_EIGEN,
        summary=METRICS_SUMMARY,
    log:
        log("metrics", "{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}"),
    benchmark:
        benchmark("metrics", "{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}")
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb(8),
        runtime=runtime_cubic(1),
    params:
        ids=job_ids,
        spectra=spectra_param,
        blas_threads=blas_threads,
    script:
        "../scripts/metrics.py"
