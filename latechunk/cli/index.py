"""``latechunk index PATH... --store DIR``: late-chunk files into a store, skipping unchanged ones.

The flow is ``latechunk.indexing.index_files``; ``--ray`` runs it on Ray (``latechunk.distributed``) instead
of in this process, and with ``--output parquet DIR`` writes the chunks to files instead of a store.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from latechunk.cli.location import add_store_options, store_location
from latechunk.cli.names import shown, shown_path
from latechunk.cli.settings import add_model_options
from latechunk.documents import SUPPORTED_SUFFIXES, Found, find_documents
from latechunk.extras import missing_extra
from latechunk.indexing import NOTHING_READ, LocalExecutor, index_files, nothing_read
from latechunk.options import CommandError, given_settings, positive_int

if TYPE_CHECKING:
    from latechunk.distributed.indexing import RayExecutor, RayOptions

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


def add_ray_options(parser: argparse.ArgumentParser) -> None:
    """``--ray``, ``--workers``, ``--gpus-per-worker``, ``--cpus-per-worker``, ``--batch-docs``."""
    group = parser.add_argument_group('distributed (needs pip install "latechunk[distributed]")')
    group.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on Ray: 'auto' (the running cluster, else a local one) or a cluster address (ray://host:10001)",
    )
    group.add_argument("--workers", type=positive_int, default=1, help="model actors (default: %(default)s)")
    group.add_argument(
        "--gpus-per-worker", type=float, help="GPUs per actor (default: 1 when the cluster has GPUs, else 0)"
    )
    group.add_argument("--cpus-per-worker", type=float, default=1.0, help="CPUs per actor (default: %(default)s)")
    group.add_argument(
        "--batch-docs", type=positive_int, default=64, help="documents per actor call (default: %(default)s)"
    )


class PrintedReport:
    """What an index run skipped, assumed and repaired, printed on stderr."""

    def skipped(self, path: Path | str, problem: str) -> None:
        print(f"latechunk: skipped {shown_path(path)}: {problem}", file=sys.stderr)

    def note(self, path: Path | str, note: str) -> None:
        print(f"latechunk: note: {shown_path(path)}: {note}", file=sys.stderr)

    def warn(self, message: str) -> None:
        print(f"latechunk: {message}", file=sys.stderr)


def _ray_executor(args: argparse.Namespace) -> RayExecutor:
    try:
        from latechunk.distributed.indexing import RayExecutor, RayOptions
    except ImportError as error:
        raise missing_extra("ray", error, "distributed") from error
    options: RayOptions = RayOptions(
        address=args.ray,
        workers=args.workers,
        gpus_per_worker=args.gpus_per_worker,
        cpus_per_worker=args.cpus_per_worker,
        batch_docs=args.batch_docs,
    )
    return RayExecutor(options)


def _found(args: argparse.Namespace, report: PrintedReport) -> Found:
    found = find_documents(args.paths, follow_links=args.follow_links)
    for path, problem in found.problems:
        report.skipped(path, problem)
    if not found.files:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise CommandError(f"found no documents to index ({kinds}) in {' '.join(shown(p) for p in args.paths)}")
    return found


def run(args: argparse.Namespace) -> int:
    if args.output is not None and args.ray is None:
        raise CommandError("--output needs --ray; without it, index into --store DIR or --qdrant-url URL")
    report = PrintedReport()
    found = _found(args, report)
    given = given_settings(args)
    if args.ray is None:
        tally, where = index_files(store_location(args), found, given, LocalExecutor(), report)
    else:
        with _ray_executor(args) as executor:
            if args.output is not None:
                return _write_parquet(executor, args.output, found, given, report)
            tally, where = index_files(store_location(args), found, given, executor, report)
    print(
        f"indexed {tally.indexed} file(s) ({tally.chunks} chunks), {tally.unchanged} unchanged, "
        f"{tally.failed} skipped, {tally.removed} removed: {where}"
    )
    if nothing_read(tally):
        raise CommandError(NOTHING_READ)
    return 0


def _write_parquet(executor: RayExecutor, output: list[str], found: Found, given: dict, report: PrintedReport) -> int:
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
