"""Loading a document for indexing: its hash, its text, and nothing more when it is unchanged."""

from __future__ import annotations

import pytest

from latechunk.documents import ReadError, chunker_for, content_hash, load_document

from .test_pdf_layout import PAGES, make_pdf


def test_an_unchanged_file_is_not_read_further(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("café".encode("latin-1"))
    assert load_document(path, unchanged=content_hash(path.read_bytes())) is None
    document = load_document(path, unchanged="another hash")
    assert document is not None and document.text == "café" and document.digest == content_hash(path.read_bytes())
    assert document.note is not None and "CP1252" in document.note and document.layout is None


def test_a_pdf_comes_with_its_layout_and_a_broken_file_with_the_reason(tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(make_pdf(PAGES, [("Introduction", 0, None)]))
    document = load_document(pdf)
    assert document is not None and document.layout is not None and len(document.layout.page_starts) == 3
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ReadError, match="empty file"):
        load_document(tmp_path / "empty.txt")


@pytest.mark.parametrize(
    ("setting", "path", "chunker"),
    [
        ("auto", "a/b.MD", "markdown"),
        ("auto", "x.htm", "html"),
        ("auto", "x.pdf", "sentences"),
        ("tokens", "x.md", "tokens"),
    ],
)
def test_auto_picks_a_chunker_by_suffix(setting, path, chunker):
    assert chunker_for(setting, path) == chunker
