"""What is kept with each chunk besides its vector: the text around it and its metadata (headings, PDF pages)."""

from __future__ import annotations

from typing import Any

from latechunk.documents.pdf_layout import PdfLayout

CONTEXT_CHARS = 80
"""Characters of surrounding text stored with each chunk and shown by search."""


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """About ``width`` characters before and after ``text[start:end]``, cut at a space where there is one."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    if start > width and " " in before:
        before = before[before.index(" ") + 1 :]
    if end + width < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    return before, after


def chunk_meta(meta: dict[str, Any], layout: PdfLayout | None, start: int, end: int) -> dict[str, Any]:
    """What the store keeps of a chunk's metadata: the chunker's (Markdown/HTML ``headings``), and for a
    PDF its ``page_number``, ``page_end`` and outline ``headings`` (``PdfLayout.meta``)."""
    return dict(meta) if layout is None else {**meta, **layout.meta((start, end))}
