"""Adding a pruning method is one decorated function in noiseprune/methods.py; adding a
figure is one module in noiseprune/plotting/.

The tests do what the README tells a user to do, in a temporary copy of the
repository: append one method to methods.py (or save one figure module), name it in a
config, and run a small DAG through its tables and figures (and the report), with no
other edit.
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import ROOT

pytestmark = pytest.mark.workflow

NEW_METHOD = '''

@method("degree", uses_covariance=True)
def degree(A, C, i, j):
    """q_ij = |a_ij| (C_ii + C_jj): noise variance of both ends, sign ignored."""
    d = np.diagonal(C)
    return np.abs(A[i, j]) * (d[i] + d[j])
'''

CONFIG = {
    "experiments": {
        "tiny": {
            "network": {"clusters": [20, 10], "long_range": 20},
            "seeds": [0],
            "methods": ["noise", "degree", "weight"],
            "keep_fractions": [0.5],
        }
    },
    "figures": {"fig2_spectrum": {"experiment": "tiny"}},
}


def copy_repository(dest: Path) -> Path:
    """The tracked and untracked-but-not-ignored files of this checkout, copied to ``dest``."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def test_a_method_added_to_methods_py_runs_through_the_dag(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    with open(repo / "noiseprune" / "methods.py", "a") as fh:
        fh.write(textwrap.dedent(NEW_METHOD))
    config = tmp_path / "degree.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    env = dict(os.environ, PYTHONPATH=str(repo))  # the copy's package, as an editable install of it would be
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(repo / "Snakefile"), "--directory", str(tmp_path / "run"),
         "--configfile", str(config), "--replace-workflow-config", "--cores", "2",
         "--workflow-profile", str(repo / "workflow" / "profiles" / "default")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,  # `python -m` puts the working directory first on sys.path
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    results = tmp_path / "run" / "results"
    summary = pd.read_csv(results / "tables" / "summary.csv")
    degree = summary[summary["method"] == "degree"]
    # it reads the covariance, so it runs with the exact one, as noise-prune does
    assert list(degree["covariance"]) == ["exact"]
    assert (results / "probabilities/tiny/seed0/exact/keep0.5/degree.npz").is_file()
    assert degree["edges_kept"].iloc[0] > 0
    assert (results / "figures" / "fig2_spectrum.png").stat().st_size > 0


# The README's "Adding a figure" recipe, word for word.
NEW_FIGURE = '''from .registry import figure
from .style import new_figure


@figure("fig17_example", tables=("summary",), caption="Edges kept by ``{{ experiment }}``.")
def draw(tables, spec):
    rows = tables["summary"]
    rows = rows[rows["network"] == spec["experiment"]]
    fig = new_figure(4, 3)
    ax = fig.subplots()
    for method, sub in rows.groupby("method"):
        ax.plot(sub["keep_fraction"], sub["edges_kept"], "o", label=method)
    ax.set_xlabel("keep fraction")
    ax.set_ylabel("edges kept")
    ax.legend()
    return fig
'''

FIGURE_CONFIG = {
    "results_dir": "results-probe",
    "experiments": {
        "probe": {
            "network": {"clusters": [20, 10], "long_range": 20},
            "seeds": [0],
            "keep_fractions": [0.3, 0.6],
        }
    },
    "figures": {"fig17_example": {"experiment": "probe"}},
}


def run_py(repo, action, config, cwd, env, check=True):
    proc = subprocess.run(
        [sys.executable, str(repo / "workflow" / "run.py"), action, "--config", str(config)],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd,
    )
    if check:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc


def test_a_figure_added_as_one_module_is_drawn_and_shown_in_the_report(tmp_path):
    """The README's recipe: one module in noiseprune/plotting/, one line in the config's
    figures section; `make reproduce` draws it, `make report` shows it with its caption.
    A misspelt figure, or one naming an experiment the config lacks, stops with one line."""
    repo = copy_repository(tmp_path / "repo")
    (repo / "noiseprune" / "plotting" / "fig17_example.py").write_text(NEW_FIGURE)
    config = tmp_path / "probe.yaml"
    config.write_text(yaml.safe_dump(FIGURE_CONFIG))
    env = dict(os.environ, PYTHONPATH=str(repo))  # the copy's package, as an editable install of it would be
    run_py(repo, "reproduce", config, tmp_path, env)
    figures = tmp_path / "results-probe" / "figures"
    assert sorted(p.name for p in figures.glob("fig*")) == ["fig17_example.pdf", "fig17_example.png"]
    assert (figures / "fig17_example.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (figures / "fig17_example.pdf").read_bytes()[:5] == b"%PDF-"
    run_py(repo, "report", config, tmp_path, env)
    report = (tmp_path / "results-probe" / "report.html").read_text()
    # the caption, templated from the figure's entry and rendered to HTML by the report
    assert re.search(r'Edges kept by <tt class=\\?"docutils literal\\?">probe</tt>\.', report), re.findall(r"Edges kept by.{0,80}", report)[:3]
    assert "fig17_example" in report

    for figures_section, message in (
        ({"fig10_exampel": {"experiment": "probe"}}, "error: config error: figures.fig10_exampel: unknown figure 'fig10_exampel'; known: "),
        ({"fig17_example": {"experiment": "paper2000"}}, "error: config error: figures.fig17_example: figure 'fig17_example' names experiment 'paper2000', which the config lacks (experiments: probe)"),
    ):
        config.write_text(yaml.safe_dump(dict(FIGURE_CONFIG, figures=figures_section)))
        proc = run_py(repo, "reproduce", config, tmp_path, env, check=False)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(message), proc.stderr
