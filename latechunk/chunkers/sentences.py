"""Sentence chunks: whole sentences packed by token budget and/or sentence count."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from latechunk.chunkers.base import Chunker, TokenOffsets
from latechunk.chunkers.budget import NOT_GIVEN, SENTENCE_CAP_TOKENS, RenamedAttribute, check_budget, renamed_budget
from latechunk.chunkers.grouping import pack_units
from latechunk.chunkers.segmentation import split_sentences
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.types import Span

_HASHES_BEFORE_SPACE = re.compile(r"#+(?=[ \t])")
"""A sentence that starts with 1-6 of the last ``#`` of such a run starts with a heading mark (``## ``)."""


def heading_starts(text: str) -> Callable[[np.ndarray], np.ndarray]:
    """For ``pack_units``: which of the ``(n, 2)`` units start with a Markdown heading mark (``## ``): a chunk
    starts there, so a heading joins the text under it."""
    runs = [(m.start(), m.end()) for m in _HASHES_BEFORE_SPACE.finditer(text)] if "#" in text else []
    marks = np.asarray([p for a, b in runs for p in range(max(a, b - 6), b)], dtype=np.int64)
    return lambda units: np.isin(units[:, 0], marks)


def sentence_cap(chunk_size: int | None, hard_max_tokens: int | None) -> int | None:
    """The token count above which a whole unit (sentence, line) is cut; ``None``: units are cut at the budget."""
    if hard_max_tokens is None or chunk_size is None:
        return None
    return max(hard_max_tokens, chunk_size)


class SentenceChunker(Chunker):
    """Groups whole sentences into chunks of at most ``chunk_size`` model tokens.

    Args:
        chunk_size: token budget per chunk, counted with the model's tokenizer (default
            ``DEFAULT_CHUNK_TOKENS``, 32, as for every chunker); ``None`` packs by
            ``sentences_per_chunk`` alone.
        sentences_per_chunk: at most this many sentences per chunk (``None``: no limit).
        overlap: sentences shared by consecutive chunks.
        nlp: a spaCy pipeline that sets sentence boundaries (default: sentencex's rules, see
            ``latechunk.chunkers.segmentation``; spaCy is the ``spacy`` extra).
        language: sentencex language code for abbreviations (default ``"en"``).
        hard_max_tokens: a sentence longer than ``chunk_size`` stays whole, as a chunk of its
            own, up to this many tokens (at least ``chunk_size``; the default, 256, rises to
            ``chunk_size`` when that is larger); only a longer sentence is cut on token boundaries
            into pieces of at most ``chunk_size``. ``None`` cuts every sentence longer than
            ``chunk_size``.

    Bad budgets are refused here, as by every chunker (``latechunk.chunkers.budget``).

    A sentence that starts with a Markdown heading mark (``## ``) starts a new chunk, so a
    heading joins the text under it; ``MarkdownChunker`` knows Markdown structure fully.

    ``max_tokens``, the budget's former name, still works as a keyword and as a read-only attribute,
    and warns (``DeprecationWarning``).
    """

    deprecated_parameters = ("max_tokens",)
    max_tokens = RenamedAttribute()

    def __init__(
        self,
        chunk_size: int | None = DEFAULT_CHUNK_TOKENS,
        sentences_per_chunk: int | None = None,
        overlap: int = 0,
        nlp: Any | None = None,
        language: str | None = None,
        hard_max_tokens: int | None = SENTENCE_CAP_TOKENS,
        *,
        max_tokens: int | None = NOT_GIVEN,
    ) -> None:
        chunk_size = renamed_budget(type(self).__name__, chunk_size, max_tokens=max_tokens)
        chunk_size, hard_max_tokens = check_budget(chunk_size, hard_max_tokens)
        if chunk_size is None and sentences_per_chunk is None:
            sentences_per_chunk = 1
        self.chunk_size = chunk_size
        self.sentences_per_chunk = sentences_per_chunk
        self.overlap = overlap
        self.nlp = nlp
        self.language = language
        self.hard_max_tokens = hard_max_tokens
        self.needs_token_offsets = chunk_size is not None

    @property
    def cap(self) -> int | None:
        """The token count above which a sentence is cut (``None``: at ``chunk_size``)."""
        return sentence_cap(self.chunk_size, self.hard_max_tokens)

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        sentences = split_sentences(text, self.nlp, self.language)
        return pack_units(
            text,
            sentences,
            token_offsets,
            self.chunk_size,
            units_per_chunk=self.sentences_per_chunk,
            overlap_units=self.overlap,
            hard_max_tokens=self.cap,
            starts_chunk=heading_starts(text),
        )

    def __repr__(self) -> str:
        return (
            f"SentenceChunker(chunk_size={self.chunk_size}, sentences_per_chunk={self.sentences_per_chunk}, "
            f"overlap={self.overlap}, hard_max_tokens={self.hard_max_tokens})"
        )
