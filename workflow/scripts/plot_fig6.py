"""Fig. 6: exact vs empirical covariance (rule fig6_empirical)."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

empirical = io.load_table(snakemake.input.empirical)
log.info("%d rows", len(empirical))
fig = plotting.fig6_empirical(empirical)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
