"""Task-trained networks: the ready-set-go task, the rate RNN, its training (jax +
optax), the L-NP / S-NP covariances, the reducers, the config section, and the trained
rules of the smoke workflow (tests/configs/smoke.yaml, `trained:`)."""

import copy
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import SMOKE, results_path

from noiseprune.pipeline import config as npconfig
from noiseprune import covariance
from noiseprune.trained import reducers, rnn, experiment, training
from noiseprune.pipeline import plan as npplan
from noiseprune.trained import tasks

TINY_TASK = tasks.Task(interval_min=100.0, interval_max=200.0, ready_min=20.0, ready_max=50.0, pulse=20.0, tail=50.0)
MODEL = rnn.Model()


def smoke_config():
    with open(SMOKE) as fh:
        return yaml.safe_load(fh)


def small_params(n=8, seed=0, gain=0.5):
    return rnn.init_params(n, gain, np.random.default_rng(seed))


# ------------------------------------------------------------------ task


def test_target_ramp_reproduces_the_sampled_interval():
    batch = tasks.trials(TINY_TASK, 12, np.random.default_rng(0))
    assert batch.u.shape == (12, TINY_TASK.steps, 2) and batch.target.shape == (12, TINY_TASK.steps)
    produced, reached = tasks.produced_intervals(TINY_TASK, batch, batch.target)
    assert reached.all()
    # the ramp reaches 1 at the first step at or after set + t_s (set is rounded to the grid)
    assert np.all(np.abs(produced - batch.interval) <= TINY_TASK.dt + 1e-9)
    m = tasks.metrics(TINY_TASK, batch, batch.target, batch.target)
    assert m["task_loss"] == 0.0 and m["task_accuracy"] == 1.0 and m["readout_r2"] == 1.0
    assert abs(m["interval_slope"] - 1.0) < 0.1


def test_silent_or_diverging_output_gives_finite_metrics():
    batch = tasks.trials(TINY_TASK, 6, np.random.default_rng(1))
    for y in (np.zeros_like(batch.target), np.full_like(batch.target, np.nan)):
        m = tasks.metrics(TINY_TASK, batch, y, batch.target)
        assert all(np.isfinite(v) for v in m.values()), m
    assert tasks.metrics(TINY_TASK, batch, np.zeros_like(batch.target))["task_accuracy"] == 0.0


def test_empty_interval_range_is_rejected():
    with pytest.raises(ValueError, match="interval range"):
        tasks.Task(interval_min=500.0, interval_max=500.0)


# ------------------------------------------------------------------ model and training


def test_jax_loss_matches_the_numpy_simulation():
    import jax.numpy as jnp

    params = small_params()
    batch = tasks.trials(TINY_TASK, 4, np.random.default_rng(2))
    xi = np.random.default_rng(3).standard_normal((*batch.u.shape[:2], 8))
    f32 = [jnp.asarray(a, dtype=jnp.float32) for a in (batch.u, xi, batch.target, batch.mask)]
    p = {k: jnp.asarray(v, dtype=jnp.float32) for k, v in params.items()}
    jax_loss = float(training._loss_fn(MODEL)(p, jnp.ones((8, 8)), *f32))
    # the numpy simulation draws its noise per step; replay the same noise
    ys = []
    x = np.zeros((4, 8))
    for t in range(batch.u.shape[1]):
        x, y = rnn.step(params, x, batch.u[:, t], xi[:, t], MODEL)
        ys.append(y)
    np_loss = tasks.loss(batch, np.stack(ys, axis=1))
    assert jax_loss == pytest.approx(np_loss, rel=1e-4)


@pytest.mark.parametrize("phi", ["tanh", "relu"])
def test_training_decreases_the_loss_on_a_fixed_batch(phi):
    model = rnn.Model(phi=phi)
    params = small_params(n=16, seed=0, gain=0.8)
    fixed = tasks.trials(TINY_TASK, 16, np.random.default_rng(5))
    before = training.fixed_batch_loss(params, fixed, model)
    trained_params, history = training.train(
        params, TINY_TASK, model, np.random.default_rng(6), steps=25, batch=8, learning_rate=0.01
    )
    after = training.fixed_batch_loss(trained_params, fixed, model)
    assert history.shape == (25,) and np.isfinite(history).all()
    assert after < 0.8 * before, (before, after)


def test_diverging_training_names_the_step_and_saves_nothing(tmp_path):
    params = small_params()
    params["W"][0, 0] = np.nan
    with pytest.raises(training.TrainingDiverged, match=r"training diverged at step 0: loss = nan"):
        training.train(params, TINY_TASK, MODEL, np.random.default_rng(0), steps=3, batch=2, learning_rate=0.01)
    with pytest.raises(ValueError, match="parameter W has non-finite values"):
        rnn.save(tmp_path / "params.npz", params)
    assert not (tmp_path / "params.npz").exists()


def test_retraining_keeps_pruned_weights_at_zero():
    params = small_params()
    mask = (np.random.default_rng(0).random((8, 8)) < 0.5).astype(float)
    params["W"] = params["W"] * mask
    out, _ = training.train(params, TINY_TASK, MODEL, np.random.default_rng(1), steps=3, batch=2,
                            learning_rate=0.01, mask_W=mask)
    assert np.all(out["W"][mask == 0] == 0)


# ------------------------------------------------------------------ covariances


def test_lnp_covariance_of_a_linear_network_is_the_exact_covariance():
    # tanh network with no bias and no input: x* = 0, phi'(0) = 1, so the linearization is
    # tau dx/dt = (W - I) x + sigma xi, whose covariance solves A C + C A^T + I = 0 for
    # A = (W - I) / tau, times (sigma / tau)^2.
    params = small_params(n=10, gain=0.6)
    model = rnn.Model(phi="tanh", tau=20.0, dt=5.0, sigma=0.7)
    C, x_star, stationary = rnn.lnp_covariance(params, np.zeros(2), model)
    assert stationary
    assert np.allclose(x_star, 0.0, atol=1e-12)
    A = (params["W"] - np.eye(10)) / model.tau
    expected = covariance.exact(A) * (model.sigma / model.tau) ** 2
    np.testing.assert_allclose(C, expected, rtol=1e-10, atol=1e-15)
    # and it is the Lyapunov solution of the Jacobian with noise (sigma / tau)^2
    J = rnn.jacobian(params, x_star, model)
    residual = J @ C + C @ J.T + (model.sigma / model.tau) ** 2 * np.eye(10)
    assert np.abs(residual).max() < 1e-12 * np.abs(J @ C).max() + 1e-18


def test_lnp_at_an_unstable_operating_point_is_the_finite_horizon_covariance():
    params = small_params(n=6, gain=0.3)
    params["W"][np.diag_indices(6)] = 1.3  # x* = 0 with J = (W - I) / tau unstable
    with pytest.raises(ValueError, match="unstable"):
        rnn.lnp_covariance(params, np.zeros(2), MODEL)
    C, x_star, stationary = rnn.lnp_covariance(params, np.zeros(2), MODEL, horizon=300.0)
    assert not stationary
    J = rnn.jacobian(params, x_star, MODEL)
    q = (MODEL.sigma / MODEL.tau) ** 2
    # C(T) = int_0^T e^{Js} Q e^{J^T s} ds solves J C + C J^T + Q = e^{JT} Q e^{J^T T}
    from scipy.linalg import expm

    E = expm(J * 300.0)
    np.testing.assert_allclose(J @ C + C @ J.T + q * np.eye(6), q * E @ E.T, rtol=1e-8, atol=1e-12)
    assert np.linalg.eigvalsh(C).min() > 0


def test_snp_covariance_is_a_covariance():
    params = small_params()
    batch = tasks.trials(TINY_TASK, 4, np.random.default_rng(0))
    C = rnn.snp_covariance(params, batch.u, MODEL, np.random.default_rng(1))
    assert np.array_equal(C, C.T) and np.linalg.eigvalsh(C).min() > -1e-12


# ------------------------------------------------------------------ reducers


def test_merging_two_identical_units_leaves_the_output_unchanged():
    params = small_params(n=6, gain=0.9)
    # unit 5 duplicates unit 2: same incoming weights (row), input weights and bias
    params["W"][5] = params["W"][2]
    params["W_in"][5] = params["W_in"][2]
    params["b"] = np.linspace(-0.2, 0.2, 6)
    params["b"][5] = params["b"][2]
    batch = tasks.trials(TINY_TASK, 3, np.random.default_rng(0))
    y = rnn.simulate(params, batch.u, MODEL, None)
    merged = reducers.merge_units(params, 2, 5)
    assert merged["W"].shape == (5, 5) and list(merged["units"]) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(rnn.simulate(merged, batch.u, MODEL, None), y, rtol=1e-12, atol=1e-12)


def test_merge_picks_the_most_correlated_pair_down_to_the_budget():
    params = small_params(n=5)
    C = np.eye(5)
    C[1, 3] = C[3, 1] = 0.9
    merged = reducers.merge_correlated(params, C, 4)
    assert list(merged["units"]) == [0, 1, 2, 4]
    assert reducers.merged_size(128, 0.1) == 41 and 41 * 40 == pytest.approx(0.1 * 128 * 127, rel=0.01)
    out = reducers.reduce("merge", params, C + 0.1, 0.5, None)
    assert [v for v, _ in out] == ["fold"] and out[0][1]["W"].shape[0] == reducers.merged_size(5, 0.5)


@pytest.mark.parametrize("name", ["noise", "weight", "uniform"])
def test_pruning_reducers_rescale_and_mask_the_same_draw(name):
    params = small_params(n=12)
    C = rnn.snp_covariance(params, tasks.trials(TINY_TASK, 4, np.random.default_rng(0)).u, MODEL,
                           np.random.default_rng(1))
    out = dict(reducers.reduce(name, params, C, 0.4, np.random.default_rng(2)))
    W, rescaled, masked = params["W"], out["rescale"]["W"], out["mask"]["W"]
    assert np.array_equal(rescaled != 0, masked != 0)
    assert np.array_equal(np.diagonal(rescaled), np.diagonal(W))  # diagonal: original
    kept = masked != 0
    assert np.array_equal(masked[kept], W[kept])
    off = ~np.eye(12, dtype=bool)
    assert abs(reducers.weights_kept(masked) - 0.4 * 132) < 25
    assert np.all(np.abs(rescaled[kept & off]) >= np.abs(W[kept & off]))


# ------------------------------------------------------------------ config and plan


def test_trained_section_defaults_and_plan():
    cfg = smoke_config()
    prepared = npconfig.prepare(cfg)
    t = prepared["trained"]
    assert t["name"] == "rsg" and t["phi"] == "tanh" and t["reducers"] == ["noise", "weight", "uniform", "obs", "merge"]
    plan = npplan.Plan(prepared)
    assert list(plan.trained_networks()) == ["rsg_ready_set_go", "rsg_go_nogo"]
    assert plan.trained_covariances() == ["lnp", "snp", "rates"]
    reductions = plan.trained_reductions()
    assert {(j["trained_name"], j["reducer"], j["trained_cov"]) for j in reductions} == {
        (net, r, c) for net in ("rsg_ready_set_go", "rsg_go_nogo") for r, c in
        (("noise", "lnp"), ("noise", "snp"), ("weight", "none"), ("uniform", "none"), ("obs", "rates"), ("merge", "snp"))
    }
    # one job per (network, seed, covariance, keep fraction), every reducer of that covariance in it
    assert [(j["trained_name"], j["trained_cov"]) for j in plan.trained_reduce_jobs()] == [
        (net, c) for net in ("rsg_ready_set_go", "rsg_go_nogo") for c in ("lnp", "snp", "none", "rates")
    ]
    assert plan.trained_job_reducers("snp") == ["noise", "merge"] and plan.trained_job_reducers("none") == ["weight", "uniform"]
    assert len(plan.trained_directories()) == 8 and len(plan.trained_metrics()) == 2 * (2 + 2 + 2 + 2 + 1 + 1)
    assert plan.trained_prune_seeds("merge") == [0] and plan.trained_prune_seeds("noise") == [0, 1]
    assert plan.path(npplan.TRAINED_TABLES["trained"]) in plan.table_targets()
    assert plan.figures["fig9_trained"]["experiments"] == ["rsg"]
    assert plan.figures["fig9_trained"]["keep_fraction"] == 0.5  # the only keep fraction
    bad = copy.deepcopy(cfg)
    bad["figures"] = {"fig9_trained": {"experiment": "rsg", "keep_fraction": 0.7}}
    with pytest.raises(npconfig.ConfigError, match=r"figures.fig9_trained: keep_fraction 0.7 is not one of"):
        npplan.Plan(npconfig.prepare(bad)).figures
    del cfg["trained"]
    with pytest.raises(npconfig.ConfigError, match=r"^config error: figures.fig9_trained: figure 'fig9_trained' names experiment 'rsg', which the config lacks"):
        npplan.Plan(npconfig.prepare(cfg)).figures  # a figures section naming it, without the section
    del cfg["figures"]  # the default figures section draws Fig. 9 only when there is one
    assert "fig9_trained" not in npplan.Plan(npconfig.prepare(cfg)).figures


def test_a_task_entry_can_have_its_own_seeds():
    cfg = copy.deepcopy(smoke_config())
    cfg["trained"]["seeds"] = [0, 1]
    cfg["trained"]["tasks"][1]["seeds"] = [0, 2, 3]
    plan = npplan.Plan(npconfig.prepare(cfg))
    nets = plan.trained_networks()
    assert nets["rsg_ready_set_go"]["seeds"] == [0, 1] and nets["rsg_go_nogo"]["seeds"] == [0, 2, 3]
    assert "seeds" not in nets["rsg_go_nogo"]["task"]
    seeds = {(j["trained_name"], j["trained_seed"]) for j in plan.trained_reduce_jobs()}
    assert seeds == {("rsg_ready_set_go", 0), ("rsg_ready_set_go", 1), ("rsg_go_nogo", 0), ("rsg_go_nogo", 2),
                     ("rsg_go_nogo", 3)}
    originals = {re.search(r"trained/(\w+)/seed(\d+)/", p).groups() for p in plan.trained_originals()}
    assert originals == {(net, str(seed)) for net, seed in seeds}
    cfg["trained"]["tasks"][1]["seeds"] = [2, 2]
    with pytest.raises(npconfig.ConfigError, match=r"^config error: trained.tasks\[1\].seeds = \[2, 2\]: "):
        npconfig.prepare(cfg)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.update(training={"learning_rate": 0.0}),
         "config error: trained.training.learning_rate = 0.0: must be > 0"),
        (lambda t: t.pop("tasks") and t.update(task={"interval_min": 800.0, "interval_max": 800.0}),
         "config error: trained.task.interval_max = 800.0: must be > task.interval_min (800.0): the interval range is empty"),
        (lambda t: t.update(reducers=["noise", "prune"]),
         "config error: trained.reducers[1] = 'prune': must be one of noise, weight, uniform, obs, merge"),
        (lambda t: t.update(dt=60.0), "config error: trained.dt = 60.0: must be <= tau (50.0) for a stable Euler step"),
    ],
)
def test_bad_trained_config_is_one_line(edit, message):
    cfg = copy.deepcopy(smoke_config())
    edit(cfg["trained"])
    with pytest.raises(npconfig.ConfigError) as err:
        npconfig.prepare(cfg)
    assert str(err.value) == message


# ------------------------------------------------------------------ the smoke workflow


@pytest.mark.workflow
def test_trained_rules_in_the_smoke_run(smoke_local_run):
    results = results_path(smoke_local_run[0])
    cfg = npconfig.prepare(smoke_config())
    plan = npplan.Plan(cfg)
    for net in ("rsg_ready_set_go", "rsg_go_nogo"):
        params = rnn.load(results / f"trained/{net}/seed0/params.npz")
        assert params["W"].shape == (16, 16) and not np.diagonal(params["W"]).any()  # self_connections: false
        for cov in ("lnp", "snp", "rates"):
            assert (results / f"trained/{net}/seed0/covariance/{cov}.npy").is_file()
        info = yaml.safe_load((results / f"trained/{net}/seed0/training.json").read_text())
        assert info["steps"] == 30 and info["heldout_loss_after"] < info["heldout_loss_before"]
    assert rnn.load(results / "trained/rsg_go_nogo/seed0/params.npz")["W_in"].shape == (16, 3)
    table = pd.read_csv(results / "tables/trained.csv")
    for column in (*experiment.ID_COLUMNS, *experiment.METRIC_COLUMNS, "retention"):
        assert column in table
    assert set(table["task"]) == {"ready_set_go", "go_nogo"}
    # per network: the original; noise (2 covariances) and weight: rescale, mask, capped,
    # rank per draw; uniform: rescale, mask; obs and merge: one each
    assert len(table) == 2 * (1 + 2 * 2 * 4 + 2 * 4 + 2 * 2 + 1 + 1)
    assert np.isfinite(table[list(experiment.METRIC_COLUMNS)].to_numpy(dtype=float)).all()
    original = table[table["reducer"] == "original"]
    assert (original["retention"] == 1.0).all()
    pruned = table[table["rescale"].isin(["rescale", "mask", "capped", "rank"])]
    assert (pruned["units_kept"] == 16).all()
    assert (abs(pruned["kept_density"] - 0.5) < 0.2).all()
    assert (table.loc[table["rescale"] == "rank", "kept_density"] == 0.5).all()  # 120 of 240, exactly
    merged = table[table["reducer"] == "merge"]
    assert (merged["units_kept"] == reducers.merged_size(16, 0.5)).all()
    intervals = pd.read_parquet(results / "tables/trained_intervals.parquet")
    assert len(intervals) == (table["task"] == "ready_set_go").sum() * 16
    factors = pd.read_csv(results / "tables/trained_factors.csv")
    assert set(factors["rescale"]) == {"rescale", "capped"} and (factors["q50"] >= 1.0).all()
    tests = pd.read_csv(results / "tables/trained_tests.csv")
    assert set(tests["task"]) == {"all", "ready_set_go", "go_nogo"} and (tests["p_holm"] >= tests["p_value"]).all()
    reach = pd.read_csv(results / "tables/trained_reach.csv")  # no retraining, no loop in the smoke config
    assert set(reach["mode"]) == {"none"} and len(reach) == len(tests.drop_duplicates(["reducer", "covariance", "rescale"])) + 1
    assert (results / "figures/fig9_trained.png").is_file()



def test_retraining_switch_adds_retrained_rows():
    section = npconfig.prepare(smoke_config())["trained"]
    cfg = experiment.networks(section)["rsg_ready_set_go"]
    cfg = dict(cfg, eval_trials=4, retrain_steps=2, cap_percentile=None, training=dict(cfg["training"], batch=2))
    params = rnn.init_params(cfg["n"], cfg["gain"], np.random.default_rng(0))
    batch = experiment.eval_batch(cfg)
    _, _, y0 = experiment.evaluate(params, cfg, 0, batch)
    arrays, rows, produced, _ = experiment.reduce_and_evaluate(params, None, cfg, 0, "weight", "none", 0.5, 0, y0)
    assert [(r["rescale"], r["retrained"]) for r in rows] == [
        ("rescale", False), ("rescale", True), ("mask", False), ("mask", True), ("rank", False), ("rank", True)
    ]
    # retraining keeps the pruned weights at zero
    assert np.array_equal(arrays["rescale_retrained.W"] != 0, arrays["rescale.W"] != 0)
    assert len(produced) == 6 and len(produced[0]) == 4


def test_a_reduction_job_gives_each_reducer_what_it_gives_alone():
    """reduce_members (one trained_reduce job: every reducer of a covariance, the original
    evaluated once) equals reduce_and_evaluate of each reducer and pruning seed on its
    own, whichever reducers the job runs and in whichever order."""
    section = npconfig.prepare(smoke_config())["trained"]
    cfg = experiment.networks(section)["rsg_ready_set_go"]
    cfg = dict(cfg, eval_trials=4, cap_percentile=50)
    params = rnn.init_params(cfg["n"], cfg["gain"], np.random.default_rng(0))
    _, _, y0 = experiment.evaluate(params, cfg, 0, experiment.eval_batch(cfg))
    members = {"weight": [0], "uniform": [0, 1]}

    def alone(reducer, pseed):
        return experiment.reduce_and_evaluate(params, None, cfg, 0, reducer, "none", 0.5, pseed, y0)

    for order in (members, dict(reversed(members.items())), {"uniform": [1]}):
        got = list(experiment.reduce_members(params, None, cfg, 0, "none", 0.5, order, y0))
        assert [(r, k, p) for r, k, p, _ in got] == [(r, k, p) for r, ps in order.items() for k, p in enumerate(ps)]
        for reducer, _, pseed, (arrays, rows, produced, factors) in got:
            want = alone(reducer, pseed)
            assert arrays.keys() == want[0].keys() and all(np.array_equal(arrays[k], want[0][k]) for k in arrays)
            assert rows == want[1] and produced == want[2]
            assert factors.keys() == want[3].keys() and all(np.array_equal(factors[k], want[3][k]) for k in factors)


def test_a_reduction_jobs_runtime_estimate_counts_its_reducers():
    """A trained_reduce job runs its covariance's reducers one after the other: its
    runtime estimate (SLURM's runtime, the plan's refusal of a too-long job) is the
    reducers' sum; training and the probe are one network each, the iterative loop one reducer."""
    from noiseprune.pipeline.jobs import Jobs

    cfg = copy.deepcopy(smoke_config())
    cfg["trained"].update(n=512, retrain_steps=20000)  # long enough to be above the 30-min floor
    cfg["trained"]["training"]["steps"] = 20000
    plan = npplan.Plan(npconfig.prepare(cfg))
    t = plan.trained
    one = npplan.trained_runtime_min("trained_reduce", t)
    assert one > npplan.TRAINED_RUNTIME["trained_reduce"]
    assert npplan.trained_runtime_min("trained_reduce", t, 2) == 2 * one
    jobs = Jobs(plan)
    w = dict(trained_name="rsg_ready_set_go", trained_seed="0", trained_keep="0.5")
    runtime = jobs.trained_cost("trained_reduce").runtime
    assert runtime(dict(w, trained_cov="snp"), 1) == pytest.approx(2 * runtime(dict(w, trained_cov="lnp"), 1))
    assert runtime(dict(w, trained_cov="snp", reducer="noise"), 1) == runtime(dict(w, trained_cov="lnp"), 1)
    estimates = {rule: hours for key, _, rule, _, _, hours in plan.job_estimates() if key == "trained"}
    assert estimates["trained_reduce"] == pytest.approx(2 * one / 60)  # snp: noise and merge
    train = npplan.trained_runtime_min("train_rnn", t)
    assert train > npplan.TRAINED_RUNTIME["train_rnn"] and estimates["train_rnn"] == pytest.approx(train / 60)
