"""The task registry of the trained networks (trial structure of every task, as neurogym
defines it), the reducers that match the later study (OBS refit, capped and ranked
variants, no self-connections), the training budget, the accuracy floor, and the
trained tables' retention, factor quantiles and Wilcoxon-Holm tests. Small and fast:
no training beyond a few Adam steps at N = 8."""

import numpy as np
import pandas as pd
import pytest

from noiseprune.pipeline import stats, tables_trained
from noiseprune.trained import experiment, reducers, rnn, tasks

DT = 10.0


def batch_of(name, count=8, seed=0, **params):
    bound = tasks.bind({"name": name, **params}, DT)
    return bound, bound.trials(count, np.random.default_rng(seed))


# ------------------------------------------------------------------ the registry


def test_registry_names_the_five_tasks_and_refuses_unknown_ones():
    assert tasks.names() == ("ready_set_go", "perceptual_decision", "context_decision", "delay_match", "go_nogo")
    with pytest.raises(ValueError, match=r"^unknown task 'gonogo'; known: 'ready_set_go', .*'go_nogo'$"):
        tasks.get("gonogo")
    with pytest.raises(ValueError, match=r"^task 'go_nogo' has no parameter 'stim'; known: fixation, stimulus, delay, decision$"):
        tasks.resolve({"name": "go_nogo", "stim": 100})
    with pytest.raises(ValueError, match="shorter than one step"):
        tasks.bind({"name": "go_nogo", "decision": 4.0}, DT)


def test_todays_ready_set_go_keys_resolve_to_the_same_trials():
    """A task mapping without a name is ready-set-go; its trials are the Task class's."""
    cfg = {"interval_min": 100.0, "interval_max": 200.0, "ready_min": 20.0, "ready_max": 50.0, "pulse": 20.0, "tail": 50.0}
    bound = tasks.bind(cfg, DT)
    old = tasks.Task(dt=DT, **cfg)
    assert bound.name == "ready_set_go" and bound.steps == old.steps and (bound.inputs, bound.outputs) == (2, 1)
    a, b = bound.trials(5, np.random.default_rng(3)), tasks.trials(old, 5, np.random.default_rng(3))
    assert np.array_equal(a.u, b.u) and np.array_equal(a.target, b.target)


def periods(bound):
    sl, _ = tasks._layout(bound.params, bound.spec.periods, DT)
    return sl


def test_perceptual_decision_trial_structure():
    bound, b = batch_of("perceptual_decision", count=200, sigma=0.0)
    sl = periods(bound)
    assert b.u.shape == (200, 10 + 200 + 0 + 10, 3) and bound.outputs == 3
    assert (b.u[:, sl["fixation"], 0] == 1).all() and (b.u[:, sl["stimulus"].start:, 0] == 0).all()
    stim = b.u[:, sl["stimulus"], 1:]
    # noise-free: the channel of the ground truth is 0.5 + coh / 200, the other 0.5 - coh / 200
    chosen = np.take_along_axis(stim[:, 0, :], (b.label - 1)[:, None], axis=1)[:, 0]
    coh = (chosen - 0.5) * 200
    assert np.allclose(np.sort(np.unique(np.round(coh, 6))), [0.0, 6.4, 12.8, 25.6, 51.2])
    assert np.allclose(stim.sum(axis=2), 1.0) and (b.u[:, sl["decision"], 1:] == 0).all()
    assert (b.target[:, : sl["decision"].start] == 0).all()
    assert (b.target[:, sl["decision"]] == b.label[:, None]).all() and set(b.label) == {1, 2}
    _, noisy = batch_of("perceptual_decision", count=200)
    x = noisy.u[:, sl["stimulus"], 1:]
    assert abs((x - x.mean(axis=1, keepdims=True)).std() - 1 / np.sqrt(DT)) < 0.01  # neurogym: sigma / sqrt(dt)


def test_context_decision_follows_the_cued_modality():
    bound, b = batch_of("context_decision", count=300, sigma=0.0, cohs=[50.0])
    sl = periods(bound)
    assert b.u.shape[2] == 7 and (b.u[:, sl["fixation"], 0] == 1).all() and (b.u[:, sl["stimulus"].start:, 0] == 0).all()
    context = np.argmax(b.u[:, 0, 5:7], axis=1)
    assert (b.u[:, :, 5:7].sum(axis=2) == 1).all()  # the cue is on in every period
    s = sl["stimulus"].start
    mod1 = np.argmax(b.u[:, s, 1:3], axis=1) + 1
    mod2 = np.argmax(b.u[:, s, 3:5], axis=1) + 1
    cued = np.where(context == 0, mod1, mod2)
    assert np.array_equal(cued, b.label)
    assert ((mod1 != mod2) & (cued != np.where(context == 0, mod2, mod1))).any()  # the other modality can disagree
    assert (b.target[:, sl["decision"]] == b.label[:, None]).all()


def test_delay_match_trial_structure():
    bound, b = batch_of("delay_match", count=100, sigma=0.0)
    sl = periods(bound)
    assert b.u.shape == (100, 30 + 50 + 100 + 50 + 90, 3)
    assert (b.u[:, : sl["decision"].start, 0] == 1).all() and (b.u[:, sl["decision"], 0] == 0).all()
    sample = b.u[:, sl["sample"].start, 1:]
    test = b.u[:, sl["test"].start, 1:]
    assert set(np.unique(sample)) == {0.0, 1.0}  # cos(theta - theta_s) / 2 + 1/2 on a two-point ring
    match = np.all(sample == test, axis=1)
    assert np.array_equal(np.where(match, 1, 2), b.label)
    assert (b.u[:, sl["delay"], 1:] == 0).all() and (b.u[:, sl["decision"], 1:] == 0).all()


def test_go_nogo_trial_structure():
    bound, b = batch_of("go_nogo", count=50)
    sl = periods(bound)
    assert bound.outputs == 2 and b.u.shape == (50, 150, 3) and sl["fixation"].stop == 0
    stim = b.u[:, sl["stimulus"], 1:]
    assert np.array_equal(np.argmax(stim[:, 0], axis=1), b.label)  # channel 1 no-go, 2 go
    assert (b.u[:, sl["delay"], 1:] == 0).all() and (b.u[:, sl["decision"]] == 0).all()
    assert (b.u[:, : sl["decision"].start, 0] == 1).all()
    assert (b.target[:, sl["decision"]] == b.label[:, None]).all() and (b.target[:, : sl["decision"].start] == 0).all()


@pytest.mark.parametrize("name", ["perceptual_decision", "context_decision", "delay_match", "go_nogo"])
def test_accuracy_is_the_decision_at_the_last_step(name):
    bound, b = batch_of(name, count=12)
    perfect = np.eye(bound.outputs)[b.target.astype(int)] * 5.0
    m = bound.metrics(b, perfect, perfect)
    assert m["task_accuracy"] == 1.0 and m["readout_r2"] == 1.0 and m["task_loss"] < 0.05
    wrong = perfect.copy()
    wrong[:, -1, :] = np.eye(bound.outputs)[np.where(b.label == 1, 2 if bound.outputs == 3 else 0, 1)] * 5.0
    assert bound.metrics(b, wrong)["task_accuracy"] == 0.0
    held = bound.heldout(6, np.random.default_rng(0))
    assert np.bincount(held.label).max() - np.bincount(held.label)[held.label.min():].min() == 0  # balanced


# ------------------------------------------------------------------ reducers


def net(n=10, seed=0, inputs=3, outputs=3, self_connections=False):
    return rnn.init_params(n, 0.9, np.random.default_rng(seed), inputs=inputs, outputs=outputs,
                           self_connections=self_connections)


def test_obs_refit_is_the_least_squares_fit_of_each_units_input():
    rng = np.random.default_rng(1)
    params = net(n=12)
    R = np.tanh(rng.normal(size=(400, 12)))  # probe rates
    H = R.T @ R / 400
    W = params["W"]
    out = reducers.obs_prune(W, H, 0.5, damping=1e-12)
    assert reducers.weights_kept(out) == round(0.5 * reducers.weights_kept(W)) and not np.diagonal(out).any()
    for i in range(12):
        K = np.flatnonzero(out[i])
        w_ls, *_ = np.linalg.lstsq(R[:, K], R @ W[i], rcond=None)
        assert np.allclose(out[i, K], w_ls, atol=1e-7)
    # its input error is no larger than that of the same mask without the refit
    masked = np.where(out != 0, W, 0.0)
    assert np.linalg.norm(R @ (out - W).T) < np.linalg.norm(R @ (masked - W).T)


def test_capped_and_ranked_variants_follow_the_later_study():
    params = net(n=20, seed=2)
    C = np.cov(np.random.default_rng(3).normal(size=(20, 300)))
    out = dict(reducers.reduce("noise", params, C, 0.4, np.random.default_rng(4), {"cap_percentile": 50}))
    W = params["W"]
    kept = out["rescale"]["W"] != 0
    assert np.array_equal(kept, out["capped"]["W"] != 0)
    f = reducers.rescale_factors(out["rescale"]["W"], W)
    fc = reducers.rescale_factors(out["capped"]["W"], W)
    from noiseprune import pruning

    P = pruning.probabilities(W, C, method="noise", keep_fraction=0.4)
    cap = np.percentile(1.0 / P[P > 0], 50)
    assert np.allclose(fc, np.minimum(f, cap)) and fc.max() <= cap + 1e-12
    rank = out["rank"]["W"]
    assert reducers.weights_kept(rank) == round(0.4 * 380)
    assert P[rank != 0].min() >= P[(rank == 0) & (W != 0) & ~np.eye(20, dtype=bool)].max()
    for variant, reduced in out.items():
        assert not np.diagonal(reduced["W"]).any(), variant  # no self-connections stay none


def test_merge_keeps_a_zero_diagonal_without_self_connections():
    params = net(n=10, seed=5)
    C = np.cov(np.random.default_rng(6).normal(size=(10, 200)))
    (_, merged), = reducers.reduce("merge", params, C, 0.5, None, {"self_connections": False})
    assert not np.diagonal(merged["W"]).any() and merged["W"].shape[0] == reducers.merged_size(10, 0.5)


def test_operator_lnp_shifts_the_leak_until_stable():
    params = net(n=6, seed=0)
    params["W"] = 2.5 * np.eye(6)[::-1]  # eigenvalues +-2.5: W - (1 + s) I unstable for s = 0, 0.5, 1
    C, shift = rnn.operator_lnp_covariance(params)
    A = params["W"] - (1 + shift) * np.eye(6)
    assert shift == 2.0 and np.allclose(A @ C + C @ A.T, -np.eye(6), atol=1e-10)


# ------------------------------------------------------------------ budget, floor, tables


def study_cfg(**over):
    cfg = dict(name="t", n=8, phi="tanh", tau=50.0, dt=10.0, sigma=1.0, gain=0.8, self_connections=False, lnp="operator",
               task={"name": "go_nogo", "stimulus": 50.0, "delay": 50.0, "decision": 30.0}, eval_trials=6,
               probe_trials=4, retrain_steps=0, cap_percentile=None, accuracy_floor=0.8,
               training=dict(steps=3, batch=4, learning_rate=0.01, clip=1.0, budget_minutes=1.0))
    cfg.update(over)
    return cfg


def test_training_beyond_the_budget_is_refused_in_one_line():
    cfg = study_cfg(n=512, training=dict(steps=20000, batch=64, learning_rate=0.01, clip=1.0, budget_minutes=1.0))
    with pytest.raises(ValueError, match=r"^network t is estimated at [0-9.]+ min per network \(N = 512, "
                                         r"20000 steps x 64 trials x 13 time steps\), more than training.budget_minutes = 1.0$"):
        experiment.train_network(cfg, 0)


def test_a_network_below_the_accuracy_floor_is_not_reduced():
    cfg = study_cfg()
    logged = []
    params, _ = experiment.train_network(cfg, 0, log=logged.append)
    assert f"on {experiment.cpu_name()} with jax " in logged[-1]  # a network's log names its CPU
    assert not np.diagonal(params["W"]).any() and params["w_out"].shape == (8, 2)
    batch = experiment.eval_batch(cfg)
    metrics, _, y = experiment.evaluate(params, cfg, 0, batch)
    assert metrics["task_accuracy"] < 0.8  # three Adam steps
    with pytest.raises(experiment.NotLearned, match=rf"^network t seed 0: held-out accuracy {metrics['task_accuracy']:.3f} "
                                                    r"is below trained.accuracy_floor = 0.8; not reducing"):
        experiment.reduce_and_evaluate(params, None, cfg, 0, "weight", "none", 0.5, 0, y)


def test_holm_matches_its_definition():
    p = np.array([0.01, 0.04, 0.03, 0.2])
    # sorted 0.01, 0.03, 0.04, 0.2 -> 4 x 0.01, max(3 x 0.03, .), max(2 x 0.04, .), max(0.2, .)
    assert np.allclose(stats.holm(p), [0.04, 0.09, 0.09, 0.2])
    assert np.allclose(stats.holm([0.5, 0.6]), [1.0, 1.0])


def test_retention_and_the_paired_tests():
    rows = []
    rng = np.random.default_rng(0)
    for seed in range(8):
        base = dict(network="t_go_nogo", task="go_nogo", n=8, seed=seed, covariance="none", keep_fraction=0.5,
                    prune_seed=0, retrained=False, weights_original=56, weights_kept=28, units_kept=8, task_loss=0.1,
                    readout_r2=0.9, kept_density=0.5, spectral_radius=1.0, spectral_radius_original=1.0)
        rows.append(dict(base, reducer="original", rescale="none", keep_fraction=1.0, task_accuracy=0.9))
        rows.append(dict(base, reducer="weight", rescale="rank", task_accuracy=0.45))
        rows.append(dict(base, reducer="noise", covariance="lnp", rescale="rescale", task_accuracy=0.8 + 0.01 * rng.random()))
    table, _ = tables_trained.frames([{"rows": rows, "produced": [[]] * len(rows), "interval": []}])
    assert np.allclose(table.loc[table["rescale"] == "rank", "retention"], 0.5)
    tests = tables_trained.wilcoxon_tests(table)
    assert len(tests) == 1
    t = tests.iloc[0]
    assert (t["reducer"], t["wins"], t["losses"], t["networks"]) == ("noise", 8, 0, 8)
    assert t["p_value"] == pytest.approx(2 / 2**8)  # exact two-sided: every sign positive
    assert t["p_holm"] == t["p_value"]


def test_subspace_comparison_of_equal_and_orthogonal_activity():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    C = Q @ np.diag([9.0, 4.0, 2.0, 0.1, 0.1, 0.1, 0.1, 0.1]) @ Q.T
    same = experiment.subspace_comparison(C, C)
    assert same["subspace_angle_max"] < 1e-5 and same["variance_in_original_subspace"] == pytest.approx(15 / 15.5)
    other = Q @ np.diag([0.1, 0.1, 0.1, 9.0, 4.0, 2.0, 0.1, 0.1]) @ Q.T  # activity in the orthogonal complement
    far = experiment.subspace_comparison(C, other)
    assert far["subspace_angle_max"] == pytest.approx(90.0) and far["subspace_angle_mean"] == pytest.approx(90.0)
    assert far["variance_in_original_subspace"] == pytest.approx(0.3 / 15.5) and far["variance_explained_own"] == pytest.approx(15 / 15.5)


def test_iterative_schedule_reduces_step_by_step_and_retrains_with_the_mask():
    cfg = study_cfg(accuracy_floor=0.0, retrain_steps=2)
    params = rnn.init_params(8, 0.8, np.random.default_rng(0), inputs=3, outputs=2, self_connections=False)
    rows = experiment.iterate(params, cfg, 0, "noise", "lnp", [0.8, 0.5], 0, variant="mask")
    assert [r["schedule_step"] for r in rows] == [0, 1] and all(r["retrained"] for r in rows)
    assert [r["keep_fraction"] for r in rows] == [0.8, 0.5]
    assert rows[1]["weights_kept"] < rows[0]["weights_kept"] < 56
    assert abs(rows[1]["kept_density"] - 0.5) < 0.2
    with pytest.raises(ValueError, match="schedule must be decreasing"):
        experiment.iterate(params, cfg, 0, "weight", "none", [0.5, 0.8], 0)


def test_schedule_table_has_retention_against_the_original():
    original = {"rows": [dict(network="t", seed=0, reducer="original", task_accuracy=0.8)]}
    steps = [dict(network="t", task="go_nogo", seed=0, reducer="weight", covariance="none", rescale="rescale",
                  schedule_step=i, keep_fraction=k, weights_kept=w, kept_density=w / 56, task_accuracy=a)
             for i, (k, w, a) in enumerate([(0.8, 45, 0.8), (0.5, 28, 0.4)])]
    frame = tables_trained.schedule_frame([{"rows": steps[::-1]}], [original])
    assert list(frame["schedule_step"]) == [0, 1] and np.allclose(frame["retention"], [1.0, 0.5])
    assert list(tables_trained.schedule_frame([], [original]).columns) == list(tables_trained.SCHEDULE_COLUMNS)


def test_figures_14_and_15_draw_the_later_studys_curves_and_the_retraining_panels():
    from noiseprune.plotting.fig14 import fig14_trained_retention
    from noiseprune.plotting.fig15 import fig15_retraining

    rows = []
    for task in ("go_nogo", "delay_match"):
        for seed in range(3):
            base = dict(network=f"s_{task}", task=task, n=8, seed=seed, prune_seed=0, retrained=False)
            rows.append(dict(base, reducer="original", covariance="none", rescale="none", keep_fraction=1.0, retention=1.0))
            for keep in (0.5, 0.3):
                for (reducer, cov, variant), r in ((("weight", "none", "rank"), 0.5), (("noise", "lnp", "rescale"), 0.9)):
                    rows.append(dict(base, reducer=reducer, covariance=cov, rescale=variant, keep_fraction=keep,
                                     retention=r * keep / 0.5))
    table = pd.DataFrame(rows)
    tests = tables_trained.wilcoxon_tests(table.assign(task_accuracy=table["retention"]))
    fig = fig14_trained_retention(table, tests, "s")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles == ["(a) pooled over tasks, 6 networks", "(b) delay match, 3 networks", "(c) go nogo, 3 networks"]
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["magnitude", "L-NP, 1/p"]
    empty = pd.DataFrame(columns=list(tables_trained.SCHEDULE_COLUMNS))
    fig = fig15_retraining(table, empty, "s")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["not run (retrain_steps: 0)", "not run (schedule: [])"]
    with pytest.raises(ValueError, match="no rows for the trained section 'x'"):
        fig14_trained_retention(table, tests, "x")
    # a long section name keeps its title inside the figure (the bands are explained in the legend)
    long = "closest128_study"
    renamed = table.assign(network=table["network"].str.replace("s_", f"{long}_", regex=False))
    fig = fig14_trained_retention(renamed, tests, long)
    fig.canvas.draw()
    title = next(t for t in fig.texts if t.get_text() == fig.get_suptitle())
    assert title.get_window_extent().x1 <= fig.bbox.x1
    assert "line: median over networks, band: min-max" in [t.get_text() for t in fig.legends[0].get_texts()]
    # every reduction the loop runs (each reducer's first variant) is a curve of panel (c)
    loop = pd.DataFrame([dict(network="s_go_nogo", task="go_nogo", seed=0, reducer=r, covariance=c, rescale="rescale",
                              schedule_step=i, keep_fraction=k, weights_kept=1, kept_density=k, task_accuracy=1.0,
                              retention=1.0)
                         for r, c in (("noise", "lnp"), ("weight", "none"), ("uniform", "none"))
                         for i, k in enumerate((0.7, 0.5))])
    fig = fig15_retraining(table, loop, "s")
    assert sorted(fig.axes[2].get_legend_handles_labels()[1]) == ["L-NP, 1/p", "random, 1/p", "weight, 1/p"]
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "line: median over networks, band: min-max"
    fig = fig15_retraining(renamed, loop.assign(network=loop["network"].str.replace("s_", f"{long}_", regex=False)), long)
    fig.canvas.draw()
    title = next(t for t in fig.texts if t.get_text() == fig.get_suptitle())
    assert title.get_window_extent().x1 <= fig.bbox.x1


def test_reach_stops_at_the_first_fraction_below_the_level():
    """trained_reach.csv: going down the keep fractions, the last one whose mean retention
    over the networks (each averaged over its pruning seeds) is at least 0.9; per mode."""
    rows = [dict(reducer="original", covariance="none", rescale="none", keep_fraction=1.0, network="n", seed=0,
                 retrained=False, retention=1.0)]
    means = {0.7: 0.95, 0.5: 0.85, 0.3: 0.92}  # 0.3 recovers, but the walk down stopped at 0.5
    for keep, mean in means.items():
        for seed in (0, 1):
            for prune_seed, delta in ((0, 0.02), (1, -0.02)):
                rows.append(dict(reducer="weight", covariance="none", rescale="rank", keep_fraction=keep, network="n",
                                 seed=seed, prune_seed=prune_seed, retrained=False, retention=mean + delta))
                rows.append(dict(reducer="weight", covariance="none", rescale="rank", keep_fraction=keep, network="n",
                                 seed=seed, prune_seed=prune_seed, retrained=True, retention=0.5))
    schedule = pd.DataFrame([dict(reducer="weight", covariance="none", rescale="rescale", keep_fraction=k, network="n",
                                  seed=s, retention=r) for s in (0, 1) for k, r in ((0.7, 1.0), (0.5, 0.9), (0.3, 0.2))])
    reach = tables_trained.reach_frame(pd.DataFrame(rows), schedule).set_index("mode")
    assert reach.loc["none", "keep_fraction"] == 0.7 and reach.loc["none", "retention"] == pytest.approx(0.95)
    assert reach.loc["none", "networks"] == 2 and reach.loc["none", "keep_fractions"] == 3
    assert np.isnan(reach.loc["fine-tune", "keep_fraction"])  # below 0.9 from the first fraction
    assert reach.loc["loop", "keep_fraction"] == 0.5 and reach.loc["loop", "pruned"] == pytest.approx(0.5)


def test_training_sigma_sets_the_noise_of_training_alone():
    """training.sigma = 0 trains as a noiseless model would (the same draws, scaled by 0),
    while trained.sigma still drives the held-out evaluation; absent, trained.sigma trains."""
    tr = dict(steps=3, batch=4, learning_rate=0.01, clip=1.0, budget_minutes=1.0)
    quiet, _ = experiment.train_network(study_cfg(training=dict(tr, sigma=0.0)), 0)
    noiseless, _ = experiment.train_network(study_cfg(sigma=0.0, training=tr), 0)
    noisy, _ = experiment.train_network(study_cfg(training=tr), 0)
    assert np.array_equal(quiet["W"], noiseless["W"])
    assert not np.allclose(quiet["W"], noisy["W"])
    assert experiment.model_of(study_cfg(training=dict(tr, sigma=0.0))).sigma == 1.0
