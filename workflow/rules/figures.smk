# Figures (docs/method.md, "Figures") and the report tables.
#
# One rule draws every figure: the config's `figures` section names them, each is a
# module of noiseprune.plotting (its tables, its check of the config, its caption and
# its draw function), planned by noiseprune.pipeline.plan.Plan.figures. Figure rules read only
# the tables under <results_dir>/tables/ (Figs. 1 and 2 also a network, its covariance
# and pruned networks), so `make figures` redraws from cached results without
# recomputing anything upstream.
#
# The plan's figures are computed on first use (they import matplotlib): only the runs
# that plan or draw figures pay for it, through the lambdas of the rules below.

from noiseprune.pipeline import captions as npcaptions

REPORT_TABLES = PLAN.paths(npplan.REPORT_DIGESTS)
# Report toggle between the two files of a figure; the first in sort order (the PNG,
# which every browser shows inline) is the one displayed by default.
FORMAT_LABELS = {"png": "image (PNG)", "pdf": "vector (PDF)"}


rule plot_figure:
    """One figure of the config's figures section: its module's draw function on its tables."""
    input:
        lambda w: PLAN.figure_job_inputs(w.name),
    output:
        pdf=report(
            PLAN.path("figures/{name}.pdf"),
            caption="../report/figure.rst",
            category="Figures",
            labels=lambda w: {
                "figure": PLAN.figure_label(w.name),
                "name": w.name,
                "format": FORMAT_LABELS["pdf"],
            },
        ),
        png=report(
            PLAN.path("figures/{name}.png"),
            caption="../report/figure.rst",
            category="Figures",
            labels=lambda w: {
                "figure": PLAN.figure_label(w.name),
                "name": w.name,
                "format": FORMAT_LABELS["png"],
            },
        ),
    log:
        JOBS.log("figures", "{name}"),
    wildcard_constraints:
        name=r"[A-Za-z][A-Za-z0-9_]*",
    conda:
        "../envs/noiseprune.yaml"
    params:
        # the files draw reads, by key (its tables, a network, a pruned network)
        files=lambda w: PLAN.figure_inputs(w.name),
        # the figure's entry of the config, completed by its module (draw's `spec`)
        spec=lambda w: canonical(PLAN.figures[w.name]),
        # its caption, rendered from its module's template and its spec
        caption=lambda w: npcaptions.caption(PLAN, w.name),
    script:
        "../scripts/plot_figure.py"


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
        JOBS.log("figures", "report_tables"),
    conda:
        "../envs/noiseprune.yaml"
    script:
        "../scripts/report_tables.py"


rule figures:
    """Target: every configured figure and the report tables, redrawn from the cached tables."""
    input:
        lambda w: PLAN.figure_files(),
        list(PLAN.report_digests().values()),
