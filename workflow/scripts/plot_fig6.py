"""Fig. 6: exact vs empirical covariance (rule fig6_empirical)."""

from pathlib import Path

import pandas as pd
from _job import setup

log = setup(snakemake)

from noiseprune import plotting  # noqa: E402

empirical = pd.read_csv(snakemake.input.empirical)
log.info("%d rows", len(empirical))
fig = plotting.fig6_empirical(empirical)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
