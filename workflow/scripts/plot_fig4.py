"""Fig. 4: spectral panels of the large networks (rule fig4_large)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

networks = list(snakemake.params.networks)
eigen = io.load_table(snakemake.input.eigen, filters=[("network", "in", networks)])
summary = io.load_table(snakemake.input.summary)
log.info("%s: %d eigenpair rows", ", ".join(networks), len(eigen))
fig = plotting.fig4_large(eigen, summary, networks, keep_fractions=dict(snakemake.params.keep_fractions))
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
