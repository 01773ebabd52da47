"""``latechunk search "question" --store DIR``: the chunks closest to a question."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from latechunk.cli.location import add_store_options, store_location
from latechunk.cli.output import print_results
from latechunk.cli.settings import add_model_options
from latechunk.options import CommandError, given_settings, positive_int, task_option
from latechunk.store import DEFAULT_QUERY_TASK, BuildSettings, Hit, StoreError, check_local, check_query
from latechunk.store.late_chunkers import build_late_chunker

if TYPE_CHECKING:
    from latechunk import LateChunker

LateChunkerFor = Callable[[argparse.Namespace, BuildSettings], "LateChunker"]
NO_DAEMON_VARIABLE = "LATECHUNK_NO_DAEMON"
DEFAULT_KEEP_ALIVE = 600


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="find the chunks closest to a question",
        description=(
            "Embed the question with the store's model and print the closest chunks with their file, character "
            "offsets (into the file's text; PDF pages are joined by form feeds), score and surrounding text. "
            "With --store, the model stays loaded in a background query process (one per user and "
            "installation, reached by a socket only you can open) that exits after --keep-alive seconds "
            f"(default {DEFAULT_KEEP_ALIVE}) without a search, so later searches answer in well under a second. "
            f"--no-daemon (or {NO_DAEMON_VARIABLE}=1) searches in this process instead; --stop ends the "
            "background process. Exit status: 0 on success (also with no results), 1 when the store is "
            "missing, damaged or the options disagree with it."
        ),
    )
    parser.add_argument("query", nargs="?", help="the question or search text")
    parser.add_argument("-k", "--top-k", type=positive_int, default=5, help="how many chunks (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    background = parser.add_argument_group("background query process")
    background.add_argument(
        "--no-daemon", action="store_true", help="load the model in this process; start or use no background one"
    )
    background.add_argument(
        "--keep-alive",
        type=positive_int,
        default=DEFAULT_KEEP_ALIVE,
        metavar="SECONDS",
        help="when starting the background process: how long it waits for the next search (default: %(default)s)",
    )
    background.add_argument(
        "--stop", action="store_true", help="stop the background query process and exit (no query needed)"
    )
    add_store_options(parser, required=False)
    add_model_options(parser, indexing=False)
    parser.set_defaults(func=run)


def checked_query(query: str) -> str:
    """The query, or a ``CommandError`` for text that is empty or not valid UTF-8 (lone surrogates from argv)."""
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as error:
        raw = os.fsencode(query)
        bad = raw[error.start : error.start + 1].hex() if error.start < len(raw) else "?"
        raise CommandError(
            f"the query is not valid UTF-8 text (byte 0x{bad} near character {error.start}); "
            "check the terminal's encoding (locale) or type the text again"
        ) from None
    if not query.strip():
        raise CommandError("the query is empty")
    return query


def _late_chunker(args: argparse.Namespace, stored: BuildSettings) -> LateChunker:
    return build_late_chunker(given_settings(args), stored, searching=True)


def answer(args: argparse.Namespace, late_chunker_for: LateChunkerFor = _late_chunker) -> list[Hit]:
    """The hits for ``args.query``: what a search does, here or in the background process."""
    query = checked_query(args.query)
    with store_location(args).open(create=False) as store:
        stored = store.settings()
        if stored is None:
            raise StoreError(f"{store.where} has no build settings; index into it again")
        check_query(stored, given_settings(args), store.where)
        store.check_whole()
        late_chunker = late_chunker_for(args, stored)
        task = task_option(args.task, DEFAULT_QUERY_TASK if stored.task is not None else None)
        vector = late_chunker.embed(query, task=task)
        return store.search(vector, args.top_k)


def run(args: argparse.Namespace) -> int:
    from latechunk.cli import daemon_client

    if args.stop:
        print(daemon_client.stop())
        return 0
    if args.query is None:
        raise CommandError("give the question to search for (or --stop)")
    if args.store is None and args.qdrant_url is None:
        raise CommandError("give --store DIR or --qdrant-url URL")
    checked_query(args.query)
    hits = None
    if args.store is not None and not args.no_daemon and not os.environ.get(NO_DAEMON_VARIABLE):
        check_local(Path(args.store).expanduser(), args.store, create=False)  # no process starts for nothing
        hits = daemon_client.search(args)
    if hits is None:
        hits = answer(args)
    print_results(hits, as_json=args.json)
    return 0
