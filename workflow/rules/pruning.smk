rule prune:
    """One pruned network: keep a_ij with probability p_ij, rescaled by 1 / p_ij."""
    input:
        A=NETWORK,
        P=PROBABILITIES,
    output:
        A_sparse=PRUNED,
    log:
        log("prune", "{exp}/seed{seed}/{cov}/{method}/keep{keep}/prune{pseed}"),
    conda:
        "../envs/noiseprune.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(4),
        runtime=5,
    params:
        diagonal=diagonal_param,
        blas_threads=1,
    script:
        "../scripts/prune.py"
