"""The pipeline's own cost: this checkout against a baseline revision, in the same run.

For each workload (each tree's own smoke config, and a many-small-draws config: 72
pruned networks at N = 600), Snakemake runs the whole DAG from an empty directory with ``--cores 2``,
once with this checkout's workflow and once with the baseline's (a ``git worktree`` of
``--baseline``), alternating, ``--repeats`` times. Reported per workload and tree:
jobs, summed job-seconds (the ``benchmark:`` files; rules without one are not counted),
wall time and the CPU time of Snakemake's own process (its scheduling, without the
jobs; sampled every 0.1 s), as medians over the repeats, and the wall-time ratio.
``--snakemake-args`` are added to both trees' command lines (e.g. another
``--max-jobs-per-timespan``). Without one there, this checkout runs with the scheduler
window its ``workflow/run.py`` chooses for the workload, as ``make reproduce`` does.

    .venv/bin/python benchmarks/bench_pipeline.py --baseline e42c184 --repeats 3

Results go to ``benchmarks/out/pipeline.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent

#: 2 network seeds x 3 methods x 4 keep fractions x 3 pruning seeds = 72 pruned networks
#: at N = 600; valid for the baseline's config schema too (no key newer than it).
MANY_SMALL = {
    "defaults": {"methods": ["noise", "weight", "uniform"]},
    "experiments": {
        "many600": {
            "network": {"clusters": [300, 60, 240], "density": 0.6, "long_range": 1500},
            "seeds": [0, 1],
            "keep_fractions": [0.05, 0.1, 0.2, 0.4],
            "prune_seeds": [0, 1, 2],
        }
    },
}


def wait_for_own_cpu(proc: subprocess.Popen) -> float:
    """Wait for ``proc`` to end; its own CPU seconds (user + system, children excluded),
    as last read while it ran."""
    own_cpu = 0.0
    watched = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            times = watched.cpu_times()
            own_cpu = times.user + times.system
        except psutil.Error:
            pass
        time.sleep(0.1)
    return own_cpu


def run_py_window(config: Path) -> list[str]:
    """The ``--max-jobs-per-timespan`` argument this checkout's ``workflow/run.py`` adds to
    a ``make reproduce`` of ``config``."""
    sys.path.insert(0, str(ROOT / "workflow"))
    import run

    return ["--max-jobs-per-timespan", run.scheduler_window(run.planned_jobs(run.load_plan(config)))]


def run_once(tree: Path, config: Path, workdir: Path, extra: list[str] = ()) -> dict:
    """Wall time, job count, summed job-seconds and Snakemake's own CPU time of one
    Snakemake run from scratch."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    cmd = [
        sys.executable, "-m", "snakemake", "--snakefile", str(tree / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(config), "--replace-workflow-config", "--cores", "2",
        "--workflow-profile", str(tree / "workflow" / "profiles" / "default"), *extra,
    ]
    start = time.perf_counter()
    with open(workdir / "snakemake.out", "w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=workdir)
        own_cpu = wait_for_own_cpu(proc)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake failed in {tree}:\n{text[-3000:]}")
    steps = re.findall(r"(\d+) of (\d+) steps \(100%\) done", text)
    jobs = int(steps[-1][1]) if steps else -1
    results = yaml.safe_load(config.read_text()).get("results_dir", "results")
    seconds = sum(
        float(pd.read_csv(path, sep="\t")["s"].sum()) for path in (workdir / results / "benchmarks").rglob("*.tsv")
    )
    return {"wall_s": wall, "jobs": jobs, "job_seconds": seconds, "snakemake_cpu_s": own_cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="e42c184", help="git revision to compare against")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workloads", default="smoke,many_small")
    ap.add_argument("--snakemake-args", default="", help="added to every Snakemake command line")
    ap.add_argument("--out", default="pipeline.json", help="file name under benchmarks/out/")
    args = ap.parse_args()

    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
        tmp = Path(tmp)
        baseline = tmp / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(baseline), args.baseline], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            many = tmp / "many_small.yaml"
            many.write_text(yaml.safe_dump(MANY_SMALL))
            trees = {"baseline": baseline, "current": ROOT}
            # the smoke config is each tree's own (the current one has more experiments)
            configs = {
                "smoke": {name: tree / "tests" / "configs" / "smoke.yaml" for name, tree in trees.items()},
                "many_small": {name: many for name in trees},
            }
            report = {}
            for workload in args.workloads.split(","):
                runs = {name: [] for name in trees}
                extras = {name: args.snakemake_args.split() for name in trees}
                if "--max-jobs-per-timespan" not in extras["current"]:
                    extras["current"] += run_py_window(configs[workload]["current"])
                for r in range(args.repeats):
                    for name, tree in trees.items():
                        result = run_once(tree, configs[workload][name], tmp / f"{workload}_{name}", extras[name])
                        runs[name].append(result)
                        print(f"{workload} {name} repeat {r}: {result}", flush=True)
                summary = {
                    name: {key: statistics.median(run[key] for run in rs) for key in rs[0]} for name, rs in runs.items()
                }
                summary["wall_ratio_current_over_baseline"] = summary["current"]["wall_s"] / summary["baseline"]["wall_s"]
                summary["runs"] = runs
                report[workload] = summary
                print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2), flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
    report["baseline"] = args.baseline
    report["snakemake_args"] = args.snakemake_args
    (out_dir / args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
