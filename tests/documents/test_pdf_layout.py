"""Pages and outline headings of a PDF, as chunk metadata (a PDF built here with pypdf)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from latechunk.documents.pdf_layout import PdfLayout, page_starts, pdf_layout
from latechunk.documents.reading import extract_text

pypdf = pytest.importorskip("pypdf")

PAGES = [
    ["Introduction", "Canals carried coal and iron."],
    ["Water Supply", "Reservoirs feed the summit pound."],
    ["Pumps lift water back up in summer."],
]


def make_pdf(pages: list[list[str]], outline: list[tuple[str, int, str | None]]) -> bytes:
    """A PDF with one Helvetica line per string; ``outline``: (title, page index, parent title)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        ops = "".join(f"BT /F1 12 Tf 72 {720 - 20 * i} Td ({line}) Tj ET\n" for i, line in enumerate(lines))
        stream = DecodedStreamObject()
        stream.set_data(ops.encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
    items = {}
    for title, page_index, parent in outline:
        items[title] = writer.add_outline_item(title=title, page_number=page_index, parent=items.get(parent))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pages_and_outline_headings_become_chunk_metadata():
    data = make_pdf(PAGES, [("Introduction", 0, None), ("Water Supply", 1, "Introduction")])
    text = extract_text(Path("x.pdf"), data)
    layout = pdf_layout(data, text)
    assert len(layout.page_starts) == 3
    assert [(level, title) for _, level, title in layout.outline] == [(1, "Introduction"), (2, "Water Supply")]
    reservoirs = text.index("Reservoirs")
    assert layout.meta((reservoirs, reservoirs + 10)) == {
        "page_number": 2,
        "page_end": 2,
        "headings": ["Introduction", "Water Supply"],
    }
    pumps = text.index("Pumps")
    assert layout.meta((text.index("Canals"), pumps + 5))["page_end"] == 3
    assert layout.meta((0, 5))["headings"] == ["Introduction"]


def test_a_pdf_without_outline_gives_pages_only():
    data = make_pdf(PAGES, [])
    text = extract_text(Path("x.pdf"), data)
    layout = pdf_layout(data, text)
    assert layout.outline == [] and layout.meta((0, 3)) == {"page_number": 1, "page_end": 1, "headings": []}


def test_page_starts_follow_the_page_break_character():
    assert page_starts("ab\fcd\f\fe") == [0, 3, 6, 7]
    assert PdfLayout([0, 3]).meta((3, 4))["page_number"] == 2
