"""TokenChunker: a fixed number of model tokens per chunk, cut on the tokenizer's offsets."""

from __future__ import annotations

import warnings

import pytest

from latechunk import LateChunker
from latechunk.chunkers import TokenChunker, token_counts

TEXT = "Tokenization splits unbelievably long words into wordpieces. Chunks follow the model's own tokens!"


def test_every_chunk_has_exactly_the_token_count_but_the_last(offsets_of, valid_spans):
    offsets = offsets_of(TEXT)
    for size in (1, 3, 5, 8, len(offsets) - 1, len(offsets), len(offsets) + 5):
        spans = TokenChunker(size).split(TEXT, offsets)
        counts = token_counts(offsets, spans).tolist()
        assert len(spans) == -(-len(offsets) // size)
        assert counts[:-1] == [size] * (len(spans) - 1) and 0 < counts[-1] <= size
        valid_spans(TEXT, spans, offsets, chunk_size=size)


def test_cuts_fall_on_token_boundaries_even_inside_words(offsets_of):
    offsets = offsets_of(TEXT)
    starts = {int(s) for s, _ in offsets}
    spans = TokenChunker(3).split(TEXT, offsets)
    assert all(s in starts for s, _ in spans)
    assert any(TEXT[s - 1].isalpha() for s, _ in spans[1:])  # a wordpiece cut


def test_dropped_characters_stay_inside_a_chunk(offsets_of, valid_spans):
    text = "\x00\x01 alpha \u200b beta gamma \x7f delta"
    offsets = offsets_of(text)
    spans = TokenChunker(2).split(text, offsets)
    assert [text[s:e] for s, e in spans] == ["\x00\x01 alpha \u200b beta", "gamma \x7f delta"]
    valid_spans(text, spans, offsets, chunk_size=2)


def test_empty_text_and_missing_offsets():
    assert TokenChunker(4).split("  ", [[0, 0]][:0]) == []
    with pytest.raises(ValueError, match="offsets"):
        TokenChunker(4).split(TEXT)
    with pytest.raises(ValueError, match="at least 1"):
        TokenChunker(0)


def test_late_chunker_passes_chunk_size_to_the_chunker(minilm_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the engine uses the budget's one name
        lc = LateChunker(minilm_path, chunker="tokens", chunk_size=5)
    assert isinstance(lc.chunker, TokenChunker) and lc.chunker.chunk_size == 5
    counts = [c.token_count for c in lc.chunk(TEXT)]
    assert counts[:-1] == [5] * (len(counts) - 1)
