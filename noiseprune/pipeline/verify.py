"""``make verify``: rehash a whole results directory, and the command that regenerates a
damaged file (docs/architecture.md, "Verifying results").

Command line (``make verify CONFIG=...``)::

    python -m noiseprune.pipeline.verify RESULTS_DIR [--config CONFIG]

rehashes every recorded file under RESULTS_DIR and names each one that changed, is
missing or has no record (``unrecorded``), with the command that regenerates it, and
lists the temporary files of killed runs (which the next run removes). Exit status 0
when everything matches, 1 when a file changed, is missing or is unrecorded, 2 when
RESULTS_DIR does not exist.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from noiseprune.hashing import (
    IntegrityError,
    check,
    is_record,
    is_temporary,
    record_path,
    recorded_file,
)

# Top-level folders of a results directory written by Snakemake itself, not by io.
UNRECORDED_DIRS = ("logs", "benchmarks")

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


def hinted(error: IntegrityError) -> str:
    """``error``'s line with the command that regenerates its file (what a job prints)."""
    return f"{error}; regenerate it with: {regenerate_hint(error.path)}"


def relative_to_cwd(path) -> Path:
    """``path`` relative to the current directory if it lies below it (symlinks kept)."""
    relative = os.path.relpath(os.path.abspath(path))
    return Path(path) if Path(relative).parts[:1] == (os.pardir,) else Path(relative)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m noiseprune.pipeline.verify",
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
