"""What a reader sees of a piece of HTML source: its visible text (tags, comments, scripts and styles left out,
character references decoded). Offsets of an HTML chunk index the source; this is only for showing it.

A small reader on the standard library's ``html.parser``, for the command line's results (the html chunker
has its own parser for cutting blocks).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import PurePath

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
"""Elements whose content is not part of the page's visible text."""
BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "td", "th", "table", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "header", "footer", "nav", "aside", "main", "hr"}
)
"""Elements whose boundaries separate words (a cell from the next one)."""


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def is_html(path: str | PurePath) -> bool:
    """Whether ``path`` names an HTML file (read as its source, chunked by the html chunker under ``auto``)."""
    return PurePath(path).suffix.lower() in HTML_SUFFIXES


def visible_text(source: str, *, cut_before: bool = False, cut_after: bool = False) -> str:
    """The visible text of ``source``, a piece of HTML, whitespace runs collapsed to one space.

    ``cut_before``: the piece may begin inside a tag (text up to the first ``>`` that comes before any ``<``
    is dropped); ``cut_after``: it may end inside one (a ``<`` never closed is dropped with what follows).
    """
    if cut_before:
        close, opening = source.find(">"), source.find("<")
        if close != -1 and (opening == -1 or close < opening):
            source = source[close + 1 :]
    if cut_after:
        opening = source.rfind("<")
        if opening != -1 and source.find(">", opening) == -1:
            source = source[:opening]
    parser = _Visible()
    parser.feed(source)
    parser.close()
    return " ".join("".join(parser.parts).split())
