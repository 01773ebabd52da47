"""ParagraphChunker: blank-line paragraphs packed by token budget, long ones by sentence."""

from __future__ import annotations

from latechunk import LateChunker
from latechunk.chunkers import ParagraphChunker, split_sentences, token_counts

TEXT = (
    "First paragraph, first line.\nStill the first paragraph.\n"
    "\n"
    "Second paragraph.\r\n \t\r\n"
    "Third paragraph is here. It has two sentences.\n\n\n"
    "Fourth."
)


def texts(text, spans):
    return [text[s:e] for s, e in spans]


def test_without_a_budget_each_blank_line_paragraph_is_a_chunk(valid_spans):
    spans = ParagraphChunker(chunk_size=None).split(TEXT)
    assert texts(TEXT, spans) == [
        "First paragraph, first line.\nStill the first paragraph.",
        "Second paragraph.",
        "Third paragraph is here. It has two sentences.",
        "Fourth.",
    ]
    valid_spans(TEXT, spans)


def test_paragraphs_are_grouped_up_to_chunk_size(offsets_of, valid_spans):
    offsets = offsets_of(TEXT)
    assert token_counts(offsets, ParagraphChunker(chunk_size=None).split(TEXT)).tolist() == [11, 3, 10, 2]
    spans = ParagraphChunker(chunk_size=14).split(TEXT, offsets)
    assert texts(TEXT, spans) == [
        "First paragraph, first line.\nStill the first paragraph.\n\nSecond paragraph.",
        "Third paragraph is here. It has two sentences.\n\n\nFourth.",
    ]
    valid_spans(TEXT, spans, offsets, chunk_size=14)
    assert ParagraphChunker(chunk_size=1000).split(TEXT, offsets) == [(0, len(TEXT))]


def test_a_paragraph_over_the_budget_falls_back_to_its_own_sentences(offsets_of, valid_spans):
    offsets = offsets_of(TEXT)
    spans = ParagraphChunker(chunk_size=10).split(TEXT, offsets)
    assert texts(TEXT, spans) == [
        "First paragraph, first line.",  # the 11-token paragraph, by sentence ...
        "Still the first paragraph.",  # ... not packed with the next paragraph
        "Second paragraph.",
        "Third paragraph is here. It has two sentences.",
        "Fourth.",
    ]
    valid_spans(TEXT, spans, offsets, chunk_size=10)


def test_a_sentence_over_the_cap_falls_back_to_tokens(offsets_of, valid_spans):
    long_sentence = "Lorem " + " ".join(["ipsum dolor lorem"] * 10)
    text = f"Short intro.\n\nOne sentence here. Another one there. {long_sentence}\n\nOutro."
    offsets = offsets_of(text)
    for cap in (None, 20):
        spans = ParagraphChunker(chunk_size=12, hard_max_tokens=cap).split(text, offsets)
        pieces = texts(text, spans)
        assert pieces[:2] == ["Short intro.", "One sentence here. Another one there."]
        assert pieces[-1] == "Outro." and len(pieces) > 4
        valid_spans(text, spans, offsets, chunk_size=12)


def test_a_sentence_over_the_budget_but_under_the_cap_stays_whole(offsets_of, valid_spans):
    long_sentence = "Lorem " + " ".join(["ipsum dolor lorem"] * 10)
    text = f"Short intro.\n\nOne sentence here. Another one there. {long_sentence}\n\nOutro."
    offsets = offsets_of(text)
    chunker = ParagraphChunker(chunk_size=12)
    spans = chunker.split(text, offsets)
    assert texts(text, spans) == ["Short intro.", "One sentence here. Another one there.", long_sentence, "Outro."]
    valid_spans(text, spans, offsets, chunk_size=12, cap=chunker.cap, units=[spans[2]])


def test_a_paragraph_the_tokenizer_cannot_see_joins_its_neighbour(offsets_of, valid_spans):
    text = "Alpha beta gamma delta.\n\n\x00\u200b\n\nEpsilon."
    offsets = offsets_of(text)
    for chunk_size in (None, 2, 100):
        chunker = ParagraphChunker(chunk_size=chunk_size)
        spans = chunker.split(text, offsets)
        valid_spans(text, spans, offsets, chunk_size=chunk_size, cap=chunker.cap, units=split_sentences(text))


def test_empty_text_and_text_without_blank_lines(offsets_of, valid_spans):
    assert ParagraphChunker().split("", offsets_of("")) == []
    assert ParagraphChunker().split("\n\n \n", offsets_of("\n\n \n")) == []
    text = "no blank line here\njust two lines"
    assert ParagraphChunker(chunk_size=100).split(text, offsets_of(text)) == [(0, len(text))]


def test_late_chunker_paragraphs_by_name(minilm_path, offsets_of):
    lc = LateChunker(minilm_path, chunker="paragraphs", chunk_size=14)
    assert isinstance(lc.chunker, ParagraphChunker) and lc.chunker.chunk_size == 14
    chunks = lc.chunk(TEXT)
    assert [(c.start, c.end) for c in chunks] == ParagraphChunker(chunk_size=14).split(TEXT, offsets_of(TEXT))
    assert [c.token_count for c in chunks] == [14, 12]
