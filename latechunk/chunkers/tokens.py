"""Fixed-size token chunks, cut on the tokenizer's own token boundaries."""

from __future__ import annotations

import warnings
from itertools import pairwise

import numpy as np

from latechunk.chunkers.base import (
    Chunker,
    TokenOffsets,
    cut_tokens,
    require_offsets,
    strip_span,
    tokens_in_spans,
)
from latechunk.chunkers.budget import check_tokens, renamed_budget
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.inputs import check_text
from latechunk.types import Span


class TokenChunker(Chunker):
    """Chunks of exactly ``max_tokens`` model tokens (the last one may be shorter).

    Each chunk runs from the start of its first token to the start of the next chunk's first
    token, so characters the tokenizer drops stay inside a chunk; whitespace is trimmed. Tokens
    that share one character (a normaliser that splits it) stay together, so a chunk then ends
    a little early, or runs over only when one character alone holds more tokens than the budget.
    ``tokens_per_chunk``, the budget's former name, still works and warns (``DeprecationWarning``).
    """

    needs_token_offsets = True
    deprecated_parameters = ("tokens_per_chunk",)

    def __init__(self, max_tokens: int = DEFAULT_CHUNK_TOKENS, *, tokens_per_chunk: int | None = None) -> None:
        max_tokens = renamed_budget("TokenChunker", "tokens_per_chunk", tokens_per_chunk, max_tokens)
        self.max_tokens = check_tokens("max_tokens", max_tokens, optional=False)

    @property
    def tokens_per_chunk(self) -> int:
        """Deprecated: ``max_tokens``."""
        warnings.warn("TokenChunker.tokens_per_chunk is deprecated; read max_tokens", DeprecationWarning, stacklevel=2)
        return self.max_tokens

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        offsets = require_offsets(self, token_offsets)
        whole = strip_span(check_text(text, "text"), 0, len(text))
        if whole[0] == whole[1]:
            return []
        first, last = (int(x[0]) for x in tokens_in_spans(offsets, [whole]))
        boundaries = cut_tokens(offsets, first, last)
        cuts, start = [whole[0]], first
        while last - start > self.max_tokens:
            # the last boundary within the budget; past it only where tokens share a character
            at = int(np.searchsorted(boundaries, start + self.max_tokens, "right")) - 1
            if at < 0 or boundaries[at] <= start:
                at = int(np.searchsorted(boundaries, start, "right"))
                if at == len(boundaries):
                    break
            start = int(boundaries[at])
            cuts.append(max(whole[0], int(offsets[start, 0])))
        cuts.append(whole[1])
        pieces = [strip_span(text, a, b) for a, b in pairwise(cuts)]
        return [p for p in pieces if p[1] > p[0]]

    def __repr__(self) -> str:
        return f"TokenChunker(max_tokens={self.max_tokens})"
