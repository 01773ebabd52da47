"""The settings of ``index`` and ``search``: their model options (one per LateChunker setting), and the typed
settings built once from argparse's ``Namespace`` at the edge of each command."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from latechunk.cli.location import store_location
from latechunk.defaults import DEFAULT_DOCUMENT_TASK, DEFAULT_QUERY_TASK
from latechunk.documents import AUTO_CHUNKER
from latechunk.options import OMITTED, add_setting_option, given_settings
from latechunk.options.ray import RayOptions, ray_options
from latechunk.settings import setting_fields
from latechunk.store import StoreLocation

QUERY_SETTINGS = ("model", "task", "dimensions", "max_length", "device")
"""The settings a search hands to the background query process (the store's own settings fill the rest)."""


def add_model_options(parser: argparse.ArgumentParser, *, indexing: bool) -> None:
    """One option per LateChunker setting (from ``LateChunkerSettings``); left out, an option takes the store's
    setting or the Python API's default. Chunker options only when indexing."""
    group = parser.add_argument_group("model and chunking (default: the store's settings, else the Python API's)")
    for f in setting_fields():
        if f.name in OMITTED or (not indexing and f.metadata["group"] == "chunking"):
            continue
        suffix = ""
        if f.name == "chunker":
            suffix = (
                f" '{AUTO_CHUNKER}' (the default for a new store) picks one per file: markdown for "
                ".md/.markdown/.mdx, html for .html/.htm/.xhtml, sentences for the rest (PDFs, text); a name "
                "uses that chunker for every file"
            )
        if f.name == "task":
            default_task = DEFAULT_DOCUMENT_TASK if indexing else DEFAULT_QUERY_TASK
            suffix = f" 'none' for no task (default: {default_task})"
        add_setting_option(group, f, default=None, help_suffix=suffix, extra_chunkers=(AUTO_CHUNKER,))


@dataclass(frozen=True)
class IndexSettings:
    """What ``latechunk index`` was asked: the paths, the store (or ``output``: format and folder of files to
    write instead), the LateChunker settings ``given``, and ``ray`` to run on Ray."""

    paths: tuple[str, ...]
    location: StoreLocation
    given: Mapping[str, Any] = field(default_factory=dict)
    follow_links: bool = False
    output: tuple[str, str] | None = None
    ray: RayOptions | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> IndexSettings:
        return cls(
            paths=tuple(args.paths),
            location=store_location(args),
            given=given_settings(args),
            follow_links=args.follow_links,
            output=None if args.output is None else (args.output[0], args.output[1]),
            ray=ray_options(args),
        )


@dataclass(frozen=True)
class SearchQuery:
    """What one search needs, here or in the background query process: the text, how many hits, the store,
    and the LateChunker settings ``given`` (the store's own settings fill the rest)."""

    text: str
    top_k: int
    location: StoreLocation
    given: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The query for the background process: a store folder, and only the settings it takes."""
        given = {name: value for name, value in self.given.items() if name in QUERY_SETTINGS}
        where = {"path": self.location.path, "collection": self.location.collection}
        return {"text": self.text, "top_k": self.top_k, "location": where, "given": given}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SearchQuery:
        return cls(data["text"], data["top_k"], StoreLocation(**data["location"]), dict(data["given"]))


@dataclass(frozen=True)
class SearchSettings:
    """What ``latechunk search`` was asked: the query (``None`` with ``stop``), how to print it, and whether
    to use (and how long to keep) the background query process."""

    query: str | None
    top_k: int
    location: StoreLocation
    given: Mapping[str, Any]
    as_json: bool
    no_daemon: bool
    keep_alive: int
    stop: bool

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SearchSettings:
        return cls(
            query=args.query,
            top_k=args.top_k,
            location=store_location(args),
            given=given_settings(args),
            as_json=args.json,
            no_daemon=args.no_daemon,
            keep_alive=args.keep_alive,
            stop=args.stop,
        )

    def search_query(self) -> SearchQuery:
        assert self.query is not None
        return SearchQuery(self.query, self.top_k, self.location, self.given)
