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
from latechunk.chunkers.budget import check_tokens
from latechunk.types import Span


class TokenChunker(Chunker):
    """Chunks of exactly ``tokens_per_chunk`` model tokens (the last one may be shorter).

    Each chunk runs from the start of its first token to the start of the next chunk's first
    token, so characters the tokenizer drops stay inside a chunk; whitespace is trimmed. Tokens
    that share one character (a normaliser that splits it) stay together, so a chunk then ends
    a little early, or runs over only when one character alone holds more tokens than the budget.
    """

    needs_token_offsets = True

    def __init__(self, tokens_per_chunk: int = 64) -> None:
        self.tokens_per_chunk = check_tokens("tokens_per_chunk", tokens_per_chunk, optional=False)

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        offsets = require_offsets(self, token_offsets)
        whole = strip_span(text, 0, len(text))
        if whole[0] == whole[1]:
            return []
        first, last = (int(x[0]) for x in tokens_in_spans(offsets, [whole]))
        boundaries = cut_tokens(offsets, first, last)
        cuts, start = [whole[0]], first
        while last - start > self.tokens_per_chunk:
            # the last boundary within the budget; past it only where tokens share a character
            at = int(np.searchsorted(boundaries, start + self.tokens_per_chunk, "right")) - 1
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
        return f"TokenChunker(tokens_per_chunk={self.tokens_per_chunk})"
