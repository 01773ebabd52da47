"""``latechunk search "question" --store DIR``: the chunks closest to a question."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.cli.location import add_store_options
from latechunk.cli.output import print_results
from latechunk.cli.settings import SearchQuery, SearchSettings, add_model_options
from latechunk.defaults import DEFAULT_QUERY_TASK
from latechunk.options import CommandError, positive_int
from latechunk.store import BuildSettings, Hit, check_local, check_query
from latechunk.store.late_chunkers import build_late_chunker

if TYPE_CHECKING:
    from latechunk import LateChunker

LateChunkerFor = Callable[[Mapping[str, Any], BuildSettings], "LateChunker"]
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


def _late_chunker(given: Mapping[str, Any], stored: BuildSettings) -> LateChunker:
    return build_late_chunker(given, stored, searching=True)


def answer(
    query: SearchQuery, late_chunker_for: LateChunkerFor = _late_chunker, notes: list[str] | None = None
) -> list[Hit]:
    """The hits for ``query``: what a search does, here or in the background process. What the user should
    know about the answer (a store being written) is added to ``notes``."""
    text = checked_query(query.text)
    with query.location.open(create=False) as store:
        stored = store.settings()
        if stored is None:
            raise store.lost_records()
        check_query(stored, query.given, store.where)
        if store.snapshot:  # mid-write, chunks and records need not add up yet
            if notes is not None:
                notes.append(being_written(store.where))
        else:
            store.check_whole()
        late_chunker = late_chunker_for(query.given, stored)
        default_task = DEFAULT_QUERY_TASK if stored.task is not None else None
        vector = late_chunker.embed(text, task=query.given.get("task", default_task))
        return store.search(vector, query.top_k)


def being_written(where: str) -> str:
    return (
        f"{where} is being written by another process (latechunk index); searched the chunks it had stored when "
        "this search began"
    )


def print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"latechunk: note: {note}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    return search(SearchSettings.from_args(args))


def search(settings: SearchSettings) -> int:
    """The ``search`` command; returns the exit status."""
    from latechunk.cli import daemon_client

    if settings.stop:
        print(daemon_client.stop())
        return 0
    if settings.query is None:
        raise CommandError("give the question to search for (or --stop)")
    location = settings.location
    if location.path is None and location.url is None:
        raise CommandError("give --store DIR or --qdrant-url URL")
    checked_query(settings.query)
    hits = None
    if location.path is not None and not settings.no_daemon and not os.environ.get(NO_DAEMON_VARIABLE):
        check_local(Path(location.path).expanduser(), location.path, create=False)  # no process starts for nothing
        hits = daemon_client.search(settings.search_query(), settings.keep_alive)
    if hits is None:
        notes: list[str] = []
        hits = answer(settings.search_query(), notes=notes)
        print_notes(notes)
    print_results(hits, as_json=settings.as_json)
    return 0
