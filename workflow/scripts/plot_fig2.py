"""Fig. 2: spectrum preservation of one network (rule fig2_spectrum)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

network = snakemake.params.network
eigen = io.load_table(snakemake.input.eigen, filters=[("network", "==", network)])
summary = io.load_table(snakemake.input.summary)
log.info("%s: %d eigenpair rows", network, len(eigen))
fig = plotting.fig2_spectrum(eigen, summary, network, keep_fraction=snakemake.params.keep_fraction)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
