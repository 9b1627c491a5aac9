"""Random generators derived from the configuration, never from the clock.

Every job of the pipeline asks for ``rng_for(seed, *names)``: the integer seed
from the config plus the names that identify the job (stage, experiment,
method, ...). The same arguments give the same stream on every machine, in
every order, whatever else runs.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: object) -> int:
    """Stable 64-bit integer for a name (str/int/float), independent of PYTHONHASHSEED."""
    digest = hashlib.sha256(repr(name).encode() if not isinstance(name, str) else name.encode()).digest()
    return int.from_bytes(digest[:8], "little")


def seed_sequence(seed: int, *names: object) -> np.random.SeedSequence:
    """``SeedSequence`` from a non-negative integer seed and identifying names.

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.SeedSequence([int(seed), *(_name_key(n) for n in names)])


def rng_for(seed: int, *names: object) -> np.random.Generator:
    """``numpy.random.Generator`` (PCG64) for a job identified by ``seed`` and ``names``."""
    return np.random.default_rng(seed_sequence(seed, *names))


def pruning_rng(prune_seed: int, exp: str, seed: int, cov: str, method: str, keep: str) -> np.random.Generator:
    """Stream of one pruning draw: pruning seed, then experiment, network seed, covariance,
    method and keep fraction as spelled in the result paths (``keep`` the path's string,
    e.g. ``"0.2"``). The spectral and the rectified-linear jobs draw the same networks.

    Raises
    ------
    ValueError
        If a name is not a string (a float keep fraction would give another stream).
    """
    for label, name in (("exp", exp), ("cov", cov), ("method", method), ("keep", keep)):
        if not isinstance(name, str):
            raise ValueError(f"{label} must be a string as in the result paths, got {name!r}")
    return rng_for(int(prune_seed), "prune", exp, int(seed), cov, method, keep)
