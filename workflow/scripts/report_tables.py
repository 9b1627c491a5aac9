"""Summary and scaling tables condensed over seeds, for the report (rule report_tables)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.pipeline import tables  # noqa: E402

for name, digest in (("summary", tables.digest_summary), ("scaling", tables.digest_scaling)):
    frame = digest(io.load_table(snakemake.input[name]))
    log.info("%s digest: %d rows", name, len(frame))
    with io.atomic_path(snakemake.output[name], ".csv") as tmp:
        frame.to_csv(tmp, index=False, float_format="%.4g")
