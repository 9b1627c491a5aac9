# Rectified-linear experiments (dynamics_model: relu; docs/method.md, "Rectified-linear
# networks"): the fixed point of each network, the covariance linearized there, and one
# prune_relu job per (network, seed, covariance, method, keep fraction) for all of its
# pruning seeds (probabilities, pruned networks and the rectified-linear metrics), as
# prune_measure does for the linear model. Empirical covariances use the rule
# covariance_empirical with the fixed point as an input; trajectories the rule
# dynamics_relu (one job per keep fraction, all pruning seeds, the script of dynamics).


rule fixed_point:
    """Input b (from the network seed), fixed point x*, active set and Jacobian
    eigenvalues; fails with one line naming the experiment and seed when there is no
    stable fixed point or no active neuron."""
    input:
        A=NETWORK,
    output:
        fp=FIXED_POINT,
    log:
        JOBS.log("fixed_point", "{exp}/seed{seed}"),
    benchmark:
        JOBS.benchmark("fixed_point", "{exp}/seed{seed}")
    wildcard_constraints:
        exp=alternation(JOBS.experiments_of(relu=True)),
    priority: JOBS.cost("fixed_point").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("fixed_point").mem_mb,
        runtime=JOBS.cost("fixed_point").runtime,
    params:
        input=JOBS.setting("input"),
        blas_threads=JOBS.threads,
    script:
        "../scripts/fixed_point.py"


rule covariance_linearized:
    """Covariance of the dynamics linearized at the fixed point: J C + C J^T + I = 0."""
    input:
        A=NETWORK,
        fp=FIXED_POINT,
    output:
        C=COVARIANCE.replace("{cov}", npplan.LINEARIZED),
    log:
        JOBS.log("covariance_linearized", "{exp}/seed{seed}"),
    benchmark:
        JOBS.benchmark("covariance_linearized", "{exp}/seed{seed}")
    wildcard_constraints:
        exp=alternation(JOBS.experiments_of(relu=True)),
    priority: JOBS.cost("covariance_linearized").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("covariance_linearized").mem_mb,
        runtime=JOBS.cost("covariance_linearized").runtime,
    params:
        blas_threads=JOBS.threads,
    script:
        "../scripts/covariance_linearized.py"


for _rule_name, _pseeds, _experiments in JOBS.seed_groups("prune_relu", relu=True):

    rule:
        name:
            _rule_name
        input:
            unpack(JOBS.covariance_input),
            A=NETWORK,
            fp=FIXED_POINT,
        output:
            P=PROBABILITIES,
            pruned=expand(PRUNED, pseed=_pseeds, allow_missing=True),
            eigen=expand(RELU_EIGEN, pseed=_pseeds, allow_missing=True),
            metrics=expand(RELU_METRICS, pseed=_pseeds, allow_missing=True),
        log:
            JOBS.log("prune_relu", "{exp}/seed{seed}/{cov}/{method}/keep{keep}"),
        benchmark:
            JOBS.benchmark("prune_relu", "{exp}/seed{seed}/{cov}/{method}/keep{keep}")
        wildcard_constraints:
            exp=alternation(_experiments),
        priority: JOBS.cost("prune_relu", _pseeds).priority
        conda:
            "../envs/noiseprune.yaml"
        threads: JOBS.threads
        resources:
            mem_mb=JOBS.cost("prune_relu").mem_mb,
            runtime=JOBS.cost("prune_relu", _pseeds).runtime,
        params:
            pruning=JOBS.probability_params,
            diagonal=JOBS.setting("diagonal"),
            prune_seeds=_pseeds,
            ids=JOBS.draw_ids,
            blas_threads=JOBS.threads,
        script:
            "../scripts/prune_relu.py"


for _rule_name, _pseeds, _experiments in JOBS.seed_groups("dynamics_relu", relu=True):

    rule:
        """Trajectory errors of the rectified-linear dynamics (script of rule dynamics):
        one job per (network, seed, covariance, keep fraction), each pruning seed's
        simulation (all methods, its own x(0) and noise) in turn."""
        name:
            _rule_name
        input:
            A=NETWORK,
            fp=FIXED_POINT,
            pruned=JOBS.relu_dynamics_pruned(_pseeds),
        output:
            trajectories=expand(DYNAMICS, pseed=_pseeds, allow_missing=True),
        log:
            JOBS.log("dynamics_relu", "{exp}/seed{seed}/{cov}/keep{keep}"),
        benchmark:
            JOBS.benchmark("dynamics_relu", "{exp}/seed{seed}/{cov}/keep{keep}")
        wildcard_constraints:
            exp=alternation(_experiments),
        priority: JOBS.cost("dynamics", _pseeds).priority
        conda:
            "../envs/noiseprune.yaml"
        threads: JOBS.threads
        resources:
            mem_mb=JOBS.cost("dynamics").mem_mb,
            runtime=JOBS.cost("dynamics", _pseeds).runtime,
        params:
            ids=JOBS.draw_ids,
            prune_seeds=_pseeds,
            simulation=JOBS.dynamics_params,
            sample=JOBS.dynamics_sample_params,
            blas_threads=JOBS.threads,
        script:
            "../scripts/dynamics.py"


rule relu_table:
    """<results_dir>/tables/relu.csv (one row per pruned rectified-linear network, with the
    end value of its trajectory error) and relu_eigen.parquet (Jacobian eigenvalues)."""
    input:
        metrics=PLAN.relu_metrics(),
        eigen=PLAN.relu_eigen_tables(),
        dynamics=TABLES["dynamics"],
    output:
        table=RELU_TABLES["relu"],
        eigen=RELU_TABLES["relu_eigen"],
    log:
        JOBS.log("tables", "relu"),
    conda:
        "../envs/noiseprune.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/table_relu.py"
