"""Reading a document's text from its file's bytes (.txt, Markdown, HTML, .pdf), and its content hash."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from latechunk.documents.decoding import Decoded, DecodeError, decode_text, scrubbed
from latechunk.extras import missing_extra

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".mdx", ".html", ".htm", ".xhtml"})
"""Files read as text (HTML as its source: the html chunker's offsets index the markup)."""
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES
PAGE_BREAK = "\f"
"""What joins the text of consecutive PDF pages (offsets count it as one character)."""


class ReadError(Exception):
    """A document that cannot be read; the indexer reports it and goes on with the rest."""


def read_bytes(path: Path) -> bytes:
    """The raw content of a file, or ``ReadError`` (permission denied, vanished, ...)."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise ReadError(error.strerror or str(error)) from error


def content_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes: equal hashes mean an unchanged file."""
    return hashlib.sha256(data).hexdigest()


def read_document(path: Path, data: bytes) -> Decoded:
    """The text of a document from its bytes (pypdf's text for PDFs) and what was assumed to read it."""
    if path.suffix.lower() in PDF_SUFFIXES:
        return scrubbed(Decoded(_pdf_text(data)))
    try:
        return decode_text(data)
    except DecodeError as error:
        raise ReadError(str(error)) from None


def extract_text(path: Path, data: bytes) -> str:
    """The text of a document from its bytes (see ``read_document``)."""
    return read_document(path, data).text


def _pdf_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as error:
        raise missing_extra("pypdf", error) from error
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed files are reported once, below
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReadError:
        raise
    except Exception as error:  # pypdf raises many types on broken files
        raise ReadError(f"cannot read PDF: {error}") from error
    text = PAGE_BREAK.join(pages)
    if pages and not text.strip(PAGE_BREAK + " \n\t"):
        raise ReadError("the PDF has no extractable text (a scanned PDF needs OCR first)")
    return text
