"""Fig. 5: keep-fraction sweeps and scaling with N (rule fig5_sweeps)."""

from pathlib import Path

import pandas as pd
from _job import setup

log = setup(snakemake)

from noiseprune import plotting  # noqa: E402

sweeps = pd.read_csv(snakemake.input.sweeps)
scaling = pd.read_csv(snakemake.input.scaling)
log.info("%d sweep rows, %d scaling rows", len(sweeps), len(scaling))
fig = plotting.fig5_sweeps(sweeps, scaling)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
