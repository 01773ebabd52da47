"""``latechunk index`` picks a chunker per file (``auto``), stores each chunk's metadata, and ``search`` shows it;
all through the installed console script, as a user runs it (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from latechunk.store import Store

from ..documents.test_pdf_layout import make_pdf
from .console import latechunk
from .test_console_defects import assert_clean_error

GUIDE = (
    "# Canals\n\nCanals carried coal and iron from the mines to the growing towns, and some detail.\n\n"
    "## Water Supply\n\nReservoirs feed the summit pound, so that boats can pass the locks all summer long.\n\n"
    "## Tunnels\n\nLegging was the way boatmen walked a narrow boat through a tunnel lying on their backs.\n"
)
PAGE = (
    "<html><head><title>Lights</title><style>p {color: red}</style></head><body>"
    "<h1>Lighthouses</h1><p>A lighthouse warns ships away from rocks and shallow reefs at night.</p>"
    "<h2>Lenses</h2><p>The Fresnel lens bends the lamp's light into one beam seen far out at sea.</p>"
    "</body></html>"
)
REPORT_PAGES = [
    ["Introduction", "Comets are small icy bodies on long orbits."],
    ["Tails", "Sunlight and the solar wind push gas and dust into two tails."],
]
NOTES = "Emperor penguins breed in the Antarctic winter. The male keeps the single egg warm on his feet."


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    docs = tmp_path_factory.mktemp("mixed") / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE, encoding="utf-8")
    (docs / "page.html").write_text(PAGE, encoding="utf-8")
    (docs / "notes.txt").write_text(NOTES, encoding="utf-8")
    outline = [("Introduction", 0, None), ("Tails", 1, "Introduction")]
    (docs / "report.pdf").write_bytes(make_pdf(REPORT_PAGES, outline))
    return docs


@pytest.fixture(scope="module")
def auto_store(folder, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("auto") / "store"
    result = latechunk("index", folder, "--store", store)
    assert result.returncode == 0, result.stderr
    assert "indexed 4 file(s)" in result.stdout
    return store


def chunks_by_file(store: Path) -> dict[str, list[dict]]:
    """Every stored chunk payload, by file name, in chunk order."""
    with Store.open(str(store), create=False) as opened:
        points, _ = opened.client.scroll(opened.collection, limit=10_000, with_payload=True)
    found: dict[str, list[dict]] = {}
    for point in points:
        found.setdefault(Path(point.payload["path"]).name, []).append(point.payload)
    return {name: sorted(chunks, key=lambda c: c["index"]) for name, chunks in found.items()}


def recorded_chunker(store: Path) -> str:
    with Store.open(str(store), create=False) as opened:
        settings = opened.settings()
    assert settings is not None
    return settings.chunker


def heads(output: str) -> list[str]:
    return [line for line in output.splitlines() if line[:1].isdigit()]


def test_auto_chunks_markdown_and_html_by_structure_and_stores_headings_and_pages(auto_store):
    assert recorded_chunker(auto_store) == "auto"
    chunks = chunks_by_file(auto_store)
    guide = chunks["guide.md"]
    # the Markdown chunker: a heading opens its section's chunk (the sentence chunker stuck it to the one before)
    assert [c["text"].split("\n")[0] for c in guide] == ["# Canals", "## Water Supply", "## Tunnels"]
    assert [c["meta"] for c in guide] == [
        {"headings": ["Canals"]},
        {"headings": ["Canals", "Water Supply"]},
        {"headings": ["Canals", "Tunnels"]},
    ]
    page = chunks["page.html"]  # the HTML chunker: visible text only, offsets into the source
    assert [c["meta"]["headings"] for c in page] == [["Lighthouses"], ["Lighthouses", "Lenses"]]
    assert all("color: red" not in c["text"] and PAGE[c["start"] : c["end"]] == c["text"] for c in page)
    report = chunks["report.pdf"]
    assert {c["meta"]["page_number"] for c in report} <= {1, 2}
    last = report[-1]
    assert last["meta"]["page_end"] == 2 and last["meta"]["headings"][0] == "Introduction"
    assert chunks["notes.txt"] == [{**chunks["notes.txt"][0], "meta": {}}]  # sentences: no metadata


def test_search_shows_heading_path_and_pages_in_its_result_lines_and_json(auto_store):
    plain = latechunk("search", "reservoirs feed the summit pound", "--store", auto_store, "-k", "1")
    assert plain.returncode == 0, plain.stderr
    line = heads(plain.stdout)[0]
    assert "guide.md:" in line and line.endswith(" › Canals › Water Supply"), line

    pdf = latechunk("search", "solar wind pushes the comet's tails", "--store", auto_store, "-k", "1")
    line = heads(pdf.stdout)[0]
    assert "report.pdf:" in line and (" p. 2 › Introduction" in line or " pp. 1-2 › Introduction" in line), line

    hits = json.loads(latechunk("search", "Fresnel lens beam", "--store", auto_store, "-k", "1", "--json").stdout)
    assert Path(hits[0]["file"]).name == "page.html"
    assert hits[0]["meta"] == {"headings": ["Lighthouses", "Lenses"]}

    notes = latechunk("search", "penguin egg", "--store", auto_store, "-k", "1")
    line = heads(notes.stdout)[0]
    assert "notes.txt:" in line and "›" not in line and " p. " not in line  # nothing to show: nothing added


def test_a_forced_chunker_is_used_for_every_file_and_a_store_keeps_its_choice(folder, auto_store, tmp_path):
    store = tmp_path / "sentences"
    result = latechunk("index", folder, "--store", store, "--chunker", "sentences")
    assert result.returncode == 0, result.stderr
    assert recorded_chunker(store) == "sentences"
    guide = chunks_by_file(store)["guide.md"]
    assert all(c["meta"] == {} for c in guide)  # the sentence chunker: no heading path

    refused = latechunk("index", folder, "--store", store, "--chunker", "auto")
    assert_clean_error(refused, "--chunker 'sentences', not 'auto'")
    refused = latechunk("index", folder, "--store", auto_store, "--chunker", "markdown")
    assert_clean_error(refused, "--chunker 'auto', not 'markdown'")
    again = latechunk("index", folder, "--store", auto_store, "--chunker", "auto")
    assert again.returncode == 0 and "4 unchanged" in again.stdout


def test_a_store_written_before_auto_and_metadata_keeps_working(folder, tmp_path):
    """A store recording ``sentences`` whose payloads have no ``meta`` (as before): searched and extended as before."""
    store = tmp_path / "old"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text(NOTES, encoding="utf-8")
    assert latechunk("index", docs, "--store", store, "--chunker", "sentences").returncode == 0
    with Store.open(str(store), create=False) as opened:  # drop what older versions did not write
        points, _ = opened.client.scroll(opened.collection, limit=100)
        opened.client.delete_payload(opened.collection, keys=["meta"], points=[p.id for p in points])
    assert all("meta" not in c for c in chunks_by_file(store)["notes.txt"])

    found = latechunk("search", "penguin egg", "--store", store, "-k", "1", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["meta"] == {}
    plain = latechunk("search", "penguin egg", "--store", store, "-k", "1")
    assert heads(plain.stdout)[0].split(":")[-1].replace("-", "").isdigit()  # "file:start-end", nothing after

    (docs / "guide.md").write_text(GUIDE, encoding="utf-8")  # a Markdown file added later: still sentences
    added = latechunk("index", docs, "--store", store)
    assert added.returncode == 0 and "indexed 1 file(s)" in added.stdout, added.stderr
    assert all(c["meta"] == {} for c in chunks_by_file(store)["guide.md"])
    assert recorded_chunker(store) == "sentences"


def test_help_says_what_auto_does():
    result = latechunk("index", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "{html,markdown,paragraphs,semantic,sentences,tokens,auto}" in text
    assert "'auto' (the default for a new store) picks one per file" in text


@pytest.mark.parametrize(
    ("meta", "shown"),
    [
        ({}, ""),
        ({"headings": []}, ""),
        ({"headings": ["Canals", "Water Supply"]}, "› Canals › Water Supply"),
        ({"page_number": 3, "page_end": 3, "headings": []}, "p. 3"),
        ({"page_number": 3, "page_end": 4, "headings": ["Intro", "Two\nlines"]}, "pp. 3-4 › Intro › Two lines"),
    ],
)
def test_the_location_in_a_result_line_is_compact(meta, shown):
    from latechunk.cli.output import location

    assert location(meta) == shown
