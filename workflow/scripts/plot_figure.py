"""One figure (rule plot_figure): its module's draw function on the files it reads
(``params.files``: the job's inputs, or files in the draws directories among them),
saved as PDF and PNG."""

from pathlib import Path

from _job import setup

log = setup(snakemake)

from noiseprune import io, plotting  # noqa: E402

figure = plotting.get(snakemake.wildcards.name)
spec = snakemake.params.spec
inputs = {}
for key, path in snakemake.params.files.items():
    if key in figure.select:
        inputs[key] = io.load_table(path, filters=[("network", "in", list(spec["experiments"]))])
    elif path.endswith((".csv", ".parquet")):
        inputs[key] = io.load_table(path)
    elif path.endswith(".npy"):
        inputs[key] = io.load_dense(path)
    else:
        inputs[key] = io.load_sparse(path)
    log.info("%s: %s", key, f"{len(inputs[key])} rows" if key in figure.tables else f"{inputs[key].shape} array")
drawn = figure.draw(inputs, spec)
for path in plotting.save(drawn, Path(snakemake.output.pdf).with_suffix("")):
    log.info("wrote %s", path)
