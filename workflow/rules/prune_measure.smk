# One job per (network, seed, covariance, method, keep fraction) for all of its pruning
# seeds (docs/method.md, The rule and Metrics): the keep probabilities, every pruned
# network and its spectral metrics, with A, C, the eigendecomposition and the Cholesky
# factor of -A loaded or computed once. Every intermediate is still its own file.
# A rule's outputs cannot depend on the experiment, so there is one such rule per
# distinct list of pruning seeds in the config (usually one), each limited to the
# experiments that use that list.


for _rule_name, _pseeds, _experiments in prune_measure_rules():

    rule:
        name:
            _rule_name
        input:
            unpack(covariance_input),
            unpack(eigen_input),
            unpack(stiffness_factor_input),
            A=NETWORK,
        output:
            P=PROBABILITIES,
            pruned=expand(PRUNED, pseed=_pseeds, allow_missing=True),
            eigen=expand(METRICS_EIGEN, pseed=_pseeds, allow_missing=True),
            summary=expand(METRICS_SUMMARY, pseed=_pseeds, allow_missing=True),
        log:
            log("prune_measure", "{exp}/seed{seed}/{cov}/{method}/keep{keep}"),
        benchmark:
            benchmark("prune_measure", "{exp}/seed{seed}/{cov}/{method}/keep{keep}")
        wildcard_constraints:
            exp=alternation(_experiments),
        priority: longest_first(runtime("prune_measure", _pseeds))
        conda:
            "../envs/noiseprune.yaml"
        threads: draw_workers
        resources:
            mem_mb=mem_mb("prune_measure"),
            runtime=runtime("prune_measure", _pseeds),
        params:
            pruning=probability_params,
            diagonal=diagonal_param,
            spectra=spectra_param,
            prune_seeds=_pseeds,
            ids=job_ids,
            blas_threads=blas_threads,
        script:
            "../scripts/prune_measure.py"
