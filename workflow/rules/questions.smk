# Tables of the seed questions (noiseprune.pipeline.tables_questions; docs/results.md),
# each built only when the config has experiments for it (plan.question_tables).
QUESTION_TABLES = PLAN.paths(npplan.QUESTION_TABLES)


rule colored_table:
    """<results_dir>/tables/colored.csv: the colored-noise experiments' rows with the noise
    correlation time and the slowest mode's time constant."""
    input:
        summary=TABLES["summary"],
        eigen=TABLES["eigen"],
    output:
        table=QUESTION_TABLES["colored"],
    log:
        JOBS.log("tables", "colored"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=JOBS.tables_cost().mem_mb,
        runtime=10,
    params:
        experiments=PLAN.colored_experiments(),
    script:
        "../scripts/table_questions.py"


rule leak_table:
    """<results_dir>/tables/leak.csv and leak_tests.csv: the leak-margin experiments' rows
    with the final trajectory error, and paired tests of noise-prune against each control.
    """
    input:
        summary=TABLES["summary"],
        dynamics=TABLES["dynamics"],
    output:
        table=QUESTION_TABLES["leak"],
        tests=QUESTION_TABLES["leak_tests"],
    log:
        JOBS.log("tables", "leak"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        experiments=PLAN.leak_experiments(),
        networks={
            name: PLAN.experiments[name]["network"] for name in PLAN.leak_experiments()
        },
    script:
        "../scripts/table_questions.py"


rule guarantee_table:
    """<results_dir>/tables/guarantee.csv: how often the theorem's guarantee holds."""
    input:
        summary=TABLES["summary"],
    output:
        table=QUESTION_TABLES["guarantee"],
    log:
        JOBS.log("tables", "guarantee"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        experiments={
            name: {k: PLAN.experiments[name][k] for k in ("theory_k", "theory_eps")}
            for name in PLAN.guarantee_experiments()
        },
    script:
        "../scripts/table_questions.py"
