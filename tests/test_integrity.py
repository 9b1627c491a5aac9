"""sha256 records of result files (noiseprune.hashing: check; noiseprune.pipeline.verify:
verify, the regenerate command, the command line), and end to end on a tiny workflow run: an intermediate whose bytes changed but
which is still a valid .npy is named by `verify`, refused by the jobs that read it, and
regenerated (with everything downstream) by the command `verify` prints."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import ROOT, result_hashes, run_snakemake

from noiseprune import hashing, io
from noiseprune.pipeline import verify

GOOD_SUMMARY = re.compile(r"^verified (\d+) files, 0 changed, 0 missing, 0 unrecorded$", re.M)


def write_results(root):
    """A small results tree written through noiseprune.io, plus a log and a temporary."""
    io.save_dense(root / "networks" / "a" / "A.npy", np.arange(12.0).reshape(3, 4))
    io.save_json(root / "metrics" / "a.json", {"eps": 0.5})
    io.save_arrays(root / "spectra" / "a.npz", w=np.ones(3))
    (root / "logs").mkdir()
    (root / "logs" / "job.log").write_text("not a result\n")
    (root / "networks" / "a" / ".A.npy.partial-3f2a9c01b2d4.npy").write_bytes(b"half-written temporary")
    return root


def flip_byte(path, offset=-1):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "noiseprune.pipeline.verify", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )


# ------------------------------------------------------------------ check


def test_check_accepts_an_unchanged_file_and_refuses_one_without_a_record(tmp_path):
    io.save_dense(tmp_path / "x.npy", np.zeros(4))
    assert hashing.check(tmp_path / "x.npy") is True
    np.save(tmp_path / "own.npy", np.zeros(4))
    with pytest.raises(hashing.IntegrityError) as err:
        hashing.check(tmp_path / "own.npy")
    assert str(err.value) == (
        f"{tmp_path / 'own.npy'}: has no sha256 record (.own.npy.sha256): it was written by hand or its record was "
        f"deleted, so its contents cannot be trusted"
    )
    assert err.value.path == tmp_path / "own.npy"
    # every loader: a pipeline-written file whose record was deleted is refused
    (tmp_path / ".x.npy.sha256").unlink()
    with pytest.raises(hashing.IntegrityError, match="has no sha256 record"):
        io.load_dense(tmp_path / "x.npy")


def test_the_command_printed_inside_a_job_names_the_config(tmp_path, monkeypatch):
    """The workflow sets CONFIG_ENV for its jobs: the command names the config, so that
    following it runs that config (make reproduce defaults to config.yaml). The core's
    error names the file only; the pipeline adds the command."""
    io.save_dense(tmp_path / "x.npy", np.arange(3.0))
    flip_byte(tmp_path / "x.npy")
    with pytest.raises(hashing.IntegrityError) as err:
        hashing.check(tmp_path / "x.npy")
    assert "make" not in str(err.value)
    monkeypatch.setenv(verify.CONFIG_ENV, "tests/configs/smoke.yaml")
    assert verify.hinted(err.value) == (
        f"{err.value}; regenerate it with: make reproduce CONFIG=tests/configs/smoke.yaml FORCERUN={tmp_path / 'x.npy'}"
    )
    monkeypatch.delenv(verify.CONFIG_ENV)
    assert verify.hinted(err.value).endswith(f"; regenerate it with: make reproduce FORCERUN={tmp_path / 'x.npy'}")


@pytest.mark.parametrize("damage", ["changed byte", "truncated", "appended"])
def test_check_refuses_a_damaged_file_in_one_line(tmp_path, damage):
    path = tmp_path / "x.npy"
    io.save_dense(path, np.arange(8.0))
    recorded = hashing.recorded_digest(path)
    if damage == "changed byte":
        flip_byte(path)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-8])
    else:
        path.write_bytes(path.read_bytes() + b"\0")
    actual = hashing.sha256(path)
    with pytest.raises(hashing.IntegrityError) as err:
        hashing.check(path)
    assert isinstance(err.value, ValueError)
    assert str(err.value) == (
        f"{path}: contents changed since it was written (sha256 {actual[:12]} != recorded {recorded[:12]})"
    )


def test_a_record_of_another_file_is_refused(tmp_path):
    io.save_dense(tmp_path / "x.npy", np.zeros(2))
    io.save_dense(tmp_path / "y.npy", np.zeros(2))
    os.replace(tmp_path / ".y.npy.sha256", tmp_path / ".x.npy.sha256")
    with pytest.raises(hashing.IntegrityError, match=r"\.x\.npy\.sha256: not a sha256 record of x\.npy"):
        hashing.check(tmp_path / "x.npy")


def test_sha256_reads_in_chunks_and_matches_hashlib(tmp_path):
    import hashlib

    data = os.urandom(3 * 2**20 + 17)
    (tmp_path / "blob").write_bytes(data)
    assert hashing.sha256(tmp_path / "blob") == hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ verify


def test_verify_sorts_every_recorded_file(tmp_path):
    root = write_results(tmp_path / "results")
    report = verify.verify(root)
    assert report.ok and not (report.changed or report.missing or report.unrecorded)
    assert sorted(p.name for p in report.verified) == ["A.npy", "a.json", "a.npz"]

    flip_byte(root / "metrics" / "a.json", offset=3)
    (root / "spectra" / "a.npz").unlink()
    (root / "networks" / "by_hand.npy").write_bytes(b"x")
    report = verify.verify(root)
    assert not report.ok
    assert report.verified == [root / "networks" / "a" / "A.npy"]
    assert report.changed == [root / "metrics" / "a.json"]
    assert report.missing == [root / "spectra" / "a.npz"]
    # logs/ are never results; a hand-written file fails; a killed run's temporary is listed
    assert report.unrecorded == [root / "networks" / "by_hand.npy"]
    assert report.temporary == [root / "networks" / "a" / ".A.npy.partial-3f2a9c01b2d4.npy"]


# ------------------------------------------------------------------ command line


def test_cli_clean_tree_exits_0(tmp_path):
    write_results(tmp_path / "results")
    proc = cli("results", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "temporary: results/networks/a/.A.npy.partial-3f2a9c01b2d4.npy (left by a run that was killed; the next run removes it)\n"
        "verified 3 files, 0 changed, 0 missing, 0 unrecorded; 1 temporary files of killed runs\n"
    )


def test_cli_names_each_problem_with_its_regenerate_command(tmp_path):
    root = write_results(tmp_path / "results")
    flip_byte(root / "networks" / "a" / "A.npy")
    (root / "spectra" / "a.npz").unlink()
    (root / "by_hand.csv").write_text("a\n1\n")
    # an absolute results directory is named relative to the current directory, as
    # Snakemake's --forcerun needs (it does not match an absolute path)
    proc = cli(str(root), "--config", "my config.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "changed: results/networks/a/A.npy",
        "  regenerate with: make reproduce CONFIG='my config.yaml' FORCERUN=results/networks/a/A.npy",
        "missing: results/spectra/a.npz",
        "  regenerate with: make reproduce CONFIG='my config.yaml' FORCERUN=results/spectra/a.npz",
        "unrecorded: results/by_hand.csv (no sha256 record: written by hand, or its record was deleted)",
        "  regenerate with: make reproduce CONFIG='my config.yaml' FORCERUN=results/by_hand.csv",
        "temporary: results/networks/a/.A.npy.partial-3f2a9c01b2d4.npy (left by a run that was killed; the next run removes it)",
        "regenerate all with: make reproduce CONFIG='my config.yaml' "
        "FORCERUN='results/networks/a/A.npy results/spectra/a.npz results/by_hand.csv'",
        "verified 4 files, 1 changed, 1 missing, 1 unrecorded; 1 temporary files of killed runs",
    ]


def test_cli_a_file_whose_record_was_deleted_fails(tmp_path):
    root = write_results(tmp_path / "results")
    (root / "metrics" / ".a.json.sha256").unlink()
    proc = cli("results", cwd=tmp_path)
    assert proc.returncode == 1
    assert "unrecorded: results/metrics/a.json (no sha256 record: written by hand, or its record was deleted)" in proc.stdout


def test_remove_temporaries_removes_only_temporaries(tmp_path):
    root = write_results(tmp_path / "results")
    before = sorted(p for p in root.rglob("*") if p.is_file())
    assert hashing.remove_temporaries(root) == [root / "networks" / "a" / ".A.npy.partial-3f2a9c01b2d4.npy"]
    after = sorted(p for p in root.rglob("*") if p.is_file())
    assert after == [p for p in before if "partial-" not in p.name]
    assert verify.verify(root).temporary == []


def test_cli_missing_results_directory_exits_2_in_one_line(tmp_path):
    proc = cli("nowhere", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "verify: results directory nowhere does not exist\n"


# ------------------------------------------------------------------ end to end

TINY = {
    "experiments": {
        "tiny": {
            "network": {"clusters": [10, 10], "density": 0.6, "long_range": 10, "symmetric": True, "leak": "row_sum"},
            "seeds": [0],
            "methods": ["noise", "weight"],
            "keep_fractions": [0.5],
            "prune_seeds": [0],
        }
    },
    "figures": {},
}
NETWORK = "results/networks/tiny/seed0/A.npy"
COVARIANCE = "results/covariance/tiny/seed0/exact.npy"


def forcerun_targets(output):
    """The files of the last `FORCERUN=...` hint that `verify` printed: one shell word,
    which make splits into the arguments of --forcerun."""
    hints = re.findall(r"make reproduce FORCERUN=(.*)$", output, re.M)
    assert hints, output
    (value,) = shlex.split(hints[-1])
    return value.split()


@pytest.mark.workflow
def test_a_changed_intermediate_is_named_refused_and_regenerated(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY))
    work = tmp_path / "work"
    run_snakemake(work, "--cores", "2", configfile=config)
    written = result_hashes(work)
    proc = cli("results", cwd=work)
    assert proc.returncode == 0 and GOOD_SUMMARY.search(proc.stdout), proc.stdout

    # one value of the network changes; the file stays a valid .npy with its old mtime,
    # so Snakemake sees nothing to do
    network = work / NETWORK
    stamp = network.stat()
    A = np.load(network)
    A[0, 1] += 0.5
    with open(network, "r+b") as fh:
        fh.seek(-A.nbytes, os.SEEK_END)
        fh.write(A.tobytes())
    os.utime(network, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert "Nothing to be done" in run_snakemake(work, "--dry-run", configfile=config).stdout

    proc = cli("results", cwd=work)
    assert proc.returncode == 1
    assert f"changed: {NETWORK}\n  regenerate with: make reproduce FORCERUN={NETWORK}\n" in proc.stdout
    assert forcerun_targets(proc.stdout) == [NETWORK]

    # a job reading it refuses it, naming the file in its log
    proc = run_snakemake(work, "--cores", "2", "--forcerun", COVARIANCE, configfile=config, check=False)
    assert proc.returncode != 0
    log = (work / "results" / "logs" / "covariance_exact" / "tiny" / "seed0.log").read_text()
    assert f"IntegrityError: {NETWORK}: contents changed since it was written" in log
    assert re.search(rf"^{NETWORK}: contents changed .*; regenerate it with: make reproduce CONFIG=\S+ FORCERUN={NETWORK}$", log, re.M)

    # Snakemake removed the failed job's output: verify lists it as missing too
    proc = cli("results", cwd=work)
    assert f"missing: {COVARIANCE}\n" in proc.stdout
    targets = forcerun_targets(proc.stdout)
    assert targets == [NETWORK, COVARIANCE]

    # the printed command (make reproduce passes FORCERUN to --forcerun) rewrites the
    # network and everything downstream, bit-identical to the first run
    run_snakemake(work, "--cores", "2", "--forcerun", *targets, configfile=config)
    proc = cli("results", cwd=work)
    assert proc.returncode == 0 and GOOD_SUMMARY.search(proc.stdout), proc.stdout
    assert result_hashes(work) == written
    assert "Nothing to be done" in run_snakemake(work, "--dry-run", configfile=config).stdout
