"""Report captions (each figure module's CAPTION) state the run's numbers from the config.

The figure rule passes noiseprune.pipeline.captions.caption(plan, figure), the module's
Jinja2 template rendered with the figure's spec, to the report. Rendered here (failing on
any name a template uses and the spec lacks, and on any reStructuredText warning) for
the default config and for the tiny figures config.
"""

import html
import re

import jinja2
import pytest
import yaml
from helpers import ROOT, render_caption

from noiseprune import plotting
from noiseprune.pipeline import captions
from noiseprune.pipeline import config as npconfig
from noiseprune.pipeline import plan as npplan

SCHEMA = npconfig.DEFAULT_SCHEMA


def plan_of(path):
    return npplan.Plan(npconfig.prepare(yaml.safe_load(path.read_text()), schema=SCHEMA))


def rendered(plan):
    """{figure: caption text (HTML tags removed, whitespace collapsed)}."""
    out = {}
    for figure in plan.figures:
        body = render_caption(plan, figure)
        out[figure] = " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())
    return out


@pytest.fixture(scope="module")
def default():
    return rendered(plan_of(ROOT / "config.yaml"))


@pytest.fixture(scope="module")
def tiny():
    return rendered(plan_of(ROOT / "tests" / "configs" / "figures.yaml"))


#: Figures of the seed questions: configs/seed-questions.yaml draws them, not config.yaml.
QUESTIONS = {"fig10_colored_noise", "fig12_leak_margin", "fig13_guarantee"}
#: Figures of sections the default config lacks, with the config that draws them.
OWN_CONFIG = {"fig16_brain_scale": ROOT / "tests" / "configs" / "brain.yaml",
              "fig17_online_pruning": ROOT / "tests" / "configs" / "brain.yaml"}


def test_every_figure_caption_renders(default, tiny):
    names = list(plotting.names())
    # config.yaml draws Figs. 1-9, 16 and 17 (the others come with their own configs), in figure-number order
    assert list(default) == [n for n in names if n in default]
    assert {n[:5] for n in default} == {f"fig{i}_" for i in range(1, 10)} | {"fig16", "fig17"}
    trained_figures = {"fig9_trained", "fig14_trained_retention", "fig15_retraining"}
    # the figures config draws every figure but the trained ones, the seed questions' and
    # those of sections it lacks
    assert set(tiny) == set(names) - trained_figures - QUESTIONS - set(OWN_CONFIG)
    for name, path in OWN_CONFIG.items():
        assert name in rendered(plan_of(path))


def test_brain_scale_caption_states_the_run():
    text = rendered(plan_of(ROOT / "tests" / "configs" / "brain.yaml"))["fig16_brain_scale"]
    assert "N = 300, 600 neurons, 16 synapses per neuron" in text and "keep fraction 30 %" in text
    assert "1 network seed × 2 pruning seeds" in text and "N = 200 compared with the exact" in text


def test_online_caption_states_the_run():
    text = rendered(plan_of(ROOT / "tests" / "configs" / "brain.yaml"))["fig17_online_pruning"]
    assert "N = 200" in text and "keep fraction 30 %" in text and "1 network seed × 3 pruning seeds" in text
    assert "total observed time 60, 4 replicas" in text and "every 10" in text and "below 0.2" in text


def test_seed_question_captions_state_the_runs_setting():
    questions = rendered(plan_of(ROOT / "tests" / "configs" / "seed-questions.yaml"))
    assert set(questions) == QUESTIONS
    assert "noise correlation times 0, 1 and 100" in questions["fig10_colored_noise"]
    assert "2 network seeds × 2 pruning seeds = 4 draws" in questions["fig10_colored_noise"]
    assert "experiments leak0, leak02 and leakI" in questions["fig12_leak_margin"]
    fig13 = questions["fig13_guarantee"]
    assert "sizes N = 40 and 80; k = 1 and 4; ε = 0.3 and 0.5" in fig13 and "leak margin 0.1" in fig13
    full = rendered(plan_of(ROOT / "configs" / "seed-questions.yaml"))
    assert "sizes N = 500, 1000, 2000 and 4000; k = 1, 2, 4 and 8" in full["fig13_guarantee"]


def test_default_config_captions_state_the_papers_setting(default):
    assert "Fig. 2 — spectrum preservation at N = 2000, 20 % of the synapses kept" in default["fig2_spectrum"]
    assert "clusters of 1000, 200 and 800 neurons" in default["fig2_spectrum"]
    assert "3 network seeds × 3 pruning seeds = 9 draws" in default["fig2_spectrum"]
    fig3 = default["fig3_dynamics"]
    assert "dt = 0.005, σ = 0.01, b = 0.0002, 8001 time points up to t = 40" in fig3
    assert "20 trials each" in fig3 and "neurons 500, 1100 and 1600" in fig3 and "stored every 20 steps (every 0.1 time units)" in fig3
    assert "paper3000: N = 3000" in default["fig4_large"] and "paper10000: N = 10000" in default["fig4_large"]
    assert "durations T = 10, 100 and 1000, 32 replicas" in default["fig6_empirical"]
    assert "N = 250, 500, 1000, 2000, 4000 and 8000" in default["fig5_sweeps"] and "target ε = 0.5" in default["fig5_sweeps"]
    assert "N = 128 units (3 trained networks)" in default["fig9_trained"]


def test_captions_follow_a_non_default_config(tiny):
    """The tiny figures config: its sizes, keep fractions, time step and draws, never
    the default's (the paper's own results are quoted without 'N = ')."""
    fig2 = tiny["fig2_spectrum"]
    assert "N = 90, 30 % of the synapses kept" in fig2
    assert "clusters of 40, 20 and 30 neurons" in fig2
    assert "2 network seeds × 1 pruning seed = 2 draws" in fig2
    assert "pruned by noise-prune and weight" in fig2
    fig3 = tiny["fig3_dynamics"]
    assert "dt = 0.01, σ = 0.01, b = 0.0002, 101 time points up to t = 1" in fig3
    assert "4 trials each" in fig3 and "neurons 20, 50 and 75" in fig3 and "stored every step (every 0.01 time units)" in fig3
    assert "N = 60" in tiny["fig1_probe"] and "20 %" in tiny["fig1_probe"]
    assert "N = 80, clusters of 50, 10, 10 and 10 neurons, 30 %" in tiny["fig4_large"]
    assert "N = 40 and 80" in tiny["fig5_sweeps"] and "target ε = 0.6" in tiny["fig5_sweeps"]
    assert "durations T = 20 and 80, 8 replicas after a burn-in of 5 each, dt = 0.01" in tiny["fig6_empirical"]
    assert "Normal(-0.07, 1²)" in tiny["fig7_relu"]
    assert "N = 60" in tiny["fig8_nonsymmetric"] and "30 % and 60 %" in tiny["fig8_nonsymmetric"]
    for figure, text in tiny.items():
        for default_fact in ("N = 2000", "N = 3000", "N = 10000", "dt = 0.005", "8001", "1000, 200 and 800"):
            assert default_fact not in text, (figure, default_fact)


def test_a_caption_naming_what_the_spec_lacks_is_an_error():
    with pytest.raises(jinja2.UndefinedError, match="'keep_drawn' is undefined"):
        captions.render("at {{ keep_drawn }} kept", {"keep": "20 %"})
