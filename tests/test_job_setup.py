"""workflow/scripts/_job.py: every job's BLAS libraries run the rule's thread count."""

import json
import subprocess
import sys

import pytest

from helpers import ROOT

# A job's start, as Snakemake's script preamble leaves it: nothing numeric imported yet,
# OPENBLAS_NUM_THREADS set by Snakemake to the job's (possibly lowered) `threads`.
JOB = """
import json, sys, types
sys.path.insert(0, {scripts!r})
from _job import setup
snakemake = types.SimpleNamespace(
    log=[{log!r}], params=types.SimpleNamespace(blas_threads={threads}), rule="probe",
    wildcards={{}},
)
setup(snakemake)
from threadpoolctl import threadpool_info
print(json.dumps([(i["filepath"], i["num_threads"]) for i in threadpool_info() if i["internal_api"] == "openblas"]))
"""


@pytest.mark.parametrize("threads, env_threads", [(1, "2"), (2, "1")])
def test_setup_pins_numpy_and_scipy_openblas(tmp_path, threads, env_threads):
    code = JOB.format(scripts=str(ROOT / "workflow" / "scripts"), log=str(tmp_path / "job.log"), threads=threads)
    env = {"OPENBLAS_NUM_THREADS": env_threads, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    libs = json.loads(out.stdout)
    assert any("scipy" in path and "openblas64_" not in path for path, _ in libs), libs  # scipy's own
    assert len(libs) >= 2, libs  # numpy's and scipy's
    assert {n for _, n in libs} == {threads}, libs
    assert f"BLAS threads {threads}" in (tmp_path / "job.log").read_text()
