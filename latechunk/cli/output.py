"""Printing search results: rich on a terminal, plain text when piped, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from latechunk.cli.names import shown_path
from latechunk.store import Hit


def _one_line(text: str) -> str:
    return " ".join(text.split())


def location(meta: Mapping[str, Any]) -> str:
    """A chunk's place in its document from its metadata, compactly: ``p. 3`` (``pp. 3-4``) for PDF pages,
    then its heading path, ``› Canals › Water Supply``; empty when the metadata says neither."""
    parts = []
    first, last = meta.get("page_number"), meta.get("page_end")
    if isinstance(first, int):
        parts.append(f"pp. {first}-{last}" if isinstance(last, int) and last > first else f"p. {first}")
    headings = [_one_line(str(h)) for h in meta.get("headings") or () if str(h).strip()]
    parts += [f"› {h}" for h in headings]
    return " ".join(parts)


def _located(hit: Hit) -> str:
    where = location(hit.meta)
    return f" {where}" if where else ""


def print_json(hits: Sequence[Hit], stream: TextIO) -> None:
    json.dump([hit.to_json() for hit in hits], stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def print_plain(hits: Sequence[Hit], stream: TextIO) -> None:
    """Two lines per hit: rank, score, file:start-end (the name escaped) and the chunk's pages and headings
    (``location``); then [the chunk] with its context."""
    for rank, hit in enumerate(hits, 1):
        stream.write(f"{rank}. score {hit.score:.4f}  {shown_path(hit.file)}:{hit.start}-{hit.end}{_located(hit)}\n")
        before = _one_line(hit.context_before)
        after = _one_line(hit.context_after)
        parts = [f"...{before}" if before else "", f"[{_one_line(hit.text)}]", f"{after}..." if after else ""]
        stream.write("   " + " ".join(p for p in parts if p) + "\n\n")


def print_rich(hits: Sequence[Hit], stream: TextIO) -> None:
    """One panel per hit: the chunk in bold between its dimmed context."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console(file=stream)
    for rank, hit in enumerate(hits, 1):
        body = Text()
        body.append("..." + hit.context_before if hit.context_before else "", style="dim")
        body.append(hit.text, style="bold")
        body.append(hit.context_after + "..." if hit.context_after else "", style="dim")
        title = Text.assemble(
            (f"{rank}. ", "bold"),
            (shown_path(hit.file), "cyan"),
            f" [{hit.start}:{hit.end}]",
            (_located(hit), "magenta"),
            "  ",
            (f"score {hit.score:.4f}", "green"),
        )
        console.print(Panel(body, title=title, title_align="left"))


def print_results(hits: Sequence[Hit], *, as_json: bool = False, stream: TextIO | None = None) -> None:
    """JSON when asked, rich when ``stream`` is a terminal (and rich is installed), else plain text."""
    stream = sys.stdout if stream is None else stream
    if as_json:
        print_json(hits, stream)
    elif not hits:
        print("no results", file=sys.stderr)
    elif stream.isatty():
        try:
            print_rich(hits, stream)
        except ImportError:
            print_plain(hits, stream)
    else:
        print_plain(hits, stream)
