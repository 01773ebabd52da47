"""HTML chunks: the visible text of block elements, under their headings, with offsets into the HTML source."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from itertools import accumulate

from latechunk.chunkers.structured import Block, Section, StructuredChunker
from latechunk.types import Span

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
"""Tags whose start or end ends the current block of text (inside a table row, only the row's own tags do)."""
HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math"})
"""Tags whose content is not visible text: never part of a chunk."""
_LINE_TAGS = frozenset({"pre", "table"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_ROW_ENDS = frozenset({"table", "tbody", "thead", "tfoot", "caption"})
"""Tags that end an open table row (browsers close a ``<tr>`` at them too)."""
_CELLS = frozenset({"td", "th"})
_COLLAPSIBLE_SPACE = re.compile(r"[ \t\n\r\f]+")


def _line_starts(text: str) -> list[int]:
    """Offset of the first character of each ``\\n``-separated line (``HTMLParser.getpos`` counts those)."""
    return [0, *accumulate(len(line) + 1 for line in text.split("\n")[:-1])]


class _TableRows:
    """Which table rows are open: one flag per open ``<table>`` (and one for rows outside any table)."""

    def __init__(self) -> None:
        self.open = [False]

    @property
    def inside(self) -> bool:
        return self.open[-1]

    def start(self, tag: str) -> None:
        if tag == "table":
            self.open.append(False)
        elif tag == "tr":
            self.open[-1] = True
        elif tag in _ROW_ENDS:
            self.open[-1] = False

    def end(self, tag: str) -> None:
        if tag == "table" and len(self.open) > 1:
            self.open.pop()  # a row of an outer table resumes after a table nested in it
        elif tag == "tr" or tag in _ROW_ENDS:
            self.open[-1] = False

    @staticmethod
    def ends_block(tag: str, inside: bool) -> bool:
        """Whether ``tag`` ends the current block: any block tag, but inside a row only the row's own bounds."""
        return tag in BLOCK_TAGS and (not inside or tag == "tr" or tag in _ROW_ENDS)


class _Scanner(HTMLParser):
    """Collects blocks of visible text as character spans of the raw HTML."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = _line_starts(text)
        self.hidden = 0
        self.open_lines = 0  # inside <pre> or <table>: a long block is cut at lines
        self.rows = _TableRows()
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
            self.open_lines += tag in _LINE_TAGS
            self.rows.start(tag)
            # a block tag ends an unclosed heading (<h1>Title<p>text); inside a row a heading is row text
            self.heading = (_HEADINGS[tag], []) if tag in _HEADINGS and not self.rows.inside else None
        elif tag in _LINE_TAGS:
            self.open_lines += 1
            self.rows.start(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif self.rows.ends_block(tag, self.rows.inside):
            self.close_block()
            self.open_lines = max(0, self.open_lines - (tag in _LINE_TAGS))
            self.rows.end(tag)
            if tag in _HEADINGS:
                self.heading = None
        elif tag in _LINE_TAGS:
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
        return f"HtmlChunker(max_tokens={self.max_tokens}, hard_max_tokens={self.hard_max_tokens})"


class _StopParsing(Exception):
    pass


class _Renderer(HTMLParser):
    """The visible text between two offsets of an HTML source, as lines of cells."""

    def __init__(self, text: str, start: int, end: int) -> None:
        super().__init__(convert_charrefs=False)
        self.text, self.start, self.end = text, start, end
        self.line_starts = _line_starts(text)
        self.hidden = 0
        self.preformatted = 0
        self.rows = _TableRows()
        self.lines: list[list[str]] = [[""]]  # each line a list of cells

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _check_end(self) -> None:
        if self.position() >= self.end:
            raise _StopParsing

    def _add(self, piece: str) -> None:
        self.lines[-1][-1] += piece

    def _break(self) -> None:
        if self.lines[-1] != [""]:
            self.lines.append([""])

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._check_end()
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        elif tag == "br":
            self._break()
        elif tag in _CELLS and self.rows.inside:
            if self.lines[-1][-1].strip():
                self.lines[-1].append("")
        elif self.rows.ends_block(tag, self.rows.inside):
            self._break()
        self.rows.start(tag)
        self.preformatted += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        self._check_end()
        if tag in HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif self.rows.ends_block(tag, self.rows.inside):
            self._break()
        self.rows.end(tag)
        self.preformatted = max(0, self.preformatted - (tag == "pre"))

    def handle_data(self, data: str) -> None:
        at = self.position()
        if at >= self.end:
            raise _StopParsing
        if self.hidden or at + len(data) <= self.start:
            return
        piece = data[max(0, self.start - at) : self.end - at]
        if not self.preformatted:
            piece = _COLLAPSIBLE_SPACE.sub(" ", piece)
            if piece.startswith(" ") and self.lines[-1][-1].endswith(" "):
                piece = piece[1:]  # one space where text on both sides of a tag had one
        self._add(piece)

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name};")

    def _reference(self, raw: str) -> None:
        at = self.position()
        if at >= self.end:
            raise _StopParsing
        if not self.hidden and at >= self.start:
            self._add(unescape(raw))

    def rendered(self) -> str:
        lines = (" | ".join(c for c in (cell.strip() for cell in line) if c) for line in self.lines)
        return "\n".join(line for line in lines if line)


def visible_text(html: str, start: int = 0, end: int | None = None) -> str:
    """The text a reader sees in ``html[start:end]`` (by default the whole page), for showing an HTML chunk.

    Tags are dropped, entities decoded (``&amp;`` -> ``&``) and the content of ``script``, ``style``,
    ``head`` and the like left out; block elements and ``<br>`` end a line, the cells of a table row
    are joined by ``" | "``, and whitespace is collapsed as a browser does (kept inside ``<pre>``).
    ``start`` and ``end`` are offsets into the source, such as an ``HtmlChunker`` chunk's; the page
    before ``start`` is read too, so a span inside ``<pre>`` or a hidden element is shown as it appears.
    """
    end = len(html) if end is None else end
    if not 0 <= start <= end <= len(html):
        raise ValueError(f"({start}, {end}) is not a span of an HTML text of length {len(html)}")
    renderer = _Renderer(html, start, end)
    try:
        renderer.feed(html)
        renderer.close()
    except _StopParsing:
        pass
    return renderer.rendered()
