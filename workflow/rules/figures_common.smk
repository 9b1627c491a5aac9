# Helpers of the figure rules (figures.smk): which figures the config asks for, their
# inputs and params. Kept apart from the rules (snakemake --lint wants functions out of
# rule files); included by figures.smk.

from noiseprune.pipeline import captions as npcaptions

# Which experiments each figure draws comes from the config's `figures` section,
# through the plan (PLAN.figures: figure name -> experiments).
FIGURE = PLAN.path(npplan.FIGURE)
REPORT_TABLES = PLAN.paths(
    {"summary": "report/summary_digest.csv", "scaling": "report/scaling_digest.csv"}
)


# Report toggle between the two files of a figure; the first in sort order (the PNG,
# which every browser shows inline) is the one displayed by default.
FORMAT_LABELS = {"png": "image (PNG)", "pdf": "vector (PDF)"}


def figure_file(name, ext):
    return FIGURE.format(name=name, ext=ext)


def caption_facts(figure):
    """Params function: what the caption of `figure` states about the run (captions
    write {{ snakemake.params.caption.<key> }}; noiseprune.pipeline.captions)."""

    def facts(wildcards):
        return canonical(npcaptions.facts(PLAN, figure))

    return facts


def report_figure(name, ext, number):
    """A figure file flagged for the report, with its caption workflow/report/<name>.rst."""
    return report(
        figure_file(name, ext),
        caption=f"../report/{name}.rst",
        category="Figures",
        labels={"figure": f"Fig. {number}", "name": name, "format": FORMAT_LABELS[ext]},
    )


def figure_names():
    """Figures the config asks for and can draw (each needs its experiments' tables)."""
    return list(PLAN.figures)


def figure_files():
    return PLAN.figure_files()


def drawn(figure):
    """Experiments a figure draws (figures section of the config)."""
    return PLAN.figures[figure]


def fig1_inputs(wildcards):
    """Network, covariance and noise-prune probabilities of the Fig. 1 experiment (first seed)."""
    name = drawn("fig1_probe")[0]
    exp = EXPERIMENTS[name]
    ids = dict(
        exp=name,
        seed=exp["seeds"][0],
        cov=npplan.covariance_ids(exp)[0],
        method="noise",
        keep=fmt(exp["keep_fractions"][0]),
    )
    return {
        "A": NETWORK.format(**ids),
        "C": COVARIANCE.format(**ids),
        "P": PROBABILITIES.format(**ids),
    }


def fig1_params(wildcards):
    """Cluster sizes (boundary lines) and how many strong weights to circle."""
    net = EXPERIMENTS[drawn("fig1_probe")[0]]["network"]
    pairs = int(net.get("strong_pairs") or 0)
    return dict(
        clusters=list(net["clusters"]),
        highlight=pairs * (2 if net["symmetric"] else 1),
    )


def fig2_weights(name):
    """The draw whose weight matrices Fig. 2 shows: first network seed and pruning seed,
    the figure's keep fraction, the paper's pair of methods (those the experiment runs),
    noise-prune with the exact covariance (else the longest simulated one)."""
    exp = EXPERIMENTS[name]
    return dict(
        seed=exp["seeds"][0],
        pseed=exp["prune_seeds"][0],
        keep=PLAN.keep_fraction_drawn(name),
        methods={
            m: max(npplan.method_covariances(exp, m), key=npplan.duration_of)
            for m in npmethods.PAPER_PAIR
            if m in exp["methods"]
        },
    )


def fig2_inputs(wildcards):
    """Tables, and the network and pruned networks of the weight panels (fig2_weights)."""
    name = drawn("fig2_spectrum")[0]
    draw = fig2_weights(name)
    ids = dict(exp=name, seed=draw["seed"], keep=fmt(draw["keep"]), pseed=draw["pseed"])
    pruned = {
        f"pruned_{m}": PRUNED.format(**ids, method=m, cov=cov)
        for m, cov in draw["methods"].items()
    }
    return dict(
        eigen=TABLES["eigen"],
        summary=TABLES["summary"],
        A=NETWORK.format(**ids),
        **pruned,
    )


def fig2_params(wildcards):
    """Experiment, keep fraction, weight-panel draw and cluster sizes of Fig. 2."""
    name = drawn("fig2_spectrum")[0]
    draw = fig2_weights(name)
    return dict(
        network=name,
        keep_fraction=draw["keep"],
        seed=draw["seed"],
        prune_seed=draw["pseed"],
        methods=list(draw["methods"]),
        clusters=EXPERIMENTS[name]["network"].get("clusters"),
    )


def spectrum_network(figure):
    """The experiment drawn by Fig. 2 or Fig. 3 (a rule param)."""
    return drawn(figure)[0] if figure in PLAN.figures else None


def dynamics_keep(wildcards):
    """Keep fraction of Fig. 3's example trajectories: the first of the experiment's list."""
    return PLAN.keep_fraction_drawn(drawn("fig3_dynamics")[0])


def large_experiments():
    """Experiments drawn by Fig. 4."""
    return PLAN.figures.get("fig4_large", [])


def large_keeps(wildcards):
    """Keep fraction drawn in Fig. 4, per network: the first of each experiment's list."""
    return {name: PLAN.keep_fraction_drawn(name) for name in large_experiments()}


def trained_keep_drawn():
    """Keep fraction of Fig. 9c (noiseprune.pipeline.plan.Plan.trained_keep_drawn)."""
    return PLAN.trained_keep_drawn()


def relu_figure_experiments():
    """Experiments drawn by Fig. 7 (one column each)."""
    return PLAN.figures.get("fig7_relu", [])


def relu_figure_inputs(wildcards):
    return {
        "relu": RELU_TABLES["relu"],
        "eigen": RELU_TABLES["relu_eigen"],
        "dynamics": TABLES["dynamics"],
    }
