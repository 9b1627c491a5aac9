rule summary_table:
    """<results_dir>/tables/summary.csv: one row per pruned network."""
    input:
        metrics_summaries(),
    output:
        table=TABLES["summary"],
    log:
        log("tables", "summary"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/table_summary.py"


rule eigen_table:
    """<results_dir>/tables/eigen.parquet: one row per (pruned network, original eigenpair)."""
    input:
        metrics_eigen_tables(),
    output:
        table=TABLES["eigen"],
    log:
        log("tables", "eigen"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=tables_mem_mb,
        runtime=30,
    script:
        "../scripts/table_eigen.py"


rule dynamics_table:
    """<results_dir>/tables/dynamics.parquet: trajectory error, mean and std over trials;
    <results_dir>/tables/trajectories.parquet: the stored trajectory samples."""
    input:
        dynamics_files(),
    output:
        table=TABLES["dynamics"],
        trajectories=TABLES["trajectories"],
    log:
        log("tables", "dynamics"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=4000,
        runtime=10,
    script:
        "../scripts/table_dynamics.py"


rule sweeps_table:
    """<results_dir>/tables/sweeps.csv: summary rows of experiments with several keep fractions."""
    input:
        metrics_summaries(sweep_experiments()),
    output:
        table=TABLES["sweeps"],
    log:
        log("tables", "sweeps"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        experiments=sweep_experiments(),
    script:
        "../scripts/table_sweeps.py"


rule scaling_table:
    """<results_dir>/tables/scaling.csv: kept entries needed to reach target eps vs N log N."""
    input:
        metrics_summaries(scaling_experiments()),
    output:
        table=TABLES["scaling"],
    log:
        log("tables", "scaling"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        experiments=scaling_experiments(),
        target_eps=scaling_target_eps(),
    script:
        "../scripts/table_scaling.py"


rule empirical_table:
    """<results_dir>/tables/empirical.csv: pruning quality vs simulated duration T."""
    input:
        metrics_summaries(empirical_experiments()),
    output:
        table=TABLES["empirical"],
    log:
        log("tables", "empirical"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        experiments=empirical_experiments(),
    script:
        "../scripts/table_empirical.py"


rule tables:
    """Every table under results/tables/."""
    input:
        table_targets(),
