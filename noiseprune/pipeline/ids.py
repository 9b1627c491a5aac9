"""Names and texts shared by the plan, the captions, the tables and the figures:
covariance ids, the text of numbers in paths, and how counts and fractions read. Pure
Python, so that plotting reads them without the plan."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Covariance id of the methods that read no covariance.
NO_COVARIANCE = "none"
#: Covariance id of a rectified-linear network's covariance linearized at its fixed point.
LINEARIZED = "linearized"


def format_number(value) -> str:
    """Canonical text of a number in paths and wildcards: ``10`` for 10.0, ``0.2`` for 0.2.

    ``float(format_number(x)) == float(x)`` exactly (shortest round-trip repr).
    """
    x = float(value)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


#: Suffix of the covariance id of colored noise: ``exact_tau<tau>``, ``T<T>_tau<tau>``.
NOISE_TAU_TAG = "_tau"


def colored_id(cov: str, noise_tau) -> str:
    """Covariance id of source ``cov`` (``exact``, ``T<T>``) under noise of correlation
    time ``noise_tau``: ``cov`` itself for white noise (0), else ``<cov>_tau<tau>``."""
    return cov if float(noise_tau) == 0 else f"{cov}{NOISE_TAU_TAG}{format_number(noise_tau)}"


def noise_taus(exp) -> list[float]:
    """Noise correlation times of a resolved experiment (``noise.tau``, a number or a
    list; absent: [0], white noise)."""
    tau = (exp.get("noise") or {}).get("tau", 0.0)
    return [float(t) for t in (tau if isinstance(tau, (list, tuple)) else [tau])]


def noise_tau_of(cov: str) -> float:
    """Noise correlation time of a covariance id: tau of ``..._tau<tau>``, else 0 (white)."""
    base, tag, tau = str(cov).partition(NOISE_TAU_TAG)
    return float(tau) if tag else 0.0


def duration_of(cov: str) -> float:
    """Simulated duration of a covariance id: inf for ``exact`` and ``linearized``, nan for
    ``none``, T for ``T<T>`` (any ``_tau<tau>`` suffix aside)."""
    cov = str(cov).partition(NOISE_TAU_TAG)[0]
    if cov in ("exact", LINEARIZED):
        return math.inf
    if cov == NO_COVARIANCE:
        return math.nan
    if cov.startswith("T"):
        return float(cov[1:])
    raise ValueError(f"unknown covariance id {cov!r}")


def percent(fraction: float) -> str:
    """0.2 -> '20 %'."""
    return f"{100 * float(fraction):.4g} %"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def listing(items: Sequence) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
