rule network:
    """Clustered random network A = W - D of one experiment and seed
    (docs/method.md, "Networks")."""
    output:
        A=NETWORK,
        meta=NETWORK_META,
    log:
        JOBS.log("network", "{exp}/seed{seed}"),
    benchmark:
        JOBS.benchmark("network", "{exp}/seed{seed}")
    priority: JOBS.cost("network").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: 1
    resources:
        mem_mb=JOBS.cost("network").mem_mb,
        runtime=JOBS.cost("network").runtime,
    params:
        network=JOBS.network_params,
        blas_threads=1,
    script:
        "../scripts/network.py"
