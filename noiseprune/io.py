"""Atomic, pickle-free, verified storage of arrays, tables and JSON documents.

Every writer goes to a temporary file in the destination directory and is
moved into place with ``os.replace``, so an interrupted job never leaves a
truncated file under its final name. Before the move, the file's sha256 is
recorded next to it (:mod:`noiseprune.hashing`); every loader refuses a file
whose contents no longer match its record.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from noiseprune import hashing
from noiseprune.hashing import IntegrityError  # noqa: F401  (io.IntegrityError for callers)


def _create_temp(directory: Path, prefix: str, suffix: str) -> Path:
    """Create a new empty file ``directory/prefix<random>suffix`` with mode 0666 minus the umask.

    Like ``tempfile.mkstemp`` (exclusive creation, so never an existing file or link),
    but mkstemp always uses mode 0600, which left result files unreadable to
    collaborators on shared storage; ``os.open`` applies the process umask (0644
    under umask 022) and any default ACL of the directory.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(tempfile.TMP_MAX):
        tmp = directory / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no unused temporary name {prefix}XXXX{suffix} in {directory}")


class WriteError(OSError):
    """A results file could not be written (read-only or full disk, no permission); the
    message is one line naming the directory."""

    def __str__(self) -> str:
        return self.strerror


@contextlib.contextmanager
def _replacing(path: Path, suffix: str):
    """Yield a new temporary file next to ``path`` (``.<name>.partial-<hex><suffix>``,
    :data:`noiseprune.hashing.TEMPORARY_TAG`); rename it onto ``path`` if the body
    succeeds, delete it if not. ``os.replace`` replaces a symbolic link at ``path``,
    never writes through it. A failing write raises :class:`WriteError`."""
    try:
        tmp = _create_temp(path.parent, f".{path.name}{hashing.TEMPORARY_TAG}", suffix)
    except OSError as err:
        raise _write_error(path, err) from None
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.errno in _DISK_ERRORS and not isinstance(err, WriteError):
            raise _write_error(path, err) from None
        raise


#: errno values of a directory that cannot take the file (not a bug of the writer).
_DISK_ERRORS = {errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EDQUOT}


def _write_error(path: Path, err: OSError) -> WriteError:
    return WriteError(err.errno, f"cannot write into {path.parent}: {err.strerror or err}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path next to ``path``; on success record its sha256 and rename
    it onto ``path``.

    The record (``.<name>.sha256``, :mod:`noiseprune.hashing`) is written first, then
    the file moved into place, both atomically. The file is created with the permissions
    of an ordinary new file (0666 minus the umask), so results are as readable as
    anything else the user writes.

    ``suffix`` is appended to the temporary name (numpy appends ``.npy``/``.npz``
    to names lacking it, so pass the real extension).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _write_error(path, err) from None
    with _replacing(path, suffix or path.suffix) as tmp:
        yield tmp
        digest = hashing.sha256(tmp)
        with _replacing(hashing.record_path(path), "") as record:
            record.write_text(hashing.record_text(digest, path.name))


def save_dense(path, array: np.ndarray) -> None:
    """Write one dense array as ``.npy``."""
    with atomic_path(path, ".npy") as tmp:
        np.save(tmp, np.asarray(array), allow_pickle=False)


def load_dense(path, mmap_mode: str | None = None) -> np.ndarray:
    """Read a ``.npy`` array written by :func:`save_dense` (never unpickles).

    Every loader checks the file against its sha256 record first and raises
    :class:`noiseprune.hashing.IntegrityError` if it changed since it was written.
    """
    hashing.check(path)
    return np.load(path, allow_pickle=False, mmap_mode=mmap_mode)


def save_arrays(path, **arrays) -> None:
    """Write several named arrays into one uncompressed ``.npz``."""
    with atomic_path(path, ".npz") as tmp:
        np.savez(tmp, **{k: np.asarray(v) for k, v in arrays.items()})


def load_arrays(path) -> dict[str, np.ndarray]:
    """Read every array of an ``.npz`` written by :func:`save_arrays`."""
    hashing.check(path)
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def save_sparse(path, matrix) -> None:
    """Write a sparse matrix/array as CSR ``.npz``."""
    with atomic_path(path, ".npz") as tmp:
        sp.save_npz(tmp, sp.csr_array(matrix), compressed=False)


def load_sparse(path) -> sp.csr_array:
    """Read a sparse ``.npz`` as ``scipy.sparse.csr_array``."""
    hashing.check(path)
    return sp.csr_array(sp.load_npz(path))


def save_json(path, obj) -> None:
    """Write a JSON document atomically; NaN and infinite floats become null (JSON has
    no NaN), at any depth of dicts, lists and tuples."""

    def finite(value):
        if isinstance(value, float):
            return value if np.isfinite(value) else None
        if isinstance(value, dict):
            return {k: finite(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [finite(v) for v in value]
        return value

    with atomic_path(path, ".json") as tmp:
        tmp.write_text(json.dumps(finite(obj), indent=2, sort_keys=True, allow_nan=False) + "\n")


def load_json(path):
    """Read a JSON document written by :func:`save_json`."""
    hashing.check(path)
    with open(path) as fh:
        return json.load(fh)


def save_table(path, table) -> None:
    """Write a table as ``.csv`` or ``.parquet`` (by extension), atomically.

    ``table`` is a pandas DataFrame, or a mapping of column names to 1-D arrays of one
    length, which is written to parquet through pyarrow alone (no pandas import: the
    per-draw tables of the short pruning jobs). ``load_table`` reads either back as a
    DataFrame with the same columns and dtypes.
    """
    path = Path(path)
    if isinstance(table, Mapping):
        if path.suffix != ".parquet":
            raise ValueError(f"a table given as columns is written as .parquet only, not {path.name}")
        _save_columns(path, table)
        return
    with atomic_path(path, path.suffix) as tmp:
        if path.suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False)


def _save_columns(path: Path, columns: Mapping) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {name: np.asarray(values) for name, values in columns.items()}
    shapes = {name: a.shape for name, a in arrays.items()}
    if len({a.shape for a in arrays.values()}) > 1 or any(a.ndim != 1 for a in arrays.values()):
        raise ValueError(f"table columns must be 1-D arrays of one length, got shapes {shapes}")
    for name, a in arrays.items():
        if a.dtype.kind not in "iufU":
            raise TypeError(f"table column {name!r} has dtype {a.dtype}; expected numbers or str")
    table = pa.Table.from_arrays([_arrow_array(pa, a) for a in arrays.values()], names=list(arrays))
    with atomic_path(path, path.suffix) as tmp:
        pq.write_table(table, tmp)


def _arrow_array(pa, a: np.ndarray):
    """An arrow array from a numeric or str numpy array, built from its buffers:
    ``pa.array`` would import pandas (about 0.3 s) to check for a Series."""
    if a.dtype.kind == "U":
        encoded = [s.encode() for s in a.tolist()]
        offsets = np.zeros(len(a) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
        return pa.Array.from_buffers(pa.large_string(), len(a), buffers)
    a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))
    return pa.Array.from_buffers(pa.from_numpy_dtype(a.dtype), len(a), [None, pa.py_buffer(a)])


def load_table(path, **kwargs):
    """Read a table written by :func:`save_table` (``.csv`` or ``.parquet`` by extension);
    ``kwargs`` go to ``pandas.read_parquet`` / ``pandas.read_csv`` (e.g. ``filters``)."""
    import pandas as pd

    hashing.check(path)
    return pd.read_parquet(path, **kwargs) if Path(path).suffix == ".parquet" else pd.read_csv(path, **kwargs)
