# Figures (docs/method.md, "Figures") and the report tables.
#
# Every figure rule reads only the tables under results/tables/ (Fig. 1: the fig1
# network, its covariance and its noise-prune probabilities; Fig. 2 also the network
# and the noise- and weight-pruned networks of one draw), so `snakemake figures`
# redraws from cached results without recomputing anything upstream. A figure is a
# target only when the experiment it draws is in the config (figure_names() in figures_common.smk).
# Plotting lives in noiseprune.plotting; the scripts only read, call and save.


include: "figures_common.smk"


rule fig1_probe:
    """Fig. 1: weights, covariance, covariance difference and probabilities of a small network."""
    input:
        unpack(fig1_inputs),
    output:
        pdf=report_figure("fig1_probe", "pdf", 1),
        png=report_figure("fig1_probe", "png", 1),
    log:
        log("figures", "fig1_probe"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig1_probe"),
        probe=fig1_params,
    script:
        "../scripts/plot_fig1.py"


rule fig2_spectrum:
    """Fig. 2: spectrum preservation (violin + box, eigenvalue scatter) and the weight
    matrices of one draw before and after pruning."""
    input:
        unpack(fig2_inputs),
    output:
        pdf=report_figure("fig2_spectrum", "pdf", 2),
        png=report_figure("fig2_spectrum", "png", 2),
    log:
        log("figures", "fig2_spectrum"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig2_spectrum"),
        figure=fig2_params,
    script:
        "../scripts/plot_fig2.py"


rule fig3_dynamics:
    """Fig. 3: trajectory error over time, mean +- std over trials; example trajectories."""
    input:
        dynamics=TABLES["dynamics"],
        trajectories=TABLES["trajectories"],
    output:
        pdf=report_figure("fig3_dynamics", "pdf", 3),
        png=report_figure("fig3_dynamics", "png", 3),
    log:
        log("figures", "fig3_dynamics"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig3_dynamics"),
        network=spectrum_network("fig3_dynamics"),
        keep_fraction=dynamics_keep,
    script:
        "../scripts/plot_fig3.py"


rule fig4_large:
    """Fig. 4: the spectral panels for the large networks (N = 3000, 10000 at 3 %)."""
    input:
        eigen=TABLES["eigen"],
        summary=TABLES["summary"],
    output:
        pdf=report_figure("fig4_large", "pdf", 4),
        png=report_figure("fig4_large", "png", 4),
    log:
        log("figures", "fig4_large"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig4_large"),
        networks=large_experiments(),
        keep_fractions=large_keeps,
    script:
        "../scripts/plot_fig4.py"


rule fig5_sweeps:
    """Fig. 5: error vs keep fraction; kept entries for a fixed eps vs N log N."""
    input:
        sweeps=TABLES["sweeps"],
        scaling=TABLES["scaling"],
    output:
        pdf=report_figure("fig5_sweeps", "pdf", 5),
        png=report_figure("fig5_sweeps", "png", 5),
    log:
        log("figures", "fig5_sweeps"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig5_sweeps"),
    script:
        "../scripts/plot_fig5.py"


rule fig6_empirical:
    """Fig. 6: pruning quality with an empirical covariance vs simulated duration T."""
    input:
        empirical=TABLES["empirical"],
    output:
        pdf=report_figure("fig6_empirical", "pdf", 6),
        png=report_figure("fig6_empirical", "png", 6),
    log:
        log("figures", "fig6_empirical"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig6_empirical"),
    script:
        "../scripts/plot_fig6.py"


rule fig9_trained:
    """Fig. 9: task-trained networks, accuracy against recurrent weights kept per reducer."""
    input:
        table=TRAINED_TABLES["trained"],
        intervals=TRAINED_TABLES["trained_intervals"],
    output:
        pdf=report_figure("fig9_trained", "pdf", 9),
        png=report_figure("fig9_trained", "png", 9),
    log:
        log("figures", "fig9_trained"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig9_trained"),
        network=spectrum_network("fig9_trained"),
        keep_fraction=trained_keep_drawn(),
    script:
        "../scripts/plot_fig9.py"


rule fig7_relu:
    """Fig. 7: rectified-linear networks: fixed-point and Jacobian errors, Jacobian
    eigenvalues and nonlinear trajectory error, one column per regime."""
    input:
        unpack(relu_figure_inputs),
    output:
        pdf=report_figure("fig7_relu", "pdf", 7),
        png=report_figure("fig7_relu", "png", 7),
    log:
        log("figures", "fig7_relu"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig7_relu"),
        networks=relu_figure_experiments(),
    script:
        "../scripts/plot_fig7.py"


rule fig8_nonsymmetric:
    """Fig. 8: a non-symmetric network: complex eigenvalues per method, error against keep fraction."""
    input:
        eigen=TABLES["eigen"],
        summary=TABLES["summary"],
    output:
        pdf=report_figure("fig8_nonsymmetric", "pdf", 8),
        png=report_figure("fig8_nonsymmetric", "png", 8),
    log:
        log("figures", "fig8_nonsymmetric"),
    conda:
        "../envs/noiseprune.yaml"
    params:
        caption=caption_facts("fig8_nonsymmetric"),
        network=spectrum_network("fig8_nonsymmetric"),
    script:
        "../scripts/plot_fig8.py"


rule report_tables:
    """Summary and scaling tables condensed over seeds (median, min, max), for the report."""
    input:
        summary=TABLES["summary"],
        scaling=TABLES["scaling"],
    output:
        summary=report(
            REPORT_TABLES["summary"],
            caption="../report/summary_digest.rst",
            category="Tables",
        ),
        scaling=report(
            REPORT_TABLES["scaling"],
            caption="../report/scaling_digest.rst",
            category="Tables",
        ),
    log:
        log("figures", "report_tables"),
    conda:
        "../envs/noiseprune.yaml"
    script:
        "../scripts/report_tables.py"


rule figures:
    """Target: every configured figure and the report tables, redrawn from the cached tables."""
    input:
        figure_files(),
        list(REPORT_TABLES.values()),
