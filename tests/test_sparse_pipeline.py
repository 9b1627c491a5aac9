"""The brain_scale section: its config checks, the plan's estimates (the N = 10^6 config
refused where it cannot fit, planned for SLURM with its estimates), and the tiny
tests/configs/brain.yaml end to end (tables and Figs. 16 and 17)."""

import math
import re

import numpy as np
import pytest

from helpers import ROOT, results_path, run_action, run_snakemake
from noiseprune import io
from noiseprune.pipeline import config, plan
from noiseprune.pipeline.schema import ConfigError

BRAIN = ROOT / "tests" / "configs" / "brain.yaml"
BIG = ROOT / "configs" / "brain-scale-1e6.yaml"
SLURM = ROOT / "workflow" / "profiles" / "slurm"


def prepared(**changes):
    cfg = config.load_yaml(BRAIN)
    for key, value in changes.items():
        cfg["brain_scale"][key] = value
    return config.prepare(cfg)


@pytest.mark.parametrize("key, value, message", [
    ("sizes", [300, 350], r"brain_scale\.sizes\[1\] = 350: must be a multiple of sum\(network\.clusters\) = 100"),
    ("accuracy", {"size": 20000}, r"brain_scale\.accuracy\.size = 20000: must be <= 10000"),
    ("eigenvalues", 400, r"brain_scale\.eigenvalues = 400: must be below N - 1 = 299 for N = 300"),
    ("network", {"clusters": [30, 20, 50], "within": 40}, r"brain_scale\.network\.within = 40: exceeds the 19 other neurons of the smallest cluster"),
    ("network", {"clusters": [100], "density": 0.5}, r"brain_scale\.network.*density"),
    ("online", {"size": 250}, r"brain_scale\.online\.size = 250: must be a multiple of sum\(network\.clusters\) = 100"),
    ("online", {"duration": 100, "warm_ups": [10, 100]}, r"brain_scale\.online\.warm_ups\[1\] = 100: must be below online\.duration = 100"),
    ("online", {"duration": 100, "warm_ups": [10], "replicas": 1}, r"brain_scale\.online\.replicas = 1"),
])
def test_bad_brain_scale_values_one_line(key, value, message):
    with pytest.raises(ConfigError, match=message):
        prepared(**{key: value})


def test_sparse_kind_refused_in_experiments():
    cfg = config.load_yaml(ROOT / "configs" / "demo.yaml")
    name = next(iter(cfg["experiments"]))
    cfg["experiments"][name]["network"] = {"kind": "sparse_clustered", "clusters": [100]}
    with pytest.raises(ConfigError, match=rf"experiments\.{name}\.network\.kind = 'sparse_clustered': a sparse network goes in the brain_scale section"):
        config.prepare(cfg)


def test_million_neuron_plan_refused_before_any_job(tmp_path):
    """The plan's memory estimate (linear in the synapses) refuses the N = 10^6 config on a
    machine with less memory, before Snakemake schedules anything."""
    p = plan.Plan(config.prepare(config.load_yaml(BIG)))
    (_, n, rule, what, mem, hours), = p.brain_estimates()
    assert n == 1_000_000 and rule == "brain_scale" and "1e+08 synapses" in what
    assert mem == pytest.approx(plan.MEM_BASE_MB + (plan.BRAIN_BYTES_PER_SYNAPSE * 1e8 + 4.0 * 1e6 * 256 * 2) / 2**20)
    with pytest.raises(ConfigError, match=r"config error: brain_scale\.sizes\[0\] = 1000000: its brain_scale job "
                       r"\(N = 1000000, 1e\+08 synapses\) needs about 2\d\.\d GiB, more than the 8\.0 GiB of a test"):
        p.check_resources(8 * 1024, "a test")
    proc = run_snakemake(tmp_path, "-n", "--resources", "mem_mb=8192", configfile=BIG, check=False)
    assert proc.returncode != 0
    assert "needs about" in proc.stdout + proc.stderr and "--resources mem_mb" in proc.stdout + proc.stderr
    assert not (tmp_path / "results-brain-scale-1e6" / "brain").exists()


@pytest.mark.workflow
def test_million_neuron_slurm_dry_run(tmp_path):
    """Planned for SLURM: one brain_scale job asking for the plan's memory and runtime."""
    pytest.importorskip("snakemake_executor_plugin_slurm")
    p = plan.Plan(config.prepare(config.load_yaml(BIG)))
    (_, _, _, _, mem, hours), = p.brain_estimates()
    proc = run_snakemake(tmp_path, "-n", "--workflow-profile", str(SLURM), configfile=BIG, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    job = out[out.index("rule brain_scale:"):]
    assert re.search(rf"mem_mb={math.ceil(mem)}\b", job), job[:800]
    assert re.search(rf"runtime={math.ceil(hours * 60)}\b", job), job[:800]


@pytest.mark.workflow
def test_tiny_brain_scale_end_to_end(tmp_path):
    run_snakemake(tmp_path, "--cores", "2", configfile=BRAIN, timeout=600)
    results = results_path(tmp_path, BRAIN)
    scale = io.load_table(results / "tables" / "brain_scale.csv")
    assert len(scale) == 2 * 3 * 2  # sizes x methods x pruning seeds
    kept = scale["edges_kept"] / scale["synapses"]
    assert ((kept > 0.2) & (kept < 0.4)).all()  # keep fraction 0.3
    assert (scale["median_slowest_err"] > 0).all() and np.isfinite(scale["trajectory_error"]).all()
    cost = io.load_table(results / "tables" / "brain_cost.csv")
    assert sorted(cost["n"]) == [300, 600] and (cost["seconds_covariance"] > 0).all() and (cost["cpu_seconds_total"] > 0).all()
    eigen = io.load_table(results / "tables" / "brain_eigen.csv")
    original = eigen[(eigen["method"] == "original") & (eigen["end"] == "slowest")]
    assert len(original) == 2 * 5 and (original["real"] < 0).all()
    accuracy = io.load_table(results / "tables" / "brain_accuracy.csv").sort_values("duration")
    assert accuracy["median_rel_err"].iloc[-1] < accuracy["median_rel_err"].iloc[0]  # longer run, better estimate
    assert (results / "figures" / "fig16_brain_scale.png").stat().st_size > 10_000
    online = io.load_table(results / "tables" / "brain_online.csv")
    assert len(online) == 3 * 3  # pruning seeds x (two warm-ups + once at the end)
    assert online.groupby("prune_seed")["once_at_end"].sum().eq(1).all()
    end = online[online["once_at_end"]]
    assert (end["decided_early"] == 0).all() and (end["warm_up"] == 60).all()
    assert (online.loc[~online["once_at_end"], "decided_early"] > 0).any()  # some synapses decided early
    assert ((online["kept_fraction"] > 0.15) & (online["kept_fraction"] < 0.45)).all()  # keep fraction 0.3
    digest = io.load_table(results / "tables" / "brain_online_digest.csv")
    assert list(digest["warm_up"]) == [10, 30, 60] and list(digest["draws"]) == [3, 3, 3]
    assert np.isnan(digest["p_holm"].iloc[-1]) and (digest["p_holm"].iloc[:2].dropna() >= 0.25).all()  # 3 pairs: p >= 0.25
    assert (results / "figures" / "fig17_online_pruning.png").stat().st_size > 10_000
    # a rerun does nothing
    proc = run_snakemake(tmp_path, "--cores", "2", "-n", configfile=BRAIN)
    assert "Nothing to be done" in proc.stdout + proc.stderr
    # `make figures` redraws them from the tables, in a config without linear experiments too
    figure = results / "figures" / "fig17_online_pruning.png"
    before = figure.stat().st_mtime_ns
    run_action(tmp_path, "figures", configfile=BRAIN)
    assert figure.stat().st_mtime_ns > before
