"""Fig. 7: rectified-linear networks (rule fig7_relu)."""

from pathlib import Path

import pandas as pd
from _job import setup

log = setup(snakemake)

from noiseprune import plotting  # noqa: E402

networks = list(snakemake.params.networks)
relu = pd.read_csv(snakemake.input.relu)
eigen = pd.read_parquet(snakemake.input.eigen, filters=[("network", "in", networks)])
dynamics = pd.read_parquet(snakemake.input.dynamics, filters=[("network", "in", networks)])
log.info("%s: %d rows, %d eigenvalue rows, %d dynamics rows", networks, len(relu), len(eigen), len(dynamics))
fig = plotting.fig7_relu(relu, eigen, dynamics, networks)
for path in plotting.save(fig, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
