"""Unit tests of noiseprune.pipeline.tables and noiseprune.pipeline.draw_rows (no Snakemake)."""

import itertools
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from noiseprune import io
from noiseprune.pipeline import draw_rows, tables, tables_relu


def ids(**kw):
    base = dict(network="e", n=4, seed=0, covariance="exact", method="noise", keep_fraction=0.5, prune_seed=0)
    base.update(kw)
    return base


def result(n=4, complex_=False):
    w = -np.arange(1, n + 1, dtype=float)[::-1]
    mu = w * 1.1
    if complex_:
        w = w + 1j * np.linspace(-1, 1, n)
        mu = w * 1.1
    return {
        "eigenvalues": w,
        "eigenvalues_pruned": mu,
        "eig_err": mu / w - 1,
        "vec_err": np.array([0.1, -0.2, 0.3, -0.4][:n]),
        "alignment": np.array([1.0, 0.9, 0.8, 0.7][:n]),
        "spectral_eps": 0.25,
    }


def test_metrics_row_statistics():
    row = tables.metrics_row(ids(), result(), edges_original=100, edges_kept=48)
    assert list(row) == tables.SUMMARY_COLUMNS
    assert row["edges_target"] == 50.0
    assert row["median_abs_eig_err"] == pytest.approx(0.1)
    assert row["max_abs_eig_err"] == pytest.approx(0.1)
    assert row["median_abs_vec_err"] == pytest.approx(0.25)
    assert row["median_alignment"] == pytest.approx(0.85)
    assert row["spectral_eps"] == 0.25


def test_metrics_row_eps_only_gives_nan():
    empty = {k: np.empty(0) for k in ["eigenvalues", "eigenvalues_pruned", "eig_err", "vec_err", "alignment"]}
    row = tables.metrics_row(ids(), dict(empty, spectral_eps=0.3), edges_original=10, edges_kept=5)
    assert math.isnan(row["max_abs_eig_err"]) and row["spectral_eps"] == 0.3


def test_eigen_frame_real_and_complex():
    frame = tables.eigen_frame(ids(), result())
    assert list(frame.columns) == tables.EIGEN_COLUMNS
    assert len(frame) == 4 and frame["index"].tolist() == [0, 1, 2, 3]
    assert (frame["network"] == "e").all() and frame["n"].dtype == np.int64
    assert frame["eigenvalue"].tolist() == [-4.0, -3.0, -2.0, -1.0]
    cframe = tables.eigen_frame(ids(), result(complex_=True))
    assert "eigenvalue_imag" in cframe and "eig_err_imag" in cframe
    assert cframe["eigenvalue_imag"].iloc[0] == -1.0
    empty = tables.eigen_frame(ids(), {"spectral_eps": 0.1})
    assert len(empty) == 0 and "eigenvalue" in empty


def test_eigen_frame_rejects_ragged_arrays():
    bad = result()
    bad["alignment"] = np.ones(3)
    with pytest.raises(ValueError, match="differ in length"):
        tables.eigen_frame(ids(), bad)


def _written_both_ways(tmp_path, name, columns, frame):
    """The per-draw file as the pruning jobs write it (columns, pyarrow) and as a DataFrame."""
    io.save_table(tmp_path / f"{name}.columns.parquet", columns)
    io.save_table(tmp_path / f"{name}.frame.parquet", frame)
    return io.load_table(tmp_path / f"{name}.columns.parquet"), io.load_table(tmp_path / f"{name}.frame.parquet")


def test_eigen_columns_read_back_as_the_frame_and_give_the_same_table(tmp_path):
    draws = [
        (ids(network="scaling_N8000", seed=1), result()),  # long names are not truncated
        (ids(seed=0, covariance="T1000", method="weight"), result(complex_=True)),
        (ids(), {"spectral_eps": 0.1}),  # eps only: no rows, every column
    ]
    from_columns, from_frames = [], []
    for k, (i, r) in enumerate(draws):
        read, expected = _written_both_ways(tmp_path, k, draw_rows.eigen_columns(i, r), tables.eigen_frame(i, r))
        pd.testing.assert_frame_equal(read, expected)
        from_columns.append(read)
        from_frames.append(expected)
    assert set(from_columns[0]["network"]) == {"scaling_N8000"}
    assert len(from_columns[2]) == 0 and list(from_columns[2].columns) == tables.EIGEN_COLUMNS
    io.save_table(tmp_path / "a.parquet", tables.eigen_table(from_columns))
    io.save_table(tmp_path / "b.parquet", tables.eigen_table(from_frames))
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_relu_eigen_columns_read_back_as_the_frame(tmp_path):
    real = {"eigenvalues": np.array([-1.0, -2.0]), "eigenvalues_pruned": np.array([-1.1, -2.1]), "eig_err": np.array([0.1, 0.05])}
    cplx = {k: v + 1j for k, v in real.items()} | {"eig_err": np.array([0.1, 0.05])}  # real errors of complex J
    none = {k: np.empty(0) for k in real}  # no stable fixed point
    frames = []
    for k, r in enumerate([real, none]):
        i = ids(network="relu_large", method="uniform", covariance="none", prune_seed=k)
        read, expected = _written_both_ways(tmp_path, k, draw_rows.relu_eigen_columns(i, r), tables_relu.relu_eigen_frame(i, r))
        pd.testing.assert_frame_equal(read, expected)
        frames.append(read)
    assert read.columns.tolist() == tables_relu.RELU_EIGEN_COLUMNS and len(read) == 0
    # a draw without a stable fixed point keeps the table's id dtypes (it made n float)
    table = tables_relu.relu_eigen_table(frames)
    assert table["n"].dtype == np.int64 and table["network"].tolist() == ["relu_large"] * 2
    assert "eig_err_imag" in tables_relu.relu_eigen_frame(ids(), cplx)


PRUNING_JOB = """
import sys
from noiseprune import draws, io, pruning, rectified, seeding, spectra
from noiseprune.pipeline import draw_rows
ids = dict(network="e", n=2, seed=0, covariance="exact", method="noise", keep_fraction=0.5, prune_seed=0)
w = [-1.0, -2.0]
io.save_table({out!r} + "/eigen.parquet", draw_rows.eigen_columns(ids, dict(
    eigenvalues=w, eigenvalues_pruned=w, eig_err=[0.0, 0.1], vec_err=[0.1, 0.2], alignment=[1.0, 1.0])))
io.save_table({out!r} + "/relu.parquet", draw_rows.relu_eigen_columns(ids, dict(
    eigenvalues=w, eigenvalues_pruned=w, eig_err=[0.0, 0.1])))
print("pandas" in sys.modules)
"""


def test_pruning_jobs_import_no_pandas(tmp_path):
    # what prune_measure and prune_relu import and write: pandas would cost ~0.3 s per job
    # (pyarrow imports it too, from pa.array)
    code = PRUNING_JOB.format(out=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert io.load_table(tmp_path / "eigen.parquet")["eig_err"].tolist() == [0.0, 0.1]


def test_summary_sorted_and_read_back(tmp_path):
    rows = [
        tables.metrics_row(ids(seed=1), result(), edges_original=10, edges_kept=5),
        tables.metrics_row(ids(seed=0, method="weight", covariance="none"), result(), edges_original=10, edges_kept=5),
        tables.metrics_row(ids(seed=0), {"spectral_eps": float("nan")}, edges_original=10, edges_kept=5),
    ]
    paths = []
    for i, row in enumerate(rows):
        p = tmp_path / f"{i}.json"
        io.save_json(p, row)  # as the pruning jobs write it (NaN as null), with its record
        paths.append(p)
    frame = tables.read_summaries(paths)
    assert list(frame.columns) == tables.SUMMARY_COLUMNS
    assert frame[["seed", "method"]].values.tolist() == [[0, "noise"], [0, "weight"], [1, "noise"]]
    assert math.isnan(frame["spectral_eps"].iloc[0])
    assert tables.summary_table([]).columns.tolist() == tables.SUMMARY_COLUMNS


def test_eigen_table_concatenates_and_sorts():
    a = tables.eigen_frame(ids(seed=1), result())
    b = tables.eigen_frame(ids(seed=0), result(complex_=True))
    frame = tables.eigen_table([a, b, tables.eigen_frame(ids(), {})])
    assert len(frame) == 8 and frame["seed"].tolist()[:4] == [0, 0, 0, 0]
    assert frame.columns.tolist()[: len(tables.EIGEN_COLUMNS)] == tables.EIGEN_COLUMNS
    assert np.isnan(frame.loc[frame["seed"] == 1, "eigenvalue_imag"]).all()
    assert list(tables.eigen_table([]).columns) == tables.EIGEN_COLUMNS


def dynamics_record(**overrides) -> dict:
    """One dynamics job's stored record (methods noise and weight), as the dynamics rule writes it."""
    record = dict(
        error=np.zeros((2, 3, 5)),
        methods=np.array(["noise", "weight"]),
        method_covariances=np.array(["exact", "none"]),
        dt=0.5,
        network="e",
        n=4,
        seed=0,
        covariance="exact",
        keep_fraction=0.2,
        prune_seed=1,
    )
    return record | overrides


def test_dynamics_frame_mean_std():
    error = np.zeros((2, 3, 5))
    error[0] = np.arange(5) * np.array([[1.0], [2.0], [3.0]])
    frame = tables.dynamics_table([dynamics_record(error=error)])
    assert list(frame.columns) == tables.DYNAMICS_COLUMNS
    noise = frame[frame["method"] == "noise"]
    assert noise["time"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert noise["mean_error"].tolist() == pytest.approx([0, 2, 4, 6, 8])
    assert noise["std_error"].tolist() == pytest.approx([0, 1, 2, 3, 4])  # ddof=1 over 3 trials
    assert (frame.loc[frame["method"] == "weight", "method_covariance"] == "none").all()


def test_trajectories_table_is_the_stored_sample():
    # sample[network, neuron, step]: network 0 the original, then the methods
    sample = np.arange(3 * 2 * 4, dtype=float).reshape(3, 2, 4)
    record = dynamics_record(
        error=np.zeros((2, 3, 7)),
        n=40,
        sample=sample,
        sample_neurons=np.array([5, 30]),
        sample_steps=np.array([0, 2, 4, 6]),
    )
    frame = tables.trajectories_table([record])
    assert list(frame.columns) == tables.TRAJECTORY_COLUMNS and len(frame) == sample.size
    for k, method in enumerate(["original", "noise", "weight"]):
        for i, neuron in enumerate([5, 30]):
            rows = frame[(frame["method"] == method) & (frame["neuron"] == neuron)]
            assert rows["activity"].tolist() == sample[k, i].tolist()
            assert rows["time"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert frame.groupby("method")["method_covariance"].first().to_dict() == {"original": "none", "noise": "exact", "weight": "none"}
    with pytest.raises(ValueError, match=r"sample must have shape \(1 \+ methods=3, neurons=2, steps=4\), got \(3, 2, 3\)"):
        tables.trajectories_table([dict(record, sample=sample[:, :, :3])])
    assert list(tables.trajectories_table([]).columns) == tables.TRAJECTORY_COLUMNS


def _summary_for_scaling():
    rows = []
    for n, eps_grid in [(100, [2.0, 0.5, 0.1]), (200, [1.0, 0.4, 0.05]), (400, [0.3, 0.2, 0.1])]:
        for keep, eps in zip([0.1, 0.2, 0.4], eps_grid):
            for pseed, jitter in [(0, 0.9), (1, 1.1)]:  # mean over prune seeds = eps
                rows.append(
                    dict(
                        ids(network=f"scaling_N{n}", n=n, keep_fraction=keep, prune_seed=pseed),
                        edges_original=10 * n,
                        edges_kept=keep * 10 * n,
                        edges_target=keep * 10 * n,
                        spectral_eps=eps * jitter,
                    )
                )
    return tables.summary_table(rows)


def test_kept_at_target_log_interpolation():
    keep, status = tables.kept_at_target([0.1, 0.2, 0.4], [2.0, 0.5, 0.1], 1.0)
    assert status == "interpolated"
    # log-log line through (0.1, 2.0) and (0.2, 0.5): eps = 1 at keep = 0.1 * 2 ** 0.5
    assert keep == pytest.approx(0.1 * 2**0.5)
    assert tables.kept_at_target([0.1, 0.2], [0.3, 0.1], 0.5) == (pytest.approx(float("nan"), nan_ok=True), "below_grid")
    assert tables.kept_at_target([0.1, 0.2], [3.0, 2.0], 0.5)[1] == "above_grid"
    assert tables.kept_at_target([0.1, 0.2], [float("nan"), 0.1], 0.5)[1] == "undefined"


def test_scaling_table_fit():
    summary = _summary_for_scaling()
    frame = tables.scaling_table(summary, ["scaling_N100", "scaling_N200", "scaling_N400"], target_eps=1.0)
    assert list(frame.columns) == tables.SCALING_COLUMNS
    by_n = frame.set_index("n")
    assert by_n.loc[100, "status"] == "interpolated"
    assert by_n.loc[100, "kept_at_target"] == pytest.approx(0.1 * 2**0.5 * 1000)
    assert by_n.loc[200, "kept_at_target"] == pytest.approx(0.1 * 2000)  # eps exactly 1.0 at the grid point
    assert by_n.loc[400, "status"] == "below_grid"
    x = np.array([100 * math.log(100), 200 * math.log(200)])
    y = np.array([0.1 * 2**0.5 * 1000, 200.0])
    assert by_n.loc[100, "c"] == pytest.approx(x @ y / (x @ x))
    assert (frame["c_points"] == 2).all()
    assert by_n.loc[400, "kept_fit"] == pytest.approx(by_n.loc[400, "c"] * 400 * math.log(400))


def test_empirical_and_sweeps_selection():
    rows = [
        tables.metrics_row(ids(network="emp", covariance=c, method=m), result(), edges_original=10, edges_kept=5)
        for c, m in [("exact", "noise"), ("T10", "noise"), ("none", "weight")]
    ] + [tables.metrics_row(ids(network="other"), result(), edges_original=10, edges_kept=5)]
    summary = tables.summary_table(rows)
    emp = tables.empirical_table(summary, ["emp"])
    assert emp.columns.tolist()[4] == "duration"
    durations = dict(zip(emp["covariance"], emp["duration"]))
    assert durations["T10"] == 10.0 and math.isinf(durations["exact"]) and math.isnan(durations["none"])
    assert tables.sweeps_table(summary, ["other"])["network"].tolist() == ["other"]
    assert len(tables.sweeps_table(summary, [])) == 0


# ------------------------------------------------------------------ statistics over draws


def test_pooled_trials_is_the_std_over_all_trials():
    """Pooling per-draw means and stds (draws with different trial counts) gives the mean
    and sample std of all trials of all draws together."""
    rng = np.random.default_rng(0)
    time = np.arange(6) * 0.5
    raw, parts = {}, []
    for method, (draw, trials) in itertools.product(["noise", "weight"], enumerate([3, 5, 4])):
        err = (1 + draw) * rng.uniform(0, 1, (trials, time.size))
        raw.setdefault(method, []).append(err)
        stats = dict(mean_error=err.mean(axis=0), std_error=err.std(axis=0, ddof=1))
        parts.append(pd.DataFrame(dict(method=method, seed=draw, prune_seed=0, time=time, trials=trials, **stats)))
    pooled = tables.pooled_trials(pd.concat(parts, ignore_index=True))
    assert list(pooled.columns) == ["method", "time", "trials", "mean", "std"]
    for method, errs in raw.items():
        trials = np.concatenate(errs)
        got = pooled[pooled["method"] == method].sort_values("time")
        assert np.allclose(got["time"], time)
        assert np.allclose(got["mean"], trials.mean(axis=0))
        assert np.allclose(got["std"], trials.std(axis=0, ddof=1))
        assert (got["trials"] == trials.shape[0]).all()


def _draws_summary():
    """Summary rows of one network: 2 methods x 2 network seeds x 3 pruning seeds."""
    rows = []
    for method, seed, pseed in itertools.product(["noise", "weight"], [0, 1], [0, 1, 2]):
        err = (0.1 if method == "noise" else 0.3) * (1 + seed + 0.1 * pseed)
        cov = "exact" if method == "noise" else "none"
        rows.append(
            dict(
                ids(network="e", n=30, seed=seed, covariance=cov, method=method, keep_fraction=0.2, prune_seed=pseed),
                edges_original=100,
                edges_kept=19 + pseed,
                edges_target=20.0,
                median_abs_eig_err=err / 5,
                max_abs_eig_err=err,
                median_abs_vec_err=err / 6,
                median_alignment=1 - err,
                spectral_eps=2 * err,
            )
        )
    return tables.summary_table(rows)


def test_digest_summary():
    summary = _draws_summary()
    digest = tables.digest_summary(summary)
    assert len(digest) == 2
    assert (digest["draws"] == 6).all()
    noise = summary[summary["method"] == "noise"]
    row = digest.set_index("method").loc["noise"]
    for metric in tables.DIGEST_METRICS:
        assert row[f"{metric}_median"] == pytest.approx(noise[metric].median())
        assert row[f"{metric}_min"] == pytest.approx(noise[metric].min())
        assert row[f"{metric}_max"] == pytest.approx(noise[metric].max())
    assert row["kept_fraction"] == pytest.approx(0.2)  # median of 19, 20, 21 of 100 edges
    with pytest.raises(ValueError, match=r"summary table lacks column\(s\) spectral_eps"):
        tables.digest_summary(summary.drop(columns="spectral_eps"))


def test_digest_scaling():
    names = ["scaling_N100", "scaling_N200", "scaling_N400"]
    scaling = pd.concat(
        [tables.scaling_table(_summary_for_scaling().assign(seed=s), names, target_eps=1.0) for s in (0, 1)], ignore_index=True
    )
    digest = tables.digest_scaling(scaling)
    assert len(digest) == 3  # 3 sizes x 1 method
    assert (digest["seeds"] == 2).all()
    assert np.allclose(digest["kept_fit"], digest["c"] * digest["n_log_n"])
    row = digest.set_index("n").loc[100]
    assert row["kept_at_target_median"] == pytest.approx(0.1 * 2**0.5 * 1000)


def test_require_columns():
    frame = pd.DataFrame({"a": [1]})
    tables.require_columns(frame, ["a"], "x")
    with pytest.raises(ValueError, match=r"x table lacks column\(s\) b, c"):
        tables.require_columns(frame, ["a", "b", "c"], "x")
    with pytest.raises(TypeError, match="x must be a pandas DataFrame, got dict"):
        tables.require_columns({"a": [1]}, ["a"], "x")
