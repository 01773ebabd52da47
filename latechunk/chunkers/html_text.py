"""The visible text of HTML: the tags the HTML chunker splits at, and a chunk's source span rendered as text."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from itertools import accumulate

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
"""Tags whose start or end ends the current block of text (inside a table row, only the row's own tags do)."""
HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math"})
"""Tags whose content is not visible text: never part of a chunk."""
LINE_TAGS = frozenset({"pre", "table"})
"""Tags inside which a long block is cut at lines rather than sentences."""
HEADINGS = {f"h{n}": n for n in range(1, 7)}
"""Heading tags and their levels."""
_ROW_ENDS = frozenset({"table", "tbody", "thead", "tfoot", "caption"})
"""Tags that end an open table row (browsers close a ``<tr>`` at them too)."""
_CELLS = frozenset({"td", "th"})
_COLLAPSIBLE_SPACE = re.compile(r"[ \t\n\r\f]+")


def line_starts(text: str) -> list[int]:
    """Offset of the first character of each ``\\n``-separated line (``HTMLParser.getpos`` counts those)."""
    return [0, *accumulate(len(line) + 1 for line in text.split("\n")[:-1])]


class TableRows:
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


class _StopParsing(Exception):
    pass


class _Renderer(HTMLParser):
    """The visible text between two offsets of an HTML source, as lines of cells."""

    def __init__(self, text: str, start: int, end: int) -> None:
        super().__init__(convert_charrefs=False)
        self.text, self.start, self.end = text, start, end
        self.line_starts = line_starts(text)
        self.hidden = 0
        self.preformatted = 0
        self.rows = TableRows()
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
