"""The online rule against pruning once at the end on one network (rule brain_online)."""

from _job import setup

log = setup(snakemake)

from noiseprune import brain_scale, io, networks, pruning  # noqa: E402
from noiseprune.seeding import rng_for  # noqa: E402

cfg = snakemake.params.online
seed = int(snakemake.wildcards.brain_seed)
A = networks.build(cfg["network"], rng=rng_for(seed, "brain_online", cfg["name"], "network"))
rows = brain_scale.online(
    A, keep_fraction=cfg["keep_fraction"], duration=cfg["duration"], dt=cfg["dt"], burn_in=cfg["burn_in"],
    replicas=cfg["replicas"], warm_ups=cfg["warm_ups"], check_every=cfg["check_every"], tolerance=cfg["tolerance"],
    prune_seeds=cfg["prune_seeds"], eigenvalues=cfg["eigenvalues"],
    rng=lambda *names: rng_for(seed, "brain_online", cfg["name"], *names))
for row in rows:
    log.info("prune seed %d, warm-up %g: median slowest error %.4f, decided early %.2f", row["prune_seed"],
             row["warm_up"], row["median_slowest_err"], row["decided_early"])
io.save_json(snakemake.output.result, {"n": int(A.shape[0]), "synapses": pruning.offdiag_nnz(A),
                                       "rows": rows})
