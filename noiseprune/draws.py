"""The draws of one (network, covariance, method, keep fraction): probabilities once,
then every pruning seed's pruned network and its spectral metrics.

One call loads nothing twice: the keep probabilities, the eigendecomposition of A and
the Cholesky factor of -A (for the spectral eps) are shared by all pruning seeds.
Each seed's pruned network and metrics are exactly those of separate
:func:`noiseprune.pruning.prune` and :func:`noiseprune.spectra.compare` calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from . import pruning, spectra


def prune_and_measure(
    A: np.ndarray,
    C: np.ndarray | None,
    *,
    probability: Mapping,
    diagonal: str,
    rngs: Sequence[np.random.Generator],
    eig: tuple[np.ndarray, np.ndarray] | None = None,
    metrics: str = "full",
) -> tuple[np.ndarray, Iterator[tuple[sp.csr_array, dict]]]:
    """Keep probabilities, then ``(A_sparse, metrics)`` for each generator of ``rngs``.

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
        One per pruning seed.
    eig : (w, V), optional
        Cached eigendecomposition of A (``metrics="full"``).
    metrics : {"full", "eps"}

    Returns
    -------
    P : ndarray, shape (N, N)
        Keep probabilities.
    draws : iterator of (A_sparse, dict)
        Lazily, so only one pruned network's dense temporaries are alive at a time.
    """
    P = pruning.probabilities(A, C, **probability)
    factor = spectra.stiffness_factor(A)

    def draws():
        for rng in rngs:
            A_sparse = pruning.prune(A, P, rng=rng, diagonal=diagonal)
            yield A_sparse, spectra.compare(A, A_sparse, eig=eig, metrics=metrics, factor=factor)

    return P, draws()
