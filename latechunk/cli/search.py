"""``latechunk search "question" --store DIR``: the chunks closest to a question."""

from __future__ import annotations

import argparse

from latechunk.cli.errors import CliError
from latechunk.cli.location import add_store_options, open_store
from latechunk.cli.output import print_results
from latechunk.cli.settings import (
    DEFAULT_QUERY_TASK,
    add_model_options,
    check_query,
    make_chunker,
    positive_int,
    task_option,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="find the chunks closest to a question",
        description=(
            "Embed the question with the store's model and print the closest chunks with their file, character "
            "offsets (into the file's text; PDF pages are joined by form feeds), score and surrounding text. "
            "Exit status: 0 on success (also with no results), 1 when the store is missing or the options "
            "disagree with it."
        ),
    )
    parser.add_argument("query", help="the question or search text")
    parser.add_argument("-k", "--top-k", type=positive_int, default=5, help="how many chunks (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    add_store_options(parser)
    add_model_options(parser, indexing=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_store(args, create=False) as store:
        stored = store.settings()
        if stored is None:
            raise CliError(f"{store.where} has no build settings; index into it again")
        check_query(stored, args, store.where)
        chunker, _ = make_chunker(args, stored, indexing=False)
        task = task_option(args.task, DEFAULT_QUERY_TASK if stored.task is not None else None)
        vector = chunker.embed(args.query, task=task)
        hits = store.search(vector, args.top_k)
    print_results(hits, as_json=args.json)
    return 0
