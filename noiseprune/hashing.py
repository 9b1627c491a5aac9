"""sha256 records of result files: written with every file, checked on every load.

A file format catches truncation, not a changed value: an ``A.npy`` whose bytes were
altered (a disk error, a stray edit, a copy gone wrong) still loads, and every table
downstream comes out wrong without an error. So each writer of :mod:`noiseprune.io`
hashes its file before moving it into place and stores the digest as a hidden record
next to it, ``.<name>.sha256`` (one ``sha256sum`` line, so ``sha256sum -c`` reads it
too); each loader refuses a file whose digest differs from its record, or that has no
record (written by hand, or its record deleted: nothing downstream may trust it).

The pipeline's ``make verify`` (:mod:`noiseprune.pipeline.verify`) rehashes a whole
results directory and says how to regenerate what it finds.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

RECORD_SUFFIX = ".sha256"
#: Temporary files of noiseprune.io: ``.<name>.partial-<12 hex><suffix>``, renamed onto
#: <name> when complete; one left behind is from a run that was killed.
TEMPORARY_TAG = ".partial-"
_TEMPORARY = re.compile(r"^\..+\.partial-[0-9a-f]{12}(\.[A-Za-z0-9]+)?$")


class IntegrityError(ValueError):
    """A file's contents differ from the sha256 recorded when it was written, or it has
    no record; ``path`` is the file."""

    def __init__(self, path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = Path(path)


def sha256(path) -> str:
    """Hex sha256 of the file at ``path``, read in chunks (constant memory)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def record_path(path) -> Path:
    """The record of ``path``: the hidden file ``.<name>.sha256`` next to it."""
    path = Path(path)
    return path.with_name(f".{path.name}{RECORD_SUFFIX}")


def is_record(path) -> bool:
    name = Path(path).name
    return name.startswith(".") and name.endswith(RECORD_SUFFIX) and len(name) > 1 + len(RECORD_SUFFIX)


def recorded_file(record) -> Path:
    """The data file that the record ``record`` describes (inverse of :func:`record_path`)."""
    record = Path(record)
    return record.with_name(record.name[1 : -len(RECORD_SUFFIX)])


def record_text(digest: str, name: str) -> str:
    """The record's content, ``sha256sum`` format: digest, two spaces, file name."""
    return f"{digest}  {name}\n"


def recorded_digest(path) -> str | None:
    """The digest recorded for ``path``; None if it has no record."""
    try:
        text = record_path(path).read_text()
    except FileNotFoundError:
        return None
    digest, _, name = text.rstrip("\n").partition("  ")
    if len(digest) != 64 or name != Path(path).name:
        raise IntegrityError(record_path(path), f"not a sha256 record of {Path(path).name}: {text[:80]!r}")
    return digest


def check(path) -> bool:
    """Raise :class:`IntegrityError` if ``path`` differs from its record or has none
    (every file the pipeline writes has one: a file without it was written by hand, or
    its record was deleted); True when it matches."""
    expected = recorded_digest(path)
    if expected is None:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
        raise IntegrityError(
            path, f"has no sha256 record ({record_path(path).name}): it was written by hand or its record "
            "was deleted, so its contents cannot be trusted",
        )
    actual = sha256(path)
    if actual != expected:
        raise IntegrityError(
            path, f"contents changed since it was written (sha256 {actual[:12]} != recorded {expected[:12]})"
        )
    return True


def is_temporary(path) -> bool:
    """Whether ``path`` is named like a temporary file of noiseprune.io."""
    return bool(_TEMPORARY.match(Path(path).name))


def remove_temporaries(results_dir) -> list[Path]:
    """Delete the temporary files that killed runs left under ``results_dir`` (call it
    only while holding the directory's run lock: a live run's temporaries are in use)."""
    removed = []
    for root, _, files in os.walk(results_dir):
        for name in files:
            if is_temporary(name):
                path = Path(root) / name
                path.unlink(missing_ok=True)
                removed.append(path)
    return sorted(removed)
