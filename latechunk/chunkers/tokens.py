"""Fixed-size token chunks, cut on the tokenizer's own token boundaries."""

from __future__ import annotations

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
from latechunk.chunkers.budget import NOT_GIVEN, RenamedAttribute, check_tokens, renamed_budget
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.inputs import check_text
from latechunk.types import Span


class TokenChunker(Chunker):
    """Chunks of exactly ``chunk_size`` model tokens (the last one may be shorter).

    Each chunk runs from the start of its first token to the start of the next chunk's first
    token, so characters the tokenizer drops stay inside a chunk; whitespace is trimmed. Tokens
    that share one character (a normaliser that splits it) stay together, so a chunk then ends
    a little early, or runs over only when one character alone holds more tokens than the budget.
    ``max_tokens`` and ``tokens_per_chunk``, the budget's former names, still work (as keywords and
    read-only attributes) and warn (``DeprecationWarning``).
    """

    needs_token_offsets = True
    deprecated_parameters = ("max_tokens", "tokens_per_chunk")
    max_tokens = RenamedAttribute()
    tokens_per_chunk = RenamedAttribute()

    def __init__(
        self, chunk_size: int = DEFAULT_CHUNK_TOKENS, *, max_tokens: int = NOT_GIVEN, tokens_per_chunk: int = NOT_GIVEN
    ) -> None:
        former = {"max_tokens": max_tokens, "tokens_per_chunk": tokens_per_chunk}
        chunk_size = renamed_budget(type(self).__name__, chunk_size, **former)
        self.chunk_size = check_tokens("chunk_size", chunk_size, optional=False)

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        offsets = require_offsets(self, token_offsets)
        whole = strip_span(check_text(text, "text"), 0, len(text))
        if whole[0] == whole[1]:
            return []
        first, last = (int(x[0]) for x in tokens_in_spans(offsets, [whole]))
        boundaries = cut_tokens(offsets, first, last)
        cuts, start = [whole[0]], first
        while last - start > self.chunk_size:
            # the last boundary within the budget; past it only where tokens share a character
            at = int(np.searchsorted(boundaries, start + self.chunk_size, "right")) - 1
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
        return f"TokenChunker(chunk_size={self.chunk_size})"
