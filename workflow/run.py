"""Entry point of the make targets: one config, its own results directory, safe resumes.

    python workflow/run.py ACTION [--config PATH] [--forcerun PATH ...] [-- SNAKEMAKE ARGS]

ACTION is one of reproduce, figures, report, dry-run, verify, cluster (see the
Makefile). Every action runs exactly the config given (default config.yaml), with
nothing of config.yaml merged in, and its outputs stay under that config's
`results_dir`.

Runs that write (reproduce, figures, cluster) hold an exclusive lock on
`<results_dir>/.run.lock` for their whole life. The operating system releases it when
the run dies, even by kill -9, so a run that finds Snakemake's own lock files for its
results directory but gets this lock knows they are stale, left by a dead run, and
removes them (what `snakemake --unlock` would do, limited to this results directory).
A directory held by a live run is never unlocked: the second run stops with one line
naming the live one. A lock file is this run's when every file it lists belongs to this
results directory, the nearest directory above it with the pipeline's marker
(noiseprune.pipeline.config.owner), never by path containment.

Before any job or lock, every action checks the config, the plan's job estimates
(memory against this machine, runtime against limits.job_cpu_hours) and, except
verify, the results directory's location (docs/safety.md), each failure one line. A
writing run then removes the temporary files a killed run left (noiseprune.hashing),
and the report is rendered into a temporary file renamed onto report.html.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from noiseprune import hashing  # noqa: E402
from noiseprune.pipeline import verify  # noqa: E402
from noiseprune import io as npio  # noqa: E402
from noiseprune.pipeline import config as npconfig  # noqa: E402
from noiseprune.pipeline import plan as npplan  # noqa: E402

ACTIONS = ("reproduce", "figures", "report", "dry-run", "verify", "cluster")
PROFILES = {"local": ROOT / "workflow" / "profiles" / "default", "slurm": ROOT / "workflow" / "profiles" / "slurm"}
SCHEMA = npconfig.DEFAULT_SCHEMA
#: Set in the environment of every Snakemake this script starts (see live_foreign_runs).
MARKER = "NOISEPRUNE_RUN_LOCK"


class RunError(Exception):
    """A reason to stop before Snakemake starts; printed as one line."""


def load_plan(config_path: Path, available_mb: float | None = None) -> npplan.Plan:
    """The plan of ``config_path``, refused in one line if the config is invalid or a job
    could not finish (runtime over the limit, memory over ``available_mb``)."""
    if not config_path.is_file():
        raise RunError(f"config file {str(config_path)!r} not found")
    try:
        plan = npplan.Plan(npconfig.prepare(npconfig.load_yaml(config_path), schema=SCHEMA))
        plan.check_resources(available_mb, "this machine's memory")
        plan.figures  # planned here, so a figure the config cannot draw stops before Snakemake starts
    except npconfig.ConfigError as err:
        raise RunError(str(err)) from None
    return plan


# ------------------------------------------------------------------ locking
def hold_results_lock(results_dir: Path):
    """Claim ``results_dir`` (noiseprune.pipeline.config.claim: create it with its marker),
    then open and exclusively lock ``results_dir/.run.lock`` (never through a symbolic
    link); the returned file keeps the lock until this process ends. Raises RunError if
    a live run holds it."""
    try:
        npconfig.claim(results_dir)
        fd = os.open(results_dir / ".run.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except npconfig.LocationError as err:
        raise RunError(str(err)) from None
    except OSError as err:
        raise RunError(f"cannot write the results directory {results_dir}: {err.strerror or err}") from None
    handle = os.fdopen(fd, "r+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown pid"
        raise RunError(
            f"another run ({holder}) is writing {results_dir}; wait for it to finish (or stop it) and run this again"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle


def snakemake_lock_files(workdir: Path) -> list[Path]:
    return sorted((workdir / ".snakemake" / "locks").glob("*.lock"))


def lock_paths(lock_file: Path, workdir: Path) -> list[Path]:
    """Files a Snakemake lock file lists (one per line), absolute."""
    lines = [line.strip() for line in lock_file.read_text().splitlines() if line.strip()]
    return [Path(os.path.normpath(workdir / line)) for line in lines]


def live_foreign_runs(workdir: Path) -> list[int]:
    """Pids of live Snakemake processes working in ``workdir`` that this script did not
    start (their lock files could belong to any results directory)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if int(proc.name) == os.getpid() or Path(os.readlink(proc / "cwd")) != workdir:
                continue
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if not any(b"snakemake" in part for part in cmdline[:3]):
                continue
            if MARKER.encode() + b"=" in (proc / "environ").read_bytes():
                continue
        except (OSError, ValueError):
            continue
        pids.append(int(proc.name))
    return pids


def owned_by(paths: list[Path], results_dir: Path, owners: dict) -> bool:
    """Whether every path belongs to ``results_dir`` itself: its nearest ancestor with
    the results marker is ``results_dir``, not a directory inside or around it
    (noiseprune.pipeline.config.owner; ``owners`` caches it by directory)."""
    for path in paths:
        if path.parent not in owners:
            owners[path.parent] = npconfig.owner(path.parent)
        if owners[path.parent] != results_dir:
            return False
    return bool(paths)


def clear_stale_locks(workdir: Path, results_dir: Path) -> list[Path]:
    """Remove Snakemake's lock files that lock only files of ``results_dir`` (by owner,
    not by path: a results directory never contains another), which the caller holds
    (so no run started by this script is using them). Returns them."""
    owners: dict = {}
    ours = [f for f in snakemake_lock_files(workdir) if owned_by(lock_paths(f, workdir), results_dir, owners)]
    if not ours:
        return []
    foreign = live_foreign_runs(workdir)
    if foreign:
        raise RunError(
            f"Snakemake (pid {', '.join(map(str, foreign))}) is running in {workdir} outside make; wait for it to "
            f"finish, or, if no Snakemake is running, remove the stale locks with: snakemake --unlock --configfile ..."
        )
    for lock_file in ours:
        lock_file.unlink(missing_ok=True)
    return ours


# ------------------------------------------------------------------ actions
def machine_memory_mb() -> int:
    """This machine's memory (MB), the mem_mb budget of a local run: jobs declare mem_mb,
    so two large jobs run side by side only where they fit together."""
    return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20)


def snakemake_command(action: str, config_path: Path, plan: npplan.Plan, forcerun: list[str], extra: list[str]):
    profile = PROFILES["slurm" if action == "cluster" else "local"]
    base = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--configfile", str(config_path)]
    base += ["--workflow-profile", str(profile)]
    if action == "reproduce":
        cmd = base + ["--cores", "all"]
    elif action == "cluster":
        cmd = base
    elif action == "dry-run":
        cmd = base + ["--dry-run", "--quiet", "rules"]
    elif action == "figures":
        cmd = base + ["--cores", "all"] + figures_arguments(plan, config_path)
    elif action == "report":
        cmd = base + ["--report", str(Path(plan.results_dir) / "report.html")]
    else:
        raise ValueError(action)
    cmd += extra  # first: targets among them must not follow an option that takes several values
    if action in ("reproduce", "figures") and "--resources" not in extra:
        cmd += ["--resources", f"mem_mb={machine_memory_mb()}"]
    if action in ("reproduce", "figures") and "--max-jobs-per-timespan" not in extra:
        jobs = len(plan.figures) + 1 if action == "figures" else planned_jobs(plan)
        cmd += ["--max-jobs-per-timespan", scheduler_window(jobs)]
    if forcerun:
        cmd += ["--forcerun", *forcerun]
    return cmd


#: Re-planning passes per second that the scheduler window allows (see scheduler_window).
PASSES_PER_SECOND = 100


def planned_jobs(plan: npplan.Plan) -> int:
    """About how many jobs a run of ``plan`` has: its per-draw jobs (pruning, rectified-
    linear draws, dynamics, trained reductions, brain-scale and balance draws), the bulk of
    every DAG. It sizes the scheduler window only, so a rough count is enough."""
    return (len(plan.metric_jobs()) + len(plan.metric_jobs(relu=True)) + len(plan.dynamics_jobs())
            + len(plan.trained_reduce_jobs()) + len(plan.brain_jobs()) + len(plan.balance_draws()))


def scheduler_window(jobs: int) -> str:
    """``--max-jobs-per-timespan`` for a local run of about ``jobs`` jobs.

    After each scheduling pass that leaves ready jobs, Snakemake starts a timer for one
    more pass a window later; every finished job adds such a chain, so a run re-plans up
    to about jobs / window times a second, and its process ends up to one window after its
    last job (docs/performance.md, "Scheduler window"). A window of jobs / 100 seconds,
    1 to 10 s, keeps the passes near 100 a second: a full reproduction keeps the profile's
    10 s, and a small run or a figures-only run ends about 1 s after its last job instead
    of 10."""
    return f"1000/{min(10, max(1, round(jobs / PASSES_PER_SECOND)))}s"


#: Rules that draw figures or the report's digest tables (figures.smk).
FIGURE_RULES = ("plot_figure", "report_tables")


def figures_arguments(plan: npplan.Plan, config_path: Path) -> list[str]:
    """Snakemake arguments that redraw every figure from the existing tables and never
    schedule upstream work; RunError naming the tables that are missing."""
    missing = [t for t in plan.table_targets() if not Path(t).is_file()]
    if missing:
        raise RunError(f"missing tables {', '.join(missing)}: run `make reproduce CONFIG={config_path}` first")
    # without digests to make, forcing report_tables would schedule the missing summary
    rules = FIGURE_RULES if plan.report_digests() else ("plot_figure",)
    return ["figures", "--forcerun", *rules, "--allowed-rules", *rules]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--config", default="config.yaml", type=Path, help="config file (default: config.yaml)")
    parser.add_argument("--forcerun", nargs="+", default=[], metavar="PATH", help="regenerate these files and their downstream")
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args, extra = parser.parse_args(argv[:split]), argv[split + 1 :]  # after --: Snakemake's
    workdir = Path.cwd().resolve()
    try:
        local = args.action != "cluster" and not any(a.startswith("--resources") for a in extra)
        plan = load_plan(args.config, machine_memory_mb() if local else None)
        results_dir = Path(os.path.normpath(workdir / plan.results_dir))
        if args.action != "verify":  # verify only reads
            npconfig.check_location(plan.results_dir, workdir)
        if args.action == "verify":
            # paths as given in the config, so the printed FORCERUN paths work from here
            cmd = [sys.executable, "-m", "noiseprune.pipeline.verify", plan.results_dir, "--config", str(args.config)]
            return subprocess.call(cmd, env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])))
        cmd = snakemake_command(args.action, args.config, plan, args.forcerun, extra)
        lock = None
        if args.action in ("reproduce", "figures", "cluster"):
            lock = hold_results_lock(results_dir)
            stale = clear_stale_locks(workdir, results_dir)
            if stale:
                print(f"run.py: removed {len(stale)} stale Snakemake lock(s) of {plan.results_dir} left by a run that died")
            leftovers = hashing.remove_temporaries(results_dir)
            if leftovers:
                print(f"run.py: removed {len(leftovers)} temporary file(s) of {plan.results_dir} left by a run that was killed")
    except npconfig.LocationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot write the results directory {plan.results_dir}: {err.strerror or err}", file=sys.stderr)
        return 2
    # the config is named in the regenerate commands that the jobs print
    env = dict(os.environ, **{MARKER: "1", verify.CONFIG_ENV: str(args.config)})
    try:
        if args.action == "report":
            return write_report(cmd, results_dir / "report.html", env)
        return subprocess.call(cmd, env=env)
    finally:
        if lock is not None:
            lock.close()


def write_report(cmd: list[str], report: Path, env: dict) -> int:
    """Run Snakemake's report command ``cmd`` (``--report <report>``) into a
    temporary file that is recorded and renamed onto ``report`` when it succeeds
    (noiseprune.io.atomic_path): a symbolic link at ``report`` is replaced, never written
    through, and a failed report leaves the previous one."""

    class Failed(Exception):
        pass

    try:
        with npio.atomic_path(report, ".html") as tmp:
            at = cmd.index("--report") + 1
            rc = subprocess.call([*cmd[:at], str(tmp), *cmd[at + 1 :]], env=env)
            if rc != 0:
                raise Failed(rc)
    except Failed as failed:
        return failed.args[0]
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
