"""The draws of one (network, covariance, method, keep fraction): probabilities once,
then every pruning seed's pruned network and its metrics (:func:`prune_and_measure`);
several methods in turn on the same network and covariance (:func:`prune_methods`).

One call computes nothing twice: the keep probabilities, and for the spectral metrics
(:func:`spectral`) the eigendecomposition of A and the Cholesky factor of -A (for the
spectral eps), are shared by all pruning seeds. Each seed's pruned network and metrics
are exactly those of separate :func:`noiseprune.pruning.prune` and
:func:`noiseprune.spectra.compare` (or :func:`noiseprune.rectified.compare`) calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from . import _checks, pruning, spectra


def spectral(
    A: np.ndarray,
    *,
    eig: tuple[np.ndarray, np.ndarray] | None = None,
    metrics: str = "full",
    factor: np.ndarray | None = None,
) -> Callable[[sp.csr_array], dict]:
    """``measure`` of :func:`prune_and_measure`: :func:`noiseprune.spectra.compare` of A
    and a pruned network, with the Cholesky factor of -A computed once.

    Parameters
    ----------
    A : ndarray, shape (N, N)
    eig : (w, V), optional
        Cached eigendecomposition of A (``metrics="full"``).
    metrics : {"full", "eps"}
    factor : ndarray, optional
        Cached :func:`noiseprune.spectra.stiffness_factor` of A (else computed here).
    """
    if factor is None:
        factor = spectra.stiffness_factor(A)
    return lambda A_sparse: spectra.compare(A, A_sparse, eig=eig, metrics=metrics, factor=factor)


def prune_and_measure(
    A: np.ndarray,
    C: np.ndarray | None,
    *,
    probability: Mapping,
    diagonal: str,
    rngs: Sequence[np.random.Generator],
    measure: Callable[[sp.csr_array], dict],
    workers: int = 1,
) -> tuple[np.ndarray, Iterator[tuple[sp.csr_array, dict]]]:
    """Keep probabilities, then ``(A_sparse, measure(A_sparse))`` for each generator of ``rngs``.

    Parameters
    ----------
    A : ndarray, shape (N, N)
    C : ndarray or None
        Covariance, for methods that read it.
    probability : mapping
        Keyword arguments of :func:`noiseprune.pruning.probabilities` (method,
        keep_fraction, normalization, theory_k, theory_eps).
    diagonal : str
        Diagonal mode of :func:`noiseprune.pruning.prune`.
    rngs : sequence of numpy.random.Generator
        One per pruning seed (:func:`noiseprune.seeding.pruning_rng` in the workflow).
    measure : callable(A_sparse) -> dict
        Metrics of one pruned network against A: :func:`spectral`, or a closure over
        :func:`noiseprune.rectified.compare`.
    workers : int
        Draws computed at once, in threads (numpy, scipy and LAPACK release the GIL for
        the heavy parts). Each draw runs exactly as alone, so the results do not depend
        on it; each concurrent draw holds its own dense temporaries.

    Returns
    -------
    P : scipy.sparse.csr_array, shape (N, N)
        Keep probabilities (sparse: no dense N x N copy besides A).
    draws : iterator of (A_sparse, dict)
        In the order of ``rngs``, lazily: at most ``workers`` pruned networks' dense
        temporaries are alive at a time.
    """
    workers = _checks.positive_int(workers, "workers")
    P = pruning.probabilities(A, C, **probability, sparse=True)

    def draw(rng):
        A_sparse = pruning.prune(A, P, rng=rng, diagonal=diagonal)
        return A_sparse, measure(A_sparse)

    def concurrent():
        with ThreadPoolExecutor(workers) as pool:
            yield from pool.map(draw, rngs)

    return P, (draw(rng) for rng in rngs) if workers == 1 else concurrent()


def prune_methods(
    A: np.ndarray,
    C: np.ndarray | None,
    probabilities: Mapping[str, Mapping],
    *,
    diagonal: str,
    rngs: Callable[[str], Sequence[np.random.Generator]],
    measure: Callable[[sp.csr_array], dict],
    workers: int = 1,
) -> Iterator[tuple[str, sp.csr_array, Iterator[tuple[sp.csr_array, dict]]]]:
    """The draws of several methods on one network and covariance (one pruning job of the
    workflow), method by method, sharing A, C and ``measure`` (its eigendecomposition and
    Cholesky factor).

    ``probabilities`` maps each method to its keyword arguments of
    :func:`noiseprune.pruning.probabilities`; ``rngs(method)`` gives that method's
    generators, one per pruning seed. Yields ``(method, P, draws)`` as
    :func:`prune_and_measure` returns them for that method alone: a method's results do
    not depend on the other methods or their order.
    """
    for method, probability in probabilities.items():
        P, results = prune_and_measure(A, C, probability=probability, diagonal=diagonal, rngs=rngs(method),
                                       measure=measure, workers=workers)
        yield method, P, results
