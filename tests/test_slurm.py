"""The cluster path for real: a small workflow through SLURM (--executor slurm).

A single-node SLURM is brought up on this machine by workflow/cluster/slurm_local.sh
(session fixture; stopped again at the end), unless one already answers. The config
tests/configs/slurm.yaml (a few jobs of every kind the smoke config has, without its
scaling and trained sections) then runs from a temporary copy of the workflow with the
SLURM workflow profile, exactly as a user would type it, and once locally (--cores 2;
fixture slurm_local_run) for reference. Proof that the jobs went through SLURM, not a local
fallback:

- every job Snakemake submitted has a SLURM job id that the controller knows, in state
  COMPLETED, with the copy as its working directory;
- each SLURM job's own log (.snakemake/slurm_logs, kept with
  --slurm-keep-successful-logs) holds the Snakemake that ran inside the allocation, and
  together those logs ran every job of the DAG (the count per rule matches the local run);

and the results are bit-identical to the local run. A throwaway workflow whose jobs
allocate more than their mem_mb shows memory enforcement, the retry with more memory
(attempt-scaled mem_mb), and the final report naming the SLURM log.

Needs root and the packages slurm-wlm and munge (.ci/install-system-deps.sh); without
them the tests skip with the reason (an error in CI: NOISEPRUNE_REQUIRE_SYSTEM_TESTS=1).
"""

import collections
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import RUN, result_hashes, run_snakemake

# The tests that need a SLURM; the preflight-message tests at the end need none.
needs_slurm = [pytest.mark.slurm, pytest.mark.workflow]


def slurm_test(func):
    for mark in needs_slurm:
        func = mark(func)
    return func

ROOT = Path(__file__).resolve().parent.parent
SLURM_LOCAL = ROOT / "workflow" / "cluster" / "slurm_local.sh"
CHECK = ROOT / "workflow" / "cluster" / "check_slurm.py"
CONFIG = "tests/configs/slurm.yaml"
# What a checkout needs to run the workflow (the package too: jobs import it from the
# workflow's base directory).
CHECKOUT = ["Snakefile", "config.yaml", "workflow", "noiseprune", "tests/configs"]
DAEMONS = ["munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo"]
# Two Snakemake start-ups per job (the one sbatch runs and the one it starts with srun);
# the smoke config's 103 jobs took about 7 minutes on two idle cores, this config has 34.
SLURM_RUN_TIMEOUT = 1800
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.")


def run(cmd, *, env=None, cwd=None, timeout=600, check=True):
    """Run cmd; past the timeout interrupt it (Snakemake then cancels its SLURM jobs)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        raise AssertionError(f"{' '.join(map(str, cmd))} timed out after {timeout} s:\n{out[-3000:]}\n{err[-6000:]}")
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{out[-3000:]}\n{err[-6000:]}"
        )
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def slurm_answers(env):
    try:
        proc = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, env=env, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and "UP" in proc.stdout


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    """Environment (dict) in which sbatch, squeue and Snakemake's plugin reach SLURM."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.skip("snakemake-executor-plugin-slurm not installed (pip install snakemake-executor-plugin-slurm)")
    missing = [cmd for cmd in DAEMONS if shutil.which(cmd) is None]
    if missing:
        pytest.skip(f"SLURM not installed ({', '.join(missing)} missing): apt-get install slurm-wlm munge")
    env = dict(os.environ)
    if slurm_answers(env):  # e.g. `slurm_local.sh up` done by hand: use it, leave it up
        yield env
        return
    if os.geteuid() != 0:
        pytest.skip("needs root to start munged/slurmd (or start SLURM first: sudo workflow/cluster/slurm_local.sh up)")
    state = tmp_path_factory.mktemp("slurm-state")
    env["NOISEPRUNE_SLURM_STATE"] = str(state)
    start = time.monotonic()
    run(["bash", str(SLURM_LOCAL), "up"], env=env, timeout=120)
    print(f"SLURM up in {time.monotonic() - start:.1f} s (state {state})")
    env["SLURM_CONF"] = str(state / "slurm.conf")
    try:
        yield env
    finally:
        down = run(["bash", str(SLURM_LOCAL), "down"], env=env, timeout=120, check=False)
        print(down.stdout, down.stderr)


def copy_checkout(dest):
    for rel in CHECKOUT:
        src = ROOT / rel
        target = dest / rel
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", ".snakemake", "results", "results-*"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


def snakemake(*args):
    return [sys.executable, "-m", "snakemake", *args]


def job_stats(log):
    """Rule -> job count from the 'Job stats' table Snakemake prints first."""
    table = log.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    counts = {}
    for line in table.splitlines():
        match = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


def slurm_jobs(env, ids):
    """SLURM job id -> (state, working directory) as the controller reports them."""
    out = run(["squeue", "--states=all", "--noheader", "--format=%i|%T|%Z", "--jobs", ",".join(ids)], env=env).stdout
    return {line.split("|")[0]: tuple(line.split("|")[1:]) for line in out.splitlines() if line.strip()}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the checkout, config.yaml included: jobs inside the allocations must
    see the test config alone, as the main process does (the Snakefile reads
    config.yaml only when no config file is given)."""
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


@pytest.fixture(scope="module")
def slurm_local_run(tmp_path_factory):
    """(workdir, Snakemake's output) of the same config run locally with --cores 2."""
    workdir = tmp_path_factory.mktemp("slurm_config_local")
    proc = run_snakemake(workdir, "--cores", "2", configfile=ROOT / CONFIG, timeout=900)
    return workdir, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def slurm_run(slurm, checkout):
    """The test config through SLURM from the copy, as docs/cluster.md tells users."""
    check = run([sys.executable, str(CHECK)], env=slurm)
    flags = run([sys.executable, str(CHECK), "--flags"], env=slurm).stdout.split()
    start = time.monotonic()
    proc = run(
        [
            sys.executable, str(checkout / RUN.relative_to(ROOT)), "cluster", "--config", CONFIG, "--", *flags,
            "--slurm-init-seconds-before-status-checks", "2",
            "--slurm-keep-successful-logs",
        ],
        env=slurm,
        cwd=checkout,
        timeout=SLURM_RUN_TIMEOUT,
    )
    elapsed = time.monotonic() - start
    print(f"SLURM run of {CONFIG}: {elapsed:.1f} s")
    return dict(workdir=checkout, log=proc.stdout + proc.stderr, check=check.stdout, flags=flags, elapsed=elapsed)


@slurm_test
def test_preflight_passes(slurm_run):
    assert slurm_run["check"].startswith("SLURM ok"), slurm_run["check"]


@slurm_test
def test_every_job_went_through_slurm(slurm, slurm_run, slurm_local_run):
    workdir, log = slurm_run["workdir"], slurm_run["log"]
    submitted = SUBMITTED.findall(log)
    assert submitted, "no SLURM submissions in Snakemake's log"
    ids = [jobid for jobid, _ in submitted]
    assert len(set(ids)) == len(ids)

    # The controller knows every one of them: completed, run in the copy.
    known = slurm_jobs(slurm, ids)
    assert set(known) == set(ids)
    for jobid, (state, jobdir) in known.items():
        assert state == "COMPLETED", (jobid, state)
        assert Path(jobdir).resolve() == Path(workdir).resolve(), (jobid, jobdir)

    # Each SLURM job's log holds the Snakemake that ran inside it; together they ran
    # every job of the DAG (but the local target rule `all`), as many per rule as the
    # local run.
    ran = collections.Counter()
    for jobid, path in submitted:
        path = Path(path)
        assert path.is_file() and path.name == f"{jobid}.log", path
        assert path.is_relative_to(Path(workdir).resolve() / ".snakemake" / "slurm_logs")
        text = path.read_text()
        assert "Finished jobid" in text and "Error" not in text, path
        ran.update(re.findall(r"^localrule (\w+):", text, re.M))
    expected = job_stats(slurm_local_run[1])
    expected.pop("all")
    assert dict(ran) == expected

    # Every job of the DAG is its own SLURM job: the probabilities, pruned networks and
    # metrics of a (network, seed, method, keep fraction) are one rule, prune_measure.
    assert expected["prune_measure"] > 0
    assert len(submitted) == sum(expected.values())


@slurm_test
def test_outputs_bit_identical_to_local_run(slurm_run, slurm_local_run):
    on_slurm = result_hashes(slurm_run["workdir"], ROOT / CONFIG)
    local = result_hashes(slurm_local_run[0], ROOT / CONFIG)
    assert "tables/summary.csv" in local
    assert on_slurm.keys() == local.keys()
    differ = [path for path in local if on_slurm[path] != local[path]]
    assert not differ, f"differ between SLURM and local run: {differ[:10]}"


@slurm_test
def test_rerun_through_slurm_does_nothing(slurm, slurm_run):
    proc = run(
        snakemake("--workflow-profile", "workflow/profiles/slurm", "--configfile", CONFIG, *slurm_run["flags"], "--dry-run"),
        env=slurm,
        cwd=slurm_run["workdir"],
    )
    assert "Nothing to be done" in proc.stdout + proc.stderr


# A job's memory under SLURM: its Snakemake (~150 MB) plus what the rule allocates.
MEMORY_SNAKEFILE = '''
HOG = (
    "python3 -c 'import time; b = bytearray({params.mb} * 2**20); time.sleep(3)'"
    " && echo ok > {output}"
)


rule all:
    input:
        "once.txt",
        "always.txt",


# ~600 MB in all: killed with mem_mb=400 (attempt 1), fits in 800 (attempt 2).
rule hog_once:
    output:
        "once.txt",
    params:
        mb=400,
    resources:
        mem_mb=lambda wildcards, attempt: 400 * attempt,
        runtime=5,
    shell:
        HOG


# ~1.8 GB: killed at every attempt (400, 800, 1200 MB), then reported.
rule hog_always:
    output:
        "always.txt",
    params:
        mb=1600,
    resources:
        mem_mb=lambda wildcards, attempt: 400 * attempt,
        runtime=5,
    shell:
        HOG
'''


@slurm_test
def test_job_over_memory_is_killed_retried_with_more_then_reported(slurm, tmp_path):
    (tmp_path / "Snakefile").write_text(MEMORY_SNAKEFILE)
    flags = run([sys.executable, str(CHECK), "--flags"], env=slurm).stdout.split()
    start = time.monotonic()
    proc = run(
        snakemake(
            "--workflow-profile", str(ROOT / "workflow" / "profiles" / "slurm"), *flags,
            "--slurm-init-seconds-before-status-checks", "2",
            "--slurm-keep-successful-logs",
        ),
        env=slurm,
        cwd=tmp_path,
        check=False,
    )
    print(f"memory run: {time.monotonic() - start:.1f} s")
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    submitted = collections.defaultdict(list)
    for jobid, path in SUBMITTED.findall(log):
        submitted[Path(path).parent.name].append((jobid, Path(path)))

    def requested_mb(jobid):
        out = run(["squeue", "--states=all", "--noheader", "--format=%m", "--jobs", jobid], env=slurm).stdout
        return int(out.strip().rstrip("M"))

    killed = "exceeded memory limit"
    # hog_once: killed at 400 MB, done at 800 MB.
    once = submitted["rule_hog_once"]
    assert [requested_mb(j) for j, _ in once] == [400, 800]
    assert killed in once[0][1].read_text()
    assert killed not in once[1][1].read_text()
    assert (tmp_path / "once.txt").read_text() == "ok\n"
    # hog_always: killed at every attempt (profile: retries 2), more memory each time,
    # then reported with its SLURM log, which says why.
    always = submitted["rule_hog_always"]
    assert [requested_mb(j) for j, _ in always] == [400, 800, 1200]
    for _, path in always:
        assert killed in path.read_text(), path
    assert not (tmp_path / "always.txt").exists()
    last = always[-1][1]
    assert re.search(rf"Error in rule hog_always:.*?log: [^\n]*{re.escape(str(last))}", log, re.S), log[-3000:]


# ------------------------------------------------------------------ preflight messages
# check_slurm.py against fake SLURM commands: one line saying what is missing and how
# to fix it. No SLURM needed.
def fake_commands(bindir, **scripts):
    bindir.mkdir(exist_ok=True)
    for name, body in scripts.items():
        path = bindir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return {**os.environ, "PATH": str(bindir)}


def preflight(env, *args):
    return subprocess.run([sys.executable, str(CHECK), *args], capture_output=True, text=True, env=env, timeout=60)


UP = dict(
    sbatch="exit 0",
    squeue="exit 0",
    scontrol='echo "Slurmctld(primary) at head is UP"',
    sinfo='echo "main*"; echo "bigmem"',
)


def test_preflight_plugin_missing(tmp_path):
    env = fake_commands(tmp_path / "bin", **UP)
    hide = "import sys, runpy; sys.modules['snakemake_executor_plugin_slurm'] = None; runpy.run_path(%r, run_name='__main__')"
    proc = subprocess.run([sys.executable, "-c", hide % str(CHECK)], capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1
    assert "snakemake-executor-plugin-slurm is not installed" in proc.stderr
    assert "pip install snakemake-executor-plugin-slurm" in proc.stderr


def test_preflight_no_slurm_commands(tmp_path):
    proc = preflight(fake_commands(tmp_path / "bin"))
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "no SLURM client commands" in proc.stderr and "slurm_local.sh up" in proc.stderr


def test_preflight_controller_down(tmp_path):
    env = fake_commands(
        tmp_path / "bin",
        **dict(UP, scontrol='echo "slurm_load_ctl_conf error: Unable to contact slurm controller" >&2; exit 1'),
    )
    proc = preflight(env)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "SLURM controller not reachable" in proc.stderr and "Unable to contact" in proc.stderr


def test_preflight_no_default_partition(tmp_path):
    env = fake_commands(tmp_path / "bin", **dict(UP, sinfo='echo "debug"'))
    proc = preflight(env)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "no default partition" in proc.stderr and "slurm_partition" in proc.stderr


def test_preflight_ok_and_flags_follow_accounting(tmp_path):
    # No sacct: the plugin must use squeue and no account.
    env = fake_commands(tmp_path / "bin", **UP)
    proc = preflight(env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("SLURM ok: controller up, partition main")
    assert preflight(env, "--flags").stdout.split() == ["--slurm-status-command", "squeue", "--slurm-no-account"]
    # With accounting nothing needs adding.
    env = fake_commands(tmp_path / "bin", sacct="exit 0")
    assert preflight(env, "--flags").stdout.split() == []
