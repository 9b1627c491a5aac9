"""Hands a starting job of a local run to the run's job server (../_job_server.py).

The job server puts this directory first on the PYTHONPATH of the jobs of its run, so
Python imports this module as it starts, before Snakemake's preamble: a one-thread
job of a workflow script then costs a Python start (about 15 ms) instead of the
preamble's 0.1 s. Any other Python (no server announced, another script, more
threads) goes on as usual, having imported nothing more. The sitecustomize this one
hides, if any, runs first, in every Python, as it would without this one.
"""

import os
import sys


def _hand_over() -> None:
    if not os.environ.get("NOISEPRUNE_JOB_SERVER"):  # _job_server.ENV, read before importing it
        return
    scripts = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, scripts)
    try:
        import _job_server
    finally:
        sys.path.remove(scripts)
    _job_server.hand_over()  # exits here if the job ran in a fork


def _run_hidden_sitecustomize() -> None:
    from importlib.machinery import PathFinder

    here = os.path.dirname(os.path.abspath(__file__))
    others = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    spec = PathFinder.find_spec("sitecustomize", others)
    if spec is None or spec.loader is None:
        return
    module = type(sys)("sitecustomize")
    module.__spec__, module.__file__ = spec, spec.origin
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_run_hidden_sitecustomize()
_hand_over()
