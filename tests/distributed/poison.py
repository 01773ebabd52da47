"""A chunker that fails on documents containing ``POISON``: an embedding-time error for the tests.

It lives in its own importable module so that Ray workers can unpickle it.
"""

from __future__ import annotations

from latechunk.chunkers import SentenceChunker


class PoisonChunker(SentenceChunker):
    def split(self, text, token_offsets=None):
        if "POISON" in text:
            raise RuntimeError("poisoned document")
        return super().split(text, token_offsets)
