"""Sentence chunks: whole sentences packed by token budget and/or sentence count."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from latechunk.chunkers.base import Chunker, TokenOffsets
from latechunk.chunkers.budget import SENTENCE_CAP_TOKENS, check_budget
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


def sentence_cap(max_tokens: int | None, hard_max_tokens: int | None) -> int | None:
    """The token count above which a whole unit (sentence, line) is cut; ``None``: units are cut at the budget."""
    if hard_max_tokens is None or max_tokens is None:
        return None
    return max(hard_max_tokens, max_tokens)


class SentenceChunker(Chunker):
    """Groups whole sentences into chunks of at most ``max_tokens`` model tokens.

    Args:
        max_tokens: token budget per chunk, counted with the model's tokenizer (default
            ``DEFAULT_CHUNK_TOKENS``, 32, as for every chunker); ``None`` packs by
            ``sentences_per_chunk`` alone.
        sentences_per_chunk: at most this many sentences per chunk (``None``: no limit).
        overlap: sentences shared by consecutive chunks.
        nlp: a spaCy pipeline that sets sentence boundaries (default: sentencex's rules, see
            ``latechunk.chunkers.segmentation``; spaCy is the ``spacy`` extra).
        language: sentencex language code for abbreviations (default ``"en"``).
        hard_max_tokens: a sentence longer than ``max_tokens`` stays whole, as a chunk of its
            own, up to this many tokens (at least ``max_tokens``; the default, 256, rises to
            ``max_tokens`` when that is larger); only a longer sentence is cut on token boundaries
            into pieces of at most ``max_tokens``. ``None`` cuts every sentence longer than
            ``max_tokens``.

    Bad budgets are refused here, as by every chunker (``latechunk.chunkers.budget``).

    A sentence that starts with a Markdown heading mark (``## ``) starts a new chunk, so a
    heading joins the text under it; ``MarkdownChunker`` knows Markdown structure fully.
    """

    def __init__(
        self,
        max_tokens: int | None = DEFAULT_CHUNK_TOKENS,
        sentences_per_chunk: int | None = None,
        overlap: int = 0,
        nlp: Any | None = None,
        language: str | None = None,
        hard_max_tokens: int | None = SENTENCE_CAP_TOKENS,
    ) -> None:
        max_tokens, hard_max_tokens = check_budget(max_tokens, hard_max_tokens)
        if max_tokens is None and sentences_per_chunk is None:
            sentences_per_chunk = 1
        self.max_tokens = max_tokens
        self.sentences_per_chunk = sentences_per_chunk
        self.overlap = overlap
        self.nlp = nlp
        self.language = language
        self.hard_max_tokens = hard_max_tokens
        self.needs_token_offsets = max_tokens is not None

    @property
    def cap(self) -> int | None:
        """The token count above which a sentence is cut (``None``: at ``max_tokens``)."""
        return sentence_cap(self.max_tokens, self.hard_max_tokens)

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        sentences = split_sentences(text, self.nlp, self.language)
        return pack_units(
            text,
            sentences,
            token_offsets,
            self.max_tokens,
            units_per_chunk=self.sentences_per_chunk,
            overlap_units=self.overlap,
            hard_max_tokens=self.cap,
            starts_chunk=heading_starts(text),
        )

    def __repr__(self) -> str:
        return (
            f"SentenceChunker(max_tokens={self.max_tokens}, sentences_per_chunk={self.sentences_per_chunk}, "
            f"overlap={self.overlap}, hard_max_tokens={self.hard_max_tokens})"
        )
