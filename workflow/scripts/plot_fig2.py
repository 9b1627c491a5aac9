"""Fig. 2: spectrum preservation of one network, and the weight matrices of one draw
(rule fig2_spectrum)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

fig = snakemake.params.figure
network = fig["network"]
eigen = io.load_table(snakemake.input.eigen, filters=[("network", "==", network)])
summary = io.load_table(snakemake.input.summary)
log.info("%s: %d eigenpair rows", network, len(eigen))
weights = {"original": io.load_dense(snakemake.input.A)}
weights |= {m: io.load_sparse(snakemake.input[f"pruned_{m}"]) for m in fig["methods"]}
figure = plotting.fig2_spectrum(
    eigen,
    summary,
    network,
    keep_fraction=fig["keep_fraction"],
    weights=weights,
    clusters=fig["clusters"],
    weight_draw=(fig["seed"], fig["prune_seed"]),
)
for path in plotting.save(figure, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
