"""HtmlChunker: visible text of block elements, heading paths, offsets into the HTML source."""

from __future__ import annotations

import pytest

from latechunk import LateChunker
from latechunk.chunkers import CHUNKERS, HtmlChunker, token_counts
from latechunk.chunkers.html import visible_text

PAGE = """<!doctype html>
<html><head><title>Canals</title><style>p { color: red; }</style></head>
<body>
<p>Canals carried coal before railways existed, and some detail.</p>
<h1>Canals &amp; Locks</h1>
<h2>Water <em>Supply</em></h2>
<p>Reservoirs feed the <b>summit</b> pound. Pumps lift water back up when reservoirs run low.</p>
<ul><li>Feeder channels collect streams.</li><li>Steam pumps date from the 1790s.</li></ul>
<script>var secret = "never in a chunk";</script>
<h2>Locks</h2>
<table><tr><td>gate</td><td>holds water</td></tr></table>
<pre>def fill(lock):
    lock.open_paddles()</pre>
</body></html>
"""


def chunks_of(text, offsets_of, chunk_size=16):
    got = HtmlChunker(chunk_size=chunk_size).split_with_meta(text, offsets_of(text))
    return [(text[s:e], meta) for (s, e), meta in got]


def test_blocks_under_headings_with_their_path(offsets_of):
    got = chunks_of(PAGE, offsets_of)
    assert got[0] == ("Canals carried coal before railways existed, and some detail.", {"headings": []})
    first, meta = got[1]
    assert first.startswith("Canals &amp; Locks</h1>\n<h2>Water <em>Supply</em></h2>\n<p>Reservoirs feed")
    assert meta == {"headings": ["Canals & Locks", "Water Supply"]}
    assert ("Feeder channels collect streams.", meta) in got  # tags between blocks count as tokens
    assert ("Steam pumps date from the 1790s.", meta) in got
    assert got[-1][1] == {"headings": ["Canals & Locks", "Locks"]}


def test_hidden_content_is_never_in_a_chunk(offsets_of):
    text = "".join(t for t, _ in chunks_of(PAGE, offsets_of))
    assert "secret" not in text and "color" not in text and "<title>" not in text


def test_every_visible_character_is_covered_and_offsets_are_exact(offsets_of):
    spans = HtmlChunker(chunk_size=12).split(PAGE, offsets_of(PAGE))
    for word in ("coal", "summit", "1790s", "holds water", "open_paddles", "Supply"):
        at = PAGE.index(word)
        assert any(s <= at and at + len(word) <= e for s, e in spans), word
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)
    assert all(e <= s2 for (_, e), (s2, _) in zip(spans, spans[1:], strict=False))


def test_text_outside_any_tag_and_unclosed_tags(offsets_of):
    text = "loose text <p>para one<p>para two &copy 2024 <div>tail"
    got = [t for t, _ in chunks_of(text, offsets_of, chunk_size=4)]
    assert got == ["loose text", "para one", "para two &copy 2024", "tail"]


def test_an_unclosed_heading_ends_at_the_next_block(offsets_of):
    text = "<h1>Title<p>Body text here.<h2>Sub</h2>More."
    got = chunks_of(text, offsets_of, chunk_size=32)
    assert got == [
        ("Title<p>Body text here.", {"headings": ["Title"]}),
        ("Sub</h2>More.", {"headings": ["Title", "Sub"]}),
    ]


def test_registered_by_name_and_through_late_chunker(minilm_path):
    assert CHUNKERS["html"] is HtmlChunker
    chunks = LateChunker(minilm_path, chunker="html", chunk_size=16).chunk_and_embed([PAGE])[0]
    assert all(c.text == PAGE[c.start : c.end] for c in chunks)
    assert not any("secret" in c.text for c in chunks)


PRESSURES = """<h2>Tyre pressure</h2>
<table>
<thead><tr><th>Bike</th><th>Pressure</th></tr></thead>
<tbody>
<tr>
  <td>Road</td>
  <td>6-8 bar</td>
</tr>
<tr><td><p>Mountain</p></td><td>1.8-2.2 bar</td></tr>
<tr><td>Touring</td><td>4-6 bar<td>loaded
</table>
<p>Check the pressure weekly.</p>"""
ROWS = [("Bike", "Pressure"), ("Road", "6-8 bar"), ("Mountain", "1.8-2.2 bar"), ("Touring", "loaded")]


def test_a_table_row_is_never_split_between_chunks(offsets_of):
    offsets = offsets_of(PRESSURES)
    for budget in range(1, 40):
        chunks = [PRESSURES[s:e] for s, e in HtmlChunker(chunk_size=budget).split(PRESSURES, offsets)]
        for label, value in ROWS:
            assert any(label in chunk and value in chunk for chunk in chunks), (budget, label, chunks)
    assert [PRESSURES[s:e] for s, e in HtmlChunker(chunk_size=8).split(PRESSURES, offsets)][1:3] == [
        "Road</td>\n  <td>6-8 bar",
        "Mountain</p></td><td>1.8-2.2 bar",
    ]


def test_a_row_over_the_cap_is_cut_on_tokens_like_any_long_unit(offsets_of):
    cells = "".join(f"<td>cell number {i}</td>" for i in range(12))
    text = f"<table><tr><td>short</td><td>row</td></tr><tr>{cells}</tr></table>"
    offsets = offsets_of(text)
    whole = HtmlChunker(chunk_size=10, hard_max_tokens=200).split(text, offsets)
    assert [text[s:e] for s, e in whole] == ["short</td><td>row", text[text.index("cell") : text.index(" 11") + 3]]
    cut = HtmlChunker(chunk_size=10, hard_max_tokens=20).split(text, offsets)
    assert len(cut) > 3 and max(token_counts(offsets, cut)) <= 10
    assert cut[0] == whole[0] and cut[1][0] == whole[1][0] and cut[-1][1] == whole[1][1]


def test_a_table_nested_in_a_row_is_rows_of_its_own(offsets_of):
    text = "<table><tr><td>outer</td><td><table><tr><td>in</td><td>ner</td></tr></table></td><td>tail</td></tr></table>"
    got = [text[s:e] for s, e in HtmlChunker(chunk_size=2).split(text, offsets_of(text))]
    assert got == ["outer", "in</td><td>ner", "tail"]


def test_visible_text_of_a_chunk(offsets_of):
    offsets = offsets_of(PRESSURES)
    spans = HtmlChunker(chunk_size=8).split(PRESSURES, offsets)
    assert [visible_text(PRESSURES, s, e) for s, e in spans] == [
        "Tyre pressure\nBike | Pressure",
        "Road | 6-8 bar",
        "Mountain | 1.8-2.2 bar",
        "Touring | 4-6 bar | loaded",
        "Check the pressure weekly.",
    ]
    first = HtmlChunker(chunk_size=16).split(PAGE, offsets_of(PAGE))[1]
    assert visible_text(PAGE, *first).startswith("Canals & Locks\nWater Supply\nReservoirs feed the summit pound.")


def test_visible_text_leaves_out_hidden_content_and_keeps_preformatted_lines():
    page = "<p>Check <b>weekly</b>. <script>var x = 1;</script> Pump&nbsp;up.<br>Done</p><pre>a  b\n  c</pre>"
    assert visible_text(page) == "Check weekly. Pump\xa0up.\nDone\na  b\n  c"
    start = page.index("Pump")
    assert visible_text(page, start, page.index("<br>")) == "Pump\xa0up."
    assert visible_text(page, page.index("b\n"), len(page) - len("</pre>")) == "b\n  c"
    shown = visible_text(PAGE)
    assert shown.startswith("Canals carried coal") and "secret" not in shown and "color" not in shown
    assert visible_text(page, 3, 3) == ""
    with pytest.raises(ValueError, match="not a span"):
        visible_text(page, 5, len(page) + 1)
