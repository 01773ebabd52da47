"""Finding documents under the paths a user gives and reading their text (.txt, Markdown, HTML, .pdf)."""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from latechunk.cli.decoding import Decoded, DecodeError, decode_text, scrubbed
from latechunk.cli.errors import missing_extra

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".mdx", ".html", ".htm", ".xhtml"})
"""Files read as text (HTML as its source: the html chunker's offsets index the markup)."""
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


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


class _Walk:
    """One recursive walk: symbolic links followed only to targets inside the given folders (or anywhere with
    ``follow_links``); broken links, links that lead outside and link loops are reported, never silently lost."""

    def __init__(self, found: Found, follow_links: bool) -> None:
        self.found = found
        self.follow_links = follow_links
        self.seen: set[Path] = set()  # resolved paths of files taken
        self.visited: set[Path] = set()  # resolved folders walked

    def add(self, file: Path) -> None:
        real = file.resolve()
        if real not in self.seen:
            self.seen.add(real)
            self.found.files.append(file)

    def folder(self, folder: Path) -> None:
        real = folder.resolve()
        if real in self.visited:
            return
        self.visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            self.found.problems.append((folder, f"cannot list folder: {error.strerror or error}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders
            path = folder / entry.name
            if entry.is_symlink():
                self.link(path)
            elif entry.is_dir():
                self.folder(path)
            elif path.suffix.lower() in SUPPORTED_SUFFIXES and entry.is_file():
                self.add(path)

    def link(self, path: Path) -> None:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # missing target, or a loop of links
            self.found.problems.append((path, f"broken symbolic link (to {os.readlink(path)})"))
            return
        if not self.follow_links and not _inside(target, self.found.folders):
            kind = "folder" if target.is_dir() else "file"
            self.found.problems.append(
                (path, f"symbolic link to the {kind} {target} outside the indexed folders (--follow-links takes it)")
            )
        elif target.is_dir():
            self.folder(path)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES or target.suffix.lower() in SUPPORTED_SUFFIXES:
            self.add(path)


def find_documents(paths: Iterable[str | Path], *, follow_links: bool = False) -> Found:
    """Supported files given directly or found (recursively, hidden entries skipped) in folders.

    Paths are made absolute; each file appears once (by its resolved path), in a stable (sorted) order.
    Inside folders, symbolic links are followed only to targets inside the given folders unless
    ``follow_links``; every link not followed is in ``problems``. A file named directly is always read.
    """
    found = Found()
    given = [Path(p).expanduser() for p in paths]
    for path in given:
        if path.is_dir():
            found.folders.append(path.resolve())
    walk = _Walk(found, follow_links)
    for path in given:
        if path.is_dir():
            walk.folder(path.resolve())
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                walk.add(path.absolute())
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                found.problems.append((path.absolute(), f"unsupported file type (supported: {kinds})"))
        elif path.is_symlink():
            found.problems.append((path.absolute(), f"broken symbolic link (to {os.readlink(path)})"))
        else:
            found.problems.append((path.absolute(), "no such file or folder"))
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
