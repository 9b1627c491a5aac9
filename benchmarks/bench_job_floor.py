"""The floor of a Snakemake run made of many small jobs: jobs that do nothing but start.

Runs a generated Snakefile of ``--jobs`` independent jobs with ``--cores 2`` (this
repository's local profile settings: greedy scheduler), three ways, ``--repeats`` times
each, alternating:

- ``shell_true``: a shell job running ``true`` (Snakemake's own cost per job);
- ``script_empty``: a ``script:`` job whose script imports nothing (plus Python and
  Snakemake's script preamble);
- ``script_imports``: a ``script:`` job importing what a pruning job of this workflow
  imports (numpy, scipy.linalg and the noiseprune modules of
  ``workflow/scripts/prune_measure.py`` with its ``_job``).

Medians of the wall times, written to benchmarks/out/job_floor.json. With the smoke
config's job count this is the least a smoke run can take with one process per job:

    .venv/bin/python benchmarks/bench_job_floor.py --jobs 93 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SNAKEFILE = """
N = {jobs}
rule all:
    input: expand("out/{{kind}}/{{i}}.done", i=range(N), kind=[config["kind"]])
rule shell_true:
    output: "out/shell_true/{{i}}.done"
    shell: "true && touch {{output}}"
rule script_empty:
    output: "out/script_empty/{{i}}.done"
    script: "empty.py"
rule script_imports:
    output: "out/script_imports/{{i}}.done"
    script: "imports.py"
"""
EMPTY = "open(snakemake.output[0], 'w').close()\n"
#: the imports of a pruning job (workflow/scripts/prune_measure.py and its _job)
IMPORTS = (
    "import numpy, scipy.linalg, threadpoolctl\n"
    "from noiseprune import draws, io, pruning\n"
    "from noiseprune.pipeline import draw_rows, verify\n"
    "from noiseprune.seeding import pruning_rng\n"
    "open(snakemake.output[0], 'w').close()\n"
)
KINDS = ("shell_true", "script_empty", "script_imports")


def run(workdir: Path, kind: str) -> float:
    shutil.rmtree(workdir / "out", ignore_errors=True)
    shutil.rmtree(workdir / ".snakemake", ignore_errors=True)
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--scheduler", "greedy", "--quiet",
           "--config", f"kind={kind}"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=workdir, check=True, capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=93)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    runs = {k: [] for k in KINDS}
    with tempfile.TemporaryDirectory(prefix="job_floor_") as tmp:
        work = Path(tmp)
        (work / "Snakefile").write_text(SNAKEFILE.format(jobs=args.jobs))
        (work / "empty.py").write_text(EMPTY)
        (work / "imports.py").write_text(IMPORTS)
        for r in range(args.repeats):
            for kind in KINDS:
                runs[kind].append(run(work, kind))
            print(r, {k: round(v[-1], 2) for k, v in runs.items()}, flush=True)
    report = {"jobs": args.jobs, "median_wall_s": {k: statistics.median(v) for k, v in runs.items()}, "runs": runs}
    print(json.dumps(report["median_wall_s"], indent=2))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "job_floor.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
