"""The brain_scale.online tables (rule brain_online_tables)."""

import re

from _job import setup

log = setup(snakemake)

from noiseprune import io  # noqa: E402
from noiseprune.pipeline import tables_brain  # noqa: E402

results = [(int(re.search(r"/seed(\d+)\.json$", p).group(1)), io.load_json(p)) for p in snakemake.input.results]
online = tables_brain.online_frame(snakemake.params.name, results)
tables = {"brain_online": online, "brain_online_digest": tables_brain.online_digest(online)}
for key, frame in tables.items():
    log.info("%s: %d rows", key, len(frame))
    io.save_table(snakemake.output[key], frame)
