# One job per (network, seed, covariance, method, keep fraction) for all of its pruning
# seeds (docs/method.md, The rule and Metrics): the keep probabilities, every pruned
# network and its spectral metrics, with A, C, the eigendecomposition and the Cholesky
# factor of -A loaded or computed once. Every intermediate is still its own file.
# A rule's outputs cannot depend on the experiment, so there is one such rule per
# distinct list of pruning seeds in the config (usually one), each limited to the
# experiments that use that list.


for _rule_name, _pseeds, _experiments in JOBS.seed_groups("prune_measure"):

    rule:
        name:
            _rule_name
        input:
            unpack(JOBS.covariance_input),
            unpack(JOBS.eigen_input),
            unpack(JOBS.stiffness_factor_input),
            A=NETWORK,
        output:
            P=PROBABILITIES,
            pruned=expand(PRUNED, pseed=_pseeds, allow_missing=True),
            eigen=expand(METRICS_EIGEN, pseed=_pseeds, allow_missing=True),
            summary=expand(METRICS_SUMMARY, pseed=_pseeds, allow_missing=True),
        log:
            JOBS.log("prune_measure", "{exp}/seed{seed}/{cov}/{method}/keep{keep}"),
        benchmark:
            JOBS.benchmark(
                "prune_measure", "{exp}/seed{seed}/{cov}/{method}/keep{keep}"
            )
        wildcard_constraints:
            exp=alternation(_experiments),
        priority: JOBS.cost("prune_measure", _pseeds).priority
        conda:
            "../envs/noiseprune.yaml"
        threads: JOBS.draw_workers
        resources:
            mem_mb=JOBS.cost("prune_measure").mem_mb,
            runtime=JOBS.cost("prune_measure", _pseeds).runtime,
        params:
            pruning=JOBS.probability_params,
            diagonal=JOBS.setting("diagonal"),
            spectra=JOBS.setting("spectra"),
            prune_seeds=_pseeds,
            ids=JOBS.draw_ids,
            blas_threads=JOBS.threads,
        script:
            "../scripts/prune_measure.py"
