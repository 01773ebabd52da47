"""MarkdownChunker: sections under headings, blocks, heading paths, exact offsets."""

from __future__ import annotations

import pytest

from latechunk import LateChunker
from latechunk.chunkers import CHUNKERS, Chunker, MarkdownChunker, SentenceChunker, get_chunker
from latechunk.chunkers.markdown import parse_sections

ARTICLE = """Canals carried coal before railways existed, and some detail.

# Canals

## Water Supply

Reservoirs feed the summit pound. Pumps lift water back up when the reservoirs run low.

- Feeder channels collect streams.
- Steam pumps date from the 1790s.

## Locks

| part | job |
|---|---|
| gate | holds water |

```python
def fill(lock):
    lock.open_paddles()
```

### Staircases

Staircase locks share their gates.
"""


def chunks_of(text, offsets_of, chunk_size=16, **options):
    chunker = MarkdownChunker(chunk_size=chunk_size, **options)
    return [(text[s:e], meta) for (s, e), meta in chunker.split_with_meta(text, offsets_of(text))]


def test_a_heading_opens_its_section_instead_of_sticking_to_the_previous_one(offsets_of):
    text = "Some intro with some detail.\n\n## Water Supply\n\nReservoirs feed the canal."
    assert [t for t, _ in chunks_of(text, offsets_of)] == [
        "Some intro with some detail.",
        "## Water Supply\n\nReservoirs feed the canal.",
    ]
    assert [text[s:e] for s, e in SentenceChunker(chunk_size=16).split(text, offsets_of(text))] == [
        "Some intro with some detail.",
        "## Water Supply\n\nReservoirs feed the canal.",
    ]


def test_chunks_carry_their_heading_path(offsets_of):
    got = chunks_of(ARTICLE, offsets_of)
    assert got[0] == ("Canals carried coal before railways existed, and some detail.", {"headings": []})
    assert got[1][0].startswith("# Canals\n\n## Water Supply\n\nReservoirs feed the summit pound.")
    assert got[1][1] == {"headings": ["Canals", "Water Supply"]}
    paths = [meta["headings"] for _, meta in got]
    assert ["Canals", "Locks"] in paths
    staircase = [t for t, meta in got if meta["headings"] == ["Canals", "Locks", "Staircases"]]
    assert staircase == ["### Staircases\n\nStaircase locks share their gates."]


def test_list_items_tables_and_code_are_blocks_of_their_own_kind(offsets_of):
    got = [t for t, _ in chunks_of(ARTICLE, offsets_of, chunk_size=12)]
    assert "- Feeder channels collect streams." in got
    assert "- Steam pumps date from the 1790s." in got
    assert any(t.startswith("```python\ndef fill(lock):") for t in got)
    assert not any("gate | holds water" in t and "```" in t for t in got)


def test_offsets_index_the_original_text_with_crlf_and_tabs(offsets_of, valid_spans):
    text = ARTICLE.replace("\n", "\r\n").replace("    ", "\t")
    chunker = MarkdownChunker(chunk_size=16)
    offsets = offsets_of(text)
    spans = chunker.split(text, offsets)
    valid_spans(text, spans, offsets, chunk_size=16, cap=chunker.cap, units=chunker.units(text, offsets))
    assert any(text[s:e].startswith("## Locks") for s, e in spans)


def test_link_reference_definitions_and_front_text_are_not_lost(offsets_of, valid_spans):
    text = "[home]: https://example.com\n\n# Title\n\nSee [home].\n\n[ref]: /x\n\nSetext\n======\n\nBody."
    chunker = MarkdownChunker(chunk_size=32)
    offsets = offsets_of(text)
    got = chunker.split_with_meta(text, offsets)
    valid_spans(text, [s for s, _ in got], offsets, chunk_size=32)
    assert got[-1][1] == {"headings": ["Setext"]}


def test_a_long_paragraph_falls_back_to_whole_sentences(offsets_of, valid_spans):
    paragraph = " ".join(f"Sentence number {i} says something about canals and locks." for i in range(12))
    text = f"# Long\n\n{paragraph}\n"
    chunker = MarkdownChunker(chunk_size=24)
    offsets = offsets_of(text)
    got = [text[s:e] for s, e in chunker.split(text, offsets)]
    assert got[0].startswith("# Long\n\nSentence number 0")
    assert all(t.endswith("locks.") for t in got)  # never half a sentence
    valid_spans(text, chunker.split(text, offsets), offsets, 24, cap=chunker.cap, units=chunker.units(text, offsets))


def test_without_a_budget_each_section_is_one_chunk():
    got = MarkdownChunker(chunk_size=None).split_with_meta(ARTICLE)
    assert [meta["headings"] for _, meta in got] == [
        [],
        ["Canals", "Water Supply"],
        ["Canals", "Locks"],
        ["Canals", "Locks", "Staircases"],
    ]


def test_empty_and_whitespace_documents_give_no_chunks():
    for text in ("", "   \n\n\t", "\n"):
        assert MarkdownChunker(chunk_size=None).split(text) == []


def test_parse_sections_joins_an_empty_heading_to_the_next():
    sections = parse_sections("# A\n## B\ntext\n# C\n")
    assert [s.path for s in sections] == [["A", "B"], ["C"]]
    assert sections[0].heading == (0, len("# A\n## B"))


def test_registered_by_name_and_through_late_chunker(minilm_path):
    assert CHUNKERS["markdown"] is MarkdownChunker
    assert isinstance(get_chunker("markdown", chunk_size=8), MarkdownChunker)
    lc = LateChunker(minilm_path, chunker="markdown", chunk_size=16)
    chunks = lc.chunk_and_embed([ARTICLE])[0]
    assert all(c.text == ARTICLE[c.start : c.end] for c in chunks)
    assert chunks[1].text.startswith("# Canals")


def test_chunkers_without_metadata_give_empty_dicts(offsets_of):
    chunker: Chunker = SentenceChunker(chunk_size=8)
    text = "One. Two three. Four."
    spans = chunker.split(text, offsets_of(text))
    assert chunker.split_with_meta(text, offsets_of(text)) == [(s, {}) for s in spans]


def test_bad_budget_is_a_clear_error():
    with pytest.raises(ValueError, match="chunk_size"):
        MarkdownChunker(chunk_size=0)
    with pytest.raises(ValueError, match="needs the tokenizer's offsets"):
        MarkdownChunker(chunk_size=8).split("# A\n\ntext")
