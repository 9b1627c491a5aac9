# Task-trained networks (docs/method.md, Task-trained networks; the config's `trained`
# section): one training job per network seed, one probe job per seed (the L-NP and
# S-NP covariances and the original network on the held-out batch), one reduction job
# per (seed, covariance, keep fraction) running every reducer of that covariance and
# writing every pruning seed into its draws directory, and the tables. Reducers whose
# result does not depend on the pruning seed (merge) run the first pruning seed only.


rule train_rnn:
    """Train one rate RNN on its task (jax + optax); parameters as .npz."""
    output:
        params=TRAINED_PARAMS,
        info=TRAINED_LOG,
    log:
        JOBS.log("train_rnn", "{trained_name}/seed{trained_seed}"),
    benchmark:
        JOBS.benchmark("train_rnn", "{trained_name}/seed{trained_seed}")
    priority: JOBS.trained_cost("train_rnn").priority
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=JOBS.trained_cost("train_rnn").mem_mb,
        runtime=JOBS.trained_cost("train_rnn").runtime,
    params:
        trained=JOBS.trained_params(),
    script:
        "../scripts/train_rnn.py"


rule trained_probe:
    """L-NP and S-NP covariances of a trained network, and its held-out evaluation."""
    input:
        params=TRAINED_PARAMS,
    output:
        covariances=JOBS.trained_covariance_outputs(),
        original=TRAINED_ORIGINAL,
        metrics=TRAINED_ORIGINAL_METRICS,
    log:
        JOBS.log("trained_probe", "{trained_name}/seed{trained_seed}"),
    benchmark:
        JOBS.benchmark("trained_probe", "{trained_name}/seed{trained_seed}")
    priority: JOBS.trained_cost("trained_probe").priority
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=JOBS.trained_cost("trained_probe").mem_mb,
        runtime=JOBS.trained_cost("trained_probe").runtime,
    params:
        trained=JOBS.trained_params("probe_trials"),
        covariances=PLAN.trained_covariances(),
    script:
        "../scripts/trained_probe.py"


rule trained_reduce:
    """One trained network reduced at one keep fraction by every reducer of one
    covariance (plan.trained_job_reducers), for each reducer's pruning seeds, each
    evaluated on the held-out batch; every draw's files in the job's draws directory."""
    input:
        unpack(JOBS.trained_covariance_input),
        params=TRAINED_PARAMS,
        original=TRAINED_ORIGINAL,
    output:
        draws=directory(TRAINED_DRAWS),
    log:
        JOBS.log(
            "trained_reduce",
            "{trained_name}/seed{trained_seed}/{trained_cov}/keep{trained_keep}",
        ),
    benchmark:
        JOBS.benchmark(
            "trained_reduce",
            "{trained_name}/seed{trained_seed}/{trained_cov}/keep{trained_keep}",
        )
    priority: JOBS.trained_cost("trained_reduce").priority
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=JOBS.trained_cost("trained_reduce").mem_mb,
        runtime=JOBS.trained_cost("trained_reduce").runtime,
    params:
        trained=JOBS.trained_params("retrain_steps"),
        # reducer -> its pruning seeds and, by key, its files for each
        members=JOBS.trained_members(
            reduced=npplan.TRAINED_REDUCED, metrics=npplan.TRAINED_METRICS
        ),
    script:
        "../scripts/trained_reduce.py"


rule trained_iterate:
    """The iterative loop of one (network, seed, reducer, covariance) along trained.schedule."""
    input:
        params=TRAINED_PARAMS,
    output:
        schedule=TRAINED_SCHEDULE,
    log:
        JOBS.log(
            "trained_iterate",
            "{trained_name}/seed{trained_seed}/{trained_cov}/{reducer}",
        ),
    benchmark:
        JOBS.benchmark(
            "trained_iterate",
            "{trained_name}/seed{trained_seed}/{trained_cov}/{reducer}",
        )
    priority: JOBS.trained_cost("trained_reduce").priority
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=JOBS.trained_cost("trained_reduce").mem_mb,
        runtime=JOBS.trained_cost("trained_reduce").runtime,
    params:
        trained=JOBS.trained_params(
            "retrain_steps", "probe_trials", "schedule", "prune_seeds"
        ),
    script:
        "../scripts/trained_iterate.py"


rule trained_table:
    """<results_dir>/tables/trained.csv (one row per network), trained_intervals.parquet,
    trained_factors.csv (1/p quantiles) and trained_tests.csv (Wilcoxon against magnitude).
    """
    input:
        originals=PLAN.trained_originals(),
        draws=PLAN.trained_directories(),
        schedules=PLAN.trained_schedules(),
    output:
        table=TRAINED_TABLES["trained"],
        intervals=TRAINED_TABLES["trained_intervals"],
        factors=TRAINED_TABLES["trained_factors"],
        tests=TRAINED_TABLES["trained_tests"],
        schedule=TRAINED_TABLES["trained_schedule"],
        reach=TRAINED_TABLES["trained_reach"],
    log:
        JOBS.log("tables", "trained"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        metrics=PLAN.trained_metrics(),
    script:
        "../scripts/table_trained.py"
