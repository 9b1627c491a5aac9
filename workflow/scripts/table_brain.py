"""The brain_scale tables (rule brain_tables)."""

import re

from _job import setup

log = setup(snakemake)

from noiseprune import io  # noqa: E402
from noiseprune.pipeline import tables_brain  # noqa: E402


def ids(path, *keys):
    return [int(re.search(rf"/{key}(\d+)", path).group(1)) for key in keys]


results = [(*ids(p, "N", "seed"), io.load_json(p)) for p in snakemake.input.results]
accuracies = [(*ids(p, "seed"), io.load_json(p)) for p in snakemake.input.accuracy]
tables = tables_brain.frames(snakemake.params.name, results, accuracies)
tables["brain_digest"] = tables_brain.digest(tables["brain_scale"])
for key, frame in tables.items():
    log.info("%s: %d rows", key, len(frame))
    io.save_table(snakemake.output[key], frame)
