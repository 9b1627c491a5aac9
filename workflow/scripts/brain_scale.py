"""One brain-scale sparse network's whole path (rule brain_scale)."""

import resource

from _job import setup

log = setup(snakemake)

from noiseprune import brain_scale, io  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

cfg = snakemake.params.brain
w = snakemake.wildcards
seed = int(w.brain_seed)
result = brain_scale.run(
    cfg["network"],
    methods_=cfg["methods"],
    keep_fraction=cfg["keep_fraction"],
    prune_seeds=cfg["prune_seeds"],
    covariance_params=cfg["covariance"],
    eigenvalues=cfg["eigenvalues"],
    dynamics_params=cfg["dynamics"],
    spectral_eps=cfg["spectral_eps"],
    rng=lambda *names: rng_for(seed, "brain_scale", w.brain_name, w.brain_n, *names),
    log=log.info,
)
# peak resident memory (kB on Linux); Linux keeps it across exec, so it is at least that of
# the Snakemake process the job was forked from (about 200 MB)
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
log.info("N = %d, %d synapses, peak %.0f MB, seconds %s", result["n"], result["synapses"], result["peak_rss_mb"], result["seconds"])
io.save_json(snakemake.output.result, result)
