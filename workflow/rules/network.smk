rule network:
    """Clustered random network A = W - D of one experiment and seed
    (docs/method.md, "Networks")."""
    output:
        A=NETWORK,
        meta=NETWORK_META,
    log:
        log("network", "{exp}/seed{seed}"),
    benchmark:
        benchmark("network", "{exp}/seed{seed}")
    priority: longest_first(runtime("network"))
    conda:
        "../envs/noiseprune.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb("network"),
        runtime=runtime("network"),
    params:
        network=network_params,
        blas_threads=1,
    script:
        "../scripts/network.py"
