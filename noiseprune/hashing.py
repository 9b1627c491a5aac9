"""sha256 records of result files: written with every file, checked on every load.

A file format catches truncation, not a changed value: an ``A.npy`` whose bytes were
altered (a disk error, a stray edit, a copy gone wrong) still loads, and every table
downstream comes out wrong without an error. So each writer of :mod:`noiseprune.io`
hashes its file before moving it into place and stores the digest as a hidden record
next to it, ``.<name>.sha256`` (one ``sha256sum`` line, so ``sha256sum -c`` reads it
too); each loader refuses a file whose digest differs from its record. A file without
a record (written by hand or by an older version) is loaded unchecked.

Command line (``make verify CONFIG=...``)::

    python -m noiseprune.hashing RESULTS_DIR [--config CONFIG]

rehashes every recorded file under RESULTS_DIR and names each one that changed or is
missing, with the command that regenerates it. Files without a record are listed as
``unrecorded`` but are not an error. Exit status 0 when everything matches, 1 when a
file changed or is missing, 2 when RESULTS_DIR does not exist.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

RECORD_SUFFIX = ".sha256"
# Top-level folders of a results directory written by Snakemake itself, not by io.
UNRECORDED_DIRS = ("logs", "benchmarks")


class IntegrityError(ValueError):
    """A file's contents differ from the sha256 recorded when it was written."""


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
        raise IntegrityError(f"{record_path(path)}: not a sha256 record of {Path(path).name}: {text[:80]!r}")
    return digest


def regenerate_hint(paths, config=None) -> str:
    """The command that rewrites the file(s) ``paths`` and everything computed from them
    (``make reproduce`` passes FORCERUN to ``snakemake --forcerun``)."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else paths
    config = f" CONFIG={shlex.quote(str(config))}" if config else ""
    return f"make reproduce{config} FORCERUN={shlex.quote(' '.join(map(str, paths)))}"


def check(path) -> bool:
    """Raise :class:`IntegrityError` if ``path`` differs from its record; True if it was
    checked, False if it has no record (accepted unchecked)."""
    expected = recorded_digest(path)
    if expected is None:
        return False
    actual = sha256(path)
    if actual != expected:
        raise IntegrityError(
            f"{path}: contents changed since it was written (sha256 {actual[:12]} != recorded "
            f"{expected[:12]}); regenerate it with: {regenerate_hint(path)}"
        )
    return True


@dataclass
class Report:
    """Outcome of :func:`verify`: paths as found under the results directory."""

    verified: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    unrecorded: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing)


def verify(results_dir) -> Report:
    """Check every recorded file under ``results_dir``; list the files without a record
    (outside logs/ and benchmarks/, not hidden)."""
    results_dir = Path(results_dir)
    report = Report()
    for root, dirs, files in os.walk(results_dir):
        dirs.sort()
        rel = Path(root).relative_to(results_dir)
        for name in sorted(files):
            path = Path(root) / name
            if is_record(name):
                target = recorded_file(path)
                if not target.is_file():
                    report.missing.append(target)
                    continue
                try:
                    check(target)
                except IntegrityError:
                    report.changed.append(target)
                    continue
                report.verified.append(target)
            elif not name.startswith(".") and not (rel.parts[:1] and rel.parts[0] in UNRECORDED_DIRS):
                if not record_path(path).exists():
                    report.unrecorded.append(path)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
    return report


def relative_to_cwd(path) -> Path:
    """``path`` relative to the current directory if it lies below it (symlinks kept)."""
    relative = os.path.relpath(os.path.abspath(path))
    return Path(path) if Path(relative).parts[:1] == (os.pardir,) else Path(relative)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m noiseprune.hashing",
        description="Rehash every recorded result file; name each one that changed or is missing.",
    )
    parser.add_argument("results_dir", help="the results directory of a config")
    parser.add_argument("--config", help="the config that wrote it (used in the regenerate commands)")
    args = parser.parse_args(argv)
    if not Path(args.results_dir).is_dir():
        print(f"verify: results directory {args.results_dir} does not exist", file=sys.stderr)
        return 2
    report = verify(args.results_dir)
    # Snakemake matches --forcerun files by their path relative to its working directory
    # (an absolute path is "no rule to produce"): name files relative to where make runs.
    changed, missing, unrecorded = ([relative_to_cwd(p) for p in paths]
                                    for paths in (report.changed, report.missing, report.unrecorded))
    for kind, paths in (("changed", changed), ("missing", missing)):
        for path in paths:
            print(f"{kind}: {path}\n  regenerate with: {regenerate_hint(path, args.config)}")
    for path in unrecorded:
        print(f"unrecorded: {path} (no sha256 record: written by hand or by an older version; not checked)")
    if len(changed) + len(missing) > 1:
        print(f"regenerate all with: {regenerate_hint(changed + missing, args.config)}")
    checked = len(report.verified) + len(changed) + len(missing)
    summary = f"verified {checked} files, {len(changed)} changed, {len(missing)} missing"
    print(summary + (f"; {len(unrecorded)} without a record not checked" if unrecorded else ""))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
