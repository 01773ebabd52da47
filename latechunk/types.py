"""The small data types shared by every part of latechunk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from latechunk.errors import (  # noqa: F401 - re-exported: the types module was their first home
    AlignmentError,
    LateChunkError,
    LateChunkWarning,
    UnknownTaskError,
)

Span = tuple[int, int]
"""A half-open character range ``(start, end)`` into a document's text."""


@dataclass(slots=True)
class Chunk:
    """One chunk of a document and its (contextual) embedding.

    ``text == document[start:end]`` always holds; ``start`` and ``end`` are character offsets.
    """

    text: str
    start: int
    end: int
    embedding: np.ndarray | None = None
    token_count: int = 0
    index: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 40 else self.text[:37] + "..."
        dim = None if self.embedding is None else self.embedding.shape[-1]
        return (
            f"Chunk(index={self.index}, start={self.start}, end={self.end}, "
            f"tokens={self.token_count}, dim={dim}, text={shown!r})"
        )


@dataclass(slots=True)
class ChunkArrays:
    """One document's chunks as arrays, for bulk callers (Ray, the command line, the server).

    Row ``i`` is chunk ``i``: ``document[starts[i]:ends[i]]`` is its text. No Python object per chunk;
    ``to_chunks`` builds the ``Chunk`` objects when a caller wants them.
    """

    starts: np.ndarray
    """``(k,)`` int64 character offsets where each chunk starts."""
    ends: np.ndarray
    """``(k,)`` int64 character offsets where each chunk ends."""
    token_counts: np.ndarray
    """``(k,)`` int64 model tokens in each chunk."""
    embeddings: np.ndarray
    """``(k, dim)`` float32 chunk vectors."""
    metas: list[dict[str, Any]] | None = None
    """Each chunk's metadata (a Markdown chunk's ``headings``); ``None`` when the chunker gives none."""

    def __len__(self) -> int:
        return len(self.starts)

    def to_chunks(self, document: str) -> list[Chunk]:
        """The ``Chunk`` objects of these rows; ``document`` is the text they were cut from."""
        metas = self.metas if self.metas is not None else [{} for _ in range(len(self))]
        return [
            Chunk(text=document[s:e], start=s, end=e, embedding=v, token_count=n, index=i, meta=dict(m))
            for i, (s, e, n, v, m) in enumerate(
                zip(
                    self.starts.tolist(),
                    self.ends.tolist(),
                    self.token_counts.tolist(),
                    self.embeddings,
                    metas,
                    strict=True,
                )
            )
        ]
