"""Setup shared by the workflow scripts (imported from the scripts' own directory).

- stderr (warnings, tracebacks) and `logging` go to the job's log file, snakemake.log[0]:
  the project's messages from INFO up, other libraries' from WARNING up;
- an uncaught error ends the log as a traceback; a damaged or unrecorded input also with
  the command that regenerates it (noiseprune.pipeline.verify);
- BLAS runs with the rule's fixed thread count (params.blas_threads, default 1), never
  with the number of cores of the machine: OpenBLAS results depend on its thread
  count, and outputs must be bit-identical wherever the job runs. numpy and scipy each
  load their own OpenBLAS, and threadpoolctl limits only libraries already loaded, so
  both are imported before the limit is set (Snakemake's OPENBLAS_NUM_THREADS is the
  job's `threads`, which --cores 1 lowers).
"""

import logging
import os
import sys
import traceback

import numpy  # noqa: F401  (loads numpy's OpenBLAS before the limit below)
import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS)
from threadpoolctl import threadpool_limits

from noiseprune.hashing import IntegrityError
from noiseprune.pipeline.verify import hinted

_LIMITS = []


def setup(snakemake) -> logging.Logger:
    """Redirect logging and stderr to the log file, pin BLAS threads; return the logger.

    The log is written as the job goes (it must survive the job's death), so it cannot
    be renamed into place like the results; a symbolic link in its place is removed
    first, never written through."""
    if os.path.islink(snakemake.log[0]):
        os.unlink(snakemake.log[0])
    stream = open(snakemake.log[0], "w", buffering=1)
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
        force=True,
    )
    # the project's own messages at INFO; libraries only from WARNING up (fontTools
    # alone writes some 150 INFO lines for every PDF a figure job saves)
    logging.getLogger("noiseprune").setLevel(logging.INFO)
    logging.captureWarnings(True)
    sys.excepthook = explain
    threads = int(getattr(snakemake.params, "blas_threads", 1))
    _LIMITS.append(threadpool_limits(limits=threads))
    logger = logging.getLogger(f"noiseprune.{snakemake.rule}")
    wildcards = ", ".join(f"{k}={v}" for k, v in snakemake.wildcards.items())
    logger.info("rule %s (%s), BLAS threads %d", snakemake.rule, wildcards, threads)
    return logger


def explain(kind, error, tb) -> None:
    """``sys.excepthook`` of a job: the traceback, then for an IntegrityError the line
    with the command that regenerates the file (the config's run names its config)."""
    traceback.print_exception(kind, error, tb)
    if isinstance(error, IntegrityError):
        print(hinted(error), file=sys.stderr)


def progress(logger: logging.Logger, what: str, every: int = 10):
    """A ``progress(done, total)`` callback logging a line every `every` percent."""
    state = {"last": -1}

    def report(done: int, total: int) -> None:
        pct = 100 if total <= 0 else int(100 * done / total)
        if pct // every > state["last"] or done >= total:
            state["last"] = pct // every
            logger.info("%s: %d/%d steps (%d%%)", what, done, total, pct)

    return report
