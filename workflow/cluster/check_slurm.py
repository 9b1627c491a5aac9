#!/usr/bin/env python3
"""Preflight check for running the workflow on SLURM (`make cluster`, docs/cluster.md).

    python workflow/cluster/check_slurm.py          # one line: ok, or what is missing
    python workflow/cluster/check_slurm.py --flags  # extra snakemake flags this cluster needs

Checks, in order, and stops at the first problem with one line on stderr saying what is
missing and how to fix it (exit status 1):

1. Snakemake's SLURM executor plugin is importable by this Python;
2. the SLURM client commands (sbatch, squeue, scontrol, sinfo) are on PATH;
3. the controller answers (`scontrol ping`);
4. a partition exists: the one set as slurm_partition in the SLURM profile, or else a
   default partition of the cluster.

On success it prints one line (`SLURM ok: ...`) and notes on what the cluster lacks.
Without job accounting (sacct does not answer) the plugin must query job states with
squeue and submit without an account: `--flags` prints the flags for that
(`--slurm-status-command squeue --slurm-no-account`), nothing on a cluster with
accounting, so `make cluster` works on both.
"""

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "workflow" / "profiles" / "slurm" / "config.yaml"
LOCAL = "workflow/cluster/slurm_local.sh"
CLIENTS = ("sbatch", "squeue", "scontrol", "sinfo")
NO_ACCOUNTING_FLAGS = ["--slurm-status-command", "squeue", "--slurm-no-account"]
# Below this, finished jobs leave squeue before the plugin asks about them.
MIN_JOB_AGE = 120


class Missing(Exception):
    """A prerequisite is missing; the message says what and how to fix it."""


def run(*cmd, timeout=20):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, f"{cmd[0]} timed out after {timeout} s"
    except OSError as err:
        return 127, str(err)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def check_plugin():
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        raise Missing(
            "snakemake-executor-plugin-slurm is not installed for "
            f"{sys.executable}: pip install snakemake-executor-plugin-slurm "
            "(or `make venv`, which installs it)"
        )


def check_clients():
    missing = [cmd for cmd in CLIENTS if shutil.which(cmd) is None]
    if missing:
        raise Missing(
            f"no SLURM client commands ({', '.join(missing)} not on PATH): run this on "
            "the cluster's login node (perhaps after `module load slurm`), or try a "
            f"single-node SLURM on this machine: sudo {LOCAL} up"
        )


def check_controller():
    code, out = run("scontrol", "ping", timeout=10)
    if code != 0 or "UP" not in out:
        last = out.splitlines()[-1] if out else f"exit status {code}"
        raise Missing(
            f"SLURM controller not reachable (scontrol ping: {last}): check SLURM_CONF "
            f"and that slurmctld runs; for a single-node SLURM here: sudo {LOCAL} up"
        )


def profile_partition():
    """slurm_partition set in the profile's default-resources, or None."""
    try:
        import yaml

        profile = yaml.safe_load(PROFILE.read_text()) or {}
    except (OSError, ImportError, ValueError):
        return None
    resources = profile.get("default-resources") or {}
    value = resources.get("slurm_partition") if isinstance(resources, dict) else None
    return str(value).strip("'\"") if value else None


def check_partition():
    code, out = run("sinfo", "--noheader", "--format=%P")
    if code != 0:
        raise Missing(f"sinfo failed ({out or code}): is the controller up?")
    names = [p for p in out.split() if p]
    default = [p.rstrip("*") for p in names if p.endswith("*")]
    names = [p.rstrip("*") for p in names]
    wanted = profile_partition()
    if wanted:
        if wanted not in names:
            raise Missing(
                f"partition {wanted!r} (slurm_partition in {PROFILE.relative_to(ROOT)}) "
                f"does not exist; partitions here: {', '.join(names) or 'none'}"
            )
        return wanted
    if not default:
        raise Missing(
            "the cluster has no default partition: set slurm_partition in "
            f"{PROFILE.relative_to(ROOT)} (partitions: {', '.join(names) or 'none'})"
        )
    return default[0]


def accounting():
    """True when sacct answers (job accounting is enabled)."""
    if shutil.which("sacct") is None:
        return False
    code, out = run("sacct", "--noheader", "--allusers", "--starttime=now-1minutes")
    return code == 0 and "disabled" not in out


def min_job_age():
    code, out = run("scontrol", "show", "config")
    match = re.search(r"^MinJobAge\s*=\s*(\d+)", out, re.M) if code == 0 else None
    return int(match.group(1)) if match else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--flags",
        action="store_true",
        help="print the extra snakemake flags this cluster needs (nothing else)",
    )
    args = parser.parse_args(argv)
    try:
        check_plugin()
        check_clients()
        check_controller()
        partition = check_partition()
    except Missing as err:
        print(f"check_slurm: {err}", file=sys.stderr)
        return 1
    has_accounting = accounting()
    if args.flags:
        print(" ".join([] if has_accounting else NO_ACCOUNTING_FLAGS))
        return 0
    print(f"SLURM ok: controller up, partition {partition}, plugin installed")
    if not has_accounting:
        print(
            "note: no job accounting (sacct does not answer): run snakemake with "
            + " ".join(NO_ACCOUNTING_FLAGS)
            + " (make cluster adds them)"
        )
        age = min_job_age()
        if age is not None and age < MIN_JOB_AGE:
            print(
                f"note: MinJobAge={age}s is short: finished jobs may leave squeue "
                "before Snakemake sees them; ask for MinJobAge >= 300 in slurm.conf"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
