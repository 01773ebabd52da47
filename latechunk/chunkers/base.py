"""The chunker interface: a text in, character spans out."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np

from latechunk.types import Span

_HYPHENATED_BREAK = re.compile(r"[^\W\d_]-[ \t]*\r?\n[ \t]*$")

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
    deprecated_parameters: tuple[str, ...] = ()
    """Constructor parameters kept only as aliases of others (not written when the chunker is serialised)."""

    @abstractmethod
    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        """Return the chunk spans of ``text``; an empty or whitespace-only text gives none."""

    def __call__(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        return self.split(text, token_offsets)

    def split_with_meta(
        self, text: str, token_offsets: TokenOffsets | None = None
    ) -> list[tuple[Span, dict[str, Any]]]:
        """Spans with metadata for each chunk (``MarkdownChunker``: ``{"headings": [...]}``).

        The spans are those of ``split``; chunkers without metadata give empty dicts. The engine
        copies each dict into ``Chunk.meta``.
        """
        return [(span, {}) for span in self.split(text, token_offsets)]

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


def cut_tokens(token_offsets: TokenOffsets, first: int, last: int) -> np.ndarray:
    """Tokens in ``(first, last)`` where a character cut can start a new piece.

    A cut before token ``t`` (at its first character) separates it from every earlier token only
    when no earlier token reaches past that character and ``t`` starts a new character; a
    normaliser that splits one character into several tokens (Hangul in an uncased WordPiece
    model, byte-level BPE) makes those tokens inseparable.
    """
    if last - first < 2:
        return np.zeros(0, dtype=np.int64)
    starts = token_offsets[first:last, 0]
    reach = np.maximum.accumulate(token_offsets[first:last, 1])
    ok = (starts[1:] >= reach[:-1]) & (starts[1:] > starts[:-1])
    return first + 1 + np.flatnonzero(ok)


def split_on_tokens(
    text: str,
    span: Span,
    token_offsets: TokenOffsets,
    tokens_per_piece: int,
    preferences: CutPreferences | None = None,
) -> list[Span]:
    """Cut one span into the fewest pieces of at most ``tokens_per_piece`` tokens, on token boundaries.

    Pieces are balanced (13 tokens with a budget of 12 give 7 + 6, not 12 + 1) and, where the
    budget allows, cut where a word starts rather than inside a word. Each piece runs from its
    first token to the start of the next piece, so no character of the span is lost; whitespace is
    then trimmed from both ends. Only a run of tokens that share one character can exceed the budget.
    ``preferences`` (``cut_preferences`` of the text, computed once for many spans) saves looking
    at the text again.
    """
    if tokens_per_piece < 1:
        raise ValueError("tokens_per_piece must be at least 1")
    first, last = tokens_in_spans(token_offsets, np.asarray([span]))
    first, last = int(first[0]), int(last[0])
    if last - first <= tokens_per_piece:
        return [span]
    if preferences is None:
        preferences = cut_preferences(text, token_offsets, first, last)
    boundaries = cut_tokens(token_offsets, first, last)
    cuts = [span[0]]
    start = first
    while last - start > tokens_per_piece:
        remaining = last - start
        pieces_left = -(-remaining // tokens_per_piece)
        ideal = start + -(-remaining // pieces_left)
        lowest = max(start + 1, last - (pieces_left - 1) * tokens_per_piece)
        highest = start + tokens_per_piece
        after, beyond = np.searchsorted(boundaries, [start, highest], "right")
        near = boundaries[after : beyond + 1]
        cut = _choose_cut(preferences, near, ideal, lowest, highest)
        if cut is None:
            break
        cuts.append(max(span[0], int(token_offsets[cut, 0])))
        start = cut
    cuts.append(span[1])
    pieces = [strip_span(text, a, b) for a, b in pairwise(cuts)]
    return [p for p in pieces if p[1] > p[0]]


class CutPreferences(NamedTuple):
    """Per token (by its first character): whether a word starts there, and whether it follows a word
    hyphenated at a line break (``is_word_start``, ``_after_hyphenated_break``)."""

    word_start: np.ndarray
    hyphenated: np.ndarray


def cut_preferences(text: str, token_offsets: TokenOffsets, first: int = 0, last: int | None = None) -> CutPreferences:
    """``CutPreferences`` for the tokens ``[first, last)`` (indices into the returned arrays stay token indices).

    Whitespace before each token is read from the text's code points at once; the hyphenation test runs
    only where a ``-`` and a line break both lie within the 12 characters before the token.
    """
    from latechunk.chunkers.whitespace import code_points, is_space

    last = len(token_offsets) if last is None else last
    starts = token_offsets[first:last, 0]
    codes = code_points(text)
    before = np.clip(starts - 1, 0, max(len(codes) - 1, 0))
    spaced = (starts > 0) & (is_space(codes[before]) if len(codes) else False)
    hyphens, breaks = np.flatnonzero(codes == ord("-")), np.flatnonzero(codes == ord("\n"))
    window = np.maximum(starts - 12, 0)
    maybe = (np.searchsorted(hyphens, starts) > np.searchsorted(hyphens, window)) & (
        np.searchsorted(breaks, starts) > np.searchsorted(breaks, window)
    )
    hyphenated = np.zeros(len(token_offsets), dtype=bool)
    for t in np.flatnonzero(maybe).tolist():
        hyphenated[first + t] = _after_hyphenated_break(text, int(starts[t]))
    word_start = np.zeros(len(token_offsets), dtype=bool)
    word_start[first:last] = spaced & ~hyphenated[first:last]
    return CutPreferences(word_start, hyphenated)


def _choose_cut(
    preferences: CutPreferences, candidates: np.ndarray, ideal: int, lowest: int, highest: int
) -> int | None:
    """The candidate in ``[lowest, highest]`` nearest ``ideal``, a word start if any is there.

    Without one in range: the last candidate below ``lowest`` (a smaller piece), else the first
    above ``highest`` (a piece over budget that cannot be cut), else ``None``. ``candidates`` are
    sorted and hold at most one token above ``highest``; among equally near ones the first wins.
    """
    window = candidates[(candidates >= lowest) & (candidates <= highest)]
    if len(window) == 0:
        below, above = candidates[candidates < lowest], candidates[candidates > highest]
        return int(below[-1]) if len(below) else int(above[0]) if len(above) else None
    word_starts = window[preferences.word_start[window]]
    not_hyphenated = window[~preferences.hyphenated[window]]
    pool = word_starts if len(word_starts) else not_hyphenated if len(not_hyphenated) else window
    return int(pool[np.argmin(np.abs(pool - ideal))])


def is_word_start(text: str, position: int) -> bool:
    """True where whitespace precedes ``position``, except inside a word hyphenated at a line
    break (``infor-\nmation``, as PDF text extraction gives it)."""
    if position <= 0 or not text[position - 1].isspace():
        return False
    return not _after_hyphenated_break(text, position)


def _after_hyphenated_break(text: str, position: int) -> bool:
    """True at the first letter after ``letter-`` and a line break."""
    if position <= 0 or position >= len(text) or not text[position].isalpha():
        return False
    return _HYPHENATED_BREAK.search(text[max(0, position - 12) : position]) is not None
