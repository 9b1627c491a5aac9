rule eigendecompose:
    """Eigendecomposition (w, V) of the original network, computed once per network and
    reused by every metrics job (experiments with spectra: full)."""
    input:
        A=NETWORK,
    output:
        eig=EIGEN,
    log:
        JOBS.log("eigendecompose", "{exp}/seed{seed}"),
    benchmark:
        JOBS.benchmark("eigendecompose", "{exp}/seed{seed}")
    priority: JOBS.cost("eigendecompose").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("eigendecompose").mem_mb,
        runtime=JOBS.cost("eigendecompose").runtime,
    params:
        blas_threads=JOBS.threads,
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
        JOBS.log("stiffness_factor", "{exp}/seed{seed}"),
    benchmark:
        JOBS.benchmark("stiffness_factor", "{exp}/seed{seed}")
    priority: JOBS.cost("stiffness_factor").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("stiffness_factor").mem_mb,
        runtime=JOBS.cost("stiffness_factor").runtime,
    params:
        blas_threads=JOBS.threads,
    script:
        "../scripts/stiffness_factor.py"
