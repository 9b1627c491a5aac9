import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import subprocess

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from noiseprune import hashing, io


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
    "columns.parquet": lambda p: io.save_table(p, {"a": np.arange(2), "b": np.array(["x", "yz"])}),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_result_files_honour_the_umask(tmp_path, name):
    # mkstemp made every result 0600: unreadable to collaborators on shared storage
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    record = f".{name}.sha256"
    with umask(0o022):
        WRITERS[name](tmp_path / name)
    assert mode(tmp_path / name) == mode(tmp_path / record) == 0o644  # collaborators can verify too
    with umask(0o077):
        WRITERS[name](tmp_path / "private" / name)
    assert mode(tmp_path / "private" / name) == mode(tmp_path / "private" / record) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, record, "private"])  # no temporary left


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


def test_json_and_table_loaders_round_trip(tmp_path):
    io.save_json(tmp_path / "d.json", {"a": [1, 2.5], "b": None})
    assert io.load_json(tmp_path / "d.json") == {"a": [1, 2.5], "b": None}
    frame = pd.DataFrame({"network": ["x", "y"], "value": [0.25, 1.5]})
    io.save_table(tmp_path / "t.csv", frame)
    pd.testing.assert_frame_equal(io.load_table(tmp_path / "t.csv"), frame)
    pytest.importorskip("pyarrow")
    io.save_table(tmp_path / "t.parquet", frame)
    pd.testing.assert_frame_equal(io.load_table(tmp_path / "t.parquet"), frame)
    filtered = io.load_table(tmp_path / "t.parquet", filters=[("network", "==", "y")])
    assert filtered["value"].tolist() == [1.5]


@pytest.mark.parametrize(
    "columns, name, error",
    [
        ({"a": np.arange(2), "b": np.arange(3)}, "t.parquet", "one length"),
        ({"a": np.ones((2, 2))}, "t.parquet", "1-D"),
        ({"a": np.array([{}, None], dtype=object)}, "t.parquet", "dtype object"),
        ({"a": np.arange(2)}, "t.csv", "parquet only"),
    ],
)
def test_column_tables_reject_what_parquet_would_store_wrongly(tmp_path, columns, name, error):
    with pytest.raises((ValueError, TypeError), match=error):
        io.save_table(tmp_path / name, columns)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


# ------------------------------------------------------------------ sha256 records


def test_every_writer_records_the_sha256_of_what_it_wrote(tmp_path):
    for name, write in WRITERS.items():
        write(tmp_path / name)
        digest = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        assert (tmp_path / f".{name}.sha256").read_text() == f"{digest}  {name}\n", name
    # the records are sha256sum's format: `sha256sum -c` accepts them
    if shutil.which("sha256sum"):
        records = sorted(p.name for p in tmp_path.glob(".*.sha256"))
        proc = subprocess.run(["sha256sum", "-c", *records], cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0 and proc.stdout.count(": OK") == len(WRITERS), proc.stdout + proc.stderr


def test_overwriting_a_file_rewrites_its_record(tmp_path):
    path = tmp_path / "x.npy"
    io.save_dense(path, np.zeros(3))
    io.save_dense(path, np.ones(3))
    np.testing.assert_array_equal(io.load_dense(path), np.ones(3))


def change_one_value(path):
    """Add 0.5 to the first element of a .npy's data, in place: still a valid .npy."""
    array = np.load(path)
    array.flat[0] += 0.5
    with open(path, "r+b") as fh:
        fh.seek(-array.nbytes, os.SEEK_END)
        fh.write(array.tobytes())
    np.load(path)  # still a valid file


LOADERS = {
    "dense.npy": io.load_dense,
    "mmap.npy": lambda p: io.load_dense(p, mmap_mode="r"),
    "arrays.npz": io.load_arrays,
    "sparse.npz": io.load_sparse,
    "doc.json": io.load_json,
    "table.csv": io.load_table,
    "table.parquet": io.load_table,
}


@pytest.mark.parametrize("name", list(LOADERS))
def test_loaders_refuse_a_file_changed_since_it_was_written(tmp_path, name):
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    path = tmp_path / name
    WRITERS["dense.npy" if name == "mmap.npy" else name](path)
    LOADERS[name](path)  # accepted as written
    if name.endswith(".npy"):
        change_one_value(path)
    else:  # one byte of the body changed, length kept
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    with pytest.raises(io.IntegrityError) as err:
        LOADERS[name](path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: contents changed since it was written (sha256 ")
    assert message.endswith(" != recorded " + hashing.recorded_digest(path)[:12] + ")")


def test_loaders_refuse_a_file_without_a_record(tmp_path):
    """Every file the pipeline writes has a record: one without it was written by hand,
    or its record was deleted, and nothing downstream may trust it."""
    np.save(tmp_path / "own.npy", np.arange(3.0))
    with pytest.raises(io.IntegrityError, match=r"own\.npy: has no sha256 record"):
        io.load_dense(tmp_path / "own.npy")
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "own.csv", index=False)
    with pytest.raises(io.IntegrityError, match=r"own\.csv: has no sha256 record"):
        io.load_table(tmp_path / "own.csv")


def test_a_symlink_at_the_destination_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.json").symlink_to(victim)
    (tmp_path / "out" / ".x.json.sha256").symlink_to(victim)
    io.save_json(tmp_path / "out" / "x.json", {"a": 1})
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "out" / "x.json").is_symlink() and io.load_json(tmp_path / "out" / "x.json") == {"a": 1}


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_a_directory_that_cannot_take_the_file_is_one_line_naming_it(tmp_path, monkeypatch, code):
    """A read-only or full results directory (simulated: the tests may run as root, whom
    permissions do not stop): one line naming the directory, and nothing left behind."""
    real_replace = os.replace

    def failing(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(io.os, "replace", failing)
    with pytest.raises(io.WriteError) as err:
        io.save_dense(tmp_path / "net" / "A.npy", np.zeros(3))
    assert str(err.value) == f"cannot write into {tmp_path / 'net'}: {os.strerror(code)}"
    monkeypatch.setattr(io.os, "replace", real_replace)
    assert list((tmp_path / "net").iterdir()) == []


