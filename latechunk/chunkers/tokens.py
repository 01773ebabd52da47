"""Fixed-size token chunks, cut on the tokenizer's own token boundaries."""

from __future__ import annotations

from itertools import pairwise

from latechunk.chunkers.base import Chunker, TokenOffsets, require_offsets, strip_span, tokens_in_spans
from latechunk.types import Span


class TokenChunker(Chunker):
    """Chunks of exactly ``tokens_per_chunk`` model tokens (the last one may be shorter).

    Each chunk runs from the start of its first token to the start of the next chunk's first
    token, so characters the tokenizer drops stay inside a chunk; whitespace is trimmed.
    """

    needs_token_offsets = True

    def __init__(self, tokens_per_chunk: int = 64) -> None:
        if tokens_per_chunk < 1:
            raise ValueError(f"tokens_per_chunk must be at least 1, got {tokens_per_chunk}")
        self.tokens_per_chunk = tokens_per_chunk

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        offsets = require_offsets(self, token_offsets)
        whole = strip_span(text, 0, len(text))
        if whole[0] == whole[1]:
            return []
        first, last = (int(x[0]) for x in tokens_in_spans(offsets, [whole]))
        starts = [int(offsets[t, 0]) for t in range(first + self.tokens_per_chunk, last, self.tokens_per_chunk)]
        cuts = [whole[0], *(s for s in starts if whole[0] < s < whole[1]), whole[1]]
        pieces = [strip_span(text, a, b) for a, b in pairwise(cuts)]
        return [p for p in pieces if p[1] > p[0]]

    def __repr__(self) -> str:
        return f"TokenChunker(tokens_per_chunk={self.tokens_per_chunk})"
