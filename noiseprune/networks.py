"""Network kinds: registered builders of A = W - D (docs/method.md, "Networks").

W[i, j] is the weight from neuron j to neuron i; D is a diagonal leak chosen so
that A is stable. Each kind is one builder registered with :func:`kind`, together
with the JSON schema of its config keys and the checks that compare them; the
config's ``network: {kind: <name>, ...}`` picks one (default ``clustered``), and the
schema, the config checks and the network job all read this registry.

To add a kind, add one decorated builder to this file::

    @kind("ring", schema={"n": {"type": "integer", "minimum": 2,
                                "description": "Number of neurons."}},
          required=["n"], size=lambda p: p["n"])
    def ring(*, n, rng):
        ...
        return A
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from . import _checks
from .registry import Registry

#: Below this size dense eigenvalue routines are cheaper and more robust than ARPACK.
_DENSE_EIG_MAX_N = 256


def _upper_pairs(n: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map linear indices ``k`` of the strict upper triangle (row-major) of an n x n matrix to (i, j)."""
    rows = np.arange(n, dtype=np.int64)
    starts = rows * (n - 1) - rows * (rows - 1) // 2  # index of (i, i+1) in the enumeration
    i = np.searchsorted(starts, k, side="right") - 1
    j = i + 1 + (k - starts[i])
    return i, j


def _offdiag_positions(n: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map linear indices ``k`` of the n(n-1) off-diagonal positions (row-major) to (i, j)."""
    i = k // (n - 1)
    r = k % (n - 1)
    return i, r + (r >= i)


def _sample_pairs(n: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` distinct unordered pairs i < j of range(n), uniformly without replacement."""
    k = rng.choice(n * (n - 1) // 2, size=count, replace=False)
    return _upper_pairs(n, k)


def max_real_eigenvalue(M: np.ndarray, *, symmetric: bool) -> float:
    """Largest real part of the eigenvalues of a dense matrix (ARPACK above a small size).

    The Krylov start vector is fixed (all ones), so the result is deterministic.
    """
    n = M.shape[0]
    if n <= _DENSE_EIG_MAX_N:
        M = M.toarray() if sp.issparse(M) else M
        w = la.eigvalsh(M) if symmetric else la.eigvals(M)
        return float(np.max(w.real))
    v0 = np.ones(n)
    if symmetric:
        w = sla.eigsh(M, k=1, which="LA", v0=v0, return_eigenvectors=False)
    else:
        w = sla.eigs(M, k=1, which="LR", v0=v0, return_eigenvectors=False)
    return float(np.max(w.real))


@dataclass(frozen=True)
class NetworkKind:
    """A registered network builder.

    Attributes
    ----------
    name : str
        Value of the config key ``network.kind``.
    build : callable ``(**params, rng) -> ndarray``
        Builds A from the config keys of the kind and a ``numpy.random.Generator``.
    schema : dict
        JSON schema (``properties``) of the kind's config keys, with descriptions and
        defaults.
    required : tuple of str
        Keys without a default.
    size : callable ``params -> int``
        Number of neurons N of a config mapping (defaults filled in).
    check : callable ``params -> (key, message) or None``, optional
        Checks that compare keys (the schema holds types, ranges and defaults).
    edges : callable ``params -> float``, optional
        Expected number of off-diagonal nonzeros of A (the config refuses keep fractions
        that keep fewer than one of them).
    """

    name: str
    build: Callable
    schema: dict
    required: tuple = ()
    size: Callable = len
    check: Callable | None = None
    description: str = ""
    edges: Callable | None = None


KINDS: Registry[NetworkKind] = Registry("network kind")
#: Kind of a config network without a ``kind`` key.
DEFAULT_KIND = "clustered"


def kind(name: str, *, schema: dict, required=(), size: Callable, check: Callable | None = None,
         edges: Callable | None = None):
    """Decorator registering ``build(**params, rng)`` as the network kind ``name``."""

    def register(build: Callable) -> Callable:
        doc = (build.__doc__ or "").strip().splitlines()
        KINDS.add(name, NetworkKind(name, build, schema, tuple(required), size, check, doc[0] if doc else name, edges))
        return build

    return register


names = KINDS.names
get = KINDS.get


def build(params: dict, *, rng: np.random.Generator) -> np.ndarray:
    """Build the network described by a config mapping ``{kind: ..., <kind's keys>}``."""
    params = dict(params)
    spec = get(params.pop("kind", DEFAULT_KIND))
    return spec.build(**params, rng=rng)


def _clustered_check(p: dict):
    if p.get("leak_margin", 0) and p.get("leak", "row_sum") != "row_sum":
        return "leak_margin", "applies to leak: row_sum only (a constant leak has no margin over the row sums)"
    n = sum(p["clusters"])
    if n < 2:
        return "clusters", "the network needs at least 2 neurons"
    if p["long_range"] > n * (n - 1):
        return "long_range", f"exceeds the {n * (n - 1)} off-diagonal entries of an N = {n} network"
    within = sum(round(p["density"] * s * (s - 1) / 2) for s in p["clusters"])
    if p["strong_pairs"] > within:
        return "strong_pairs", f"exceeds the {within} within-cluster edges"
    return None


def _clustered_edges(p: dict) -> float:
    """Off-diagonal nonzeros of a clustered network: both triangles of every cluster's
    pairs, and the long-range entries (at most every off-diagonal position)."""
    n = sum(p["clusters"])
    within = sum(round(p["density"] * s * (s - 1) / 2) for s in p["clusters"])
    return min(n * (n - 1), 2 * within + p["long_range"])


#: JSON schema of the clustered network's keys (also referenced by the scaling section).
CLUSTERED_SCHEMA = {
    "clusters": {
        "description": "Cluster sizes (positive integers); N is their sum.",
        "type": "array",
        "minItems": 1,
        "items": {"type": "integer", "minimum": 1},
    },
    "density": {
        "description": "Fraction of within-cluster pairs that are connected, weight ~ Normal(1, 1).",
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "default": 0.6,
    },
    "long_range": {
        "description": "Number of long-range matrix entries, weight ~ Uniform(0, 1) "
        "(half as many unordered pairs if symmetric).",
        "type": "integer",
        "minimum": 0,
        "default": 5000,
    },
    "symmetric": {
        "description": "Symmetric weights W = W^T (non-symmetric draws both triangles independently).",
        "type": "boolean",
        "default": True,
    },
    "leak": {
        "description": "row_sum or a positive number: D = diag(sum_j |W_ij|) (paper) or D = leak x I.",
        "oneOf": [{"const": "row_sum"}, {"type": "number", "exclusiveMinimum": 0}],
        "default": "row_sum",
    },
    "leak_margin": {
        "description": "delta >= 0 with leak: row_sum: D = (1 + delta) diag(sum_j |W_ij|), strictly diagonally "
        "dominant for delta > 0 (the theorem's assumption); absent or 0: the paper's network (left out "
        "of the network's params when absent, so existing results stay valid).",
        "type": "number",
        "minimum": 0,
    },
    "strong_pairs": {
        "description": "Number of within-cluster weights set to strong_scale before rescaling (Fig. 1).",
        "type": "integer",
        "minimum": 0,
        "default": 0,
    },
    "strong_scale": {
        "description": "Weight of the strong within-cluster pairs before rescaling.",
        "type": "number",
        "default": 8.0,
    },
}


@kind(
    "clustered",
    schema=CLUSTERED_SCHEMA,
    required=["clusters"],
    size=lambda p: sum(p["clusters"]),
    check=_clustered_check,
    edges=_clustered_edges,
)
def clustered(
    clusters,
    *,
    density: float = 0.6,
    long_range: int = 5000,
    symmetric: bool = True,
    leak="row_sum",
    leak_margin: float = 0.0,
    strong_pairs: int = 0,
    strong_scale: float = 8.0,
    rng: np.random.Generator,
) -> np.ndarray:
    """Clustered random network ``A = W - D`` as in the paper.

    Parameters
    ----------
    clusters : sequence of int
        Sizes of the clusters; N is their sum. Neurons are numbered cluster by cluster.
    density : float
        Fraction of the n(n-1)/2 within-cluster pairs that are connected,
        ``round(density * n(n-1)/2)`` pairs drawn without replacement, weight ~ Normal(1, 1).
        Non-symmetric networks draw the upper and the lower triangle independently.
    long_range : int
        Number of long-range matrix entries, weight ~ Uniform(0, 1), added on top at
        distinct off-diagonal positions anywhere in the network (``long_range // 2``
        unordered pairs for symmetric networks).
    symmetric : bool
        Symmetric weights (W = W^T).
    leak : "row_sum" or float
        "row_sum": D = diag(sum_j |W_ij|) (weakly diagonally dominant, the paper's choice);
        a positive number c: D = c I.
    leak_margin : float
        delta >= 0 (``leak="row_sum"`` only): D = (1 + delta) diag(sum_j |W_ij|), strictly
        diagonally dominant for delta > 0; 0 is the row-sum leak, bit for bit.
    strong_pairs, strong_scale : int, float
        Number of within-cluster edges whose weight is set to ``strong_scale`` before the
        rescaling (a few strong synapses, as in the paper's Fig. 1).
    rng : numpy.random.Generator
        Source of all randomness.

    Returns
    -------
    A : ndarray, shape (N, N), float64
        Stable connectivity; exactly symmetric when ``symmetric``.

    Raises
    ------
    ValueError
        Bad parameters, or a leak that leaves A unstable (the offending eigenvalue is named).
    """
    rng = _checks.generator(rng)
    try:
        sizes = [int(s) for s in clusters]
    except (TypeError, ValueError):
        raise ValueError(f"clusters must be a list of positive integers, got {clusters!r}") from None
    if not sizes or any(s <= 0 or s != c for s, c in zip(sizes, clusters)):
        raise ValueError(f"clusters must be a non-empty list of positive integers, got {clusters!r}")
    if isinstance(density, bool) or not isinstance(density, numbers.Real) or not 0 <= density <= 1:
        raise ValueError(f"density must be in [0, 1], got {density!r}")
    if isinstance(long_range, bool) or not isinstance(long_range, numbers.Integral) or long_range < 0:
        raise ValueError(f"long_range must be a non-negative integer, got {long_range!r}")
    if isinstance(strong_pairs, bool) or not isinstance(strong_pairs, numbers.Integral) or strong_pairs < 0:
        raise ValueError(f"strong_pairs must be a non-negative integer, got {strong_pairs!r}")
    if not (isinstance(leak, str) and leak == "row_sum"):
        if isinstance(leak, str) or isinstance(leak, bool) or not isinstance(leak, numbers.Real):
            raise ValueError(f"leak must be 'row_sum' or a positive number, got {leak!r}")
        _checks.positive(leak, "leak")
    leak_margin = _checks.non_negative(leak_margin, "leak_margin")
    if leak_margin and leak != "row_sum":
        raise ValueError(f"leak_margin {leak_margin:g} applies to leak='row_sum' only, got leak={leak!r}")

    n_total = sum(sizes)
    if n_total < 2:
        raise ValueError(f"the network needs at least 2 neurons, got clusters {clusters!r}")
    if long_range > n_total * (n_total - 1):
        raise ValueError(
            f"long_range={long_range} exceeds the {n_total * (n_total - 1)} off-diagonal entries of an N = {n_total} network"
        )
    W = np.zeros((n_total, n_total))
    strong_candidates = []
    offset = 0
    for n in sizes:
        if n >= 2:
            m = int(round(density * n * (n - 1) / 2))
            i, j = _sample_pairs(n, m, rng)
            i, j = i + offset, j + offset
            W[i, j] = rng.normal(1.0, 1.0, size=m)
            if symmetric:
                W[j, i] = W[i, j]
            else:
                il, jl = _sample_pairs(n, m, rng)
                W[jl + offset, il + offset] = rng.normal(1.0, 1.0, size=m)
            strong_candidates.append(np.stack([i, j], axis=1))
        offset += n

    if strong_pairs:
        cand = np.concatenate(strong_candidates) if strong_candidates else np.empty((0, 2), dtype=np.int64)
        if strong_pairs > len(cand):
            raise ValueError(f"strong_pairs={strong_pairs} exceeds the {len(cand)} within-cluster edges")
        i, j = cand[rng.choice(len(cand), size=strong_pairs, replace=False)].T
        W[i, j] = strong_scale
        if symmetric:
            W[j, i] = strong_scale

    if long_range:
        if symmetric:
            pairs = long_range // 2
            i, j = _sample_pairs(n_total, min(pairs, n_total * (n_total - 1) // 2), rng)
            w = rng.uniform(0.0, 1.0, size=len(i))
            W[i, j] += w
            W[j, i] = W[i, j]
        else:
            k = rng.choice(n_total * (n_total - 1), size=min(long_range, n_total * (n_total - 1)), replace=False)
            i, j = _offdiag_positions(n_total, k)
            W[i, j] += rng.uniform(0.0, 1.0, size=len(k))

    lam = max_real_eigenvalue(W, symmetric=symmetric)
    if not lam > 0:
        raise ValueError(f"cannot scale W: its largest real eigenvalue is {lam:.3g}, not positive")
    W /= 1.1 * lam

    if leak == "row_sum":
        A = W
        rows = np.abs(W).sum(axis=1)
        if leak_margin:
            rows *= 1.0 + leak_margin
        A[np.diag_indices(n_total)] -= rows
    else:
        A = W
        A[np.diag_indices(n_total)] -= float(leak)
    check_stable(A, symmetric=symmetric)
    return A


def check_stable(A: np.ndarray, *, symmetric: bool | None = None) -> None:
    """Raise ValueError naming the largest real eigenvalue if ``A`` is not stable.

    Symmetric matrices are tested by a Cholesky factorisation of -A (exact, and far
    cheaper than an eigensolver); the eigenvalue is computed only to report a failure.
    """
    if sp.issparse(A):
        return check_stable_sparse(A, symmetric=symmetric)
    if symmetric is None:
        symmetric = _checks.is_symmetric(A)
    if symmetric:
        try:
            la.cholesky(-A, lower=True, check_finite=False)
            return
        except la.LinAlgError:
            pass
    lam = max_real_eigenvalue(A, symmetric=symmetric)
    if symmetric or lam >= 0:
        raise ValueError(f"A is not stable: its largest real eigenvalue is {lam:.6g} (must be < 0)")


# ----------------------------------------------------------------------------- dale
def _not_symmetric(name: str) -> dict:
    """Schema of the ``symmetric`` key of a kind that is never symmetric: false, so that
    the pipeline, which reads ``network.symmetric``, treats it as non-symmetric."""
    return {
        "description": f"Always false: a {name} network is not symmetric (the general Lyapunov solver and "
        "the complex-spectrum metrics apply).",
        "const": False,
        "default": False,
    }


def _dale_check(p: dict):
    """The config checks of the kinds built on a clustered pattern (dale, normal)."""
    n = sum(p["clusters"])
    if n < 2:
        return "clusters", "the network needs at least 2 neurons"
    if p["long_range"] > n * (n - 1):
        return "long_range", f"exceeds the {n * (n - 1)} off-diagonal entries of an N = {n} network"
    return None


def _dale_edges(p: dict) -> float:
    """Off-diagonal nonzeros of a dale network: both triangles of every cluster's pairs and
    the long-range entries (at most every off-diagonal position)."""
    return _clustered_edges(dict(p, strong_pairs=0))


DALE_SCHEMA = {
    "clusters": CLUSTERED_SCHEMA["clusters"],
    "density": CLUSTERED_SCHEMA["density"],
    "long_range": CLUSTERED_SCHEMA["long_range"],
    "leak": CLUSTERED_SCHEMA["leak"],
    "excitatory_fraction": {
        "description": "Fraction of each cluster's neurons that are excitatory (their outgoing weights >= 0); "
        "the others are inhibitory (outgoing weights <= 0), scaled so that the network's summed input is zero.",
        "type": "number",
        "exclusiveMinimum": 0,
        "exclusiveMaximum": 1,
        "default": 0.8,
    },
    "symmetric": _not_symmetric("dale"),
}


@kind("dale", schema=DALE_SCHEMA, required=["clusters"], size=lambda p: sum(p["clusters"]), check=_dale_check,
      edges=_dale_edges)
def dale(
    clusters,
    *,
    density: float = 0.6,
    long_range: int = 5000,
    leak="row_sum",
    excitatory_fraction: float = 0.8,
    symmetric: bool = False,
    rng: np.random.Generator,
) -> np.ndarray:
    """Excitatory/inhibitory clustered network obeying Dale's law (docs/method.md, "Networks").

    The connectivity pattern and the magnitudes are those of a non-symmetric clustered
    network with the same keys (:func:`clustered`, ``symmetric=False``, drawn from
    ``rng``): |W| of it. In each cluster ``round(excitatory_fraction n)`` neurons, chosen
    uniformly, are excitatory: their column of W (a_ij is the weight from j to i) keeps
    the magnitude; the others are inhibitory: minus g times it, with g = (sum of the
    excitatory columns' magnitudes) / (sum of the inhibitory columns'), so that the
    summed input of the network is zero (sum_ij W_ij = 0: the mean input per neuron is
    balanced). W is then scaled by 1 / (1.1 lambda_max) as in ``clustered``
    (lambda_max >= 0 since trace W = 0), and the leak sets the diagonal.

    Parameters
    ----------
    clusters, density, long_range, leak
        As :func:`clustered`.
    excitatory_fraction : float in (0, 1)
        Fraction of each cluster's neurons that are excitatory.
    symmetric : bool
        Must be False (the key exists so that configs state it).
    rng : numpy.random.Generator

    Returns
    -------
    A : ndarray, shape (N, N), float64
        Stable; off the diagonal, column j is >= 0 for an excitatory neuron j and <= 0 for
        an inhibitory one.

    Raises
    ------
    ValueError
        ``excitatory_fraction`` outside (0, 1), bad clustered parameters, no inhibitory (or
        no excitatory) synapse to balance, or an unstable A (the eigenvalue is named).
    """
    if (
        isinstance(excitatory_fraction, bool)
        or not isinstance(excitatory_fraction, numbers.Real)
        or not 0 < excitatory_fraction < 1
    ):
        raise ValueError(f"excitatory_fraction must be in (0, 1), got {excitatory_fraction!r}")
    if symmetric:
        raise ValueError("a dale network is not symmetric: symmetric must be false")
    if not (isinstance(leak, str) and leak == "row_sum"):
        if isinstance(leak, str) or isinstance(leak, bool) or not isinstance(leak, numbers.Real):
            raise ValueError(f"leak must be 'row_sum' or a positive number, got {leak!r}")
        _checks.positive(leak, "leak")
    rng = _checks.generator(rng)
    # the pattern and the magnitudes: those of the non-symmetric clustered network (which
    # checks clusters, density and long_range); its own scaling cancels in the balance
    # and the scaling below
    magnitude = np.abs(clustered(clusters, density=density, long_range=long_range, symmetric=False, rng=rng))
    n = magnitude.shape[0]
    magnitude[np.diag_indices(n)] = 0.0
    excitatory = np.zeros(n, dtype=bool)
    offset = 0
    for size in clusters:
        chosen = rng.choice(size, size=int(round(excitatory_fraction * size)), replace=False)
        excitatory[offset + chosen] = True
        offset += size
    exc_total = magnitude[:, excitatory].sum()
    inh_total = magnitude[:, ~excitatory].sum()
    if not (exc_total > 0 and inh_total > 0):
        raise ValueError(
            f"cannot balance the network: its excitatory synapses sum to {exc_total:.3g} and its inhibitory ones to "
            f"{inh_total:.3g} (both must be positive; more neurons, density or long_range)"
        )
    W = magnitude
    W[:, ~excitatory] *= -exc_total / inh_total
    lam = max_real_eigenvalue(W, symmetric=False)
    if not lam > 0:
        raise ValueError(f"cannot scale W: its largest real eigenvalue is {lam:.3g}, not positive")
    W /= 1.1 * lam
    A = W
    A[np.diag_indices(n)] -= np.abs(W).sum(axis=1) if leak == "row_sum" else float(leak)
    check_stable(A, symmetric=False)
    return A


# ----------------------------------------------------------------------------- normal
NORMAL_SCHEMA = {
    "clusters": CLUSTERED_SCHEMA["clusters"],
    "density": CLUSTERED_SCHEMA["density"],
    "long_range": CLUSTERED_SCHEMA["long_range"],
    "rotation": {
        "description": "Angular frequency of each rotated pair of modes relative to its decay rate: the "
        "eigenvalues are d_k (1 +- i rotation).",
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 1.0,
    },
    "symmetric": _not_symmetric("normal"),
}


@kind("normal", schema=NORMAL_SCHEMA, required=["clusters"], size=lambda p: sum(p["clusters"]),
      check=_dale_check, edges=lambda p: sum(p["clusters"]) * (sum(p["clusters"]) - 1))
def normal(
    clusters,
    *,
    density: float = 0.6,
    long_range: int = 5000,
    rotation: float = 1.0,
    symmetric: bool = False,
    rng: np.random.Generator,
) -> np.ndarray:
    """Normal, non-symmetric network A = Q (D + J) Q^T (docs/method.md, "Networks").

    S = Q Lambda Q^T is the symmetric clustered network of the same keys (row-sum leak,
    :func:`clustered`, drawn from ``rng``), eigenvalues ascending. D pairs them: the
    eigenvalues 2k and 2k + 1 are both replaced by their mean d_k (an odd N leaves the
    last, slowest one alone), and J rotates each pair, J[2k, 2k+1] = -J[2k+1, 2k] =
    rotation |d_k|. D + J commutes with its transpose, so A is normal; its symmetric part
    is Q D Q^T (S with paired eigenvalues), its antisymmetric part Q J Q^T, its
    eigenvalues d_k (1 +- i rotation), and it is dense (Q is).

    Returns
    -------
    A : ndarray, shape (N, N), float64
        Stable and normal (A A^T = A^T A up to rounding); symmetric only for rotation 0,
        which is refused.

    Raises
    ------
    ValueError
        ``rotation`` not positive, bad clustered parameters, an unstable A.
    """
    if isinstance(rotation, bool) or not isinstance(rotation, numbers.Real) or not rotation > 0:
        raise ValueError(f"rotation must be positive (0 gives a symmetric network), got {rotation!r}")
    if symmetric:
        raise ValueError("a normal network of this kind is not symmetric: symmetric must be false")
    S = clustered(clusters, density=density, long_range=long_range, symmetric=True, leak="row_sum", rng=rng)
    lam, Q = la.eigh(S)
    n = lam.size
    pairs = n // 2
    d = lam.copy()
    mean = 0.5 * (lam[0 : 2 * pairs : 2] + lam[1 : 2 * pairs : 2])
    d[0 : 2 * pairs : 2] = mean
    d[1 : 2 * pairs : 2] = mean
    M = np.diag(d)
    k = np.arange(pairs)
    M[2 * k, 2 * k + 1] = rotation * np.abs(mean)
    M[2 * k + 1, 2 * k] = -rotation * np.abs(mean)
    # the eigenvalues of A are those of D + J, d_k (1 +- i rotation): stable when every d_k
    # is negative (so checked here, not by a slow Krylov search of a dense spectrum)
    if not d.max() < 0:
        raise ValueError(f"A is not stable: its largest real eigenvalue is {d.max():.6g} (must be < 0)")
    return (Q @ M) @ Q.T


# ----------------------------------------------------------------------------- sparse networks

#: Relative accuracy asked of ARPACK for the largest real eigenvalue of a sparse network.
_SPARSE_EIG_TOL = 1e-6


def check_stable_sparse(A, *, symmetric: bool | None = None) -> None:
    """:func:`check_stable` for a scipy.sparse A, in O(nnz) memory.

    Gershgorin discs first (every d_i + r_i < 0 proves stability without an eigensolver);
    otherwise the largest real eigenvalue by ARPACK (fixed start vector, relative accuracy
    :data:`_SPARSE_EIG_TOL`, so its sign is right).
    """
    A = _checks.sparse_network(A)
    if symmetric is None:
        symmetric = _checks.sparse_is_symmetric(A)
    d, r = _checks.gershgorin(A)
    scale = float(np.max(np.abs(d) + r))
    if scale > 0 and float(np.max(d + r)) < -8 * A.shape[0] * np.finfo(float).eps * scale:
        return
    lam = sparse_max_real_eigenvalue(A, symmetric=symmetric)
    if lam >= 0:
        raise ValueError(f"A is not stable: its largest real eigenvalue is {lam:.6g} (must be < 0)")


def sparse_max_real_eigenvalue(M, *, symmetric: bool) -> float:
    """Largest real part of the eigenvalues of a sparse matrix (ARPACK, start vector of ones)."""
    n = M.shape[0]
    if n <= _DENSE_EIG_MAX_N:
        return max_real_eigenvalue(M.toarray(), symmetric=symmetric)
    v0 = np.ones(n)
    if symmetric:
        w = sla.eigsh(M, k=1, which="LA", v0=v0, tol=_SPARSE_EIG_TOL, return_eigenvectors=False)
    else:
        w = sla.eigs(M, k=1, which="LR", v0=v0, tol=_SPARSE_EIG_TOL, return_eigenvectors=False)
    return float(np.max(w.real))


def _sparse_clustered_sizes(p: dict) -> list[int]:
    return [int(s) for s in p["clusters"]] * int(p.get("repeat", 1))


def _sparse_clustered_check(p: dict):
    sizes = _sparse_clustered_sizes(p)
    n = sum(sizes)
    if n < 2:
        return "clusters", "the network needs at least 2 neurons"
    if p["within"] > min(sizes) - 1:
        return "within", f"exceeds the {min(sizes) - 1} other neurons of the smallest cluster"
    if p["long_range"] > n - 1:
        return "long_range", f"exceeds the {n - 1} other neurons of an N = {n} network"
    return None


def _sparse_clustered_edges(p: dict) -> float:
    """Expected off-diagonal nonzeros: (within + long_range) per neuron (a few coincide)."""
    sizes = _sparse_clustered_sizes(p)
    return float(sum(sizes) * (p["within"] + p["long_range"]))


SPARSE_CLUSTERED_SCHEMA = {
    "clusters": {
        "description": "Cluster sizes (positive integers), repeated `repeat` times; N is the sum.",
        "type": "array",
        "minItems": 1,
        "items": {"type": "integer", "minimum": 1},
    },
    "repeat": {
        "description": "How many times the list `clusters` is repeated (N = repeat x sum(clusters)).",
        "type": "integer",
        "minimum": 1,
        "default": 1,
    },
    "within": {
        "description": "Mean number of within-cluster synapses per neuron, weight ~ Normal(1, 1).",
        "type": "number",
        "minimum": 0,
        "default": 80,
    },
    "long_range": {
        "description": "Mean number of long-range synapses per neuron (anywhere in the network), weight ~ Uniform(0, 1).",
        "type": "number",
        "minimum": 0,
        "default": 20,
    },
    "symmetric": CLUSTERED_SCHEMA["symmetric"],
    "leak": CLUSTERED_SCHEMA["leak"],
}


@kind(
    "sparse_clustered",
    schema=SPARSE_CLUSTERED_SCHEMA,
    required=["clusters"],
    size=lambda p: sum(_sparse_clustered_sizes(p)),
    check=_sparse_clustered_check,
    edges=_sparse_clustered_edges,
)
def sparse_clustered(
    clusters,
    *,
    repeat: int = 1,
    within: float = 80,
    long_range: float = 20,
    symmetric: bool = True,
    leak="row_sum",
    rng: np.random.Generator,
) -> sp.csr_array:
    """Sparse clustered network A = W - D, built in O(synapses) time and memory.

    The brain-scale counterpart of :func:`clustered`: the numbers of synapses are given
    per neuron instead of as a density, so the network stays sparse as N grows.

    Parameters
    ----------
    clusters : sequence of int
        Cluster sizes, repeated ``repeat`` times; neurons are numbered cluster by cluster.
    repeat : int
        Copies of the list ``clusters`` (N = repeat x sum(clusters)).
    within : float
        Mean within-cluster synapses per neuron (at most the smallest cluster's size - 1):
        a cluster of s neurons gets
        ``round(within s / 2)`` distinct pairs (symmetric) or ``round(within s)`` distinct
        directed entries, weight ~ Normal(1, 1).
    long_range : float
        Mean long-range synapses per neuron: ``round(long_range N / 2)`` distinct pairs
        (symmetric) or ``round(long_range N)`` directed entries anywhere off the diagonal,
        weight ~ Uniform(0, 1), added on top (a position drawn twice sums its weights).
    symmetric : bool
        Symmetric weights W = W^T.
    leak : "row_sum" or float
        D = diag(sum_j |W_ij|) or D = leak x I, as :func:`clustered`.
    rng : numpy.random.Generator

    Returns
    -------
    A : scipy.sparse.csr_array, float64, canonical (sorted indices), exactly symmetric when
        ``symmetric``; W is scaled by 1.1 x its largest real eigenvalue (ARPACK) first.

    Raises
    ------
    ValueError
        Bad parameters, or a leak that leaves A unstable (naming the eigenvalue).
    """
    rng = _checks.generator(rng)
    try:
        sizes = [int(s) for s in clusters]
    except (TypeError, ValueError):
        raise ValueError(f"clusters must be a list of positive integers, got {clusters!r}") from None
    if not sizes or any(s <= 0 or s != c for s, c in zip(sizes, clusters)):
        raise ValueError(f"clusters must be a non-empty list of positive integers, got {clusters!r}")
    repeat = _checks.positive_int(repeat, "repeat")
    within = _checks.non_negative(within, "within")
    long_range = _checks.non_negative(long_range, "long_range")
    if not (isinstance(leak, str) and leak == "row_sum"):
        if isinstance(leak, str) or isinstance(leak, bool) or not isinstance(leak, numbers.Real):
            raise ValueError(f"leak must be 'row_sum' or a positive number, got {leak!r}")
        _checks.positive(leak, "leak")
    sizes = sizes * repeat
    n = sum(sizes)
    if n < 2:
        raise ValueError(f"the network needs at least 2 neurons, got clusters {clusters!r}")
    if within > min(sizes) - 1:
        raise ValueError(f"within={within:g} exceeds the {min(sizes) - 1} other neurons of the smallest cluster")
    if long_range > n - 1:
        raise ValueError(f"long_range={long_range:g} exceeds the {n - 1} other neurons of an N = {n} network")

    rows, cols, vals = [], [], []
    offset = 0
    for s in sizes:
        if s >= 2 and within > 0:
            if symmetric:
                m = min(int(round(within * s / 2)), s * (s - 1) // 2)
                i, j = _sample_pairs(s, m, rng)
            else:
                m = min(int(round(within * s)), s * (s - 1))
                i, j = _offdiag_positions(s, rng.choice(s * (s - 1), size=m, replace=False))
            rows.append(i + offset)
            cols.append(j + offset)
            vals.append(rng.normal(1.0, 1.0, size=m))
        offset += s
    if long_range > 0:
        if symmetric:
            m = min(int(round(long_range * n / 2)), n * (n - 1) // 2)
            i, j = _sample_pairs(n, m, rng)
        else:
            m = min(int(round(long_range * n)), n * (n - 1))
            i, j = _offdiag_positions(n, rng.choice(n * (n - 1), size=m, replace=False))
        rows.append(i)
        cols.append(j)
        vals.append(rng.uniform(0.0, 1.0, size=m))
    i = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    j = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    w = np.concatenate(vals) if vals else np.empty(0)
    del rows, cols, vals
    if symmetric:
        i, j, w = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([w, w])
    index = np.int32 if n < np.iinfo(np.int32).max and i.size < np.iinfo(np.int32).max else np.int64
    W = sp.csr_array((w, (i.astype(index), j.astype(index))), shape=(n, n))  # duplicates summed
    del i, j, w
    W.sum_duplicates()
    W.eliminate_zeros()
    if not W.nnz:
        raise ValueError("the network has no synapses: within and long_range are both 0")
    lam = sparse_max_real_eigenvalue(W, symmetric=symmetric)
    if not lam > 0:
        raise ValueError(f"cannot scale W: its largest real eigenvalue is {lam:.3g}, not positive")
    W.data /= 1.1 * lam
    d = -np.asarray(abs(W).sum(axis=1)).ravel() if leak == "row_sum" else np.full(n, -float(leak))
    A = sp.csr_array(W + sp.diags_array(d, format="csr"))
    A.sort_indices()
    check_stable_sparse(A, symmetric=symmetric)
    return A
