"""Figure functions of noiseprune.plotting on small synthetic tidy tables.

Checks that every figure is drawn and saved (PDF and PNG, non-trivial), that saving is
deterministic (byte-identical PDFs), that the method colours are the paper's, that the
spread over network seeds and pruning seeds is drawn (one mark per draw), that the
statistics drawn are the right ones, and that missing data gives a clear error.
"""

import inspect
import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from noiseprune import covariance, networks, pruning, plotting
from noiseprune import methods as registry

NOISE_RED = "#a91101"
WEIGHT_BLUE = "#1034a6"
METHODS = ["noise", "weight", "uniform"]
SEEDS = [0, 1]
PRUNE_SEEDS = [0, 1]
DRAWS = len(SEEDS) * len(PRUNE_SEEDS)
# How much each method perturbs the spectrum in the synthetic data (noise best).
SCALE = {"noise": 0.02, "weight": 0.05, "uniform": 0.2}


def covariance_of(method):
    return "exact" if method == "noise" else "none"


def ids(network, n, seed, method, keep, pseed, cov=None):
    return dict(
        network=network,
        n=n,
        seed=seed,
        covariance=cov or covariance_of(method),
        method=method,
        keep_fraction=keep,
        prune_seed=pseed,
    )


def make_eigen(network="paper2000", n=30, keep=0.2, methods=METHODS, complex_=False):
    rows = []
    for seed, method, pseed in itertools.product(SEEDS, methods, PRUNE_SEEDS):
        rng = np.random.default_rng([seed, pseed, len(method)])
        lam = -np.sort(rng.uniform(0.05, 2.0, n))[::-1]  # ascending, negative
        mu = np.sort(lam * (1 + SCALE[method] * rng.standard_normal(n)))
        frame = pd.DataFrame(
            {
                **ids(network, n, seed, method, keep, pseed),
                "index": np.arange(n),
                "eigenvalue": lam,
                "eigenvalue_pruned": mu,
                "eig_err": mu / lam - 1,
                "vec_err": SCALE[method] * rng.standard_normal(n),
                "alignment": 1 - SCALE[method] * rng.uniform(0, 1, n),
            }
        )
        if complex_:
            imag = np.where(np.arange(n) % 2, 0.1, -0.1) * rng.uniform(0, 1, n)
            frame["eigenvalue_imag"] = imag
            frame["eigenvalue_pruned_imag"] = imag * 1.1
            frame["eig_err_imag"] = 0.01 * imag
            frame["vec_err_imag"] = 0.0
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def summary_from(eigen):
    rows = []
    keys = ["network", "n", "seed", "covariance", "method", "keep_fraction", "prune_seed"]
    for key, g in eigen.groupby(keys, sort=True):
        err = np.abs(g["eig_err"].to_numpy())
        row = dict(zip(keys, key))
        row.update(
            edges_original=1000,
            edges_kept=int(1000 * key[5]),
            edges_target=1000 * key[5],
            median_abs_eig_err=np.median(err),
            max_abs_eig_err=err.max(),
            median_abs_vec_err=np.median(np.abs(g["vec_err"])),
            median_alignment=np.median(g["alignment"]),
            spectral_eps=2 * err.max(),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def make_sweeps(network="sweep2000", keeps=(0.05, 0.1, 0.2, 0.5)):
    rows = []
    for seed, method, keep, pseed in itertools.product(SEEDS, METHODS, keeps, PRUNE_SEEDS):
        rng = np.random.default_rng([seed, pseed, int(keep * 100), len(method)])
        err = SCALE[method] / np.sqrt(keep) * (1 + 0.2 * rng.uniform())
        rows.append(
            dict(
                **ids(network, 90, seed, method, keep, pseed),
                edges_original=1000,
                edges_kept=int(1000 * keep),
                edges_target=1000 * keep,
                median_abs_eig_err=err / 5,
                max_abs_eig_err=err,
                median_abs_vec_err=err / 6,
                median_alignment=1 - err / 10,
                spectral_eps=2 * err,
            )
        )
    return pd.DataFrame(rows)


def make_scaling(sizes=(100, 200, 400, 800)):
    rows = []
    for method, c in (("noise", 1.5), ("weight", 3.0)):
        for n, seed in itertools.product(sizes, SEEDS):
            edges = 0.3 * n * n
            kept = c * n * np.log(n) * (1 + 0.05 * seed)
            rows.append(
                dict(
                    network=f"scaling_N{n}",
                    n=n,
                    seed=seed,
                    covariance=covariance_of(method),
                    method=method,
                    edges_original=edges,
                    target_eps=0.5,
                    status="interpolated",
                    keep_fraction_at_target=kept / edges,
                    kept_at_target=kept,
                    kept_fraction=kept / edges,
                    n_log_n=n * np.log(n),
                    c=c,
                    c_points=len(sizes) * len(SEEDS),
                    kept_fit=c * n * np.log(n),
                )
            )
    return pd.DataFrame(rows)


def make_empirical(network="empirical1000", durations=(10, 100, 1000)):
    rows = []
    covs = [("noise", "exact", np.inf)] + [("noise", f"T{d}", float(d)) for d in durations]
    covs.append(("weight", "none", np.nan))
    for (method, cov, duration), seed, pseed in itertools.product(covs, SEEDS, PRUNE_SEEDS):
        base = 0.1 if method == "noise" else 0.3
        err = base * (1 + (3.0 / np.sqrt(duration) if np.isfinite(duration) else 0.0)) * (1 + 0.1 * seed + 0.05 * pseed)
        row = ids(network, 60, seed, method, 0.1, pseed, cov=cov)
        row.update(
            duration=duration,
            edges_original=500,
            edges_kept=50,
            edges_target=50.0,
            median_abs_eig_err=err / 5,
            max_abs_eig_err=err,
            median_abs_vec_err=err / 6,
            median_alignment=1 - err,
            spectral_eps=2 * err,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def make_dynamics(network="paper2000", keep=0.2, steps=51, trials=5):
    """Per-draw mean/std over trials (the dynamics table)."""
    rows = []
    time = np.arange(steps) * 0.01
    for seed, pseed, method in itertools.product(SEEDS, PRUNE_SEEDS, METHODS):
        rng = np.random.default_rng([seed, pseed, len(method)])
        err = SCALE[method] * np.sqrt(time)[None, :] * (1 + 0.3 * rng.standard_normal((trials, 1)))
        rows.append(
            pd.DataFrame(
                {
                    **ids(network, 30, seed, method, keep, pseed, cov="exact"),
                    "method_covariance": covariance_of(method),
                    "step": np.arange(steps),
                    "time": time,
                    "mean_error": err.mean(axis=0),
                    "std_error": err.std(axis=0, ddof=1),
                    "trials": trials,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def make_trajectories(network="paper2000", keep=0.2, neurons=(5, 15, 25), steps=51):
    """Stored trajectory samples (the trajectories table): decaying activity, the pruned
    networks off the original by their method's scale."""
    rows = []
    time = np.arange(steps) * 0.01
    for seed, pseed in itertools.product(SEEDS, PRUNE_SEEDS):
        rng = np.random.default_rng([seed, pseed])
        for neuron in neurons:
            x0, rate = rng.uniform(0.2, 1.0), rng.uniform(2, 8)
            for method in ["original", *METHODS]:
                off = 0.0 if method == "original" else SCALE[method] * np.sin(time * rate)
                rows.append(
                    pd.DataFrame(
                        {
                            **ids(network, 30, seed, method, keep, pseed, cov="exact"),
                            "method_covariance": "none" if method == "original" else covariance_of(method),
                            "neuron": neuron,
                            "step": np.arange(steps),
                            "time": time,
                            "activity": x0 * np.exp(-rate * time) + off,
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


def fig1_inputs(n_per=10):
    rng = np.random.default_rng(0)
    n = 3 * n_per
    W = np.zeros((n, n))
    for c in range(3):
        block = slice(c * n_per, (c + 1) * n_per)
        W[block, block] = rng.normal(1, 1, (n_per, n_per)) * (rng.uniform(size=(n_per, n_per)) < 0.6)
    W = (W + W.T) / 2
    np.fill_diagonal(W, 0)
    A = W / 10 - np.diag(np.abs(W / 10).sum(axis=1) + 0.1)
    C = -np.linalg.inv(A) / 2
    P = np.where(A != 0, 0.3, 0.0)
    np.fill_diagonal(P, 0)
    return A, C, P


CLUSTERS = [12, 6, 12]


def fig2_weights(keep=0.2):
    """One draw of Fig. 2's weight panels: a clustered network, pruned by noise and weight."""
    A = networks.clustered(CLUSTERS, long_range=20, rng=np.random.default_rng(0))
    C = covariance.exact(A)
    out = {"original": A}
    for m in ("noise", "weight"):
        P = pruning.probabilities(A, C if m == "noise" else None, method=m, keep_fraction=keep)
        out[m] = pruning.prune(A, P, rng=np.random.default_rng(1))
    return out


@pytest.fixture(scope="module")
def tables():
    eigen = make_eigen("paper2000")
    large = pd.concat([make_eigen("paper3000", n=40, keep=0.03), make_eigen("paper10000", n=50, keep=0.03)])
    return dict(
        eigen=eigen,
        summary=summary_from(eigen),
        large=large,
        large_summary=summary_from(large),
        weights=fig2_weights(),
        dynamics=make_dynamics(),
        trajectories=make_trajectories(),
        sweeps=make_sweeps(),
        scaling=make_scaling(),
        empirical=make_empirical(),
    )


def build(name, t):
    if name == "fig1":
        A, C, P = fig1_inputs()
        return plotting.fig1_probe(A, C, P, clusters=[10, 10, 10], highlight=4)
    if name == "fig2":
        return plotting.fig2_spectrum(t["eigen"], t["summary"], "paper2000", weights=t["weights"], clusters=CLUSTERS, weight_draw=(0, 0))
    if name == "fig3":
        return plotting.fig3_dynamics(t["dynamics"], "paper2000", t["trajectories"])
    if name == "fig4":
        return plotting.fig4_large(t["large"], t["large_summary"], ["paper3000", "paper10000"])
    if name == "fig5":
        return plotting.fig5_sweeps(t["sweeps"], t["scaling"])
    if name == "fig6":
        return plotting.fig6_empirical(t["empirical"])
    raise KeyError(name)


FIGURES = ["fig1", "fig2", "fig3", "fig4", "fig5", "fig6"]


def legend_colors(fig):
    """{label: hex colour} of the method patches in the figure legend (or its first subfigure's)."""
    legend = (fig.legends or fig.subfigs[0].legends)[0]
    return {text.get_text(): to_hex(patch.get_facecolor()) for text, patch in zip(legend.get_texts(), legend.get_patches())}


# ------------------------------------------------------------------ drawing and saving


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_drawn_and_saved_byte_identically(name, tables, tmp_path):
    """Each figure is saved as a non-trivial PDF and PNG; drawing and saving it again
    gives the same bytes (no dates or versions in the files)."""
    fig = build(name, tables)
    assert isinstance(fig, Figure)
    written = plotting.save(fig, tmp_path / "a" / name)
    assert written == [tmp_path / "a" / f"{name}.pdf", tmp_path / "a" / f"{name}.png"]
    pdf, png = (p.read_bytes() for p in written)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    assert b"CreationDate" not in pdf
    # no temporaries; each file with its sha256 record (noiseprune.hashing)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        [f"{name}.pdf", f"{name}.png", f".{name}.pdf.sha256", f".{name}.png.sha256"]
    )
    again = plotting.save(build(name, tables), tmp_path / "b" / name)
    for first, second in zip(written, again):
        assert first.read_bytes() == second.read_bytes(), first.name
    # every panel is labelled
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_xlabel() or [t.get_text() for t in ax.get_xticklabels()], (name, ax.get_title(loc="left"))
        assert ax.get_ylabel() or not ax.get_yticks().size, (name, ax.get_title(loc="left"))
    # nothing drawn outside the figure (no clipped panel, tick or axis label)
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= -1 and box.y0 >= -1, (name, ax.get_title(loc="left"), box)
        assert box.x1 <= fig.bbox.width + 1 and box.y1 <= fig.bbox.height + 1, (name, ax.get_title(loc="left"), box)


def test_save_freezes_the_layout_on_a_grid(tables, tmp_path):
    """The constrained-layout solver varies in the last bits between drawings of one
    figure (a PDF marker then moved in its 10th decimal now and then): save rounds every
    axes' position to plotting.LAYOUT_GRID and switches the engine off."""
    fig = build("fig2", tables)
    plotting.save(fig, tmp_path / "f", formats=("pdf",))
    assert fig.get_layout_engine() is None or type(fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"
    grid = plotting.LAYOUT_GRID
    for ax in fig.get_axes():
        for v in ax.get_position(original=True).bounds:
            assert abs(v / grid - round(v / grid)) < 1e-3, (ax.get_title(loc="left"), v)


def test_save_drops_a_given_suffix_and_rejects_unknown_formats(tables, tmp_path):
    fig = build("fig6", tables)
    assert plotting.save(fig, tmp_path / "x.pdf", formats=("pdf",)) == [tmp_path / "x.pdf"]
    with pytest.raises(ValueError, match="format must be one of pdf, png, got 'svg'"):
        plotting.save(fig, tmp_path / "y", formats=("svg",))
    assert [p.name for p in tmp_path.glob(".*")] == [".x.pdf.sha256"]  # no temporary


# ------------------------------------------------------------------ colours and labels


def test_method_colours_and_names_come_from_the_registry():
    assert plotting.method_color("noise").lower() == NOISE_RED
    assert plotting.method_color("weight").lower() == WEIGHT_BLUE
    colors = [plotting.method_color(m).lower() for m in registry.names()]
    assert len(set(colors)) == len(colors)
    assert plotting.method_label("noise") == "noise-prune"
    assert plotting.method_label("weight") == "weight"
    assert plotting.method_label("uniform") == "uniform"
    assert plotting.method_label("noise", "T100") == "noise-prune ($T=100$)"
    assert plotting.method_label("noise", "exact") == "noise-prune"
    # an unregistered method: the default colour and its own name
    assert plotting.method_color("mystery") == registry.DEFAULT_COLOR
    assert plotting.method_label("mystery") == "mystery"


def test_fig2_boxes_and_legend_use_the_method_colours(tables):
    fig = build("fig2", tables)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == ["noise-prune", "weight", "uniform"]
    boxes = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert boxes[:2] == [NOISE_RED, WEIGHT_BLUE]
    colors = legend_colors(fig)
    assert colors["noise-prune"] == NOISE_RED and colors["weight"] == WEIGHT_BLUE
    assert "$|\\mu_i/\\lambda_i - 1|$" in ax.get_ylabel()


def test_fig3_lines_use_the_method_colours(tables):
    fig = build("fig3", tables)
    ax = fig.axes[0]
    thick = {line.get_label(): to_hex(line.get_color()) for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert thick["noise-prune"] == NOISE_RED and thick["weight"] == WEIGHT_BLUE


@pytest.mark.parametrize("name", ["fig4", "fig5", "fig6"])
def test_legends_use_the_method_colours(name, tables):
    colors = legend_colors(build(name, tables))
    assert colors["noise-prune"] == NOISE_RED and colors["weight"] == WEIGHT_BLUE


def test_fig5_size_axes_are_labelled_at_the_sizes_only(tables):
    fig5 = build("fig5", tables)
    fig5.canvas.draw()
    size_axes = [ax for ax in fig5.axes if ax.get_xlabel() == "network size $N$"]
    assert len(size_axes) == 2
    for ax in size_axes:
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels == ["100", "200", "400", "800"]  # the sizes of make_scaling, nothing between
        assert not [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]


def test_axis_labels_use_the_math_symbols(tables):
    fig5 = build("fig5", tables)
    labels = " ".join(ax.get_ylabel() + ax.get_xlabel() + ax.get_title(loc="left") for ax in fig5.axes)
    assert r"\varepsilon" in labels and r"N\log N" in labels
    fig6 = build("fig6", tables)
    assert any(r"\varepsilon" in ax.get_ylabel() for ax in fig6.axes)
    assert any("duration $T$" in ax.get_xlabel() for ax in fig6.axes)


def test_time_axes_give_their_unit(tables):
    """Model time is in units of the network's time constant tau: Fig. 3's t and Fig. 6's T say so."""
    for name, symbol in (("fig3", "time $t$"), ("fig6", "duration $T$")):
        labels = [ax.get_xlabel() for ax in build(name, tables).axes if symbol in ax.get_xlabel()]
        assert labels and all(label.endswith(r"(units of $\tau$)") for label in labels), (name, labels)


# ------------------------------------------------------------------ spread over draws


def test_fig2_marks_the_maximum_of_every_draw(tables):
    fig = build("fig2", tables)
    ax = fig.axes[0]
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections if c.get_offsets().shape[0] == DRAWS])
    summary = tables["summary"]
    expected = np.sort(summary["max_abs_eig_err"].to_numpy())
    assert np.allclose(np.sort(points), expected)


def test_fig2_pools_every_draw(tables):
    fig = build("fig2", tables)
    ax = fig.axes[0]
    # whiskers span min..max of |eig_err| over every eigenpair of every draw (per method)
    caps = sorted(line.get_ydata()[0] for line in ax.lines if len(set(line.get_ydata())) == 1)
    eigen = tables["eigen"]
    noise = np.abs(eigen.loc[eigen["method"] == "noise", "eig_err"])
    assert any(np.isclose(c, noise.max()) for c in caps)
    assert any(np.isclose(c, noise.min()) for c in caps)


def test_fig3_draws_every_draw_and_the_pooled_band(tables):
    fig = build("fig3", tables)
    ax = fig.axes[0]
    thin = [line for line in ax.get_lines() if line.get_label().startswith("_") and line.get_linewidth() < 1]
    assert len(thin) == DRAWS * len(METHODS)


def test_fig5_bands_span_the_draws(tables):
    fig = build("fig5", tables)
    ax = fig.axes[0]  # max |eigenvalue error| vs keep fraction
    sweeps = tables["sweeps"]
    noise = sweeps[sweeps["method"] == "noise"].groupby("keep_fraction")["max_abs_eig_err"]
    line = next(line for line in ax.get_lines() if to_hex(line.get_color()) == NOISE_RED)
    assert np.allclose(line.get_xdata(), noise.median().index)
    assert np.allclose(line.get_ydata(), noise.median())
    assert noise.max().gt(noise.min()).all()  # a real band: draws differ


def test_fig5_and_fig6_legends_name_every_line_and_band_off_the_data(tables):
    fig5 = build("fig5", tables)
    assert all(ax.get_legend() is None for ax in fig5.axes)  # none over the data of (c)
    labels = [t.get_text() for t in fig5.legends[0].get_texts()]
    assert {"(c) all edges", "(c) fit $c\\,N\\log N$", "min-max over draws"} <= set(labels)
    headings = [sf.get_suptitle() for sf in fig5.subfigs]
    assert headings[0].startswith("Keep-fraction sweep: $N = ") and headings[-1].startswith("Scaling: $N$ = 100, 200, 400, 800")
    fig6 = build("fig6", tables)
    assert "bands: min to max over draws" in [t.get_text() for t in fig6.legends[0].get_texts()]


def test_titles_state_the_measured_n_never_the_experiment_name(tables):
    for name in ("fig2", "fig3", "fig4", "fig5", "fig6"):
        fig = build(name, tables)
        titles = [fig.get_suptitle()] + [sf.get_suptitle() for sf in fig.subfigs] + [ax.get_title(loc="left") for ax in fig.axes]
        assert not any(word in " ".join(titles) for word in ("paper2000", "sweep2000", "paper3000", "empirical")), (name, titles)
        assert "$N = " in " ".join(titles), (name, titles)


def test_fig5_draws_the_fitted_n_log_n_curve(tables):
    fig = build("fig5", tables)
    ax = next(ax for ax in fig.axes if r"N\log N" in ax.get_title(loc="left"))
    fits = [line for line in ax.get_lines() if to_hex(line.get_color()) == NOISE_RED and len(line.get_xdata()) == 50]
    assert len(fits) == 1
    x, y = fits[0].get_xdata(), fits[0].get_ydata()
    assert np.allclose(y, 1.5 * x * np.log(x))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_fig6_exact_level_is_a_horizontal_line(tables):
    fig = build("fig6", tables)
    ax = fig.axes[0]  # spectral eps vs T
    emp = tables["empirical"]
    exact = emp[(emp["covariance"] == "exact")]["spectral_eps"].median()
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert any(np.allclose(line.get_ydata(), exact) for line in dashed)
    assert ax.get_xscale() == "log"


# ------------------------------------------------------------------ Fig. 1 and the probe


def test_covariance_difference():
    A = np.array([[-2.0, 1.0, 0.0], [0.5, -2.0, -0.3], [0.0, -0.3, -2.0]])
    C = np.array([[1.0, 0.2, 0.1], [0.2, 2.0, 0.3], [0.1, 0.3, 3.0]])
    D = plotting.covariance_difference(A, C)
    assert D[0, 1] == pytest.approx(1.0 + 2.0 - 2 * 0.2)  # excitatory: Var(x_i - x_j)
    assert D[1, 2] == pytest.approx(2.0 + 3.0 + 2 * 0.3)  # inhibitory: Var(x_i + x_j)
    assert np.isnan(D[0, 2]) and np.isnan(np.diag(D)).all()


def test_fig1_has_four_panels_with_cluster_lines_and_circles():
    A, C, P = fig1_inputs()
    fig = plotting.fig1_probe(A, C, P, clusters=[10, 10, 10], highlight=4)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 4
    for ax in panels:
        assert len([line for line in ax.get_lines()]) == 4  # 2 boundaries x (h, v)
        assert ax.collections[0].get_offsets().shape == (4, 2)
    weights = panels[0].images[0].get_array()
    assert np.ma.is_masked(weights) and weights.mask[0, 0]  # no self-edge drawn


def test_fig1_rejects_bad_inputs():
    A, C, P = fig1_inputs()
    with pytest.raises(ValueError, match="same shape"):
        plotting.fig1_probe(A, C[:-1, :-1], P)
    with pytest.raises(ValueError, match="sum to 20, but N = 30"):
        plotting.fig1_probe(A, C, P, clusters=[10, 10])
    with pytest.raises(ValueError, match="square"):
        plotting.fig1_probe(A[:, :-1], C, P)


# ------------------------------------------------------------------ Fig. 2 weights and Fig. 3 trajectories


def matrix_panels(fig):
    return [ax for ax in fig.axes if ax.images]


def test_fig2_weight_panels_share_a_symmetric_clipped_scale(tables):
    fig = build("fig2", tables)
    panels = matrix_panels(fig)
    assert [ax.get_title(loc="left").split("\n")[0] for ax in panels] == ["(g) original $A$", "(h) noise-prune", "(i) weight"]
    A = tables["weights"]["original"]
    off = ~np.eye(len(A), dtype=bool) & (A != 0)
    limit = np.percentile(np.abs(A[off]), 99)
    for ax, (name, M) in zip(panels, tables["weights"].items()):
        image = ax.images[0]
        assert image.get_clim() == pytest.approx((-limit, limit))  # one scale, centred at 0
        assert image.get_interpolation() == "nearest"
        shown = image.get_array()
        assert shown.mask.diagonal().all() and not shown.mask[~np.eye(len(A), dtype=bool)].any()  # only the diagonal left out
        dense = M.toarray() if hasattr(M, "toarray") else M
        off_diag = ~np.eye(len(A), dtype=bool)
        assert np.array_equal(shown.data[off_diag], dense[off_diag])  # every entry, unscaled
        assert len(ax.get_lines()) == 2 * (len(CLUSTERS) - 1)  # cluster boundaries
        assert f"{np.count_nonzero(dense[off_diag])}" in ax.get_title(loc="left").replace("\u2009", "")
    # pruned: sparse, and the kept entries rescaled by 1/p beyond the original's scale
    noise = tables["weights"]["noise"].toarray()
    assert np.count_nonzero(noise[off]) < 0.5 * off.sum()
    assert np.abs(noise[off & (noise != 0)]).mean() > np.abs(A[off]).mean()
    assert any(sf.get_suptitle().startswith("Weights before and after pruning (network seed 0, pruning seed 0); clipped: ")
               for sf in fig.subfigs)
    # the share of each matrix's synapses beyond the clip, which the scale draws at its ends
    for ax, M in zip(panels, tables["weights"].values()):
        values = M[~np.eye(len(A), dtype=bool)]
        kept = np.count_nonzero(values)
        beyond = np.count_nonzero(np.abs(values) > limit)
        assert ax.get_title(loc="left").split("\n")[1] == f"{kept} synapses, {100 * beyond / kept:.0f} % clipped"
        assert beyond > 0


def test_fig2_without_weights_has_no_matrix_row(tables):
    fig = plotting.fig2_spectrum(tables["eigen"], tables["summary"], "paper2000")
    assert not matrix_panels(fig) and len(fig.axes) == 6


def test_fig2_rejects_bad_weights(tables):
    w = tables["weights"]
    with pytest.raises(ValueError, match=r"weights must start with 'original'"):
        plotting.fig2_spectrum(tables["eigen"], None, "paper2000", weights={"noise": w["noise"]})
    with pytest.raises(ValueError, match=r"weights must have one shape, got original \(30, 30\), noise \(29, 29\)"):
        plotting.fig2_spectrum(tables["eigen"], None, "paper2000", weights={"original": w["original"], "noise": w["noise"].toarray()[1:, 1:]})
    with pytest.raises(ValueError, match=r"clusters \[10, 10\] sum to 20, but N = 30"):
        plotting.fig2_spectrum(tables["eigen"], None, "paper2000", weights=w, clusters=[10, 10])
    with pytest.raises(ValueError, match=r"weights\['noise'\] must be a square matrix"):
        plotting.fig2_spectrum(tables["eigen"], None, "paper2000", weights={"original": w["original"], "noise": np.ones(3)})


def test_fig3_trajectory_panels_show_one_draw(tables):
    fig = build("fig3", tables)
    traj = tables["trajectories"]
    panels = [ax for ax in fig.axes if "neuron" in ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels] == ["(b) neuron 5", "(c) neuron 15", "(d) neuron 25"]
    for ax, neuron in zip(panels, [5, 15, 25]):
        lines = ax.get_lines()
        # the original (black) under noise-prune and weight; uniform is left to the error panel
        assert [to_hex(line.get_color()) for line in lines] == ["#000000", NOISE_RED, WEIGHT_BLUE]
        for line, method in zip(lines, ["original", "noise", "weight"]):
            rows = traj[(traj["seed"] == 0) & (traj["prune_seed"] == 0) & (traj["neuron"] == neuron) & (traj["method"] == method)]
            assert np.array_equal(line.get_xdata(), rows["time"]) and np.array_equal(line.get_ydata(), rows["activity"])
        assert "(units of $\\tau$)" in ax.get_xlabel()
    assert "network seed 0, pruning seed 0, 20 % kept" in fig.subfigs[1].get_suptitle()


def test_fig3_trajectories_pick_a_keep_fraction(tables):
    traj = pd.concat([tables["trajectories"], make_trajectories(keep=0.5)])
    with pytest.raises(ValueError, match=r"trajectories table has keep fractions \[0.2, 0.5\] for network 'paper2000': pass keep_fraction"):
        plotting.fig3_dynamics(tables["dynamics"], "paper2000", traj)
    fig = plotting.fig3_dynamics(tables["dynamics"], "paper2000", traj, keep_fraction=0.5)
    assert "50 % kept" in fig.subfigs[1].get_suptitle()
    with pytest.raises(ValueError, match="trajectories table has no rows for network 'paper2000'"):
        plotting.fig3_dynamics(tables["dynamics"], "paper2000", traj.assign(network="other"))
    assert not any("neuron" in ax.get_title(loc="left") for ax in plotting.fig3_dynamics(tables["dynamics"], "paper2000").axes)


# ------------------------------------------------------------------ other inputs


def test_fig2_complex_eigenvalues_in_the_complex_plane():
    eigen = make_eigen("asym", complex_=True, methods=["noise", "weight"])
    fig = plotting.fig2_spectrum(eigen, summary_from(eigen), "asym")
    assert "Re" in fig.axes[3].get_xlabel() and "Im" in fig.axes[3].get_ylabel()


def test_fig2_picks_a_keep_fraction(tables):
    eigen = pd.concat([tables["eigen"], make_eigen("paper2000", keep=0.5)])
    with pytest.raises(ValueError, match=r"keep fractions \[0.2, 0.5\] for network 'paper2000': pass keep_fraction"):
        plotting.fig2_spectrum(eigen, None, "paper2000")
    fig = plotting.fig2_spectrum(eigen, None, "paper2000", keep_fraction=0.5)
    assert "50 % kept" in fig.get_suptitle()
    with pytest.raises(ValueError, match="at keep fraction 0.3"):
        plotting.fig2_spectrum(eigen, None, "paper2000", keep_fraction=0.3)


def test_empirical_covariance_rows_do_not_enter_the_spectral_figures(tables):
    eigen = tables["eigen"]
    empirical = eigen[eigen["method"] == "noise"].assign(covariance="T100", eig_err=5.0)
    fig = plotting.fig2_spectrum(pd.concat([eigen, empirical]), None, "paper2000")
    assert fig.axes[0].get_ylim()[1] < 5.0  # only the exact-covariance rows are drawn


def test_fig5_with_only_one_of_its_tables(tables):
    assert len(plotting.fig5_sweeps(tables["sweeps"], None).axes) == 2
    assert len(plotting.fig5_sweeps(None, tables["scaling"]).axes) == 2


def test_fig5_plots_sweeps_spanning_less_than_a_decade_without_a_note():
    """Valid errors within a factor 10 are drawn on a linear axis, with no 'no finite' note."""
    sweeps = make_sweeps(keeps=(0.2, 0.5))
    sweeps = sweeps[sweeps["method"].isin(["noise", "weight"])]
    assert sweeps["max_abs_eig_err"].max() < 10 * sweeps["max_abs_eig_err"].min()
    fig = plotting.fig5_sweeps(sweeps, None)
    for ax, metric in zip(fig.axes, ["max_abs_eig_err", "spectral_eps"]):
        assert not [t.get_text() for t in ax.texts], metric
        assert ax.get_yscale() == "linear"
        noise = sweeps[sweeps["method"] == "noise"].groupby("keep_fraction")[metric].median()
        line = next(line for line in ax.get_lines() if to_hex(line.get_color()) == NOISE_RED)
        assert np.allclose(line.get_ydata(), noise)


def test_fig5_notes_a_metric_without_finite_values(tables):
    fig = plotting.fig5_sweeps(tables["sweeps"].assign(max_abs_eig_err=np.nan), None)
    assert any("no finite max_abs_eig_err" in t.get_text() for t in fig.axes[0].texts)
    assert not fig.axes[1].texts and fig.axes[1].get_yscale() == "log"  # spectral eps spans decades


def test_nan_metrics_leave_a_note_not_an_error(tables):
    empirical = tables["empirical"].assign(spectral_eps=np.nan)
    fig = plotting.fig6_empirical(empirical)
    assert any("no finite" in t.get_text() for t in fig.axes[0].texts)


def test_figures_take_the_experiments_from_the_caller():
    """No experiment name is built into a figure function: the workflow passes them."""
    for fn, name in [(plotting.fig2_spectrum, "network"), (plotting.fig3_dynamics, "network"), (plotting.fig4_large, "networks")]:
        assert inspect.signature(fn).parameters[name].default is inspect.Parameter.empty, fn.__name__


# ------------------------------------------------------------------ missing data


def test_missing_network_names_it(tables):
    with pytest.raises(ValueError, match=r"eigen table has no rows for network 'paper2000' \(networks present: paper10000, paper3000\)"):
        plotting.fig2_spectrum(tables["large"], None, "paper2000")
    with pytest.raises(ValueError, match="dynamics table has no rows for network 'paper3000'"):
        plotting.fig3_dynamics(tables["dynamics"], "paper3000")
    with pytest.raises(ValueError, match="no rows for network 'paper10000'"):
        plotting.fig4_large(tables["eigen"], None, ["paper2000", "paper10000"])


def test_missing_tables_and_columns(tables):
    with pytest.raises(ValueError, match="both are empty"):
        plotting.fig5_sweeps(tables["sweeps"].iloc[:0], None)
    with pytest.raises(ValueError, match="empirical table is empty"):
        plotting.fig6_empirical(tables["empirical"].iloc[:0])
    with pytest.raises(ValueError, match="no simulated covariance"):
        emp = tables["empirical"]
        plotting.fig6_empirical(emp[~emp["covariance"].str.startswith("T")])
    with pytest.raises(ValueError, match="eigen table lacks column\\(s\\) eig_err"):
        plotting.fig2_spectrum(tables["eigen"].drop(columns="eig_err"), None, "paper2000")
    with pytest.raises(ValueError, match="dynamics table lacks column\\(s\\) std_error"):
        plotting.fig3_dynamics(tables["dynamics"].drop(columns="std_error"), "paper2000")
    with pytest.raises(ValueError, match="fig4_large needs at least one network"):
        plotting.fig4_large(tables["large"], None, [])
