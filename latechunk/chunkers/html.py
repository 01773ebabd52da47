"""HTML chunks: the visible text of block elements, under their headings, with offsets into the HTML source."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

from latechunk.chunkers.html_text import (
    BLOCK_TAGS,
    HEADINGS,
    HIDDEN_TAGS,
    LINE_TAGS,
    TableRows,
    line_starts,
    visible_text,
)
from latechunk.chunkers.structured import Block, Section, StructuredChunker
from latechunk.types import Span

__all__ = ["BLOCK_TAGS", "HIDDEN_TAGS", "HtmlChunker", "parse_html_sections", "visible_text"]


class _Scanner(HTMLParser):
    """Collects blocks of visible text as character spans of the raw HTML."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = line_starts(text)
        self.hidden = 0
        self.open_lines = 0  # inside <pre> or <table>: a long block is cut at lines
        self.rows = TableRows()
        self.heading: tuple[int, list[str]] | None = None  # level and title pieces of the open heading
        self.start: int | None = None  # first visible character of the open block
        self.end = 0
        self.blocks: list[tuple[Span, bool, bool, int, str]] = []  # span, prose, whole, heading level, title

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def close_block(self) -> None:
        if self.start is not None:
            level, title = (0, "") if self.heading is None else (self.heading[0], "".join(self.heading[1]))
            span = (self.start, self.end)
            self.blocks.append((span, self.open_lines == 0, self.rows.inside, level, " ".join(title.split())))
        self.start = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        elif self.rows.ends_block(tag, self.rows.inside):
            self.close_block()
            self.open_lines += tag in LINE_TAGS
            self.rows.start(tag)
            # a block tag ends an unclosed heading (<h1>Title<p>text); inside a row a heading is row text
            self.heading = (HEADINGS[tag], []) if tag in HEADINGS and not self.rows.inside else None
        elif tag in LINE_TAGS:
            self.open_lines += 1
            self.rows.start(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif self.rows.ends_block(tag, self.rows.inside):
            self.close_block()
            self.open_lines = max(0, self.open_lines - (tag in LINE_TAGS))
            self.rows.end(tag)
            if tag in HEADINGS:
                self.heading = None
        elif tag in LINE_TAGS:
            self.open_lines = max(0, self.open_lines - 1)
            self.rows.end(tag)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        at = self.position()
        stripped = data.strip()
        if not stripped:
            return
        first = at + len(data) - len(data.lstrip())
        if self.start is None:
            self.start = first
        self.end = first + len(stripped)
        if self.heading is not None:
            self.heading[1].append(data)

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name};")

    def _reference(self, raw: str) -> None:
        if self.hidden:
            return
        at = self.position()
        length = len(raw) if self.text.startswith(raw, at) else len(raw) - 1  # "&amp" without ";"
        if self.start is None:
            self.start = at
        self.end = at + length
        if self.heading is not None:
            self.heading[1].append(unescape(raw))


def parse_html_sections(text: str) -> list[Section]:
    """Sections of an HTML text from the standard library's ``html.parser``.

    A block is the visible text between two block-level tags, as a span of the source from its
    first to its last visible character (inline tags such as ``<b>`` inside it are kept); a table
    row (``<tr>``) is one block whatever its cells hold, so a label and its value stay together.
    The content of ``script``, ``style``, ``head`` and the like is skipped.
    """
    scanner = _Scanner(text)
    scanner.feed(text)
    scanner.close()
    scanner.close_block()
    sections = [Section(None, [])]
    stack: list[tuple[int, str]] = []
    pending: int | None = None
    for span, prose, whole, level, title in scanner.blocks:
        if level:
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, title)]
            if sections[-1].heading is not None and not sections[-1].blocks:
                empty = sections.pop().heading
                pending = empty[0] if pending is None and empty is not None else pending
            sections.append(Section(span if pending is None else (pending, span[1]), [t for _, t in stack]))
            pending = None
        else:
            sections[-1].blocks.append(Block(span, prose, whole))
    return [s for s in sections if s.heading is not None or s.blocks]


class HtmlChunker(StructuredChunker):
    """Splits HTML at block elements (paragraphs, list items, table rows, headings, ...).

    A chunk's text is the raw HTML from the first to the last visible character of its blocks
    (so ``document[start:end]`` holds, and inline tags inside are kept); hidden content
    (``script``, ``style``, ``head``) is never in a chunk's visible text, which ``visible_text``
    gives. A table row is one unit: its cells are never split between chunks unless the row alone
    holds more than ``hard_max_tokens`` tokens. Heading titles in the metadata are the visible text
    of the heading, whitespace collapsed. Packing as in ``StructuredChunker``.
    """

    def sections(self, text: str) -> list[Section]:
        return parse_html_sections(text)

    def __repr__(self) -> str:
        return f"HtmlChunker(chunk_size={self.chunk_size}, hard_max_tokens={self.hard_max_tokens})"
