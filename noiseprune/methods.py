"""Pruning methods: one registered score function each (docs/method.md, "The rule").

A method turns the off-diagonal edges (i, j) of A into nonnegative scores q_ij; the
keep probabilities are p_ij = min(1, K q_ij) with K chosen by the normalization
(:func:`noiseprune.pruning.probabilities`). Everything else in the package (the config
schema's method list, the config checks, which jobs read a covariance, table order,
plot colours and labels) reads this registry.

To add a method, add one decorated function to this file::

    @method("weight", uses_covariance=False)
    def weight(A, C, i, j):
        \"\"\"q_ij = |a_ij|: the paper's weight control.\"\"\"
        return np.abs(A[i, j])

``score(A, C, i, j)`` gets A (dense, or canonical CSR for a sparse network), the covariance C (None when
``uses_covariance`` is False) and the index arrays of the edges to score, and returns
one nonnegative float per edge. Registration order is the order of tables and legends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .registry import Registry

#: Colour of a method registered without one.
DEFAULT_COLOR = "#8C564B"
#: The paper's comparison, the noise rule against the weight control: the methods of the
#: single-draw panels (Fig. 2's weight matrices, Fig. 3's example trajectories).
PAPER_PAIR = ("noise", "weight")


@dataclass(frozen=True)
class Method:
    """A registered pruning method.

    Attributes
    ----------
    name : str
        Config and table name.
    score : callable ``(A, C, i, j) -> ndarray``
        Nonnegative score of each listed edge.
    uses_covariance : bool
        The score reads the noise covariance C; its jobs depend on a covariance file
        and are run once per covariance source.
    theory_scale : float or None
        Factor applied to K = k log N / eps^2 under the theory normalization, or None
        when the method does not support that normalization.
    deterministic : bool
        Keep exactly the top-scoring entries (p = 1) instead of sampling.
    label, color : str
        Display name and plot colour.
    """

    name: str
    score: Callable
    uses_covariance: bool = False
    theory_scale: float | None = None
    deterministic: bool = False
    label: str = ""
    color: str = DEFAULT_COLOR
    description: str = ""

    @property
    def supports_theory(self) -> bool:
        return self.theory_scale is not None


REGISTRY: Registry[Method] = Registry("method")


def method(
    name: str,
    *,
    uses_covariance: bool = False,
    theory_scale: float | None = None,
    deterministic: bool = False,
    label: str | None = None,
    color: str | None = None,
):
    """Decorator registering ``score(A, C, i, j)`` as the pruning method ``name``."""

    def register(score: Callable) -> Callable:
        doc = (score.__doc__ or "").strip().splitlines()
        REGISTRY.add(name, Method(
            name=name,
            score=score,
            uses_covariance=uses_covariance,
            theory_scale=theory_scale,
            deterministic=deterministic,
            label=label or name,
            color=color or DEFAULT_COLOR,
            description=doc[0] if doc else name,
        ))
        return score

    return register


names = REGISTRY.names
get = REGISTRY.get


def uses_covariance(name: str) -> bool:
    return get(name).uses_covariance


def label(name: str) -> str:
    """Display name (an unregistered name is its own label)."""
    return REGISTRY.get(name).label if name in REGISTRY else str(name)


def color(name: str) -> str:
    """Plot colour (an unregistered name gets :data:`DEFAULT_COLOR`)."""
    return REGISTRY.get(name).color if name in REGISTRY else DEFAULT_COLOR


def order(methods) -> list[str]:
    """``methods`` sorted in registration order; unregistered names last, alphabetically."""
    known = [m for m in REGISTRY if m in set(methods)]
    return known + sorted(set(methods) - set(REGISTRY))


def _pair_variance(M: np.ndarray, a: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """|a_ij| (M_ii + M_jj - 2 sign(a_ij) M_ij): |a_ij| Var(x_i - sign(a_ij) x_j) for M = C."""
    d = M.diagonal() if sp.issparse(M) else np.diagonal(M)  # C may be sparse (covariance.on_edges)
    return np.abs(a) * (d[i] + d[j] - 2.0 * np.sign(a) * M[i, j])


# ----------------------------------------------------------------------------- methods


@method("noise", uses_covariance=True, theory_scale=2.0, label="noise-prune", color="#A91101")
def noise(A, C, i, j):
    """q_ij = |a_ij| (C_ii + C_jj - 2 sign(a_ij) C_ij): the paper's rule.

    Under the theory normalization K is doubled: for symmetric A the exact covariance
    is C = (-A)^{-1} / 2, so 2 q is the effective-resistance score.
    """
    return _pair_variance(C, A[i, j], i, j)


@method("weight", label="weight", color="#1034A6")
def weight(A, C, i, j):
    """q_ij = |a_ij|: the paper's weight control."""
    return np.abs(A[i, j])


@method("uniform", label="uniform", color="#6E6E6E")
def uniform(A, C, i, j):
    """q_ij = 1: the paper's uniform control."""
    return np.ones(len(i))


@method("resistance", theory_scale=1.0, label="resistance", color="#D98E04")
def resistance(A, C, i, j):
    """q_ij = |a_ij| (e_i - s e_j)^T R (e_i - s e_j), R = (-(A + A^T)/2)^{-1}: effective resistance.

    Spielman-Srivastava sampling; for symmetric A it is noise-prune with the exact C,
    up to the factor 2 absorbed by K.
    """
    from . import _checks
    from .covariance import cholesky_inverse

    A = _checks.square_matrix(A)  # a sparse A is densified up to _checks.DENSIFY_MAX_N
    try:
        R = cholesky_inverse(-0.5 * (A + A.T))
    except np.linalg.LinAlgError:
        raise ValueError("method 'resistance' needs -(A + A^T)/2 positive definite") from None
    return _pair_variance(R, A[i, j], i, j)


@method("topk", deterministic=True, label="top-k", color="#2E7D32")
def topk(A, C, i, j):
    """Keep the largest |a_ij| (p = 1), deterministically."""
    return np.abs(A[i, j])
