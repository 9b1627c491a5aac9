# Task-trained networks (docs/method.md, Task-trained networks; the config's `trained`
# section): one training job per network seed, one probe job per seed (the L-NP and
# S-NP covariances and the original network on the held-out batch), one reduction job
# per (seed, reducer, covariance, keep fraction) writing every pruning seed, and the
# tables. Reducers whose result does not depend on the pruning seed (merge) run the
# first pruning seed only, in a rule of their own.


rule train_rnn:
    """Train one rate RNN on ready-set-go (jax + optax); parameters as .npz."""
    output:
        params=TRAINED_PARAMS,
        info=TRAINED_LOG,
    log:
        log("train_rnn", "{tname}/seed{tseed}"),
    benchmark:
        benchmark("train_rnn", "{tname}/seed{tseed}")
    priority: longest_first(30)
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=trained_mem_mb("train_rnn"),
        runtime=trained_runtime("train_rnn"),
    params:
        trained=trained_params(),
    script:
        "../scripts/train_rnn.py"


rule trained_probe:
    """L-NP and S-NP covariances of a trained network, and its held-out evaluation."""
    input:
        params=TRAINED_PARAMS,
    output:
        covariances=trained_covariance_outputs(),
        original=TRAINED_ORIGINAL,
        metrics=TRAINED_ORIGINAL_METRICS,
    log:
        log("trained_probe", "{tname}/seed{tseed}"),
    benchmark:
        benchmark("trained_probe", "{tname}/seed{tseed}")
    priority: longest_first(10)
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=trained_mem_mb("trained_probe"),
        runtime=trained_runtime("trained_probe"),
    params:
        trained=trained_params("probe_trials"),
        covariances=trained_covariance_ids(),
    script:
        "../scripts/trained_probe.py"


for _rule_name, _pseeds, _reducers in trained_reduce_rules():

    rule:
        name:
            _rule_name
        input:
            unpack(trained_covariance_input),
            params=TRAINED_PARAMS,
            original=TRAINED_ORIGINAL,
        output:
            reduced=expand(TRAINED_REDUCED, tpseed=_pseeds, allow_missing=True),
            metrics=expand(TRAINED_METRICS, tpseed=_pseeds, allow_missing=True),
        log:
            log("trained_reduce", "{tname}/seed{tseed}/{tcov}/{reducer}/keep{tkeep}"),
        benchmark:
            benchmark(
                "trained_reduce", "{tname}/seed{tseed}/{tcov}/{reducer}/keep{tkeep}"
            )
        wildcard_constraints:
            reducer=alternation(_reducers),
        priority: longest_first(30)
        conda:
            "../envs/noiseprune.yaml"
        resources:
            mem_mb=trained_mem_mb("trained_reduce"),
            runtime=trained_runtime("trained_reduce"),
        params:
            trained=trained_params("retrain_steps"),
            prune_seeds=_pseeds,
        script:
            "../scripts/trained_reduce.py"


rule trained_table:
    """<results_dir>/tables/trained.csv (one row per network) and trained_intervals.parquet."""
    input:
        originals=trained_originals(),
        metrics=trained_metrics(),
    output:
        table=TRAINED_TABLES["trained"],
        intervals=TRAINED_TABLES["trained_intervals"],
    log:
        log("tables", "trained"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/table_trained.py"
