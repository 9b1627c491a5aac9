"""What one pruning job writes for each pruned network: a one-row summary (a dict, saved
as JSON) and per-eigenvalue columns (1-D arrays by column name, saved as parquet by
:func:`noiseprune.io.save_table`).

Built with numpy (and noiseprune.spectra) alone. Hundreds of short pruning jobs write these, and importing pandas
would add about 0.3 s to each of them; :mod:`noiseprune.pipeline.tables` and
:mod:`noiseprune.pipeline.tables_relu` gather the files into the pandas tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from noiseprune.spectra import unstable_modes, zero_modes

#: Columns naming one pruned network, in every table (noiseprune.pipeline.tables explains them).
ID_COLUMNS = ["network", "n", "seed", "covariance", "method", "keep_fraction", "prune_seed"]
_ID_TYPES = {
    "network": str,
    "n": int,
    "seed": int,
    "covariance": str,
    "method": str,
    "keep_fraction": float,
    "prune_seed": int,
}
_ARRAY_TYPES = {int: np.int64, float: np.float64}

#: Columns of the per-eigenpair table and the keys of spectra.compare's result they hold.
EIGEN_RESULT_KEYS = {
    "eigenvalue": "eigenvalues",
    "eigenvalue_pruned": "eigenvalues_pruned",
    "eig_err": "eig_err",
    "vec_err": "vec_err",
    "alignment": "alignment",
}
#: The same for the rectified-linear per-eigenvalue table (eigenvalues of the Jacobians).
RELU_EIGEN_RESULT_KEYS = {
    "eigenvalue": "eigenvalues",
    "eigenvalue_pruned": "eigenvalues_pruned",
    "eig_err": "eig_err",
}


def ids_of(ids: Mapping) -> dict:
    """The :data:`ID_COLUMNS` of ``ids``, each as its column's Python type; ValueError when some lack."""
    missing = [c for c in ID_COLUMNS if c not in ids]
    if missing:
        raise ValueError(f"ids lack {', '.join(missing)}")
    return {c: _ID_TYPES[c](ids[c]) for c in ID_COLUMNS}


def stat(fn, values) -> float:
    """``fn(values)`` as a float; NaN for no values."""
    values = np.asarray(values)
    return float(fn(values)) if values.size else math.nan


def _id_columns(ids: dict, size: int) -> dict:
    """Each id repeated `size` times (strings as a numpy str array of their own length,
    numbers as int64/float64)."""
    return {c: np.full(size, v, dtype=f"U{len(v)}" if isinstance(v, str) else _ARRAY_TYPES[type(v)]) for c, v in ids.items()}


def metrics_row(ids: Mapping, result: Mapping, *, edges_original: int, edges_kept: int) -> dict:
    """One summary row of a pruned network from :func:`noiseprune.spectra.compare`'s result.

    Medians and maxima are over the original eigenpairs (moduli of the complex errors
    for non-symmetric networks); NaN when the arrays are empty (``metrics="eps"``).
    ``zero_modes``, ``unstable_modes``: eigenvalues of the pruned network at 0 and with a
    positive real part (:func:`noiseprune.spectra.zero_modes`, ``unstable_modes``; NaN
    without eigenvalues).
    ``edges_target`` is keep_fraction x edges_original (the expected kept count asked for).
    """
    row = ids_of(ids)
    eig_err = np.abs(np.asarray(result.get("eig_err", [])))
    vec_err = np.abs(np.asarray(result.get("vec_err", [])))
    alignment = np.asarray(result.get("alignment", []), dtype=float)
    row.update(
        edges_original=int(edges_original),
        edges_kept=int(edges_kept),
        edges_target=float(row["keep_fraction"] * edges_original),
        median_abs_eig_err=stat(np.median, eig_err),
        max_abs_eig_err=stat(np.max, eig_err),
        median_abs_vec_err=stat(np.median, vec_err),
        median_alignment=stat(np.median, alignment),
        spectral_eps=float(result.get("spectral_eps", math.nan)),
        zero_modes=_count(zero_modes, result.get("eigenvalues_pruned", [])),
        unstable_modes=_count(unstable_modes, result.get("eigenvalues_pruned", [])),
    )
    return row


def _count(modes, eigenvalues) -> float:
    return float(modes(eigenvalues)) if len(eigenvalues) else math.nan


def eigen_columns(ids: Mapping, result: Mapping) -> dict[str, np.ndarray]:
    """Per-eigenpair columns of one pruned network (ids, ``index``, :data:`EIGEN_RESULT_KEYS`);
    length 0, with every column, when the result has no eigenpairs.

    Complex values (non-symmetric networks) are split: the real part stays in the column,
    the imaginary part goes to ``<column>_imag``.
    """
    data = {c: np.asarray(result.get(key, np.empty(0))) for c, key in EIGEN_RESULT_KEYS.items()}
    return _value_columns(ids, data)


def _value_columns(ids: Mapping, data: dict[str, np.ndarray], *, imag_for_all: bool = False) -> dict[str, np.ndarray]:
    """The ids repeated, ``index``, and each of ``data``'s columns: its real part, and its
    imaginary part as ``<column>_imag`` when complex (for every column, zeros for real
    ones, with ``imag_for_all``)."""
    sizes = {c: len(v) for c, v in data.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"per-eigenpair arrays differ in length: {sizes}")
    size = next(iter(sizes.values()))
    columns = _id_columns(ids_of(ids), size)
    columns["index"] = np.arange(size, dtype=np.int64)
    for c, values in data.items():
        columns[c] = values.real.astype(float)
        if imag_for_all or np.iscomplexobj(values):
            columns[f"{c}_imag"] = values.imag.astype(float)
    return columns


def relu_row(ids: Mapping, result: Mapping, *, edges_original: int, edges_kept: int) -> dict:
    """One row of relu.csv (without ``trajectory_err_end``) from :func:`noiseprune.rectified.compare`."""
    row = ids_of(ids)
    err = np.abs(np.asarray(result["eig_err"]))
    ok = result["status"] == "ok"
    row.update(
        active_fraction=float(result["active_fraction"]),
        status=str(result["status"]),
        edges_original=int(edges_original),
        edges_kept=int(edges_kept),
        active_fraction_pruned=float(result["active_fraction_pruned"]),
        fixed_point_err=float(result["fixed_point_err"]),
        active_set_mismatch=float(result["active_set_mismatch"]),
        median_abs_jac_eig_err=stat(np.median, err) if ok else math.nan,
        max_abs_jac_eig_err=stat(np.max, err) if ok else math.nan,
    )
    if ok and not all(math.isfinite(row[k]) for k in ("fixed_point_err", "active_set_mismatch", "max_abs_jac_eig_err")):
        raise ValueError(f"non-finite rectified-linear metrics with status ok: {row}")
    return row


def relu_eigen_columns(ids: Mapping, result: Mapping) -> dict[str, np.ndarray]:
    """Per-eigenvalue columns of one pruned rectified-linear network: the Jacobian's
    eigenvalues, the matched ones of the pruned network's and their errors
    (every ``<column>_imag`` when the original's are complex)."""
    data = {c: np.asarray(result[key]) for c, key in RELU_EIGEN_RESULT_KEYS.items()}
    return _value_columns(ids, data, imag_for_all=np.iscomplexobj(data["eigenvalue"]))


#: Columns of the excitatory/inhibitory balance table (balance.csv) after the ids.
BALANCE_COLUMNS = [
    "exc_input", "inh_input", "exc_input_pruned", "inh_input_pruned",
    "exc_input_err", "inh_input_err", "net_input_err",
]  # fmt: skip


def synaptic_inputs(A) -> tuple[np.ndarray, np.ndarray]:
    """Each neuron's summed excitatory input sum_{j != i, a_ij > 0} a_ij and inhibitory
    input sum_{j != i, a_ij < 0} |a_ij| (row i holds the weights onto neuron i), of a dense
    or a scipy.sparse matrix."""
    if hasattr(A, "tocoo"):
        M = A.tocoo()
        off = M.row != M.col
        rows, values = M.row[off], M.data[off]
        n = A.shape[0]
        exc = np.bincount(rows, weights=np.where(values > 0, values, 0.0), minlength=n)
        inh = np.bincount(rows, weights=np.where(values < 0, -values, 0.0), minlength=n)
        return exc, inh
    W = np.array(A, dtype=float)
    np.fill_diagonal(W, 0.0)
    return np.where(W > 0, W, 0.0).sum(axis=1), np.where(W < 0, -W, 0.0).sum(axis=1)


def _relative_error(pruned: np.ndarray, original: np.ndarray) -> float:
    """Median over the neurons with a nonzero original value of |pruned / original - 1|."""
    has = original > 0
    return stat(np.median, np.abs(pruned[has] / original[has] - 1.0))


def balance_row(ids: Mapping, A, A_sparse) -> dict:
    """One row of balance.csv: the excitatory and inhibitory input per neuron
    (:func:`synaptic_inputs`) of the original and of the pruned network.

    exc_input, inh_input (and ``_pruned``): means over neurons (inhibition as a
    magnitude); exc_input_err, inh_input_err: medians over neurons of the relative
    change of a neuron's excitatory (inhibitory) input; net_input_err: root mean square
    over neurons of the change of the net input (excitatory minus inhibitory) in units
    of the mean excitatory input of the original.
    """
    row = ids_of(ids)
    exc, inh = synaptic_inputs(A)
    exc_s, inh_s = synaptic_inputs(A_sparse)
    if exc.shape != exc_s.shape:
        raise ValueError(f"the pruned network has {exc_s.size} neurons, the original {exc.size}")
    scale = float(exc.mean())
    change = (exc_s - inh_s) - (exc - inh)
    row.update(
        exc_input=float(exc.mean()),
        inh_input=float(inh.mean()),
        exc_input_pruned=float(exc_s.mean()),
        inh_input_pruned=float(inh_s.mean()),
        exc_input_err=_relative_error(exc_s, exc),
        inh_input_err=_relative_error(inh_s, inh),
        net_input_err=float(np.sqrt(np.mean(change**2)) / scale) if scale > 0 else math.nan,
    )
    return row
