"""The options that say where a store lives: a folder on disk or a Qdrant server."""

from __future__ import annotations

import argparse
import os

from latechunk.store import DEFAULT_COLLECTION, StoreLocation

API_KEY_VARIABLE = "QDRANT_API_KEY"


def add_store_options(parser: argparse.ArgumentParser, *, required: bool = True, output: bool = False) -> None:
    """``--store DIR`` or ``--qdrant-url URL`` (one, ``required`` unless the command checks; with ``output``, also
    ``--output FORMAT DIR``), and ``--collection``."""
    group = parser.add_argument_group("store")
    where = group.add_mutually_exclusive_group(required=required)
    where.add_argument("--store", metavar="DIR", help="folder of an embedded Qdrant store (created by index)")
    where.add_argument(
        "--qdrant-url",
        metavar="URL",
        help=f"a Qdrant server or cluster instead of a folder (API key from ${API_KEY_VARIABLE})",
    )
    if output:
        where.add_argument(
            "--output", nargs=2, metavar=("FORMAT", "DIR"), help="with --ray: write files instead (parquet DIR)"
        )
    group.add_argument("--collection", default=DEFAULT_COLLECTION, help="collection name (default: %(default)s)")


def store_location(args: argparse.Namespace) -> StoreLocation:
    """The store the options name (a server's API key from ``$QDRANT_API_KEY``)."""
    return StoreLocation(
        path=args.store, url=args.qdrant_url, collection=args.collection, api_key=os.environ.get(API_KEY_VARIABLE)
    )
