rule summary_table:
    """<results_dir>/tables/summary.csv: one row per pruned network."""
    input:
        PLAN.metrics_directories(),
    output:
        table=TABLES["summary"],
    log:
        JOBS.log("tables", "summary"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        files=PLAN.metrics_summaries(),
    script:
        "../scripts/table_summary.py"


rule eigen_table:
    """<results_dir>/tables/eigen.parquet: one row per (pruned network, original eigenpair)."""
    input:
        PLAN.metrics_directories(),
    output:
        table=TABLES["eigen"],
    log:
        JOBS.log("tables", "eigen"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=JOBS.tables_cost().mem_mb,
        runtime=30,
    params:
        files=PLAN.metrics_eigen_tables(),
    script:
        "../scripts/table_eigen.py"


rule dynamics_table:
    """<results_dir>/tables/dynamics.parquet: trajectory error, mean and std over trials;
    <results_dir>/tables/trajectories.parquet: the stored trajectory samples."""
    input:
        PLAN.dynamics_directories(),
    output:
        table=TABLES["dynamics"],
        trajectories=TABLES["trajectories"],
    log:
        JOBS.log("tables", "dynamics"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        files=PLAN.dynamics_files(),
    script:
        "../scripts/table_dynamics.py"


rule sweeps_table:
    """<results_dir>/tables/sweeps.csv: summary rows of experiments with several keep fractions."""
    input:
        PLAN.metrics_directories(PLAN.sweep_experiments()),
    output:
        table=TABLES["sweeps"],
    log:
        JOBS.log("tables", "sweeps"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        files=PLAN.metrics_summaries(PLAN.sweep_experiments()),
        experiments=PLAN.sweep_experiments(),
    script:
        "../scripts/table_sweeps.py"


rule scaling_table:
    """<results_dir>/tables/scaling.csv: kept entries needed to reach target eps vs N log N."""
    input:
        PLAN.metrics_directories(PLAN.scaling_experiments()),
    output:
        table=TABLES["scaling"],
    log:
        JOBS.log("tables", "scaling"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        files=PLAN.metrics_summaries(PLAN.scaling_experiments()),
        experiments=PLAN.scaling_experiments(),
        target_eps=PLAN.scaling_target_eps(),
    script:
        "../scripts/table_scaling.py"


rule empirical_table:
    """<results_dir>/tables/empirical.csv: pruning quality vs simulated duration T."""
    input:
        PLAN.metrics_directories(PLAN.empirical_experiments()),
    output:
        table=TABLES["empirical"],
    log:
        JOBS.log("tables", "empirical"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        files=PLAN.metrics_summaries(PLAN.empirical_experiments()),
        experiments=PLAN.empirical_experiments(),
    script:
        "../scripts/table_empirical.py"


rule tables:
    """Every table under results/tables/."""
    input:
        PLAN.table_targets(),


rule balance_table:
    """<results_dir>/tables/balance.csv: excitatory and inhibitory input per neuron before
    and after pruning, one row per pruned network of kind dale."""
    input:
        networks=sorted({d["network"] for d in PLAN.balance_draws()}),
        # the draws directories holding the pruned networks (params.draws names each file)
        pruned=PLAN.directories(
            npplan.PRUNED, PLAN.metric_jobs(PLAN.balance_experiments())
        ),
    output:
        table=PLAN.path(npplan.BALANCE_TABLES["balance"]),
    log:
        JOBS.log("tables", "balance"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        draws=PLAN.balance_draws(),
    script:
        "../scripts/table_balance.py"
