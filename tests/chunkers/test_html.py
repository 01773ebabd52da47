"""HtmlChunker: visible text of block elements, heading paths, offsets into the HTML source."""

from __future__ import annotations

from latechunk import LateChunker
from latechunk.chunkers import CHUNKERS, HtmlChunker

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


def chunks_of(text, offsets_of, max_tokens=16):
    got = HtmlChunker(max_tokens=max_tokens).split_with_meta(text, offsets_of(text))
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
    spans = HtmlChunker(max_tokens=12).split(PAGE, offsets_of(PAGE))
    for word in ("coal", "summit", "1790s", "holds water", "open_paddles", "Supply"):
        at = PAGE.index(word)
        assert any(s <= at and at + len(word) <= e for s, e in spans), word
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)
    assert all(e <= s2 for (_, e), (s2, _) in zip(spans, spans[1:], strict=False))


def test_text_outside_any_tag_and_unclosed_tags(offsets_of):
    text = "loose text <p>para one<p>para two &copy 2024 <div>tail"
    got = [t for t, _ in chunks_of(text, offsets_of, max_tokens=4)]
    assert got == ["loose text", "para one", "para two &copy 2024", "tail"]


def test_an_unclosed_heading_ends_at_the_next_block(offsets_of):
    text = "<h1>Title<p>Body text here.<h2>Sub</h2>More."
    got = chunks_of(text, offsets_of, max_tokens=32)
    assert got == [
        ("Title<p>Body text here.", {"headings": ["Title"]}),
        ("Sub</h2>More.", {"headings": ["Title", "Sub"]}),
    ]


def test_registered_by_name_and_through_late_chunker(minilm_path):
    assert CHUNKERS["html"] is HtmlChunker
    chunks = LateChunker(minilm_path, chunker="html", chunk_size=16).chunk_and_embed([PAGE])[0]
    assert all(c.text == PAGE[c.start : c.end] for c in chunks)
    assert not any("secret" in c.text for c in chunks)
