"""Fixed-size token chunks, cut on the tokenizer's own token boundaries."""

from __future__ import annotations

from latechunk.chunkers.base import Chunker, TokenOffsets, require_offsets, split_on_tokens, strip_span
from latechunk.types import Span


class TokenChunker(Chunker):
    """Chunks of ``tokens_per_chunk`` model tokens (the last one may be shorter)."""

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
        return split_on_tokens(text, whole, offsets, self.tokens_per_chunk)

    def __repr__(self) -> str:
        return f"TokenChunker(tokens_per_chunk={self.tokens_per_chunk})"
