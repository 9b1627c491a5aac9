"""Train one rate RNN on ready-set-go (rule train_rnn): parameters (.npz) and a JSON
summary (loss of every step, held-out loss before and after, seconds)."""

import sys

from _job import setup

log = setup(snakemake)

from noiseprune import io
from noiseprune.trained import rnn, experiment  # noqa: E402
from noiseprune.trained.training import TrainingDiverged  # noqa: E402

cfg = snakemake.params.trained
seed = int(snakemake.wildcards.trained_seed)
try:
    params, info = experiment.train_network(cfg, seed, log=log.info)
except TrainingDiverged as err:
    log.error("%s", err)
    sys.exit(f"train_rnn {cfg['name']} seed {seed}: {err}")
log.info("held-out loss %.5f -> %.5f", info["heldout_loss_before"], info["heldout_loss_after"])
rnn.save(snakemake.output.params, params)
io.save_json(snakemake.output.info, info)
