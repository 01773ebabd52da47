"""``latechunk index PATH... --store DIR``: late-chunk files into a store, skipping unchanged ones.

The flow is ``latechunk.indexing.index_files``; ``--ray`` runs it on Ray (``latechunk.distributed``) instead
of in this process, and with ``--output parquet DIR`` writes the chunks to files instead of a store.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.cli.location import add_store_options
from latechunk.cli.names import shown, shown_path
from latechunk.cli.settings import IndexSettings, add_model_options
from latechunk.documents import SUPPORTED_SUFFIXES, Found, find_documents
from latechunk.extras import missing_extra
from latechunk.indexing import NOTHING_READ, LocalExecutor, index_files, nothing_read
from latechunk.options import CommandError
from latechunk.options.ray import add_ray_options

if TYPE_CHECKING:
    from latechunk.distributed.indexing import RayExecutor

PARQUET = "parquet"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index",
        help="late-chunk and embed documents into a store",
        description=(
            f"Read {', '.join(sorted(SUPPORTED_SUFFIXES))} files (folders are searched recursively), chunk and "
            "embed them by late chunking, and store the chunks. Unchanged files are skipped, changed files "
            "replaced, files gone from an indexed folder removed. Files that cannot be read are reported on stderr "
            "and skipped. Exit status: 0 when at least one document was indexed or found unchanged, 1 when none "
            "could be read or the options disagree with the store."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    parser.add_argument(
        "--follow-links",
        action="store_true",
        help="follow symbolic links that lead outside the given folders (default: only links inside them)",
    )
    add_store_options(parser, output=True)
    add_model_options(parser, indexing=True)
    add_ray_options(parser)
    parser.set_defaults(func=run)


class PrintedReport:
    """What an index run skipped, assumed and repaired, printed on stderr."""

    def skipped(self, path: Path | str, problem: str) -> None:
        print(f"latechunk: skipped {shown_path(path)}: {problem}", file=sys.stderr)

    def note(self, path: Path | str, note: str) -> None:
        print(f"latechunk: note: {shown_path(path)}: {note}", file=sys.stderr)

    def warn(self, message: str) -> None:
        print(f"latechunk: {message}", file=sys.stderr)


def _found(settings: IndexSettings, report: PrintedReport) -> Found:
    found = find_documents(settings.paths, follow_links=settings.follow_links)
    for path, problem in found.problems:
        report.skipped(path, problem)
    if not found.files:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise CommandError(f"found no documents to index ({kinds}) in {' '.join(shown(p) for p in settings.paths)}")
    return found


def run(args: argparse.Namespace) -> int:
    return index(IndexSettings.from_args(args))


def index(settings: IndexSettings) -> int:
    """The ``index`` command; returns the exit status."""
    if settings.output is not None and settings.ray is None:
        raise CommandError("--output needs --ray; without it, index into --store DIR or --qdrant-url URL")
    report = PrintedReport()
    found = _found(settings, report)
    if settings.ray is None:
        tally, where = index_files(settings.location, found, settings.given, LocalExecutor(), report)
    else:
        if find_spec("ray") is None:
            raise missing_extra("ray", ModuleNotFoundError("No module named 'ray'"), "distributed")
        from latechunk.distributed.indexing import RayExecutor

        with RayExecutor(settings.ray) as executor:
            if settings.output is not None:
                return _write_parquet(executor, settings.output, found, settings.given, report)
            tally, where = index_files(settings.location, found, settings.given, executor, report)
    print(
        f"indexed {tally.indexed} file(s) ({tally.chunks} chunks), {tally.unchanged} unchanged, "
        f"{tally.failed} skipped, {tally.removed} removed: {where}"
    )
    if nothing_read(tally):
        raise CommandError(NOTHING_READ)
    return 0


def _write_parquet(
    executor: RayExecutor, output: tuple[str, str], found: Found, given: Mapping[str, Any], report: PrintedReport
) -> int:
    kind, folder = output
    if kind != PARQUET:
        raise CommandError(f"--output {kind!r} is not supported; use --output parquet DIR")
    result = executor.write_parquet(found.files, given, folder)
    for path, problem in result.failed:
        report.skipped(path, problem)
    print(
        f"wrote {result.chunks} chunks of {result.files} file(s), {len(found.problems) + len(result.failed)} "
        f"skipped: parquet {folder}"
    )
    if result.files == 0:
        raise CommandError(NOTHING_READ)
    return 0
