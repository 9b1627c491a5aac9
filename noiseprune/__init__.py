"""noiseprune: noise-driven synaptic pruning of linear recurrent networks.

Moore & Chaudhuri, "Using noise to probe recurrent neural network structure
and prune synapses", NeurIPS 2020 (arXiv:2011.07334).

Modules
-------
networks    clustered random networks A = W - D
covariance  exact (Lyapunov) and empirical (simulated) noise covariance
pruning     sampling probabilities and the pruning step
spectra     eigenvalue / eigenvector / spectral-approximation metrics
dynamics    Euler-Maruyama trajectories and trajectory error
seeding     config-derived random generators
io          atomic, pickle-free array I/O
"""

__version__ = "0.1.0"

import importlib

_SUBMODULES = ("covariance", "dynamics", "io", "networks", "pruning", "seeding", "spectra")


def __getattr__(name):  # lazy submodule access: ``noiseprune.pruning`` without importing everything
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
