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
