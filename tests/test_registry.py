"""Adding a pruning method is one decorated function in noiseprune/methods.py.

The test does what the README tells a user to do, in a temporary copy of the
repository: append one method to methods.py, name it in a config, and run a small
DAG through its tables and a figure, with no other edit.
"""

import os
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
    assert (results / "probabilities/tiny/seed0/exact/degree/keep0.5.npz").is_file()
    assert degree["edges_kept"].iloc[0] > 0
    assert (results / "figures" / "fig2_spectrum.png").stat().st_size > 0
