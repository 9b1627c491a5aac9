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
    priority: longest_first(runtime("eigendecompose"))
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb("eigendecompose"),
        runtime=runtime("eigendecompose"),
    params:
        blas_threads=blas_threads,
    script:
        "../scripts/eigendecompose.py"


rule stiffness_factor:
    """Cholesky factor L of -A = L L^T, computed once per network and read by the
    spectral eps of every pruned version of it (symmetric networks above the dense size).
    """
    input:
        A=NETWORK,
    output:
        factor=STIFFNESS_FACTOR,
    log:
        log("stiffness_factor", "{exp}/seed{seed}"),
    benchmark:
        benchmark("stiffness_factor", "{exp}/seed{seed}")
    priority: longest_first(runtime("stiffness_factor"))
    conda:
        "../envs/noiseprune.yaml"
    threads: blas_threads
    resources:
        mem_mb=mem_mb("stiffness_factor"),
        runtime=runtime("stiffness_factor"),
    params:
        blas_threads=blas_threads,
    script:
        "../scripts/stiffness_factor.py"
