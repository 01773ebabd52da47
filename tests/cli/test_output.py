"""How search results print: one form of offsets on a terminal and in a pipe, one path rule for text and JSON,
HTML hits as the text a reader sees (offsets still index the source), and where a chunk lies, compactly."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from latechunk.cli.output import print_json, print_plain, print_rich, readable
from latechunk.documents.html_text import visible_text
from latechunk.store import Hit

SOURCE = (
    "<html><head><title>Tyres</title><style>td { color: red }</style></head><body><h1>Pressure</h1>"
    '<table class="pressures"><tr><td>Road</td><td>6-8 bar</td></tr><tr><td>Mountain</td><td>1.8-2.2 bar</td></tr>'
    "</table><p>Check them &amp; pump them weekly.</p></body></html>"
)


def _hit(file: Path, source: str, start: int, end: int) -> Hit:
    return Hit(
        str(file), start, end, 0.5, source[start:end], source[max(0, start - 80) : start], source[end : end + 80]
    )


@pytest.fixture
def html_hit(tmp_path) -> Hit:
    start = SOURCE.index("Road")
    return _hit(tmp_path / "docs" / "tyres.html", SOURCE, start, SOURCE.index("bar</td></tr></table>") + 3)


def test_offsets_read_the_same_on_a_terminal_and_in_a_pipe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hit = Hit(str(tmp_path / "docs" / "a.txt"), 270, 398, 0.75, "chunk", "before", "after")
    piped, terminal = io.StringIO(), io.StringIO()
    print_plain([hit], piped)
    print_rich([hit], terminal)
    assert "docs/a.txt:270-398" in piped.getvalue() and "docs/a.txt:270-398" in terminal.getvalue()
    assert "[270:398]" not in terminal.getvalue()


def test_json_gives_the_file_as_the_text_output_does(tmp_path, monkeypatch):
    inside = Hit(str(tmp_path / "docs" / "a.txt"), 0, 5, 0.5, "chunk", "", "")
    outside = Hit("/elsewhere/b.txt", 0, 5, 0.5, "chunk", "", "")
    monkeypatch.chdir(tmp_path)
    stream, plain = io.StringIO(), io.StringIO()
    print_json([inside, outside], stream)
    print_plain([inside, outside], plain)
    files = [row["file"] for row in json.loads(stream.getvalue())]
    assert files == ["docs/a.txt", "/elsewhere/b.txt"]
    assert all(f"{file}:0-5" in plain.getvalue() for file in files)


def test_html_hits_show_visible_text_and_keep_source_offsets(html_hit):
    shown = readable(html_hit)
    assert shown.text == "Road 6-8 bar Mountain 1.8-2.2 bar"
    assert (shown.start, shown.end) == (html_hit.start, html_hit.end)
    assert SOURCE[shown.start : shown.end] == html_hit.text  # the offsets still index the markup
    assert "<" not in shown.context_before + shown.context_after and "Pressure" in shown.context_before
    stream = io.StringIO()
    print_json([html_hit], stream)
    assert json.loads(stream.getvalue())[0]["text"] == shown.text
    plain = io.StringIO()
    print_plain([html_hit], plain)
    assert "[Road 6-8 bar Mountain 1.8-2.2 bar]" in plain.getvalue() and "<td>" not in plain.getvalue()


def test_other_files_are_shown_as_stored(tmp_path):
    hit = Hit(str(tmp_path / "notes.md"), 0, 9, 0.5, "<b>x</b> y", "", "")
    assert readable(hit) is hit


@pytest.mark.parametrize(
    ("source", "options", "expected"),
    [
        ("Road</td><td>6-8 bar</td></tr><tr><td>Mountain", {}, "Road 6-8 bar Mountain"),
        ('ss="x">Tyre &amp; tube <b>pressure</b>', {"cut_before": True}, "Tyre & tube pressure"),
        ("<p>Hi <script>if (a<2) {}</script>there</p><a hr", {"cut_after": True}, "Hi there"),
        ("<!-- note --><style>p {}</style>text", {}, "text"),
        ("x > y", {}, "x > y"),
    ],
)
def test_visible_text(source, options, expected):
    assert visible_text(source, **options) == expected


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
