"""A document file loaded for indexing: its content hash, its text, how it was read and, for a PDF, its layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from latechunk.documents.pdf_layout import PdfLayout, read_layout
from latechunk.documents.reading import content_hash, read_bytes, read_document


@dataclass
class LoadedDocument:
    """A file's text (``note``: what was assumed to read it, when not plain UTF-8) and its content hash."""

    path: Path
    digest: str
    text: str
    note: str | None = None
    layout: PdfLayout | None = None


def load_document(path: Path, unchanged: str | None = None) -> LoadedDocument | None:
    """The document at ``path``; ``None`` when its content hash equals ``unchanged`` (the hash already indexed).

    Raises ``ReadError`` for a file that cannot be read or holds no text.
    """
    data = read_bytes(path)
    digest = content_hash(data)
    if digest == unchanged:
        return None
    document = read_document(path, data)
    return LoadedDocument(path, digest, document.text, document.note, read_layout(path, data, document.text))
