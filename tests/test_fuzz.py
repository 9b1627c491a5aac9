"""Fuzz cases of configs, library calls and faults: each bad input is refused with one
line naming it, before any job, lock or file, and nothing is written outside the
results directory (for a refused config: nothing at all).

The configs go through workflow/run.py's own checks in this process (``run.main``, the
entry point of the make targets): the YAML, the schema, the checks that compare
fields, the plan's job estimates and the results directory's location. Each of them,
if it let a case through, would start a Snakemake dry run and return 0, which fails
the case. No Snakemake runs here, so the whole file takes a few seconds.
"""

import errno
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import yaml
from helpers import ROOT

from noiseprune import io, networks, pruning, spectra
from noiseprune import hashing
from noiseprune.pipeline import verify
from noiseprune.pipeline import config as npconfig
from noiseprune.trained import reducers, rnn

sys.path.insert(0, str(ROOT / "workflow"))
import run  # noqa: E402

NETWORK = {"clusters": [20, 10], "long_range": 10, "symmetric": True}


def config(**top):
    """A small valid config with ``top`` merged in (``experiments`` replaced if given)."""
    cfg = {
        "results_dir": "results-fuzz",
        "experiments": {"e1": {"network": dict(NETWORK), "seeds": [0], "keep_fractions": [0.5]}},
        "figures": {},
    }
    cfg.update(top)
    return cfg


def experiment(**keys):
    exp = {"network": dict(NETWORK), "seeds": [0], "keep_fractions": [0.5]}
    exp.update(keys)
    return {"experiments": {"e1": exp}}


def tree(root: Path) -> dict:
    """Every path under ``root`` with its size and mtime (what a write would change)."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def repository_state() -> dict:
    """The repository's own folders, one level down: a run writing into the repository
    would add to them."""
    top = sorted(os.listdir(ROOT))
    return {"": top, **{d: sorted(os.listdir(ROOT / d)) for d in top if (ROOT / d).is_dir() and d not in (".git", ".venv", ".pytest_cache")}}


def refused(tmp_path, monkeypatch, capsys, text: str, action: str = "dry-run") -> str:
    """Run ``make <action>`` on the config ``text`` from a fresh working directory; return
    its one error line, after checking that nothing was written anywhere."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    cfg = tmp_path / "fuzz.yaml"
    if isinstance(text, bytes):
        cfg.write_bytes(text)
    else:
        cfg.write_text(text)
    monkeypatch.chdir(work)
    monkeypatch.delenv(verify.CONFIG_ENV, raising=False)
    before, repo_before = tree(tmp_path), repository_state()
    rc = run.main([action, "--config", str(cfg)])
    out, err = capsys.readouterr()
    assert rc == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert tree(tmp_path) == before, "a refused config wrote files"
    assert repository_state() == repo_before
    return lines[0].removeprefix("error: ")


def dump(cfg) -> str:
    return yaml.safe_dump(cfg, sort_keys=False)


def made(path: Path, text: str, **top) -> str:
    """Write ``path`` (a file the case needs in place), return the config text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return dump(config(**top))


LONG_NAME = "e" * 300
HOSTILE = "results-fuzz/x</script><img src=x onerror=alert(1)>"

#: (case id, config text or a function of the test's tmp_path giving it, expected line)
CONFIG_CASES = [
    # ---- results_dir: only a place of its own
    ("dotdot", dump(config(results_dir="..")), "config error: results_dir = '..': leads out of the working directory"),
    ("root", dump(config(results_dir="/")), "config error: results_dir = '/': is / or a system directory"),
    ("etc", dump(config(results_dir="/etc")), "config error: results_dir = '/etc': is / or a system directory"),
    ("usr-sub", dump(config(results_dir="/usr/local/res")), "config error: results_dir = '/usr/local/res': is / or a system directory"),
    ("tmp-itself", dump(config(results_dir="/tmp")), "config error: results_dir = '/tmp': is / or a system directory"),
    ("repo-abs-inside", dump(config(results_dir=f"{ROOT}/workflow/outs")), f"config error: results_dir = '{ROOT}/workflow/outs': lies in the repository"),
    ("repo-itself", dump(config(results_dir=str(ROOT))), f"config error: results_dir = '{ROOT}': lies in the repository"),
    # a checkout right under /tmp or /home has a shared directory as its parent, refused as such first
    ("repo-ancestor", dump(config(results_dir=str(ROOT.parent))), f"config error: results_dir = '{ROOT.parent}': "
     + ("is / or a system directory" if str(ROOT.parent) in npconfig.SHARED_DIRS else "contains the repository")),
    ("dot", dump(config(results_dir=".")), "config error: results_dir = '.': would write results into the working directory itself"),
    ("into-tracked", dump(config(results_dir="results/../workflow")), "config error: results_dir = 'results/../workflow': would write results into the working directory itself or its own files"),
    ("into-benchmarks", dump(config(results_dir="benchmarks/x")), "config error: results_dir = 'benchmarks/x': would write results into"),
    ("script-injection", dump(config(results_dir=HOSTILE)), "config error: results_dir = 'results-fuzz/x</script><img src=x onerror=alert(1)>': may contain letters, digits and - _ . / only, not ' ()<=>'"),
    ("shell", dump(config(results_dir="r;touch pwned")), "config error: results_dir = 'r;touch pwned': may contain letters, digits and - _ . / only, not ' ;'"),
    ("dash", dump(config(results_dir="-rf")), "config error: results_dir = '-rf': no part of it may start with -"),
    ("too-long", dump(config(results_dir="r" * 300)), "config error: results_dir = '" + "r" * 56 + "...: must be at most 200 characters long"),
    ("foreign-dir", lambda tmp: made(tmp / "work" / "mine" / "notes.txt", "x", results_dir="mine"),
     "results directory mine exists, is not empty and was not created by this pipeline (it lacks .noiseprune-results)"),
    ("nested", lambda tmp: made(tmp / "work" / "outer" / npconfig.MARKER, "", results_dir="outer/inner"),
     "lies inside {tmp}/work/outer, the results directory of another config; results directories may not nest"),
    ("symlink-out", lambda tmp: (tmp / "work").mkdir() or (tmp / "work" / "res").symlink_to("/etc") or dump(config(results_dir="res")),
     "results directory res leads through a symbolic link to /etc, where it may not write (is / or a system directory"),
    ("a-file", lambda tmp: made(tmp / "work" / "res", "x", results_dir="res"),
     "results directory res exists and is not a directory"),
    # ---- numbers
    ("nan-keep", "experiments:\n  e1:\n    network: {clusters: [20, 10], long_range: 10}\n    seeds: [0]\n    keep_fractions: [.nan]\n",
     "config error: experiments.e1.keep_fractions[0] = nan: must be a finite number"),
    ("inf-sigma", dump(config(trained={"seeds": [0], "sigma": float("inf")})), "config error: trained.sigma = inf: must be a finite number"),
    ("inf-duration", dump(config(experiments=experiment(covariance={"durations": [float("inf")]})["experiments"])),
     "config error: experiments.e1.covariance.durations[0] = inf: must be a finite number"),
    ("keep-1e-300", dump(config(experiments=experiment(keep_fractions=[1e-300])["experiments"])),
     "config error: experiments.e1.keep_fractions[0] = 1e-300: keeps 2.92e-298 of the 292 off-diagonal entries of e1 in expectation, "
     "fewer than one (the smallest keep fraction is 0.00342)"),
    # ---- jobs that cannot finish
    ("runaway-empirical", dump(config(experiments=experiment(covariance={"durations": [1e6]}, empirical={"dt": 1e-9, "replicas": 1})["experiments"])),
     "config error: experiments.e1.covariance.durations[0] = 1000000.0: its covariance_empirical job (N = 30, 1 replicas x 1e+15 steps of dt 1e-09) is estimated at"),
    ("huge-dynamics", dump(config(experiments=experiment(dynamics=True, dynamics_params={"steps": 10**9, "trials": 1000})["experiments"])),
     "config error: experiments.e1.dynamics_params: its dynamics job (N = 30, 1000 trials x 1000000000 steps) needs about"),
    ("huge-training", dump(config(trained={"seeds": [0], "training": {"steps": 10**7}})),
     "config error: trained.training.budget_minutes = 60: network rsg is estimated at"),
    ("own-limit", dump(config(limits={"job_cpu_hours": 0.01})),
     "config error: experiments.e1.network: its network job (N = 30) is estimated at 0.0833 CPU-hours, more than the limit of 0.01 per job (limits.job_cpu_hours)"),
    # ---- names and figures
    ("long-name", dump(config(experiments={LONG_NAME: experiment()["experiments"]["e1"]})),
     "config error: experiments = '" + "e" * 56 + "...: must be at most 64 characters long"),
    ("periodic-name", dump(config(experiments={"a" + "b" * 25: experiment()["experiments"]["e1"]})),
     "config error: experiments.abbbbbbbbbbbbbbbbbbbbbbbbb = 'abbbbbbbbbbbbbbbbbbbbbbbbb': must not end in 'b' repeated 20 times or more"),
    ("repeated-name", "experiments:\n  e1: {network: {clusters: [20, 10], long_range: 10}, seeds: [0], keep_fractions: [0.5]}\n"
     "  e1: {network: {clusters: [20, 10], long_range: 10}, seeds: [1], keep_fractions: [0.5]}\n",
     "config error: {cfg}: line 3: duplicated key 'e1' (first on line 2)"),
    ("fig8-symmetric", dump(config(figures={"fig8_nonsymmetric": {"experiment": "e1"}})),
     "config error: figures.fig8_nonsymmetric: experiment 'e1' has a symmetric network; the figure draws a non-symmetric one"),
    # ---- the YAML itself
    ("tab", "experiments:\n\te1: {}\n", "config error: {cfg}: line 2, column 1: found character '\\t' that cannot start any token (YAML indents with spaces, never tabs)"),
    ("syntax", "experiments: [\n  e1\n", "config error: {cfg}: line 3, column 1: expected ',' or ']', but got '<stream end>'"),
    ("python-object", "results_dir: !!python/object/apply:os.system ['touch pwned']\n",
     "config error: {cfg}: line 1, column 14: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("binary", b"\x7fELF\x02\x01\x01\x00\xd0\xff\x00", "config error: {cfg}: not a YAML text file"),
]


@pytest.mark.parametrize("case, text, expected", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_is_refused_in_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys, case, text, expected):
    if callable(text):
        text = text(tmp_path)
    line = refused(tmp_path, monkeypatch, capsys, text)
    expected = expected.format(tmp=tmp_path, cfg=tmp_path / "fuzz.yaml")
    assert line.startswith(expected) or expected in line, line


def test_writing_actions_are_refused_the_same_way(tmp_path, monkeypatch, capsys):
    """make reproduce stops at the same checks, before its lock and marker."""
    line = refused(tmp_path, monkeypatch, capsys, dump(config(results_dir="..")), action="reproduce")
    assert line.startswith("config error: results_dir = '..': leads out of the working directory")


def test_a_valid_config_passes_every_check(tmp_path, monkeypatch):
    """The cases above fail for their own reason: the config they start from is valid."""
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(dump(config()))
    plan = run.load_plan(cfg, run.machine_memory_mb())
    npconfig.check_location(plan.results_dir)
    assert plan.results_dir == "results-fuzz" and not (tmp_path / "results-fuzz").exists()


# ------------------------------------------------------------------ faults


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC])
def test_a_results_directory_that_cannot_be_written_is_one_line(tmp_path, monkeypatch, capsys, code):
    """A read-only or full results directory (simulated: the tests may run as root,
    whom permissions do not stop): make reproduce and make report stop with one line
    naming the directory, and leave nothing behind."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(verify.CONFIG_ENV, raising=False)
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(dump(config()))

    def cannot(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    with monkeypatch.context() as m:
        m.setattr(os, "replace", cannot)
        assert run.main(["reproduce", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write the results directory {tmp_path / 'results-fuzz'}: {os.strerror(code)}\n"
    assert not [p for p in tmp_path.rglob("*") if "partial-" in p.name]

    npconfig.claim("results-fuzz")
    with monkeypatch.context() as m:
        m.setattr(os, "open", cannot)
        assert run.main(["report", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write into {tmp_path / 'results-fuzz'}: {os.strerror(code)}\n"
    assert sorted(p.name for p in (tmp_path / "results-fuzz").iterdir()) == [npconfig.MARKER]


def test_nothing_half_written_is_trusted(tmp_path):
    """A killed writer leaves at most a temporary (never the final name); a file whose
    record is gone, or whose bytes changed, is refused by the loaders and by verify."""
    path = tmp_path / "metrics" / "m.parquet"
    with pytest.raises(KeyboardInterrupt), io.atomic_path(path, ".parquet") as tmp:
        tmp.write_bytes(b"PAR1 half")
        raise KeyboardInterrupt  # the job is killed while writing
    assert not path.exists() and list(path.parent.iterdir()) == []
    io.save_table(path, {"eigenvalue": np.array([-1.0, -2.0])})
    (path.parent / ".m.parquet.sha256").unlink()
    with pytest.raises(io.IntegrityError, match="has no sha256 record"):
        io.load_table(path)
    report = verify.verify(tmp_path)
    assert not report.ok and report.unrecorded == [path]


# ------------------------------------------------------------------ library calls


def symmetric_network():
    return networks.clustered([10, 10], long_range=10, rng=np.random.default_rng(0))


def nan_params():
    params = rnn.init_params(8, 0.8, np.random.default_rng(0))
    params["W"][2, 3] = np.nan
    return params


def good_params():
    return rnn.init_params(8, 0.8, np.random.default_rng(0))


LIBRARY_CASES = [
    ("probabilities-1e-300",
     lambda: pruning.probabilities(symmetric_network(), method="weight", keep_fraction=1e-300),
     "keep_fraction 1e-300 keeps 1.14e-298 of the 114 off-diagonal entries of A in expectation, fewer than one"),
    ("prune-triu",
     lambda: pruning.prune(A := symmetric_network(), np.triu(pruning.probabilities(A, method="weight", keep_fraction=0.5)), rng=np.random.default_rng(1)),
     "P must be symmetric like A (each pair of a symmetric A is drawn once), found P[0, 1] = "),
    ("prune-triu-sparse",
     lambda: pruning.prune(A := symmetric_network(), sp.csr_array(np.triu(pruning.probabilities(A, method="weight", keep_fraction=0.5))), rng=np.random.default_rng(1)),
     "P must be symmetric like A"),
    ("compare-zero", lambda: spectra.compare(symmetric_network(), np.zeros((20, 20))),
     "A_sparse must not be all zero: its eigenvalue errors and alignments are undefined"),
    ("clustered-long-range", lambda: networks.clustered([10, 10], long_range=10**6, rng=np.random.default_rng(0)),
     "long_range=1000000 exceeds the 380 off-diagonal entries of an N = 20 network"),
    ("simulate-nan-W", lambda: rnn.simulate(nan_params(), np.zeros((2, 5, 2)), rnn.Model(), np.random.default_rng(0)),
     "W must be finite, found nan at index (2, 3)"),
    ("simulate-u-shape", lambda: rnn.simulate(good_params(), np.zeros((2, 5)), rnn.Model(), None),
     "u must have shape (trials, steps, 2), got (2, 5)"),
    ("simulate-W_in-shape", lambda: rnn.simulate(dict(good_params(), W_in=np.zeros((7, 2))), np.zeros((2, 5, 2)), rnn.Model(), None),
     "W_in must have shape (8, 2) for a network of 8 units, got (7, 2)"),
    ("simulate-u-inputs", lambda: rnn.simulate(dict(good_params(), W_in=np.zeros((8, 3))), np.zeros((2, 5, 2)), rnn.Model(), None),
     "u must have shape (trials, steps, 3), got (2, 5, 2)"),
    ("simulate-missing", lambda: rnn.simulate({"W": np.eye(3)}, np.zeros((2, 5, 2)), rnn.Model(), None),
     "params lacks W_in, b, w_out, b_out"),
    ("model-sigma-inf", lambda: rnn.Model(sigma=float("inf")), "sigma must be a finite number, got inf"),
    ("reduce-merge-1.5", lambda: reducers.reduce("merge", good_params(), np.eye(8), 1.5, np.random.default_rng(0)),
     "keep_fraction must be a number in (0, 1], got 1.5"),
    ("reduce-noise-no-C", lambda: reducers.reduce("noise", good_params(), None, 0.5, np.random.default_rng(0)),
     "reducer 'noise' reads a covariance C, got None"),
    ("reduce-C-shape", lambda: reducers.reduce("noise", good_params(), np.eye(5), 0.5, np.random.default_rng(0)),
     "C must have the shape (8, 8) of W, got (5, 5)"),
    ("reduce-unknown", lambda: reducers.reduce("prune-all", good_params(), None, 0.5, np.random.default_rng(0)),
     "unknown reducer 'prune-all'"),
]


@pytest.mark.parametrize("case, call, expected", LIBRARY_CASES, ids=[c[0] for c in LIBRARY_CASES])
def test_library_call_is_refused_in_one_line(tmp_path, monkeypatch, case, call, expected):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and message.startswith(expected), message
    assert list(tmp_path.iterdir()) == []  # a library call writes nothing


# ------------------------------------------------------------------ run.py's own writes


@pytest.fixture
def no_snakemake(monkeypatch):
    """run.main with Snakemake replaced: the command it would run is recorded (and for a
    report, a page written to the file it names), and it succeeds."""
    calls = []

    def call(cmd, env=None):
        calls.append(cmd)
        if "--report" in cmd:
            Path(cmd[cmd.index("--report") + 1]).write_text("<html><body>report</body></html>\n")
        return 0

    monkeypatch.setattr(run.subprocess, "call", call)
    monkeypatch.delenv(verify.CONFIG_ENV, raising=False)
    return calls


def test_a_run_claims_its_directory_and_removes_a_killed_runs_temporaries(tmp_path, monkeypatch, capsys, no_snakemake):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(dump(config()))
    assert run.main(["reproduce", "--config", str(cfg)]) == 0
    results = tmp_path / "results-fuzz"
    assert sorted(p.name for p in results.iterdir()) == sorted([".run.lock", npconfig.MARKER])
    left = results / "figures" / ".fig5_sweeps.pdf.partial-0123456789ab.pdf"
    left.parent.mkdir()
    left.write_bytes(b"%PDF half")
    capsys.readouterr()
    assert run.main(["reproduce", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == "run.py: removed 1 temporary file(s) of results-fuzz left by a run that was killed\n"
    assert not left.exists() and len(no_snakemake) == 2


def test_the_run_lock_is_never_opened_through_a_symlink(tmp_path, monkeypatch, capsys, no_snakemake):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    npconfig.claim("results-fuzz")
    (tmp_path / "results-fuzz" / ".run.lock").symlink_to(victim)
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(dump(config()))
    assert run.main(["reproduce", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write the results directory {tmp_path / 'results-fuzz'}: Too many levels of symbolic links\n"
    assert victim.read_text() == "precious\n" and no_snakemake == []


def test_the_report_replaces_a_symlink_and_is_recorded(tmp_path, monkeypatch, capsys, no_snakemake):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    npconfig.claim("results-fuzz")
    report = tmp_path / "results-fuzz" / "report.html"
    report.symlink_to(victim)
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(dump(config()))
    assert run.main(["report", "--config", str(cfg)]) == 0
    assert victim.read_text() == "precious\n"
    assert not report.is_symlink() and report.read_text() == "<html><body>report</body></html>\n"
    assert hashing.check(report)
    # Snakemake was asked for a temporary file in the results directory, not report.html
    (cmd,) = no_snakemake
    written = Path(cmd[cmd.index("--report") + 1])
    assert written.parent == report.parent and hashing.is_temporary(written) and not written.exists()
