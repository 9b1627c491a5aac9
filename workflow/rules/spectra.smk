rule eigendecompose:
    """Eigendecomposition (w, V) of the original network, computed once per network and
    reused by every metrics job (experiments with spectra: full)."""
    input:
        A=NETWORK,
    output:
        eig=EIGEN,
    log:
        log("eigendecompose", "{exp}/seed{seed}"),
    benchmark:
        benchmark("eigendecompose", "{exp}/seed{seed}")
    priority: longest_first(runtime_cubic(1))
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb("eigendecompose"),
        runtime=runtime_cubic(1),
    params:
        blas_threads=blas_threads,
    script:
        "../scripts/eigendecompose.py"
