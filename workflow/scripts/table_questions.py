"""Tables of the seed questions (rules colored_table, leak_table, guarantee_table)."""

from _job import setup

log = setup(snakemake)

from noiseprune import io  # noqa: E402
from noiseprune.pipeline import tables_questions  # noqa: E402

rule = snakemake.rule
experiments = snakemake.params.experiments
summary = io.load_table(snakemake.input.summary)
if rule == "colored_table":
    eigen = io.load_table(snakemake.input.eigen, columns=["network", "seed", "eigenvalue"],
                          filters=[("network", "in", list(experiments))])
    outputs = {"table": tables_questions.colored_table(summary, eigen, experiments)}
elif rule == "leak_table":
    dynamics = io.load_table(snakemake.input.dynamics, filters=[("network", "in", list(experiments))])
    frame = tables_questions.leak_table(summary, dynamics, experiments, snakemake.params.networks)
    outputs = {"table": frame, "tests": tables_questions.paired_tests(frame)}
else:
    outputs = {"table": tables_questions.guarantee_table(summary, experiments)}
for key, frame in outputs.items():
    log.info("%s: %d rows", key, len(frame))
    io.save_table(snakemake.output[key], frame)
