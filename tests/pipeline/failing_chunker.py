"""A chunker that fails on a marked document, light enough for a worker process to import (no torch)."""

from __future__ import annotations

from latechunk.chunkers import Chunker, SentenceChunker


class FailsOn(Chunker):
    """Sentence chunks, except for a text holding ``marker``: there it raises ``error``."""

    needs_token_offsets = True

    def __init__(self, marker: str, error: Exception) -> None:
        self.marker, self.error, self.inner = marker, error, SentenceChunker(chunk_size=16)

    def split(self, text, token_offsets=None):
        if self.marker in text:
            raise self.error
        return self.inner.split(text, token_offsets)


class Unpicklable(SentenceChunker):
    """Sentence chunks from a chunker that cannot travel to a process (it holds a lambda)."""

    def __init__(self) -> None:
        super().__init__(chunk_size=16)
        self.hook = lambda text: text
