"""End-to-end tests of the Snakemake workflow on tests/configs/smoke.yaml.

Two full runs in temporary directories: one with --cores 2 (the reference), one with
--cores 1 that is killed (SIGKILL to the whole process group) part-way and resumed.
Their results must be bit-identical. The other tests reuse the reference run:
tables and their numbers, rerun no-op, minimal reruns after a config change, fail-fast
config errors, lint.
"""

import copy
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import ROOT, SMOKE, result_hashes, results_path, run_action, run_cmd, snakemake_cmd
from helpers import run_snakemake as snakemake

from noiseprune.pipeline import config as npconfig
from noiseprune.pipeline import plan as npplan

pytestmark = pytest.mark.workflow


def smoke_config():
    with open(SMOKE) as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def reference(smoke_local_run):
    """The smoke workflow run once with --cores 2, shared with other modules (the tests
    here only read it or dry-run on it, so it stays as the run left it)."""
    return smoke_local_run[0]


def table(workdir, name):
    path = results_path(workdir) / "tables" / name
    return pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)


# ------------------------------------------------------------------ tables


def test_every_table_written_with_its_columns(reference):
    from noiseprune.pipeline import tables

    expected = {
        "summary.csv": tables.SUMMARY_COLUMNS,
        "eigen.parquet": tables.EIGEN_COLUMNS,
        "dynamics.parquet": tables.DYNAMICS_COLUMNS,
        "sweeps.csv": tables.SUMMARY_COLUMNS,
        "scaling.csv": tables.SCALING_COLUMNS,
        "empirical.csv": tables.SUMMARY_COLUMNS + ["duration"],
    }
    for name, columns in expected.items():
        frame = table(reference, name)
        assert len(frame) > 0, name
        missing = set(columns) - set(frame.columns)
        assert not missing, f"{name} lacks {missing}"


def test_summary_has_one_row_per_pruned_network(reference):
    jobs = npplan.Plan(npconfig.prepare(smoke_config())).metric_jobs()
    expected = {(j["exp"], j["seed"], j["cov"], j["method"], float(j["keep"]), j["pseed"]) for j in jobs}
    summary = table(reference, "summary.csv")
    keys = ["network", "seed", "covariance", "method", "keep_fraction", "prune_seed"]
    got = [tuple(r) for r in summary[keys].itertuples(index=False)]
    assert len(got) == len(set(got)) == len(expected)
    assert set(got) == expected
    # every method, both covariance sources and the scaling experiments are there
    assert set(summary["method"]) == {"noise", "weight", "uniform", "resistance", "topk"}
    assert {"exact", "T40", "none"} <= set(summary["covariance"])
    assert {"scaling_N40", "scaling_N80", "scaling_N120"} <= set(summary["network"])


def test_edges_kept_near_target(reference):
    summary = table(reference, "summary.csv")
    assert (summary["edges_target"] == summary["keep_fraction"] * summary["edges_original"]).all()
    for row in summary.itertuples():
        if row.method == "topk":  # deterministic; pairs of a symmetric network come in twos
            assert abs(row.edges_kept - row.edges_target) <= 2, row
        else:
            # kept = sum of independent Bernoulli(p) (twice per pair when symmetric) with
            # sum(p) = target: variance <= 2 target; allow 5 standard deviations.
            assert abs(row.edges_kept - row.edges_target) <= 5 * math.sqrt(2 * row.edges_target) + 2, row
    assert (summary["edges_kept"] > 0).all()


def test_noise_prune_not_worse_than_uniform(reference):
    summary = table(reference, "summary.csv")
    smoke = summary[summary["network"] == "smoke"]
    noise = smoke.loc[smoke["method"] == "noise", "max_abs_eig_err"].median()
    uniform = smoke.loc[smoke["method"] == "uniform", "max_abs_eig_err"].median()
    assert noise <= uniform
    scaling = summary[summary["network"].str.startswith("scaling_N")]
    assert scaling["max_abs_eig_err"].isna().all()  # spectra: eps
    assert scaling["spectral_eps"].notna().all()


def test_derived_tables(reference):
    summary = table(reference, "summary.csv")
    sweeps = table(reference, "sweeps.csv")
    assert set(sweeps["network"]) == {"smoke"}
    assert len(sweeps) == (summary["network"] == "smoke").sum()
    empirical = table(reference, "empirical.csv")
    assert set(empirical["network"]) == {"asym"}
    durations = dict(zip(empirical["covariance"], empirical["duration"]))
    assert durations["T40"] == 40 and math.isinf(durations["exact"]) and math.isnan(durations["none"])
    scaling = table(reference, "scaling.csv")
    assert sorted(scaling["n"].unique()) == [40, 80, 120]
    assert set(scaling["method"]) == {"noise", "uniform"}
    assert (scaling["status"] == "interpolated").all()
    assert np.allclose(scaling["n_log_n"], scaling["n"] * np.log(scaling["n"]))
    assert (scaling["c"] > 0).all()
    eigen = table(reference, "eigen.parquet")
    assert "eigenvalue_imag" in eigen  # the non-symmetric network
    smoke = eigen[(eigen["network"] == "smoke") & (eigen["seed"] == 0) & (eigen["method"] == "noise")]
    assert len(smoke) == 2 * 90  # N eigenpairs per keep fraction
    dynamics = table(reference, "dynamics.parquet")
    assert set(dynamics["method"]) == {"noise", "weight", "uniform", "resistance", "topk"}
    assert (dynamics.loc[dynamics["step"] == 0, "mean_error"] == 0).all()
    assert (dynamics.loc[dynamics["step"] > 0, "mean_error"] > 0).all()


def test_intermediates_follow_the_path_scheme(reference):
    results = results_path(reference)
    assert (results / "networks/smoke/seed0/A.npy").is_file()
    meta = (results / "networks/smoke/seed0/meta.json").read_text()
    assert '"n": 90' in meta
    assert (results / "covariance/asym/seed0/T40.npy").is_file()
    assert (results / "spectra/smoke/seed1/original.npz").is_file()
    assert not (results / "spectra/scaling_N40").exists()  # spectra: eps needs no eigendecomposition
    assert (results / "probabilities/smoke/seed0/exact/keep0.3/noise.npz").is_file()
    assert (results / "probabilities/smoke/seed0/none/keep0.3/weight.npz").is_file()
    assert not (results / "probabilities/smoke/seed0/exact/keep0.3/weight.npz").exists()
    assert (results / "pruned/smoke/seed0/none/keep0.6/topk/prune0.npz").is_file()
    assert (results / "metrics/smoke/seed0/exact/keep0.6/noise/prune0.json").is_file()
    assert (results / "dynamics/smoke/seed1/exact/keep0.3/prune0.npz").is_file()


def test_progress_is_logged(reference):
    logs = results_path(reference) / "logs"
    empirical = (logs / "covariance_empirical/asym/seed0/T40.log").read_text()
    assert "simulating T40" in empirical and "(100%)" in empirical
    dynamics = (logs / "dynamics/smoke/seed0/exact/keep0.3.log").read_text()
    assert "(100%)" in dynamics
    # one pruning job per covariance runs its methods in turn
    assert (results_path(reference) / "benchmarks/prune_measure/smoke/seed0/none/keep0.3.tsv").is_file()
    prune = (logs / "prune_measure/smoke/seed0/none/keep0.3.log").read_text()
    assert "weight, prune seed 0: kept" in prune and "uniform, prune seed 0: kept" in prune and "summary" in prune


def test_a_figure_log_holds_the_jobs_lines_not_the_libraries_info(reference):
    """Libraries log from WARNING up: saving a PDF makes fontTools log about 150 INFO
    lines of font subsetting, which would bury the job's own."""
    logged = (results_path(reference) / "logs/figures/fig5_sweeps.log").read_text().splitlines()
    assert any("wrote results-smoke/figures/fig5_sweeps.pdf" in line for line in logged)
    assert len(logged) < 10 and not any("subset" in line or "glyph" in line.lower() for line in logged), logged


def test_relu_table_fixed_point_and_new_figures(reference):
    from noiseprune.pipeline import tables_relu

    relu = table(reference, "relu.csv")
    assert list(relu.columns) == tables_relu.RELU_COLUMNS
    jobs = npplan.Plan(npconfig.prepare(smoke_config())).metric_jobs(relu=True)
    assert len(relu) == len(jobs) > 0
    assert set(relu["network"]) == {"relu"}
    assert set(relu["covariance"]) == {"linearized", "T40", "none"}
    assert relu["status"].isin(["ok", "no_stable_fixed_point"]).all()
    ok = relu[relu["status"] == "ok"]
    metrics = ["fixed_point_err", "active_set_mismatch", "median_abs_jac_eig_err", "max_abs_jac_eig_err"]
    assert len(ok) > 0 and np.isfinite(ok[metrics].to_numpy()).all()
    assert relu[relu["status"] != "ok"][metrics].isna().all().all()  # said so by the status column
    assert np.isfinite(relu["trajectory_err_end"]).all() and (relu["trajectory_err_end"] > 0).all()
    assert (0 < relu["active_fraction"]).all() and (relu["active_fraction"] < 1).all()
    eigen = table(reference, "relu_eigen.parquet")
    assert len(eigen) == 60 * len(relu)
    results = results_path(reference)
    assert (results / "fixed_points/relu/seed0.npz").is_file()
    assert (results / "covariance/relu/seed0/linearized.npy").is_file()
    assert (results / "covariance/relu/seed0/T40.npy").is_file()
    seeds = [np.load(results / f"dynamics/relu/seed0/linearized/keep0.3/prune{p}.npz") for p in (0, 1)]
    assert [int(d["prune_seed"]) for d in seeds] == [0, 1]  # one job wrote both, each its own run
    assert not np.array_equal(seeds[0]["error"], seeds[1]["error"])
    for name in ("fig7_relu", "fig8_nonsymmetric"):
        for ext in ("png", "pdf"):
            assert (results / "figures" / f"{name}.{ext}").stat().st_size > 0


def drawn_figure(workdir, name):
    """Figure ``name`` of the smoke run drawn from its files, as rule plot_figure draws it."""
    from noiseprune import io, plotting

    plan = npplan.Plan(npconfig.prepare(smoke_config()))
    spec = plan.figures[name]
    inputs = {key: io.load_table(workdir / path) for key, path in plan.figure_inputs(name).items()}
    return plotting.get(name).draw(inputs, spec), inputs


def test_fig7_as_a_reader_sees_it(reference):
    """Panel letters; the column titled by the measured active fraction, not the
    experiment's name; trajectories of draws without a stable fixed point left out, and
    said so; legend and caption name the same bands; one column is not stretched."""
    from noiseprune import plotting
    from noiseprune.plotting.fig7 import DRAW_KEYS, stable_dynamics

    fig, inputs = drawn_figure(reference, "fig7_relu")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert [t[:3] for t in titles] == ["(a)", "(b)", "(c)", "(d)"]
    relu = inputs["relu"]
    active = relu.drop_duplicates("seed")["active_fraction"].mean()
    assert titles[0].startswith(f"(a) {100 * active:.0f} % active\n$N = 60$")
    assert not any("relu" in t for t in titles + [fig.get_suptitle()])
    assert fig.get_size_inches()[0] < plotting.WIDTH
    dyn = inputs["dynamics"]
    dyn = dyn[(dyn["network"] == "relu") & (dyn["keep_fraction"] == 0.3)]
    stable, left_out = stable_dynamics(dyn, relu)
    simulated = set(dyn["method_covariance"] if "method_covariance" in dyn else dyn["covariance"])
    unstable = relu[(relu["keep_fraction"] == 0.3) & (relu["status"] != "ok") & relu["covariance"].isin(simulated)]
    assert left_out == len(unstable) > 0
    def draws(table):
        own = table["method_covariance"] if "method_covariance" in table else table["covariance"]
        return set(map(tuple, table.assign(covariance=own)[list(DRAW_KEYS)].drop_duplicates().to_numpy()))

    bad = set(map(tuple, unstable[list(DRAW_KEYS)].to_numpy()))
    assert draws(stable) == draws(dyn) - bad and not draws(stable) & bad
    assert f"{left_out} unstable pruned networks left out" in [t.get_text() for t in fig.axes[3].texts]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "errors against fraction kept: median, min-max band over draws" in labels
    assert "trajectories: mean, $\\pm$ sd band over trials and draws" in labels
    caption = plotting.get("fig7_relu").caption
    assert "band: minimum to maximum" in caption and "band: ± one standard deviation over trials and draws" in caption


def test_fig8_and_fig9_as_a_reader_sees_them(reference):
    """Fig. 8: letters, one imaginary-axis range for every complex plane, no empty slot;
    Fig. 9: panel (c) says it shows merged networks too, and its identity line is in
    the legend."""
    fig, _ = drawn_figure(reference, "fig8_nonsymmetric")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert [t[:3] for t in titles] == ["(a)", "(b)", "(c)", "(d)"]  # two methods, two error panels
    planes = [ax for ax in fig.axes if ax.get_xlabel() == r"$\mathrm{Re}$"]
    assert len(planes) == 2 and planes[0].get_ylim() == planes[1].get_ylim() and planes[0].get_xlim() == planes[1].get_xlim()
    assert all(ax.has_data() for ax in fig.axes)
    assert "asym" not in fig.get_suptitle() and "$N = 40$" in fig.get_suptitle()
    fig, _ = drawn_figure(reference, "fig9_trained")
    assert fig.axes[2].get_title(loc="left").endswith("kept (1/p), merged")
    assert "(c) $t_p = t_s$" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_input_silencing_every_neuron_fails_at_the_fixed_point(tmp_path):
    cfg = smoke_config()
    relu = cfg["experiments"]["relu"]
    relu["input"] = {"mean": -5.0, "std": 0.0}
    bad = tmp_path / "silent.yaml"
    bad.write_text(yaml.safe_dump({"defaults": cfg["defaults"], "experiments": {"relu": relu}}))
    workdir = tmp_path / "run"
    workdir.mkdir()
    proc = snakemake(workdir, "--cores", "1", configfile=bad, check=False)
    assert proc.returncode != 0
    logged = (results_path(workdir, bad) / "logs/fixed_point/relu/seed0.log").read_text()
    assert "experiment relu, seed 0: no active neuron at the fixed point: the input silences every neuron" in logged
    results = results_path(workdir, bad)
    assert not (results / "covariance").exists() and not (results / "pruned").exists()


def test_spectral_eps_above_the_dense_size_reads_one_cholesky_factor_per_network(tmp_path):
    """N = 450 (iterative eps): one stiffness_factor job per network, read by every
    pruning job; the eps equals the library's own computation."""
    from noiseprune import io, spectra

    cfg = {
        "results_dir": "results-factor",
        "defaults": {"methods": ["noise", "weight"], "spectra": "eps"},
        "experiments": {
            "n450": {
                "network": {"clusters": [250, 200], "density": 0.6, "long_range": 400},
                "seeds": [0],
                "keep_fractions": [0.3],
                "prune_seeds": [0, 1],
            }
        },
    }
    configfile = tmp_path / "n450.yaml"
    configfile.write_text(yaml.safe_dump(cfg))
    workdir = tmp_path / "run"
    workdir.mkdir()
    plan = npplan.Plan(npconfig.prepare(cfg))
    targets = plan.metrics_directories()  # the jobs' draws directories
    rules = [rule for rule, _ in dry_run_jobs(workdir, configfile) if rule != "all"]
    assert rules.count("stiffness_factor") == 1
    snakemake(workdir, "--cores", "2", *targets, configfile=configfile)
    results = results_path(workdir, configfile)
    A = io.load_dense(results / "networks/n450/seed0/A.npy")
    factor = io.load_dense(results / "spectra/n450/seed0/cholesky.npy")
    np.testing.assert_allclose(factor @ factor.T, -A, atol=1e-12)
    for target in plan.metrics_summaries():
        row = io.load_json(workdir / target)
        pruned = target.replace("metrics/", "pruned/").replace(".json", ".npz")
        As = io.load_sparse(workdir / pruned)
        assert row["spectral_eps"] == pytest.approx(spectra.spectral_eps(A, As), rel=1e-9)


# ------------------------------------------------------------------ reruns and determinism


def test_make_verify_finds_every_result_recorded(reference):
    proc = run_action(reference, "verify")
    summary = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"verified \d+ files, 0 changed, 0 missing, 0 unrecorded", summary), proc.stdout[-2000:]
    assert int(summary.split()[1]) >= len(result_hashes(reference))


def test_rerun_is_a_no_op(reference):
    proc = snakemake(reference, "--dry-run", "--cores", "2")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def dry_run_jobs(workdir, configfile):
    """(rule, wildcards dict) of every job a dry run would execute."""
    proc = snakemake(workdir, "--dry-run", "--cores", "2", configfile=configfile)
    jobs, rule = [], None
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.match(r"^(?:local)?rule (\w+):$", line.strip())
        if m:
            rule = m.group(1)
            jobs.append((rule, {}))
        elif rule and line.strip().startswith("wildcards:"):
            pairs = line.strip()[len("wildcards:") :].split(",")
            jobs[-1] = (rule, dict(p.strip().split("=", 1) for p in pairs))
    return jobs


def test_another_config_runs_alone(tmp_path):
    """--configfile without --replace-workflow-config: nothing of config.yaml is merged."""
    expected = set(npplan.Plan(npconfig.prepare(smoke_config())).experiments)
    planned = {w["exp"] for _, w in dry_run_jobs(tmp_path, SMOKE) if "exp" in w}
    assert planned and planned <= expected, planned - expected


def test_changing_one_keep_fraction_reruns_only_its_downstream(reference, tmp_path):
    cfg = smoke_config()
    cfg["experiments"]["smoke"]["keep_fractions"] = [0.3, 0.5]  # 0.6 -> 0.5
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    jobs = dry_run_jobs(reference, changed)
    rules = {rule for rule, _ in jobs}
    assert {"prune_measure", "dynamics"} <= rules
    assert {"summary_table", "eigen_table", "sweeps_table", "dynamics_table"} <= rules
    # nothing upstream of the pruning, nor tables that do not depend on the experiment
    assert not rules & {"network", "covariance_exact", "covariance_empirical", "eigendecompose"}
    assert not rules & {"scaling_table", "empirical_table"}
    for rule, wildcards in jobs:
        if rule == "plot_figure":
            continue  # the figures redraw from the changed tables (wildcard: the figure's name)
        if wildcards:
            assert wildcards["exp"] == "smoke" and wildcards["keep"] == "0.5", (rule, wildcards)
    # 2 seeds x 2 covariances (exact: noise; none: weight, uniform, resistance, topk), every
    # method of a covariance and all pruning seeds in one job
    assert sum(rule == "prune_measure" for rule, _ in jobs) == 4
    assert sum(rule == "dynamics" for rule, _ in jobs) == 2


def test_cores_1_after_kill_resumes_without_flags_and_is_bit_identical(reference, tmp_path):
    """`make reproduce` (workflow/run.py) with --cores 1, killed with SIGKILL to the whole
    process group part-way, then the same command again: it clears the dead run's
    Snakemake locks by itself, finishes, and matches the --cores 2 reference."""
    workdir = tmp_path / "cores1"
    workdir.mkdir()
    proc = subprocess.Popen(
        run_cmd("reproduce", "--cores", "1"),
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    probabilities = results_path(workdir) / "probabilities"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if probabilities.exists() and any(probabilities.rglob("*.npz")):
            break
        time.sleep(0.1)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert killed, "the run finished before it could be killed"
    assert list((workdir / ".snakemake" / "locks").glob("*.lock")), "the killed run left no lock to recover from"
    partial = result_hashes(workdir)
    assert partial and len(partial) < len(result_hashes(reference))

    resumed = run_action(workdir, "reproduce", "--cores", "1", timeout=600)
    assert "removed 2 stale Snakemake lock(s) of results-smoke" in resumed.stdout
    ours, theirs = result_hashes(workdir), result_hashes(reference)
    assert ours.keys() == theirs.keys()
    differing = [k for k in ours if ours[k] != theirs[k]]
    assert not differing, f"{len(differing)} files differ, e.g. {differing[:5]}"


def test_live_run_is_never_unlocked(tmp_path):
    """While a run holds the results directory, a second run stops with one line and
    leaves Snakemake's locks alone."""
    sys.path.insert(0, str(ROOT / "workflow"))
    import run

    results = tmp_path / "results-smoke"
    locks = tmp_path / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.output.lock").write_text("results-smoke/networks/smoke/seed0/A.npy\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import sys, time; sys.path.insert(0, {str(ROOT / 'workflow')!r}); import run; "
         f"h = run.hold_results_lock(run.Path({str(results)!r})); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        proc = run_action(tmp_path, "reproduce", check=False, timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: another run (pid {holder.pid}) is writing {results}; wait for it to finish (or stop it) and run this again"
    ]
    assert (locks / "0.output.lock").is_file()
    # The holder is dead now: its lock is released, and only locks of this results
    # directory are cleared: not another config's, nor those of a results directory
    # inside it (made by hand: the pipeline refuses to nest them), whose live run holds
    # its own lock. Ownership is the nearest directory with the marker, not the path.
    (locks / "1.output.lock").write_text("results-other/networks/x/seed0/A.npy\n")
    (results / "inner").mkdir()
    (results / "inner" / npconfig.MARKER).write_text("")
    (locks / "2.output.lock").write_text("results-smoke/inner/networks/x/seed0/A.npy\n")
    assert run.clear_stale_locks(tmp_path, results) == [locks / "0.output.lock"]
    assert sorted(p.name for p in locks.iterdir()) == ["1.output.lock", "2.output.lock"]
    run.hold_results_lock(results).close()


# ------------------------------------------------------------------ configuration errors


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda c: c["experiments"]["smoke"].update(keep_fractions=[0.3, 1.5]),
            "config error: experiments.smoke.keep_fractions[1] = 1.5: must be <= 1",
        ),
        (
            lambda c: c["experiments"]["smoke"].update(methods=["noise", "random"]),
            "config error: experiments.smoke.methods[1] = 'random': must be one of noise, weight, uniform, resistance, topk",
        ),
        (
            lambda c: c["experiments"]["asym"]["network"].update(clustrs=[3]),
            "config error: experiments.asym.network.clustrs: unknown key (allowed: clusters, density, kind, leak, leak_margin, "
            "long_range, strong_pairs, strong_scale, symmetric)",
        ),
        (
            lambda c: c["experiments"]["asym"]["network"].update(clusters=[10000000], long_range=0),
            "config error: experiments.asym.network: its prune_measure job (N = 10000000) needs about 5960465.0 GiB, "
            "more than the 3.0 GiB of --resources mem_mb",
        ),
        (
            lambda c: c["scaling"].update(cluster_fractions=[0.5, 0.2]),
            "config error: scaling.cluster_fractions = [0.5, 0.2]: must sum to 1 (sum is 0.7)",
        ),
        (
            lambda c: c["experiments"]["asym"].update(covariance={"exact": False, "durations": []}),
            "config error: experiments.asym.covariance = {'exact': False, 'durations': []}: method 'noise' "
            "needs a covariance source: set exact: true or give durations",
        ),
    ],
)
def test_bad_config_fails_fast_with_one_line(tmp_path, edit, message):
    cfg = copy.deepcopy(smoke_config())
    edit(cfg)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(cfg))
    workdir = tmp_path / "run"
    workdir.mkdir()
    proc = snakemake(workdir, "--cores", "1", "--resources", "mem_mb=3072", configfile=bad, check=False, timeout=60)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    errors = [line for line in output.splitlines() if "config error" in line]
    assert errors == [message], output[-2000:]
    assert "Traceback" not in output
    assert not results_path(workdir, bad).exists()  # no job ran


# ------------------------------------------------------------------ lint


def test_snakemake_lint_is_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Lints for" not in proc.stdout + proc.stderr


def test_snakefmt_check_is_clean():
    snakefmt = Path(sys.executable).with_name("snakefmt")
    if not snakefmt.exists():
        pytest.skip("snakefmt not installed in this environment")
    files = [str(ROOT / "Snakefile"), str(ROOT / "workflow" / "rules")]
    proc = subprocess.run([str(snakefmt), "--check", *files], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------ the report


#: Elements of Snakemake's report page itself: everything else in it (figures, captions,
#: paths) is data inside its <script> elements.
REPORT_ELEMENTS = {"html", "head", "meta", "title", "style", "script", "body", "div", "p"}


def test_report_is_written_atomically_and_holds_no_foreign_element(reference, tmp_path):
    """`make report` renders into a temporary file that replaces report.html: a symbolic
    link there is replaced, never written through. An HTML parser finds only the page's
    own elements, none with an event handler or a source: the strings of the config and
    the paths reach it as data (results_dir keeps to letters, digits and - _ . /, so it
    cannot close a <script>; tests/test_fuzz.py refuses the hostile ones)."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    report = results_path(reference) / "report.html"
    report.unlink(missing_ok=True)
    report.symlink_to(victim)
    try:
        check_report(reference, report, victim)
    finally:  # the reference stays as its run left it
        report.unlink(missing_ok=True)
        (report.parent / ".report.html.sha256").unlink(missing_ok=True)


def check_report(reference, report, victim):
    from html.parser import HTMLParser

    run_action(reference, "report", timeout=300)
    assert victim.read_text() == "precious\n"
    assert report.is_file() and not report.is_symlink()

    found = []

    class Elements(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [name for name, _ in attrs]))

    Elements().feed(report.read_text())
    assert {tag for tag, _ in found} <= REPORT_ELEMENTS, {tag for tag, _ in found} - REPORT_ELEMENTS
    assert not [(tag, names) for tag, names in found if any(n.startswith("on") or n in ("src", "href") for n in names)]
    assert sum(tag == "script" for tag, _ in found) > 10
    # recorded like every other file of the results directory
    assert run_action(reference, "verify").returncode == 0


def test_targets_after_the_separator_are_not_taken_for_resources():
    """`workflow/run.py reproduce -- TARGET ...` runs those targets: Snakemake's --resources
    takes several values, so the run's own --resources must come after them."""
    run = run_module()
    target = "results/tables/brain_digest.csv"
    plan = run.load_plan(ROOT / "config.yaml")
    cmd = run.snakemake_command("reproduce", ROOT / "config.yaml", plan, ["results/x"], [target])
    assert cmd.index(target) < cmd.index("--resources") < cmd.index("--forcerun")


def run_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("noiseprune_run", ROOT / "workflow" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run


def test_scheduler_window_grows_with_the_jobs_from_1_to_10_s():
    run = run_module()
    assert [run.scheduler_window(n) for n in (0, 75, 149, 151, 241, 1162, 50_000)] == [
        "1000/1s", "1000/1s", "1000/1s", "1000/2s", "1000/2s", "1000/10s", "1000/10s"]


def test_small_runs_get_a_short_scheduler_window_and_the_default_keeps_10_s():
    """A small config ends about 1 s after its last job; a full reproduction keeps the
    profile's 10-s window; a window given after the separator is the user's."""
    run = run_module()

    def window(config, extra=()):
        cmd = run.snakemake_command("reproduce", ROOT / config, run.load_plan(ROOT / config), [], list(extra))
        return [cmd[i + 1] for i, a in enumerate(cmd) if a == "--max-jobs-per-timespan"]

    assert window("tests/configs/smoke.yaml") == ["1000/1s"]
    assert window("config.yaml") == ["1000/10s"]
    assert window("tests/configs/smoke.yaml", ["--max-jobs-per-timespan", "10/3s"]) == ["10/3s"]
