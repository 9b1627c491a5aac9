"""The tables of docs/results.md that are rendered from a run's tables, not typed.

Each block is a Markdown table between ``<!-- results: <name> -->`` and
``<!-- end results -->`` lines in docs/results.md, rendered by :data:`BLOCKS` from the
tables of the config it names (median [min, max] over network seeds x pruning seeds).
``python -m noiseprune.pipeline.results_text CONFIG`` rewrites the blocks of that config
from its ``results_dir``; tests/test_figs78.py checks that the docs' blocks are what the
tables give.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from noiseprune import methods as npmethods

BEGIN = "<!-- results: {name} -->"
END = "<!-- end results -->"
_BLOCK = re.compile(r"<!-- results: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- end results -->", re.S)


def number(x: float) -> str:
    """Two significant digits, positional (0.15, 0.094, 1.0, 110), below 1e-3 in exponent form; "nan" for NaN."""
    if not np.isfinite(x):
        return "nan"
    if x != 0 and abs(x) < 1e-3:
        return f"{x:.1e}"
    if abs(x) >= 9.95:  # whole numbers: 105 -> 100, 62.3 -> 62
        return f"{float(f'{x:.2g}'):.0f}"
    return f"{x:#.2g}"


def spread(values) -> str:
    """'median [min, max]' of the finite values ('-' if none; the value alone if one)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return "–"
    if v.size == 1:
        return number(v[0])
    return f"{number(np.median(v))} [{number(v.min())}, {number(v.max())}]"


def _row(cells) -> str:
    """One Markdown table line of ``cells``."""
    return "| " + " | ".join(cells) + " |"


def _head(header) -> list[str]:
    """The header line and the separator line of a Markdown table."""
    return [_row(header), "|" + "---|" * len(header)]


def _percent(k: float) -> str:
    return f"{100 * k:g} %"


def _method_columns(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(method, covariance, header) of every method and covariance of ``frame``, in registry
    order; the covariance reading methods once per covariance, the others once."""
    out = []
    for m in npmethods.order(frame["method"].unique()):
        covs = sorted(frame.loc[frame["method"] == m, "covariance"].unique(), key=lambda c: (c.startswith("T"), c))
        for cov in covs:
            label = npmethods.label(m)
            out.append((m, cov, f"{label} ({cov})" if npmethods.uses_covariance(m) else label))
    return out


def _exact_covariance(summary: pd.DataFrame, networks: Sequence[str]) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """The rows of ``networks`` pruned with the exact covariance (or none), and their
    (method, covariance, header) columns headed by the method alone."""
    summary = summary[summary["network"].isin(networks) & summary["covariance"].isin(["exact", "none"])]
    return summary, [(m, cov, h.split(" (")[0]) for m, cov, h in _method_columns(summary)]


def _network_rows(frame: pd.DataFrame, networks: Sequence[str], metrics, cols, label, cell) -> list[str]:
    """Table lines, one per network and kept fraction: ``label(name, rows)`` first (on
    the network's first line only), then ``cell(draws, metric)`` for every metric and
    (method, covariance) column."""
    lines = []
    for name in networks:
        rows = frame[frame["network"] == name]
        first = label(name, rows)
        for keep in sorted(rows["keep_fraction"].unique()):
            cells = [first, _percent(keep)]
            first = ""
            for metric, _ in metrics:
                for m, cov, _ in cols:
                    cells.append(cell(rows[(rows["keep_fraction"] == keep) & (rows["method"] == m) & (rows["covariance"] == cov)], metric))
            lines.append(_row(cells))
    return lines


def relu_block(relu: pd.DataFrame, networks: Sequence[str]) -> str:
    """Fig. 7: per regime (experiment) and kept fraction, the fixed-point error and the
    largest Jacobian eigenvalue error of every method and covariance; "(k of n)" when only
    k of the n draws have a stable fixed point."""
    relu = relu[relu["network"].isin(networks)]
    cols = _method_columns(relu)
    metrics = (("fixed_point_err", "fixed-point error"), ("max_abs_jac_eig_err", "max ǀJ eig. errorǀ"))
    header = ["network (active at the fixed point)", "kept"] + [f"{what}: {h}" for _, what in metrics for *_, h in cols]

    def label(name, rows):
        active = rows.drop_duplicates("seed")["active_fraction"]
        low, high = number(100 * active.min()), number(100 * active.max())
        return f"{name} ({low} %)" if low == high else f"{name} ({low}–{high} %)"

    def cell(draws, metric):
        ok = draws[draws["status"] == "ok"]
        return spread(ok[metric]) + (f" ({len(ok)} of {len(draws)})" if len(ok) < len(draws) else "")

    lines = _head(header)
    return "\n".join(lines + _network_rows(relu, networks, metrics, cols, label, cell)) + "\n"


#: Columns of summary.csv (and sweeps.csv, empirical.csv) and how the docs name them.
EIG_MEDIAN = ("median_abs_eig_err", "median ǀeig. errorǀ")
EIG_MAX = ("max_abs_eig_err", "max ǀeig. errorǀ")
EPS = ("spectral_eps", "spectral ε")
KEPT = ("kept_share", "edges kept (fraction)")  # edges_kept / edges_original, added by _with_kept_share


def _with_kept_share(summary: pd.DataFrame) -> pd.DataFrame:
    return summary.assign(kept_share=summary["edges_kept"] / summary["edges_original"])


def spectrum_block(summary: pd.DataFrame, networks: Sequence[str], metrics=(EIG_MEDIAN, EIG_MAX)) -> str:
    """Figs. 5a and 8: per network and kept fraction, ``metrics`` (by default the median
    and the largest |eigenvalue error|) of every method (exact covariance)."""
    summary, cols = _exact_covariance(summary, networks)
    header = ["network", "kept"] + [f"{what}: {h}" for _, what in metrics for *_, h in cols]
    lines = _head(header)
    rows = _network_rows(summary, networks, metrics, cols, lambda name, _: name, lambda draws, metric: spread(draws[metric]))
    return "\n".join(lines + rows) + "\n"


def large_block(summary: pd.DataFrame, networks: Sequence[str], metrics=(EIG_MAX, EPS, EIG_MEDIAN),
                every_covariance: bool = False) -> str:
    """Figs. 2, 4 and 6: per network (one kept fraction each), ``metrics`` (by default the
    largest |eigenvalue error|, the spectral eps and the median |eigenvalue error|) of
    every method, with the exact covariance or, with ``every_covariance``, with each of
    its covariances as a column of its own."""
    if every_covariance:
        summary = summary[summary["network"].isin(networks)]
        cols = _method_columns(summary)
    else:
        summary, cols = _exact_covariance(summary, networks)
    lines = _head(["network", "metric"] + [h for *_, h in cols])
    for name in networks:
        rows = summary[summary["network"] == name]
        draws = rows.groupby(["method", "covariance"]).size()
        keeps = ", ".join(_percent(k) for k in sorted(rows["keep_fraction"].unique()))
        first = f"{name} (N = {int(rows['n'].iloc[0])}, {keeps} kept, {int(draws.min())} draws)"
        for metric, what in metrics:
            cells = [first, what]
            first = ""
            for m, cov, _ in cols:
                cells.append(spread(rows.loc[(rows["method"] == m) & (rows["covariance"] == cov), metric]))
            lines.append(_row(cells))
    return "\n".join(lines) + "\n"


def dynamics_block(dynamics: pd.DataFrame, network: str, times: Sequence[float]) -> str:
    """Fig. 3: the trajectory error (mean over trials) of every method at ``times``, median
    [min, max] over the draws (network seeds x pruning seeds)."""
    rows = dynamics[dynamics["network"] == network]
    methods = npmethods.order(rows["method"].unique())
    draws = rows.drop_duplicates(["seed", "prune_seed", "method"]).groupby("method").size()
    lines = _head(["time"] + [f"{npmethods.label(m)} ({int(draws[m])} draws)" for m in methods])
    for t in times:
        at = rows[np.isclose(rows["time"], t)]
        if at.empty:
            raise ValueError(f"the dynamics of {network} have no time {t:g}")
        lines.append(_row([f"{t:g}"] + [spread(at.loc[at["method"] == m, "mean_error"]) for m in methods]))
    return "\n".join(lines) + "\n"


def scaling_block(scaling: pd.DataFrame) -> str:
    """Fig. 5b: per N, every method's kept fraction and kept entries at the target
    spectral eps and the kept entries over N ln N, median [min, max] over network seeds
    ("(k of n)" where only k seeds reached the target inside the keep-fraction grid);
    then each method's fitted c of kept = c N ln N."""
    methods = npmethods.order(scaling["method"].unique())
    rows = scaling.assign(per_n_log_n=scaling["kept_at_target"] / scaling["n_log_n"])

    def cell(values):
        found = np.isfinite(values.to_numpy(dtype=float)).sum()
        return spread(values) + (f" ({found} of {len(values)})" if found < len(values) else "")

    what = (("keep_fraction_at_target", "kept fraction"), ("kept_at_target", "kept entries"),
            ("per_n_log_n", "kept / (N ln N)"))
    eps = number(rows["target_eps"].iloc[0])
    lines = _head(["N", "seeds"] + [f"{label} at ε = {eps}: {npmethods.label(m)}" for _, label in what for m in methods])
    for n, group in rows.groupby("n", sort=True):
        cells = [str(int(n)), str(group["seed"].nunique())]
        cells += [cell(group.loc[group["method"] == m, col]) for col, _ in what for m in methods]
        lines.append(_row(cells))
    fits = ", ".join(f"{number(rows.loc[rows['method'] == m, 'c'].iloc[0])} ({npmethods.label(m)})" for m in methods)
    return "\n".join(lines) + f"\n\nFitted c of kept = c N ln N over all sizes: {fits}.\n"


#: How trained.csv's ``rescale`` column reads in the docs.
_VARIANTS = {"rescale": "1/p", "mask": "mask", "rank": "top p", "capped": "1/p capped", "refit": "refit", "fold": ""}


def _reducer_label(reducer: str, covariance: str, variant: str) -> str:
    name = npmethods.label(reducer) if reducer in npmethods.names() else reducer
    parts = [name] + ([covariance.upper().replace("NP", "-NP")] if covariance != "none" else [])
    shown = _VARIANTS.get(variant, variant)
    return ", ".join(parts + ([shown] if shown else []))


def _reductions(frame: pd.DataFrame, reducers: Sequence[str] = ()) -> list[tuple[tuple[str, str, str], pd.DataFrame]]:
    """((reducer, covariance, variant), its rows) of every reduction of ``frame``: in the
    order of ``reducers``, then covariance, then the variants of :data:`_VARIANTS`; sorted
    by name when no ``reducers`` are given."""
    def position(seq, x):
        return seq.index(x) if x in seq else len(seq)

    variants = list(_VARIANTS)
    order = (lambda k: (position(reducers, k[0]), k[1], position(variants, k[2]))) if reducers else None
    groups = frame.groupby(["reducer", "covariance", "rescale"], sort=True)
    return sorted(((tuple(key), rows) for key, rows in groups), key=lambda item: order(item[0]) if order else item[0])


def trained_block(trained: pd.DataFrame) -> str:
    """Fig. 9: task accuracy per reducer, covariance and variant (rows) and keep fraction
    (columns, largest first), median [min, max] over networks x pruning seeds; merging
    also gives the units kept (median over networks)."""
    rows = trained[(trained["reducer"] != "original") & ~trained["retrained"].astype(bool)]
    keeps = sorted(rows["keep_fraction"].unique(), reverse=True)
    lines = _head(["reducer"] + [_percent(k) for k in keeps])
    for (reducer, cov, variant), sub in _reductions(rows, ["noise", "weight", "uniform", "obs", "merge"]):
        label = _reducer_label(reducer, cov, variant)
        if reducer == "merge":
            units = [int(sub.loc[sub["keep_fraction"] == k, "units_kept"].median()) for k in keeps]
            label += f" ({', '.join(map(str, units))} of {int(sub['n'].iloc[0])} units)"
        lines.append(_row([label] + [spread(sub.loc[sub["keep_fraction"] == k, "task_accuracy"]) for k in keeps]))
    return "\n".join(lines) + "\n"


def balance_block(balance: pd.DataFrame, network: str) -> str:
    """Fig. 11: per kept fraction and method, the mean excitatory and inhibitory input per
    neuron after pruning relative to before, and the per-neuron changes (balance.csv)."""
    rows = balance[(balance["network"] == network) & balance["covariance"].isin(["exact", "none"])]
    header = ["kept", "method", "mean E input after / before", "mean I input after / before",
              "median ǀΔE_i / E_iǀ", "median ǀΔI_i / I_iǀ", "rms Δ(E_i − I_i) / mean E"]
    lines = _head(header)
    for keep in sorted(rows["keep_fraction"].unique()):
        first = _percent(keep)
        for m in npmethods.order(rows["method"].unique()):
            d = rows[(rows["keep_fraction"] == keep) & (rows["method"] == m)]
            cells = [first, npmethods.label(m), spread(d["exc_input_pruned"] / d["exc_input"]),
                     spread(d["inh_input_pruned"] / d["inh_input"]), spread(d["exc_input_err"]),
                     spread(d["inh_input_err"]), spread(d["net_input_err"])]
            first = ""
            lines.append(_row(cells))
    return "\n".join(lines) + "\n"


def tests_block(frame: pd.DataFrame, network: str, metrics: Sequence[str]) -> str:
    """Paired tests of noise-prune against each control per kept fraction
    (:func:`noiseprune.pipeline.stats.paired_tests`, Holm over the rows of a metric)."""
    from noiseprune.pipeline.stats import paired_tests

    rows = frame[(frame["network"] == network) & frame["covariance"].isin(["exact", "none"])]
    header = ["metric", "kept", "noise-prune against", "pairs", "noise-prune lower in", "median difference",
              "p (Wilcoxon)", "p (Holm)"]
    lines = _head(header)
    for metric in metrics:
        tests = paired_tests(rows, metric)
        first = metric
        for _, t in tests.sort_values(["keep_fraction", "method"], key=lambda c: c.map(npmethods.order(tests["method"].unique()).index) if c.name == "method" else c).iterrows():
            lines.append(_row([first, _percent(t["keep_fraction"]), npmethods.label(t["method"]), str(t["pairs"]),
                                            str(t["wins"]), number(t["median_difference"]), number(t["p_value"]),
                                            number(t["p_holm"])]))
            first = ""
    return "\n".join(lines) + "\n"


def colored_block(colored: pd.DataFrame) -> str:
    """Fig. 10: per noise correlation time tau_c, noise-prune's spectral eps and largest and
    median |eigenvalue error|; the controls, which read no covariance, once."""
    slowest = colored.drop_duplicates("seed")["slowest_time_constant"]
    header = ["method", "τ_c", "τ_c / slowest time constant", "spectral ε", "max ǀeig. errorǀ", "median ǀeig. errorǀ"]
    lines = _head(header)
    for m in npmethods.order(colored["method"].unique()):
        rows = colored[colored["method"] == m]
        taus = sorted(rows["noise_tau"].dropna().unique()) if npmethods.uses_covariance(m) else [None]
        first = npmethods.label(m)
        for tau in taus:
            d = rows if tau is None else rows[rows["noise_tau"] == tau]
            if tau is None:
                tau_cells = ["(reads no C)", ""]
            elif tau == 0:
                tau_cells = ["0 (white)", "0"]
            else:
                tau_cells = [number(tau), spread(tau / slowest)]
            lines.append(_row([first, *tau_cells, spread(d["spectral_eps"]), spread(d["max_abs_eig_err"]),
                               spread(d["median_abs_eig_err"])]))
            first = ""
    return "\n".join(lines) + "\n"


#: Fig. 12's networks in the docs' order, with how each is named there.
LEAK_NETWORKS = {"leak_rowsum": "row sum, δ = 0", "leak_margin005": "row sum, δ = 0.05",
                 "leak_margin02": "row sum, δ = 0.2", "leak_margin1": "row sum, δ = 1", "leak_constant": "−I + W"}
LEAK_METRICS = {"max_abs_eig_err": "max ǀeig. errorǀ", "spectral_eps": "spectral ε",
                "trajectory_err_end": "trajectory error at the end"}


def leak_block(leak: pd.DataFrame) -> str:
    """Fig. 12: per network (leak) and metric, every method's median [min, max], and how
    many pruned networks had a zero mode or a growing one."""
    methods = npmethods.order(leak["method"].unique())
    header = ["network", "metric", *(npmethods.label(m) for m in methods), "pruned networks with a zero / growing mode"]
    lines = _head(header)
    for name, label in LEAK_NETWORKS.items():
        rows = leak[leak["network"] == name]
        if rows.empty:
            continue
        first = label
        for metric, what in LEAK_METRICS.items():
            cells = [spread(rows.loc[rows["method"] == m, metric]) for m in methods]
            modes = f"{int((rows['zero_modes'] > 0).sum())} / {int((rows['unstable_modes'] > 0).sum())} of {len(rows)}" if first else ""
            lines.append(_row([first, what, *cells, modes]))
            first = ""
    return "\n".join(lines) + "\n"


def leak_tests_block(tests: pd.DataFrame) -> str:
    """Fig. 12's paired tests (leak_tests.csv): noise-prune against each control per
    network and metric, Holm-corrected within each network."""
    header = ["network", "metric", "noise-prune against", "pairs", "noise-prune lower in", "median difference",
              "p (Wilcoxon)", "p (Holm)"]
    lines = _head(header)
    for name, label in LEAK_NETWORKS.items():
        rows = tests[tests["network"] == name]
        first = label
        for metric, what in LEAK_METRICS.items():
            for control in npmethods.order(rows.loc[rows["metric"] == metric, "control"].unique()):
                t = rows[(rows["metric"] == metric) & (rows["control"] == control)].iloc[0]
                lines.append(_row([first, what, npmethods.label(control), str(int(t["draws"])), str(int(t["wins"])),
                                   number(t["median_difference"]), number(t["p_value"]), number(t["p_holm"])]))
                first = what = ""
    return "\n".join(lines) + "\n"


def guarantee_block(guarantee: pd.DataFrame) -> str:
    """Fig. 13: per N, k and requested eps, the draws whose spectral eps is at most eps,
    the spectral eps over draws, the kept fraction and the kept entries over the theorem's
    2 k N ln N / eps^2 (K pairs of a symmetric matrix)."""
    header = ["N", "k", "requested ε", "draws with ε ≤ requested", "spectral ε: median", "max",
              "kept fraction", "kept entries / (2 k N ln N / ε²)"]
    lines = _head(header)
    for _, r in guarantee.sort_values(["n", "theory_eps", "theory_k"]).iterrows():
        lines.append(_row([str(int(r["n"])), f"{r['theory_k']:g}", f"{r['theory_eps']:g}",
                           f"{int(r['held'])} of {int(r['draws'])}", number(r["spectral_eps_median"]),
                           number(r["spectral_eps_max"]), number(r["kept_fraction_mean"]),
                           number(r["kept_over_theory"])]))
    return "\n".join(lines) + "\n"


def _pooled(tests: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The task the rows of trained_tests.csv are pooled over ("all", or the one task of a
    one-task config) and those rows."""
    scope = "all" if (tests["task"] == "all").any() else tests["task"].iloc[0]
    return scope, tests[tests["task"] == scope]


def _baseline(rows: pd.DataFrame) -> pd.Series:
    """Magnitude's mean retention (the tests' baseline) per keep fraction of ``rows``."""
    return rows.groupby("keep_fraction")["baseline_retention"].first()


def _reduction(rows: pd.DataFrame, reduction: tuple[str, str, str]) -> pd.DataFrame:
    """The rows of one (reducer, covariance, variant), indexed by keep fraction."""
    reducer, cov, variant = reduction
    mask = (rows["reducer"] == reducer) & (rows["covariance"] == cov) & (rows["rescale"] == variant)
    return rows[mask].set_index("keep_fraction")


def retention_block(tests: pd.DataFrame) -> str:
    """The later study's table (trained_tests.csv, pooled over tasks where there are
    several): mean retention over the networks per reduction (rows) and level pruned
    (columns), magnitude (the tests' baseline) first; then, in a second table of the same
    shape, the wins / losses against magnitude over the networks and the Holm-corrected
    Wilcoxon p."""
    scope, rows = _pooled(tests)
    keeps = sorted(rows["keep_fraction"].unique(), reverse=True)
    pruned = [_percent(1 - k) + " pruned" for k in keeps]
    base = _baseline(rows)
    retention = _head(["mean retention"] + pruned)
    retention.append(_row(["weight, top p (magnitude)"] + [number(base[k]) for k in keeps]))
    versus = _head(["vs magnitude: wins / losses, Holm p"] + pruned)
    for (reducer, cov, variant), sub in _reductions(rows, ["uniform", "weight", "obs", "noise", "merge"]):
        sub = sub.set_index("keep_fraction")
        label = _reducer_label(reducer, cov, variant)
        retention.append(_row([label] + [number(sub.loc[k, "mean_retention"]) if k in sub.index else "–" for k in keeps]))
        versus.append(_row([label] + [f"{int(sub.loc[k, 'wins'])} / {int(sub.loc[k, 'losses'])}, {number(sub.loc[k, 'p_holm'])}"
                                      if k in sub.index else "–" for k in keeps]))
    what = "pooled over tasks" if scope == "all" else scope
    return "\n".join(retention + [""] + versus) + f"\n\n{int(rows['networks'].max())} networks ({what}).\n"


#: The later study's published table (mean retention over its 24 networks at 50, 60, 70
#: and 80 % pruned; public repository sanjith-senthil/noise-prune-ctrnn-code) and our
#: reduction that follows each of its methods' definitions (docs/method.md).
LATER_STUDY = {
    "random": (("uniform", "none", "mask"), (0.055, 0.064, 0.077, 0.063)),
    "magnitude": (("weight", "none", "rank"), (0.748, 0.416, 0.188, 0.087)),
    "OBS-compensated magnitude": (("obs", "rates", "refit"), (0.930, 0.725, 0.382, 0.137)),
    "L-NP, mask only": (("noise", "lnp", "rank"), (0.782, 0.439, 0.191, 0.096)),
    "S-NP, mask only": (("noise", "snp", "rank"), (0.875, 0.582, 0.303, 0.147)),
    "L-NP, 1/p": (("noise", "lnp", "rescale"), (0.913, 0.800, 0.581, 0.378)),
    "S-NP, 1/p": (("noise", "snp", "rescale"), (0.917, 0.810, 0.596, 0.382)),
}
#: The levels pruned of :data:`LATER_STUDY`'s columns, as keep fractions.
LATER_STUDY_KEEP = (0.5, 0.4, 0.3, 0.2)


def beside_block(tests: pd.DataFrame) -> str:
    """Our mean retention (pooled over tasks) beside the later study's, method by method
    (:data:`LATER_STUDY`), at each of its levels pruned: "ours (theirs)"; "–" where
    our config has no such level."""
    _, rows = _pooled(tests)
    lines = _head(["method: ours (theirs)"] + [_percent(1 - k) + " pruned" for k in LATER_STUDY_KEEP])
    for method, (reduction, theirs) in LATER_STUDY.items():
        magnitude = reduction == ("weight", "none", "rank")  # the baseline, not a row of its own
        ours = _baseline(rows) if magnitude else _reduction(rows, reduction)["mean_retention"]
        cells = [f"{number(ours[k]) if k in ours.index else '–'} ({f'{t:.3f}'.lstrip('0')})"
                 for k, t in zip(LATER_STUDY_KEEP, theirs)]
        lines.append(_row([method] + cells))
    return "\n".join(lines) + f"\n\nOurs: {int(rows['networks'].max())} networks; theirs: 24.\n"


#: The reductions of the per-task view: the later study's two rescaled noise-prune rows
#: and OBS, each beside magnitude (the tests' baseline).
TASK_REDUCTIONS = (("noise", "lnp", "rescale"), ("noise", "snp", "rescale"), ("obs", "rates", "refit"))


def task_retention_block(tests: pd.DataFrame) -> str:
    """Per task (then pooled), the mean retention of magnitude and of
    :data:`TASK_REDUCTIONS` at every level pruned (one cell: the levels in order,
    least pruned first), and the wins / losses of each against magnitude over the task's
    networks."""
    keeps = sorted(tests["keep_fraction"].unique(), reverse=True)
    levels = " / ".join(_percent(1 - k) for k in keeps)
    labels = [_reducer_label(*r) for r in TASK_REDUCTIONS]
    lines = _head(["task", "networks", f"magnitude: retention at {levels} pruned"] + labels
                  + [f"{label}: wins / losses" for label in labels[:2]])
    pooled = _pooled(tests)[0]  # "all", or the one task of a one-task config
    tasks = sorted(t for t in tests["task"].unique() if t != pooled) + [pooled]
    for task in tasks:
        rows = tests[tests["task"] == task]
        base = _baseline(rows)
        cells, versus = [" / ".join(number(base[k]) for k in keeps)], []
        for i, reduction in enumerate(TASK_REDUCTIONS):
            sub = _reduction(rows, reduction)
            cells.append(" / ".join(number(sub.loc[k, "mean_retention"]) if k in sub.index else "–" for k in keeps))
            if i < 2:
                versus.append(", ".join(f"{int(sub.loc[k, 'wins'])} / {int(sub.loc[k, 'losses'])}" if k in sub.index
                                        else "–" for k in keeps))
        name = "pooled" if task == "all" else task.replace("_", " ")
        lines.append(_row([name, str(int(rows["networks"].max()))] + cells + versus))
    return "\n".join(lines) + "\n"


def brain_block(digest: pd.DataFrame) -> str:
    """Fig. 16: per size, every method's median over draws of the median slowest- and
    fastest-mode errors and the trajectory error; then noise-prune against each control
    pooled over sizes (median paired difference, draws, Holm-corrected Wilcoxon p)."""
    medians = digest[digest["comparison"] == "median"]
    methods = [m for m in npmethods.names() if m in set(medians["method"])]
    metrics = [("median_slowest_err", "slowest 20"), ("median_fastest_err", "fastest 20"), ("trajectory_error", "trajectory")]
    lines = _head(["N", "draws"] + [f"{label}: {npmethods.label(m)}" for _, label in metrics for m in methods])
    for n, group in medians.groupby(medians["n"].astype(int), sort=True):
        g = group.set_index("method")
        lines.append(_row([f"{n:,}", str(int(g["draws"].iloc[0]))] + [number(g.loc[m, col]) for col, _ in metrics for m in methods]))
    tests = digest[digest["comparison"] != "median"]
    lines += ["", *_head(["comparison (pooled over sizes)", "metric", "draws", "median difference", "Holm p"])]
    for _, r in tests.iterrows():
        lines.append(_row([r["method"], r["comparison"], str(int(r["draws"])), number(r["median_difference"]), number(r["p_holm"])]))
    return "\n".join(lines) + "\n"


def online_block(digest: pd.DataFrame) -> str:
    """Fig. 17: per warm-up (once at the end last) the medians over draws of the
    slowest-mode error, the fraction decided before the end and the kept fraction, and
    against once at the end on the same draws: median difference, wins / losses, Holm p."""
    lines = _head(["warm-up", "draws", "median slowest-mode error", "decided before the end", "kept",
                   "online − once at the end: median", "wins / losses", "Holm p"])
    for _, r in digest.sort_values("warm_up").iterrows():
        end = bool(r["once_at_end"])
        lines.append(_row([f"{r['warm_up']:g}" + (" (once at the end)" if end else ""), str(int(r["draws"])),
                           number(r["median_slowest_err"]), number(r["decided_early"]), number(r["kept_fraction"]),
                           "–" if end else number(r["median_difference"]),
                           "–" if end else f"{int(r['wins'])} / {int(r['losses'])}",
                           "–" if end else number(r["p_holm"])]))
    return "\n".join(lines) + "\n"


def reach_block(reach: pd.DataFrame) -> str:
    """trained_reach.csv: per reduction (rows), how much can be pruned while the mean
    retention over the networks stays at least 0.9, without retraining, after one
    fine-tune and along the iterative loop (columns): the fraction pruned and the mean
    retention there ("–": below 0.9 already at the first keep fraction; blank: not run)."""
    modes = {"none": "no retraining", "fine-tune": "one fine-tune", "loop": "iterative loop"}
    lines = _head(["reduction: pruned at ≥ 0.9 retention (retention)"] + list(modes.values()))
    for (reducer, cov, variant), sub in _reductions(reach):
        cells = []
        for mode in modes:
            row = sub[sub["mode"] == mode]
            if row.empty:
                cells.append("")
            elif not np.isfinite(row["pruned"].iloc[0]):
                cells.append("–")
            else:
                cells.append(f"{_percent(row['pruned'].iloc[0])} ({number(row['retention'].iloc[0])})")
        lines.append(_row([_reducer_label(reducer, cov, variant)] + cells))
    return "\n".join(lines) + f"\n\n{int(reach['networks'].max())} networks.\n"


#: Block name -> (config, table file under <results_dir>/tables, renderer(table)).
BLOCKS: dict[str, tuple[str, str, Callable[[pd.DataFrame], str]]] = {
    "fig2-spectrum": ("config.yaml", "summary.csv",
                      lambda t: large_block(_with_kept_share(t), ["paper2000"], (KEPT, EIG_MEDIAN, EIG_MAX, EPS))),
    "fig3-dynamics": ("config.yaml", "dynamics.parquet", lambda t: dynamics_block(t, "paper2000", [1, 3, 10, 40])),
    "fig4-large": ("config.yaml", "summary.csv", lambda t: large_block(t, ["paper3000", "paper10000"])),
    "fig5-scaling": ("config.yaml", "scaling.csv", scaling_block),
    "fig5-sweep": ("config.yaml", "sweeps.csv", lambda t: spectrum_block(t, ["sweep2000"], (EPS, EIG_MAX))),
    "fig6-empirical": ("config.yaml", "empirical.csv",
                       lambda t: large_block(t, ["empirical1000"], (EPS, EIG_MAX, EIG_MEDIAN), every_covariance=True)),
    "fig9-trained": ("config.yaml", "trained.csv", trained_block),
    "default-relu": ("config.yaml", "relu.csv",
                     lambda t: relu_block(t, ["relu1000_active100", "relu1000_active70", "relu1000_active40"])),
    "default-nonsymmetric": ("config.yaml", "summary.csv",
                             lambda t: spectrum_block(t, ["nonsym1000", "normal1000"])),
    "figs7-8-relu": ("configs/figs7-8.yaml", "relu.csv",
                     lambda t: relu_block(t, ["relu_active100", "relu_active70", "relu_active40"])),
    "figs7-8-nonsymmetric": ("configs/figs7-8.yaml", "summary.csv",
                             lambda t: spectrum_block(t, ["nonsym2000", "normal2000"])),
    "dale-spectrum": ("configs/dale.yaml", "summary.csv", lambda t: spectrum_block(t, ["dale2000"])),
    "dale-balance": ("configs/dale.yaml", "balance.csv", lambda t: balance_block(t, "dale2000")),
    "dale-tests": ("configs/dale.yaml", "summary.csv",
                   lambda t: tests_block(t, "dale2000", ["max_abs_eig_err", "median_abs_eig_err"])),
    "dale-balance-tests": ("configs/dale.yaml", "balance.csv", lambda t: tests_block(t, "dale2000", ["net_input_err"])),
    "seed-colored": ("configs/seed-questions.yaml", "colored.csv", colored_block),
    "seed-leak": ("configs/seed-questions.yaml", "leak.csv", leak_block),
    "seed-leak-tests": ("configs/seed-questions.yaml", "leak_tests.csv", leak_tests_block),
    "seed-guarantee": ("configs/seed-questions.yaml", "guarantee.csv", guarantee_block),
    "default-brain": ("config.yaml", "brain_digest.csv", brain_block),
    "default-online": ("config.yaml", "brain_online_digest.csv", online_block),
    "brain-scale-1e5": ("configs/brain-scale.yaml", "brain_digest.csv", brain_block),
    **{f"trained-walk-{step}": (f"configs/trained-walk-{step}.yaml", "trained_tests.csv", retention_block)
       for step in ("1-lnp", "2-tasks", "3-tau100", "4-noself", "5-n512", "gain", "quiet")},
    "trained-walk-5-n512-tasks": ("configs/trained-walk-5-n512.yaml", "trained_tests.csv", task_retention_block),
    "trained-walk-5-n512-beside": ("configs/trained-walk-5-n512.yaml", "trained_tests.csv", beside_block),
    "trained-study": ("configs/trained-study.yaml", "trained_tests.csv", retention_block),
    "trained-study-tasks": ("configs/trained-study.yaml", "trained_tests.csv", task_retention_block),
    "trained-study-beside": ("configs/trained-study.yaml", "trained_tests.csv", beside_block),
    "trained-closest-128-beside": ("configs/trained-closest-128.yaml", "trained_tests.csv", beside_block),
    "trained-closest-128": ("configs/trained-closest-128.yaml", "trained_tests.csv", retention_block),
    "trained-closest-128-tasks": ("configs/trained-closest-128.yaml", "trained_tests.csv", task_retention_block),
    "trained-walk-0": ("config.yaml", "trained_tests.csv", retention_block),
    "trained-retrain": ("configs/trained-retrain.yaml", "trained_reach.csv", reach_block),
}


def render(name: str, tables_dir: Path) -> str:
    """The body of block ``name`` from the tables under ``tables_dir``."""
    _, table, renderer = BLOCKS[name]
    path = Path(tables_dir) / table
    return renderer(pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path))


def document_blocks(text: str) -> dict[str, str]:
    """name -> body of every block of ``text`` (names as in :data:`BLOCKS`)."""
    return {m.group("name"): m.group("body") for m in _BLOCK.finditer(text)}


def rewrite(text: str, config: str, tables_dir: Path, renderer: Callable[[str, Path], str] = render) -> str:
    """``text`` with every block of ``config`` rendered from ``tables_dir`` (by ``renderer``)."""
    for name, (cfg, _, _) in BLOCKS.items():
        if cfg != config:
            continue
        marker = BEGIN.format(name=name)
        if marker not in text:
            raise ValueError(f"docs lack the block {marker}")
        start = text.index(marker) + len(marker) + 1
        end = text.index(END, start)
        text = text[:start] + renderer(name, tables_dir) + text[end:]
    return text


def main(argv=None) -> None:
    import yaml

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.exit("usage: python -m noiseprune.pipeline.results_text CONFIG  (rewrites its blocks of docs/results.md)")
    config = args[0]
    with open(config) as fh:
        results_dir = yaml.safe_load(fh).get("results_dir", "results")
    doc = Path("docs/results.md")
    doc.write_text(rewrite(doc.read_text(), config, Path(results_dir) / "tables"))


if __name__ == "__main__":
    main()
