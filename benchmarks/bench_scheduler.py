"""Snakemake's own cost against its job rate-limit window (``--max-jobs-per-timespan``).

After every scheduling pass that leaves ready jobs waiting, Snakemake's rate limiter
starts a timer (a non-daemon thread) that triggers one more pass a window later; every
finished job adds such a chain, so in a long run with many ready jobs the passes per
second grow with the jobs finished and shrink with the window, and a finished run's
process waits for its last timer, up to one window. This runs a generated workflow of
``--jobs`` independent shell jobs that each sleep ``--sleep`` seconds (many ready jobs
waiting for 2 cores, as in a full reproduction), with the local profile's greedy
scheduler, once per window of ``--windows``, and reports per window: wall time, the
wall time beyond the jobs' own (jobs x sleep / 2), and the CPU time of Snakemake's own
process (sampled every 0.1 s).

    .venv/bin/python benchmarks/bench_scheduler.py --jobs 400 --sleep 0.3 --windows 1s,3s,10s,30s

Results go to ``benchmarks/out/scheduler.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_pipeline import wait_for_own_cpu  # benchmarks/ is the script's own directory

ROOT = Path(__file__).resolve().parent.parent

SNAKEFILE = """
rule all:
    input: expand("out/{{i}}.done", i=range({jobs}))
rule job:
    output: "out/{{i}}.done"
    shell: "sleep {sleep} && touch {{output}}"
"""


def run(workdir: Path, window: str) -> dict:
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--scheduler", "greedy", "--quiet",
           "--max-jobs-per-timespan", f"1000/{window}"]
    for name in ("out", ".snakemake"):
        subprocess.run(["rm", "-rf", str(workdir / name)], check=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu = wait_for_own_cpu(proc)
    if proc.returncode:
        raise RuntimeError(f"snakemake failed with window {window}")
    return {"wall_s": round(time.perf_counter() - start, 1), "snakemake_cpu_s": round(cpu, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=400)
    ap.add_argument("--sleep", type=float, default=0.3)
    ap.add_argument("--windows", default="1s,3s,10s,30s")
    args = ap.parse_args()
    ideal = args.jobs * args.sleep / 2
    report = {"jobs": args.jobs, "sleep_s": args.sleep, "jobs_alone_s": ideal, "windows": {}}
    with tempfile.TemporaryDirectory(prefix="scheduler_") as tmp:
        work = Path(tmp)
        (work / "Snakefile").write_text(SNAKEFILE.format(jobs=args.jobs, sleep=args.sleep))
        for window in args.windows.split(","):
            result = run(work, window)
            result["beyond_jobs_s"] = round(result["wall_s"] - ideal, 1)
            report["windows"][window] = result
            print(window, result, flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scheduler.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
