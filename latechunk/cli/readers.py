"""Finding documents under the paths a user gives and reading their text (.txt, .md, .pdf)."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from latechunk.cli.errors import missing_extra

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES
PAGE_BREAK = "\f"
"""What joins the text of consecutive PDF pages (offsets count it as one character)."""


class ReadError(Exception):
    """A document that cannot be read; the indexer reports it and goes on with the rest."""


@dataclass
class Found:
    """The documents found under the given paths, the folders searched, and the paths rejected."""

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def find_documents(paths: Iterable[str | Path]) -> Found:
    """Supported files given directly or found (recursively, hidden entries skipped) in folders.

    Paths are resolved to absolute paths; each file appears once, in a stable (sorted) order.
    """
    found = Found()
    seen: set[Path] = set()

    def add(file: Path) -> None:
        if file not in seen:
            seen.add(file)
            found.files.append(file)

    for given in paths:
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            found.folders.append(path)
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix.lower() in SUPPORTED_SUFFIXES and not _hidden(file, path):
                    add(file)
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                add(path)
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                found.problems.append((path, f"unsupported file type (supported: {kinds})"))
        else:
            found.problems.append((path, "no such file or folder"))
    return found


def read_bytes(path: Path) -> bytes:
    """The raw content of a file, or ``ReadError`` (permission denied, vanished, ...)."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise ReadError(error.strerror or str(error)) from error


def content_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes: equal hashes mean an unchanged file."""
    return hashlib.sha256(data).hexdigest()


def extract_text(path: Path, data: bytes) -> str:
    """The text of a document from its bytes: UTF-8 for text files, pypdf's text for PDFs."""
    if path.suffix.lower() in PDF_SUFFIXES:
        return _pdf_text(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(f"not UTF-8 text ({error.reason} at byte {error.start})") from error


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
