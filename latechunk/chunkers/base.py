"""The chunker interface: a text in, character spans out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from itertools import pairwise
from typing import Any

import numpy as np

from latechunk.types import Span

TokenOffsets = np.ndarray
"""An ``(n_tokens, 2)`` integer array of the model tokenizer's character offsets for a text."""


class Chunker(ABC):
    """Turns a text into character spans ``(start, end)`` in document order.

    Chunkers know nothing about models. Those that count tokens take the model tokenizer's
    offsets for the whole text (computed once by the engine), so counts match what the model sees.
    """

    needs_token_offsets: bool = False
    needs_token_vectors: bool = False
    """True for chunkers that place boundaries by the model's token vectors (``split_with_vectors``)."""

    @abstractmethod
    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        """Return the chunk spans of ``text``; an empty or whitespace-only text gives none."""

    def __call__(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        return self.split(text, token_offsets)

    def split_with_vectors(self, text: str, token_offsets: TokenOffsets, token_vectors: Any) -> list[Span]:
        """Spans from the text, its token offsets and the token vectors of the late-chunking pass.

        ``token_vectors`` is an ``(n_tokens, dim)`` tensor on the model's device, one row per offset.
        Chunkers that ignore vectors just split the text.
        """
        return self.split(text, token_offsets)


def strip_span(text: str, start: int, end: int) -> Span:
    """Shrink ``(start, end)`` so that it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def tokens_in_spans(token_offsets: TokenOffsets, spans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token range ``[first, last)`` of each span: the tokens whose characters overlap it.

    ``spans`` is an ``(n, 2)`` array. Offsets must be in text order, as a fast tokenizer gives them.
    """
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if len(token_offsets) == 0:
        zeros = np.zeros(len(spans), dtype=np.int64)
        return zeros, zeros
    first = np.searchsorted(token_offsets[:, 1], spans[:, 0], side="right")
    last = np.searchsorted(token_offsets[:, 0], spans[:, 1], side="left")
    return first, np.maximum(last, first)


def token_counts(token_offsets: TokenOffsets, spans: list[Span]) -> np.ndarray:
    """Number of tokens that overlap each span."""
    first, last = tokens_in_spans(token_offsets, np.asarray(spans, dtype=np.int64))
    return last - first


def require_offsets(chunker: Chunker, token_offsets: TokenOffsets | None) -> TokenOffsets:
    if token_offsets is None:
        raise ValueError(
            f"{type(chunker).__name__} counts tokens and needs the tokenizer's offsets; "
            "call it through LateChunker or pass token_offsets."
        )
    return np.asarray(token_offsets, dtype=np.int64).reshape(-1, 2)


def split_on_tokens(text: str, span: Span, token_offsets: TokenOffsets, tokens_per_piece: int) -> list[Span]:
    """Cut one span into the fewest pieces of at most ``tokens_per_piece`` tokens, on token boundaries.

    Pieces are balanced (13 tokens with a budget of 12 give 7 + 6, not 12 + 1) and, where the
    budget allows, cut where a word starts rather than inside a word. Each piece runs from its
    first token to the start of the next piece, so no character of the span is lost; whitespace is
    then trimmed from both ends.
    """
    if tokens_per_piece < 1:
        raise ValueError("tokens_per_piece must be at least 1")
    first, last = tokens_in_spans(token_offsets, np.asarray([span]))
    first, last = int(first[0]), int(last[0])
    if last - first <= tokens_per_piece:
        return [span]
    cuts = [span[0]]
    start = first
    while last - start > tokens_per_piece:
        remaining = last - start
        pieces_left = -(-remaining // tokens_per_piece)
        ideal = start + -(-remaining // pieces_left)
        lowest = max(start + 1, last - (pieces_left - 1) * tokens_per_piece)
        cut = _nearest_word_start(text, token_offsets, ideal, lowest, start + tokens_per_piece)
        cuts.append(max(span[0], int(token_offsets[cut, 0])))
        start = cut
    cuts.append(span[1])
    pieces = [strip_span(text, a, b) for a, b in pairwise(cuts)]
    return [p for p in pieces if p[1] > p[0]]


def _nearest_word_start(text: str, token_offsets: TokenOffsets, ideal: int, lowest: int, highest: int) -> int:
    """The token in ``[lowest, highest]`` nearest ``ideal`` that starts after whitespace, else ``ideal``."""
    for distance in range(max(ideal - lowest, highest - ideal) + 1):
        for token in (ideal - distance, ideal + distance):
            if lowest <= token <= highest:
                char = int(token_offsets[token, 0])
                if char > 0 and text[char - 1].isspace():
                    return token
    return ideal
