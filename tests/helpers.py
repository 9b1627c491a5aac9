"""Helpers shared by the workflow, SLURM and report tests: running Snakemake (or the
make targets' launcher, workflow/run.py) on a config in a temporary directory, and
hashing its results."""

import hashlib
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "tests" / "configs" / "smoke.yaml"
PROFILE = ROOT / "workflow" / "profiles" / "default"
RUN = ROOT / "workflow" / "run.py"


def results_path(workdir, configfile=SMOKE):
    """The results directory of ``configfile`` (its results_dir) in ``workdir``."""
    with open(configfile) as fh:
        return Path(workdir) / (yaml.safe_load(fh).get("results_dir") or "results")


def snakemake_cmd(workdir, *args, configfile=SMOKE):
    """Snakemake on this checkout's Snakefile, in ``workdir``, with only ``configfile``
    (the Snakefile reads config.yaml only when no config file is given)."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--workflow-profile",
        str(PROFILE),
        *args,
    ]


def run_snakemake(workdir, *args, configfile=SMOKE, check=True, timeout=300):
    """Run :func:`snakemake_cmd`; raise with the tail of its output if it fails and ``check``."""
    proc = subprocess.run(
        snakemake_cmd(workdir, *args, configfile=configfile), capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


def run_cmd(action, *snakemake_args, configfile=SMOKE):
    """workflow/run.py ACTION on ``configfile``, as the make targets call it (run in the
    working directory); ``snakemake_args`` go on to Snakemake."""
    return [sys.executable, str(RUN), action, "--config", str(configfile), "--", *snakemake_args]


def run_action(workdir, action, *snakemake_args, configfile=SMOKE, check=True, timeout=300):
    """Run :func:`run_cmd` in ``workdir``; raise with its output's tail if it fails and ``check``."""
    proc = subprocess.run(
        run_cmd(action, *snakemake_args, configfile=configfile), cwd=workdir, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"run.py {action} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


def result_hashes(workdir, configfile=SMOKE):
    """sha256 of every result file except logs, benchmarks and hidden (temporary) files."""
    results = results_path(workdir, configfile)
    hashes = {}
    for path in sorted(results.rglob("*")):
        rel = path.relative_to(results)
        if not path.is_file() or rel.parts[0] in ("logs", "benchmarks") or any(p.startswith(".") for p in rel.parts):
            continue
        hashes[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def render_caption(plan, name):
    """The report caption of figure ``name`` of ``plan`` rendered as Snakemake renders it
    (the module's Jinja2 template with the figure's spec, then reStructuredText to HTML);
    a name the template uses but the spec lacks, and any reStructuredText warning, is an
    error. Returns the HTML body."""
    from docutils.core import publish_parts

    from noiseprune.pipeline import captions

    text = captions.caption(plan, name)
    return publish_parts(text, writer="html", settings_overrides={"halt_level": 2, "report_level": 2})["body"]
