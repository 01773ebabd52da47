"""Paragraph chunks: blank-line paragraphs packed by token budget."""

from __future__ import annotations

import re
from typing import Any

from latechunk.chunkers.base import Chunker, TokenOffsets, require_offsets, strip_span, token_counts
from latechunk.chunkers.budget import NOT_GIVEN, RenamedAttribute, check_budget, renamed_budget
from latechunk.chunkers.grouping import merge_tokenless_units, pack_units
from latechunk.chunkers.segmentation import split_sentences
from latechunk.chunkers.sentences import SENTENCE_CAP_TOKENS, sentence_cap
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.inputs import check_text
from latechunk.types import Span

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")


class ParagraphChunker(Chunker):
    """Groups blank-line paragraphs into chunks of at most ``chunk_size`` tokens (default ``DEFAULT_CHUNK_TOKENS``).

    A paragraph longer than the budget falls back to its sentences (and a sentence longer than
    the budget stays whole up to ``hard_max_tokens``, as in ``SentenceChunker``; a longer one is
    cut on token boundaries), packed among themselves: a chunk never holds part of a long
    paragraph together with another paragraph. ``max_tokens``, the budget's former name, still works
    and warns (``DeprecationWarning``).
    """

    deprecated_parameters = ("max_tokens",)
    max_tokens = RenamedAttribute()

    def __init__(
        self,
        chunk_size: int | None = DEFAULT_CHUNK_TOKENS,
        nlp: Any | None = None,
        language: str | None = None,
        hard_max_tokens: int | None = SENTENCE_CAP_TOKENS,
        *,
        max_tokens: int | None = NOT_GIVEN,
    ) -> None:
        chunk_size = renamed_budget(type(self).__name__, chunk_size, max_tokens=max_tokens)
        chunk_size, hard_max_tokens = check_budget(chunk_size, hard_max_tokens)
        self.chunk_size = chunk_size
        self.nlp = nlp
        self.language = language
        self.hard_max_tokens = hard_max_tokens
        self.needs_token_offsets = chunk_size is not None

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        paragraphs: list[Span] = []
        start = 0
        for match in _PARAGRAPH_BREAK.finditer(check_text(text, "text")):
            paragraphs.append(strip_span(text, start, match.start()))
            start = match.end()
        paragraphs.append(strip_span(text, start, len(text)))
        paragraphs = [p for p in paragraphs if p[1] > p[0]]
        if self.chunk_size is None or not paragraphs:
            return pack_units(text, paragraphs, token_offsets, None, units_per_chunk=1)
        offsets = require_offsets(self, token_offsets)
        paragraphs = merge_tokenless_units(paragraphs, offsets)
        chunks: list[Span] = []
        run: list[Span] = []  # consecutive paragraphs within the budget, packed together
        for paragraph, count in zip(paragraphs, token_counts(offsets, paragraphs), strict=True):
            if count <= self.chunk_size:
                run.append(paragraph)
                continue
            chunks += pack_units(text, run, offsets, self.chunk_size)
            sentences = self._sentences_of(text, paragraph)
            chunks += pack_units(text, sentences, offsets, self.chunk_size, hard_max_tokens=self.cap)
            run = []
        return chunks + pack_units(text, run, offsets, self.chunk_size)

    @property
    def cap(self) -> int | None:
        """The token count above which a sentence of a long paragraph is cut."""
        return sentence_cap(self.chunk_size, self.hard_max_tokens)

    def _sentences_of(self, text: str, span: Span) -> list[Span]:
        offset = span[0]
        sentences = split_sentences(text[span[0] : span[1]], self.nlp, self.language)
        return [(offset + a, offset + b) for a, b in sentences]

    def __repr__(self) -> str:
        return f"ParagraphChunker(chunk_size={self.chunk_size})"
