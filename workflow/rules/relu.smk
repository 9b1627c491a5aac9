# Rectified-linear experiments (dynamics_model: relu; docs/method.md, "Rectified-linear
# networks"): the fixed point of each network, the covariance linearized there, and one
# prune_relu job per (network, seed, covariance, method, keep fraction) for all of its
# pruning seeds (probabilities, pruned networks and the rectified-linear metrics), as
# prune_measure does for the linear model. Empirical covariances use the rule
# covariance_empirical with the fixed point as an input; trajectories the rule dynamics.


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


rule prune_relu:
    """Keep probabilities, pruned networks and rectified-linear metrics of one (network,
    seed, covariance, keep fraction) for every method that prunes with that covariance,
    every draw's files under the job's output directories (as prune_measure)."""
    input:
        unpack(JOBS.covariance_input),
        A=NETWORK,
        fp=FIXED_POINT,
    output:
        P=directory(PROBABILITIES_DRAWS),
        pruned=directory(PRUNED_DRAWS),
        metrics=directory(RELU_DRAWS),
    log:
        JOBS.log("prune_relu", "{exp}/seed{seed}/{cov}/keep{keep}"),
    benchmark:
        JOBS.benchmark("prune_relu", "{exp}/seed{seed}/{cov}/keep{keep}")
    wildcard_constraints:
        exp=alternation(JOBS.experiments_of(relu=True)),
    priority: JOBS.cost("prune_relu").priority
    conda:
        "../envs/noiseprune.yaml"
    threads: JOBS.threads
    resources:
        mem_mb=JOBS.cost("prune_relu").mem_mb,
        runtime=JOBS.cost("prune_relu").runtime,
    params:
        members=JOBS.pruning_members(
            pruned=npplan.PRUNED, eigen=npplan.RELU_EIGEN, metrics=npplan.RELU_METRICS
        ),
        diagonal=JOBS.setting("diagonal"),
        prune_seeds=JOBS.prune_seeds,
        blas_threads=JOBS.threads,
    script:
        "../scripts/prune_relu.py"


rule relu_table:
    """<results_dir>/tables/relu.csv (one row per pruned rectified-linear network, with the
    end value of its trajectory error) and relu_eigen.parquet (Jacobian eigenvalues)."""
    input:
        draws=PLAN.relu_directories(),
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
    params:
        metrics=PLAN.relu_metrics(),
        eigen=PLAN.relu_eigen_tables(),
    script:
        "../scripts/table_relu.py"
