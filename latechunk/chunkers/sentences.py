"""Sentence chunks: spaCy sentences packed by token budget and/or sentence count."""

from __future__ import annotations

from typing import Any

from latechunk.chunkers.base import Chunker, TokenOffsets
from latechunk.chunkers.grouping import pack_units
from latechunk.chunkers.segmentation import split_sentences
from latechunk.types import Span


class SentenceChunker(Chunker):
    """Groups sentences into chunks of at most ``max_tokens`` model tokens.

    Args:
        max_tokens: token budget per chunk, counted with the model's tokenizer; ``None`` packs
            by ``sentences_per_chunk`` alone. A sentence longer than the budget is split on
            token boundaries.
        sentences_per_chunk: at most this many sentences per chunk (``None``: no limit).
        overlap: sentences shared by consecutive chunks.
        nlp: a spaCy pipeline that sets sentence boundaries (default: the rule-based
            sentencizer on a blank multilingual pipeline, which needs no download).
    """

    def __init__(
        self,
        max_tokens: int | None = 64,
        sentences_per_chunk: int | None = None,
        overlap: int = 0,
        nlp: Any | None = None,
    ) -> None:
        if max_tokens is None and sentences_per_chunk is None:
            sentences_per_chunk = 1
        self.max_tokens = max_tokens
        self.sentences_per_chunk = sentences_per_chunk
        self.overlap = overlap
        self.nlp = nlp
        self.needs_token_offsets = max_tokens is not None

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        sentences = split_sentences(text, self.nlp)
        return pack_units(
            text,
            sentences,
            token_offsets,
            self.max_tokens,
            units_per_chunk=self.sentences_per_chunk,
            overlap_units=self.overlap,
        )

    def __repr__(self) -> str:
        return (
            f"SentenceChunker(max_tokens={self.max_tokens}, "
            f"sentences_per_chunk={self.sentences_per_chunk}, overlap={self.overlap})"
        )
