import contextlib
import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from noiseprune import io


@contextlib.contextmanager
def umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


WRITERS = {
    "dense.npy": lambda p: io.save_dense(p, np.arange(6.0).reshape(2, 3)),
    "arrays.npz": lambda p: io.save_arrays(p, a=np.ones(3), b=np.array(["x"])),
    "sparse.npz": lambda p: io.save_sparse(p, sp.eye_array(4, format="csr")),
    "doc.json": lambda p: io.save_json(p, {"a": 1}),
    "table.csv": lambda p: io.save_table(p, pd.DataFrame({"a": [1, 2]})),
    "table.parquet": lambda p: io.save_table(p, pd.DataFrame({"a": [1, 2]})),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_result_files_honour_the_umask(tmp_path, name):
    # mkstemp made every result 0600: unreadable to collaborators on shared storage
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    with umask(0o022):
        WRITERS[name](tmp_path / name)
    assert mode(tmp_path / name) == 0o644
    with umask(0o077):
        WRITERS[name](tmp_path / "private" / name)
    assert mode(tmp_path / "private" / name) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "private"])  # no temporary left


def test_replacing_a_file_gives_the_new_mode_and_content(tmp_path):
    path = tmp_path / "x.npy"
    with umask(0o077):
        io.save_dense(path, np.zeros(2))
    assert mode(path) == 0o600
    with umask(0o022):
        io.save_dense(path, np.ones(2))
    assert mode(path) == 0o644
    np.testing.assert_array_equal(io.load_dense(path), np.ones(2))


def test_failed_write_leaves_neither_file_nor_temporary(tmp_path):
    path = tmp_path / "x.json"
    with pytest.raises(RuntimeError), io.atomic_path(path) as tmp:
        assert tmp.exists() and tmp.name.startswith(".x.json.") and tmp.suffix == ".json"
        raise RuntimeError("job killed")
    assert list(tmp_path.iterdir()) == []


def test_round_trips(tmp_path):
    M = sp.random_array((5, 5), density=0.3, format="csr", rng=0)
    io.save_sparse(tmp_path / "m.npz", M)
    assert (io.load_sparse(tmp_path / "m.npz") != M).nnz == 0
    io.save_arrays(tmp_path / "a.npz", w=np.arange(3.0))
    np.testing.assert_array_equal(io.load_arrays(tmp_path / "a.npz")["w"], np.arange(3.0))


def test_json_writes_nan_and_infinity_as_null(tmp_path):
    nan, inf = float("nan"), float("inf")
    io.save_json(tmp_path / "x.json", {"a": nan, "b": [1.0, inf, {"c": -inf}], "d": np.float64(nan), "e": 2.5, "f": (nan, 3)})

    def reject(token):
        raise AssertionError(f"{token} written to JSON")

    doc = json.loads((tmp_path / "x.json").read_text(), parse_constant=reject)
    assert doc == {"a": None, "b": [1.0, None, {"c": None}], "d": None, "e": 2.5, "f": [None, 3]}
