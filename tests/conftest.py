"""Shared pytest configuration.

System tests (markers `slurm` and `browser`) need system packages and root; on a
machine without them they skip with a one-line reason. CI installs what they need
(.ci/install-system-deps.sh) and sets NOISEPRUNE_REQUIRE_SYSTEM_TESTS=1, which turns
such a skip into a failure, so CI always runs them for real.
"""

import os
import time

import pytest
from helpers import run_snakemake

SYSTEM_MARKERS = ("slurm", "browser")
REQUIRE = "NOISEPRUNE_REQUIRE_SYSTEM_TESTS"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and os.environ.get(REQUIRE) == "1"
        and any(item.get_closest_marker(m) for m in SYSTEM_MARKERS)
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"system test skipped but {REQUIRE}=1 requires it to run: {reason}"


# ------------------------------------------------------------------ shared smoke run
# The smoke workflow run locally once per session (--cores 2, default profile), for the
# tests that read it (tests/test_workflow.py, tests/test_trained.py), so the suite pays
# for it once.
@pytest.fixture(scope="session")
def smoke_local_run(tmp_path_factory):
    """(workdir, Snakemake's output) of the smoke workflow run locally with --cores 2."""
    workdir = tmp_path_factory.mktemp("smoke_local")
    start = time.monotonic()
    proc = run_snakemake(workdir, "--cores", "2", timeout=900)
    print(f"local smoke run (--cores 2): {time.monotonic() - start:.1f} s")
    return workdir, proc.stdout + proc.stderr
