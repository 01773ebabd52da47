"""Where a chunk of a PDF's text lies: its pages, and the outline (bookmark) headings above it.

``readers.extract_text`` joins the pages' text with ``PAGE_BREAK`` (one character), so a chunk's
character offsets say which pages it covers. The outline pypdf reads (a PDF's bookmarks, which
is the heading structure it can see) is placed at the page each entry points to, at the title's
first occurrence on that page when the title is found there, else at the page's start.
"""

from __future__ import annotations

import bisect
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from latechunk.documents.reading import PAGE_BREAK, PDF_SUFFIXES
from latechunk.types import Span


@dataclass
class PdfLayout:
    """Page start offsets in the joined text and the outline as ``(offset, level, title)``, in order."""

    page_starts: list[int]
    outline: list[tuple[int, int, str]] = field(default_factory=list)

    def meta(self, span: Span) -> dict[str, Any]:
        """Metadata for a chunk: ``page_number`` and ``page_end`` (1-based), ``headings`` (outline path)."""
        start, end = span
        first = bisect.bisect_right(self.page_starts, start)
        last = bisect.bisect_right(self.page_starts, max(start, end - 1))
        path: list[tuple[int, str]] = []
        for offset, level, title in self.outline:
            if offset > start:
                break
            path = [(lv, t) for lv, t in path if lv < level] + [(level, title)]
        return {"page_number": first, "page_end": last, "headings": [t for _, t in path]}

    def to_json(self) -> str:
        """The layout as JSON text (``from_json`` reads it back), to travel in a dataset column."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PdfLayout:
        data = json.loads(text)
        return cls(list(data["page_starts"]), [(int(o), int(lv), str(t)) for o, lv, t in data["outline"]])


def page_starts(text: str) -> list[int]:
    """Offset of each page's first character in text joined with ``PAGE_BREAK``."""
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == PAGE_BREAK]


def pdf_layout(data: bytes, text: str) -> PdfLayout:
    """The layout of a PDF whose extracted text (pages joined by ``PAGE_BREAK``) is ``text``.

    A PDF without an outline, or one pypdf cannot read it from, gives pages only.
    """
    from pypdf import PdfReader

    starts = page_starts(text)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        entries = list(_flatten(reader, reader.outline, 1))
    except Exception:  # pypdf raises many types on broken outlines; pages still help
        return PdfLayout(starts)
    outline = []
    for page, level, title in entries:
        if not 0 <= page < len(starts):
            continue
        page_end = starts[page + 1] - 1 if page + 1 < len(starts) else len(text)
        found = text.find(title, starts[page], page_end) if title else -1
        outline.append((found if found >= 0 else starts[page], level, title))
    outline.sort(key=lambda entry: entry[0])
    return PdfLayout(starts, outline)


def read_layout(path: Path, data: bytes, text: str) -> PdfLayout | None:
    """``pdf_layout(data, text)`` for a PDF file, ``None`` for any other file."""
    return pdf_layout(data, text) if path.suffix.lower() in PDF_SUFFIXES else None


def _flatten(reader: Any, items: list, level: int):
    """``(page index, level, title)`` of each outline entry, depth first (nested lists are children)."""
    for item in items:
        if isinstance(item, list):
            yield from _flatten(reader, item, level + 1)
            continue
        page = reader.get_destination_page_number(item)
        if page is not None:
            yield page, level, " ".join(str(item.title or "").split())
