"""Cost of a whole reproduction: `make reproduce` of config.yaml from an empty results
directory, timed, with its `benchmark:` files summed by rule and by experiment.

    .venv/bin/python benchmarks/bench_full_run.py --experiments paper   # Figs. 1-6 only
    .venv/bin/python benchmarks/bench_full_run.py --experiments all     # config.yaml as is

``paper``: the linear, symmetric experiments of the paper's Figs. 1-6 (every experiment
of config.yaml without a relu dynamics model or a non-symmetric network, the scaling
section, no trained section). The config is written next to the results, the results
go to ``results-bench-<experiments>/`` (removed first), and the summary to
``benchmarks/out/full_run_<experiments>.json``.

    .venv/bin/python benchmarks/bench_full_run.py --shipped                # config.yaml itself

``--shipped`` runs config.yaml unchanged into its own results_dir, which must not exist
yet (nothing is removed), so the run's tables are those of a `make reproduce` of the
shipped config and can feed the results docs; the summary goes to
``benchmarks/out/full_run_shipped.json``. Each summary holds: wall time, CPU time of the whole run
(Snakemake and every job), the largest job's peak memory, and per rule and per
experiment the jobs, job-seconds, median job and peak memory (each job's own
`benchmark:` file: every job is its own process).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAPER_FIGURES = ("fig1_probe", "fig2_spectrum", "fig3_dynamics", "fig4_large", "fig5_sweeps", "fig6_empirical")


def bench_config(experiments: str, results_dir: str) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["results_dir"] = results_dir
    if experiments == "paper":
        config["experiments"] = {
            name: exp
            for name, exp in config["experiments"].items()
            if exp.get("dynamics_model", "linear") == "linear" and exp["network"].get("symmetric", True)
        }
        config.pop("trained", None)
        config["figures"] = {k: v for k, v in config.get("figures", {}).items() if k in PAPER_FIGURES}
    return config


def summarize(benchmarks: Path) -> dict:
    rows = []
    for path in benchmarks.rglob("*.tsv"):
        parts = path.relative_to(benchmarks).parts
        frame = pd.read_csv(path, sep="\t")
        rows.append({
            "rule": parts[0], "experiment": parts[1] if len(parts) > 2 else "",
            "s": float(frame["s"].sum()), "max_rss_mb": float(frame["max_rss"].max()),
        })
    df = pd.DataFrame(rows)

    def table(by):
        g = df.groupby(by).agg(jobs=("s", "size"), job_seconds=("s", "sum"), median_s=("s", "median"),
                               max_rss_mb=("max_rss_mb", "max"))
        return g.sort_values("job_seconds", ascending=False).round(1).reset_index().to_dict("records")

    return {"jobs_benchmarked": len(df), "job_seconds": round(float(df["s"].sum()), 1),
            "by_rule": table("rule"), "by_experiment": table("experiment")}


def commit() -> str:
    """The checked-out commit, with ``+dirty`` when tracked files differ from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=ROOT).returncode
    return head + ("+dirty" if dirty else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiments", choices=("paper", "all"), default="paper")
    ap.add_argument("--shipped", action="store_true",
                    help="run config.yaml as shipped into its results_dir (which must not exist)")
    ap.add_argument("--cores", default="2")
    args = ap.parse_args()
    if args.shipped:
        label, config_path = "shipped", ROOT / "config.yaml"
        results = ROOT / yaml.safe_load(config_path.read_text())["results_dir"]
        if results.exists():
            sys.exit(f"--shipped needs a fresh results_dir, but {results} exists (move it away first)")
    else:
        label = args.experiments
        name = f"results-bench-{label}"
        results = ROOT / name
        if results.exists():
            shutil.rmtree(results)
        results.mkdir()
        config_path = results / "config.yaml"
        config_path.write_text(yaml.safe_dump(bench_config(args.experiments, name), sort_keys=False))
    cmd = [sys.executable, "workflow/run.py", "reproduce", "--config", str(config_path), "--", "--cores", args.cores]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = proc.stderr.count("Finished jobid")
    report = {
        "experiments": label, "commit": commit(), "cores": args.cores, "returncode": proc.returncode,
        "wall_s": round(wall, 1), "jobs_finished": done,
        "cpu_user_s": round(usage.ru_utime, 1), "cpu_system_s": round(usage.ru_stime, 1),
        "largest_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
        **summarize(results / "benchmarks"),
    }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"full_run_{label}.json").write_text(json.dumps(report, indent=2))
    (out / f"full_run_{label}.log").write_text(proc.stderr)
    print(json.dumps({k: v for k, v in report.items() if not k.startswith("by_")}, indent=2))
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])


if __name__ == "__main__":
    main()
