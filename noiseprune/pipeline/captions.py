"""What the figure captions state about the run, from the config (docs/method.md, "Figures").

The captions (``workflow/report/<figure>.rst``) are Jinja2 templates that Snakemake
renders into the report with the figure rule's params: each figure rule passes
``caption=facts(plan, figure)`` and a caption writes ``{{ snakemake.params.caption.n }}``.
Every number a caption states about this run (N, clusters, keep fractions, time steps,
durations, draws) comes from here; statements about the paper's own results stay literal
in the caption. Values are display text (``"20 %"``, ``"1000, 200 and 800"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from noiseprune import dynamics
from noiseprune import methods
from noiseprune.pipeline.ids import format_number, listing, percent, plural  # noqa: F401  (captions.percent for callers)
from noiseprune.pipeline.plan import Plan, covariance_ids, is_relu


def _draws(exp: Mapping) -> str:
    seeds, pseeds = len(exp["seeds"]), len(exp["prune_seeds"])
    return f"{plural(seeds, 'network seed')} × {plural(pseeds, 'pruning seed')} = {plural(seeds * pseeds, 'draw')}"


def experiment(exp: Mapping) -> dict:
    """Facts of one experiment: name, N, clusters, keep fractions, draws, methods."""
    clusters = exp["network"].get("clusters")
    return dict(
        name=exp["name"],
        n=exp["n"],
        clusters=listing(clusters) if clusters else "none",
        n_clusters=len(clusters) if clusters else 0,
        keep=listing(percent(k) for k in exp["keep_fractions"]),
        keep_first=percent(exp["keep_fractions"][0]),
        seed=exp["seeds"][0],
        prune_seed=exp["prune_seeds"][0],
        draws=_draws(exp),
        durations=listing([format_number(d) for d in exp["covariance"]["durations"]]) if exp["covariance"]["durations"] else "",
    )


def facts(plan: Plan, figure: str) -> dict:
    """Caption facts of ``figure`` (empty when the config does not draw it)."""
    names = plan.figures.get(figure)
    if not names:
        return {}
    if figure == "fig9_trained":
        t = plan.trained
        return dict(
            n=t["n"],
            networks=plural(len(t["seeds"]), "trained network"),
            prune_seeds=plural(len(t["prune_seeds"]), "pruning seed"),
            keep=listing(percent(k) for k in sorted(t["keep_fractions"])),
            keep_drawn=percent(plan.trained_keep_drawn()),
        )
    exps = [plan.experiments[n] for n in names]
    first = experiment(exps[0])
    if figure == "fig2_spectrum":
        pair = [methods.label(m) for m in methods.PAPER_PAIR if m in exps[0]["methods"]]
        return dict(first, weight_methods=listing(pair) if pair else "")
    if figure in ("fig1_probe", "fig8_nonsymmetric"):
        return first
    if figure == "fig3_dynamics":
        exp = exps[0]
        dyn = exp["dynamics_params"]
        every = dynamics.sample_stride(dyn["steps"])
        neurons = dynamics.pick_sample_neurons(exp["n"], exp["network"].get("clusters"))
        return dict(
            first,
            dt=format_number(dyn["dt"]),
            sigma=format_number(dyn["noise_std"]),
            background=format_number(dyn["background"]),
            steps=dyn["steps"],
            duration=format_number((dyn["steps"] - 1) * dyn["dt"]),
            trials=dyn["trials"],
            sample_neurons=listing(neurons),
            sample_every="every step" if every == 1 else f"every {every} steps",
            sample_dt=format_number(every * dyn["dt"]),
        )
    if figure == "fig4_large":
        return dict(experiments=[experiment(e) for e in exps])
    if figure == "fig5_sweeps":
        scaling = set(plan.scaling_experiments())
        sweeps = [experiment(e) for e in exps if e["name"] not in scaling]
        sizes = [plan.experiments[n] for n in names if n in scaling]
        return dict(
            sweeps=sweeps,
            scaling=bool(sizes),
            sizes=listing(e["n"] for e in sizes) if sizes else "",
            scaling_keep=listing(percent(k) for k in sizes[0]["keep_fractions"]) if sizes else "",
            scaling_seeds=plural(len(sizes[0]["seeds"]), "network seed") if sizes else "",
            target_eps=format_number(plan.scaling_target_eps()),
        )
    if figure == "fig6_empirical":
        return dict(
            experiments=[
                dict(
                    experiment(e),
                    replicas=e["empirical"]["replicas"],
                    burn_in=format_number(e["empirical"]["burn_in"]),
                    dt=format_number(e["empirical"]["dt"]),
                )
                for e in exps
            ]
        )
    if figure == "fig7_relu":
        return dict(
            experiments=[
                dict(
                    experiment(e),
                    input_mean=format_number(e["input"]["mean"]),
                    input_std=format_number(e["input"]["std"]),
                    linearized=covariance_ids(e)[:1] == ["linearized"],
                )
                for e in exps
                if is_relu(e)
            ]
        )
    raise ValueError(f"unknown figure {figure!r}")
