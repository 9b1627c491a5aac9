# Helpers of the figure rules (figures.smk): which figures the config asks for, their
# inputs and params. Kept apart from the rules (snakemake --lint wants functions out of
# rule files); included by figures.smk.

# Experiments of the paper figures (the experiment names of config.yaml).
FIG1_EXPERIMENT = "fig1"
SPECTRUM_EXPERIMENT = "paper2000"
LARGE_EXPERIMENTS = ["paper3000", "paper10000"]
FIGURE = "results/figures/{name}.{ext}"
REPORT_TABLES = {
    "summary": "results/report/summary_digest.csv",
    "scaling": "results/report/scaling_digest.csv",
}


# Report toggle between the two files of a figure; the first in sort order (the PNG,
# which every browser shows inline) is the one displayed by default.
FORMAT_LABELS = {"png": "image (PNG)", "pdf": "vector (PDF)"}


def figure_file(name, ext):
    return FIGURE.format(name=name, ext=ext)


def report_figure(name, ext, number):
    """A figure file flagged for the report, with its caption workflow/report/<name>.rst."""
    return report(
        figure_file(name, ext),
        caption=f"../report/{name}.rst",
        category="Figures",
        labels={"figure": f"Fig. {number}", "name": name, "format": FORMAT_LABELS[ext]},
    )


def has_full_spectra(name):
    exp = EXPERIMENTS.get(name)
    return exp is not None and exp["spectra"] == "full"


def large_experiments():
    """Fig. 4 networks present in the config with full spectra."""
    return [name for name in LARGE_EXPERIMENTS if has_full_spectra(name)]


def figure_names():
    """Figures whose experiments are configured (each needs its experiment's tables)."""
    names = []
    if FIG1_EXPERIMENT in EXPERIMENTS:
        names.append("fig1_probe")
    if has_full_spectra(SPECTRUM_EXPERIMENT):
        names.append("fig2_spectrum")
    if (
        SPECTRUM_EXPERIMENT in EXPERIMENTS
        and EXPERIMENTS[SPECTRUM_EXPERIMENT]["dynamics"]
    ):
        names.append("fig3_dynamics")
    if large_experiments():
        names.append("fig4_large")
    if sweep_experiments() or scaling_experiments():
        names.append("fig5_sweeps")
    if empirical_experiments():
        names.append("fig6_empirical")
    return names


def figure_files():
    return [figure_file(name, ext) for name in figure_names() for ext in ("pdf", "png")]


def required_experiment(name, figure):
    if name not in EXPERIMENTS:
        raise ValueError(
            f"{figure} draws experiment {name!r}, which is not in the config "
            f"(experiments: {', '.join(EXPERIMENTS)})"
        )
    return EXPERIMENTS[name]


def fig1_inputs(wildcards):
    """Network, covariance and noise-prune probabilities of the fig1 experiment (first seed)."""
    exp = required_experiment(FIG1_EXPERIMENT, "Fig. 1")
    if "noise" not in exp["methods"]:
        raise ValueError("Fig. 1 needs method noise in experiments.fig1.methods")
    ids = dict(
        exp=FIG1_EXPERIMENT,
        seed=exp["seeds"][0],
        cov=npconfig.covariance_ids(exp)[0],
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
    net = required_experiment(FIG1_EXPERIMENT, "Fig. 1")["network"]
    pairs = int(net.get("strong_pairs") or 0)
    return dict(
        clusters=list(net["clusters"]),
        highlight=pairs * (2 if net["symmetric"] else 1),
    )


def spectrum_keep(wildcards):
    """Keep fraction drawn in Fig. 2 and 3: the first of the experiment's list."""
    return required_experiment(SPECTRUM_EXPERIMENT, "Fig. 2")["keep_fractions"][0]


def large_keeps(wildcards):
    """Keep fraction drawn in Fig. 4, per network: the first of each experiment's list."""
    return {
        name: EXPERIMENTS[name]["keep_fractions"][0] for name in large_experiments()
    }
