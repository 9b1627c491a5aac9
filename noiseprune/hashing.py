"""sha256 records of result files: written with every file, checked on every load.

A file format catches truncation, not a changed value: an ``A.npy`` whose bytes were
altered (a disk error, a stray edit, a copy gone wrong) still loads, and every table
downstream comes out wrong without an error. So each writer of :mod:`noiseprune.io`
hashes its file before moving it into place and stores the digest as a hidden record
next to it, ``.<name>.sha256`` (one ``sha256sum`` line, so ``sha256sum -c`` reads it
too); each loader refuses a file whose digest differs from its record, or that has no
record (written by hand, or its record deleted: nothing downstream may trust it).

Command line (``make verify CONFIG=...``)::

    python -m noiseprune.hashing RESULTS_DIR [--config CONFIG]

rehashes every recorded file under RESULTS_DIR and names each one that changed, is
missing or has no record (``unrecorded``), with the command that regenerates it, and
lists the temporary files of killed runs (which the next run removes). Exit status 0
when everything matches, 1 when a file changed, is missing or is unrecorded, 2 when
RESULTS_DIR does not exist.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

RECORD_SUFFIX = ".sha256"
# Top-level folders of a results directory written by Snakemake itself, not by io.
UNRECORDED_DIRS = ("logs", "benchmarks")
#: Temporary files of noiseprune.io: ``.<name>.partial-<12 hex><suffix>``, renamed onto
#: <name> when complete; one left behind is from a run that was killed.
TEMPORARY_TAG = ".partial-"
_TEMPORARY = re.compile(r"^\..+\.partial-[0-9a-f]{12}(\.[A-Za-z0-9]+)?$")


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


#: Environment variable naming the config of the run (set for its jobs by the workflow),
#: so that the command printed inside a job names it.
CONFIG_ENV = "NOISEPRUNE_CONFIG"


def regenerate_hint(paths, config=None) -> str:
    """The command that rewrites the file(s) ``paths`` and everything computed from them
    (``make reproduce`` passes FORCERUN to ``snakemake --forcerun``); ``config`` defaults
    to the run's config (CONFIG_ENV) when there is one."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else paths
    config = config or os.environ.get(CONFIG_ENV)
    config = f" CONFIG={shlex.quote(str(config))}" if config else ""
    return f"make reproduce{config} FORCERUN={shlex.quote(' '.join(map(str, paths)))}"


def check(path) -> bool:
    """Raise :class:`IntegrityError` if ``path`` differs from its record or has none
    (every file the pipeline writes has one: a file without it was written by hand, or
    its record was deleted); True when it matches."""
    expected = recorded_digest(path)
    if expected is None:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
        raise IntegrityError(
            f"{path}: has no sha256 record ({record_path(path).name}): it was written by hand or its record "
            f"was deleted, so its contents cannot be trusted; regenerate it with: {regenerate_hint(path)}"
        )
    actual = sha256(path)
    if actual != expected:
        raise IntegrityError(
            f"{path}: contents changed since it was written (sha256 {actual[:12]} != recorded "
            f"{expected[:12]}); regenerate it with: {regenerate_hint(path)}"
        )
    return True


def is_temporary(path) -> bool:
    """Whether ``path`` is named like a temporary file of noiseprune.io."""
    return bool(_TEMPORARY.match(Path(path).name))


@dataclass
class Report:
    """Outcome of :func:`verify`: paths as found under the results directory."""

    verified: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    unrecorded: list[Path] = field(default_factory=list)
    temporary: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.unrecorded)


def verify(results_dir) -> Report:
    """Check every recorded file under ``results_dir``; list the files without a record
    (outside logs/ and benchmarks/, not hidden) and the temporaries of killed runs."""
    results_dir = Path(results_dir)
    report = Report()
    for root, dirs, files in os.walk(results_dir):
        dirs.sort()
        rel = Path(root).relative_to(results_dir)
        for name in sorted(files):
            path = Path(root) / name
            if is_temporary(name):
                report.temporary.append(path)
            elif is_record(name):
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
        print(f"unrecorded: {path} (no sha256 record: written by hand, or its record was deleted)\n"
              f"  regenerate with: {regenerate_hint(path, args.config)}")
    for path in report.temporary:
        print(f"temporary: {relative_to_cwd(path)} (left by a run that was killed; the next run removes it)")
    bad = changed + missing + unrecorded
    if len(bad) > 1:
        print(f"regenerate all with: {regenerate_hint(bad, args.config)}")
    checked = len(report.verified) + len(bad)
    summary = f"verified {checked} files, {len(changed)} changed, {len(missing)} missing, {len(unrecorded)} unrecorded"
    print(summary + (f"; {len(report.temporary)} temporary files of killed runs" if report.temporary else ""))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
