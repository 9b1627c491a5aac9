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
# that plan or draw figures pay for it, through the input and params functions below.

from noiseprune.pipeline import captions as npcaptions

REPORT_TABLES = PLAN.paths(
    {"summary": "report/summary_digest.csv", "scaling": "report/scaling_digest.csv"}
)
# Report toggle between the two files of a figure; the first in sort order (the PNG,
# which every browser shows inline) is the one displayed by default.
FORMAT_LABELS = {"png": "image (PNG)", "pdf": "vector (PDF)"}


def figure_inputs(wildcards):
    """Tables (and further files) the figure's module reads."""
    return PLAN.figure_inputs(wildcards.name)


def figure_spec(wildcards):
    """The figure's entry of the config, completed by its module (its draw's `spec`)."""
    return canonical(PLAN.figures[wildcards.name])


def figure_caption(wildcards):
    """The figure's caption, rendered from its module's template and its spec."""
    return npcaptions.caption(PLAN, wildcards.name)


def figure_labels(ext):
    def labels(wildcards):
        from noiseprune import plotting

        return {
            "figure": plotting.get(wildcards.name).label,
            "name": wildcards.name,
            "format": FORMAT_LABELS[ext],
        }

    return labels


def report_figure(ext):
    """A figure file flagged for the report, with its rendered caption."""
    return report(
        PLAN.path(f"figures/{{name}}.{ext}"),
        caption="../report/figure.rst",
        category="Figures",
        labels=figure_labels(ext),
    )


def figure_files(wildcards):
    return PLAN.figure_files()


rule plot_figure:
    """One figure of the config's figures section: its module's draw function on its tables."""
    input:
        unpack(figure_inputs),
    output:
        pdf=report_figure("pdf"),
        png=report_figure("png"),
    log:
        log("figures", "{name}"),
    wildcard_constraints:
        name=r"[A-Za-z][A-Za-z0-9_]*",
    conda:
        "../envs/noiseprune.yaml"
    params:
        spec=figure_spec,
        caption=figure_caption,
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
        log("figures", "report_tables"),
    conda:
        "../envs/noiseprune.yaml"
    script:
        "../scripts/report_tables.py"


rule figures:
    """Target: every configured figure and the report tables, redrawn from the cached tables."""
    input:
        figure_files,
        list(REPORT_TABLES.values()),
