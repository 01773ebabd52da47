"""The ``latechunk`` command: ``index`` documents into a store, ``search`` it, ``eval`` (when installed), ``serve``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from latechunk.cli import index, search
from latechunk.cli.memory import return_large_blocks
from latechunk.errors import LateChunkError
from latechunk.extras import MissingExtraError
from latechunk.options import CommandError
from latechunk.serve import command as serve_command

EPILOG = (
    "Exit status: 0 success; 1 an error reported as 'latechunk: error: ...' (missing store, settings that "
    "disagree with the store, nothing readable to index); 2 bad command line; 130 interrupted."
)


def _add_eval(subparsers: argparse._SubParsersAction) -> None:
    """Register ``eval`` from latechunk.eval.command; when it cannot be imported, say why on use."""
    try:
        from latechunk.eval.command import add_parser
    except ImportError as error:
        if getattr(error, "name", None) in ("latechunk.eval", "latechunk.eval.command"):
            return  # not part of this installation
        reason = str(error)

        def unavailable(args: argparse.Namespace) -> int:
            raise CommandError(f"the eval command cannot be loaded: {reason}")

        parser = subparsers.add_parser("eval", help="(unavailable) evaluate retrieval quality")
        parser.set_defaults(func=unavailable)
        return
    add_parser(subparsers)


def build_parser() -> argparse.ArgumentParser:
    """The ``latechunk`` argument parser with its subcommands."""
    from latechunk import __version__

    parser = argparse.ArgumentParser(
        prog="latechunk",
        description="Late-chunked semantic search over your documents: index a folder, then search it.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    index.add_parser(subparsers)
    search.add_parser(subparsers)
    _add_eval(subparsers)
    serve_command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return_large_blocks()
    try:
        return int(args.func(args))
    except (CommandError, LateChunkError, ValueError, OSError, MissingExtraError) as error:
        print(f"latechunk: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("latechunk: interrupted", file=sys.stderr)
        return 130


__all__ = ["build_parser", "main"]
