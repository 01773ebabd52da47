"""What a store holds and gives back: chunks to store, search hits, file records, and what does not add up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class StoredChunk:
    """A chunk ready to store: where it lies in its file, its text and its neighbourhood."""

    index: int
    start: int
    end: int
    text: str
    context_before: str
    context_after: str
    vector: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    """The chunk's metadata (``headings``; for PDFs ``page_number``, ``page_end``), stored as payload ``meta``."""


@dataclass
class Hit:
    """One search result; ``meta`` is the chunk's stored metadata (empty in stores written before it was kept)."""

    file: str
    start: int
    end: int
    score: float
    text: str
    context_before: str
    context_after: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "text": self.text,
            "context_before": self.context_before,
            "context_after": self.context_after,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hit:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(frozen=True)
class FileRecord:
    """What the store remembers of an indexed file."""

    sha256: str
    chunks: int | None  # None in records written before chunk counts were kept


@dataclass
class FileChunks:
    """A file's new chunks and content hash, to store in place of what the store holds for it."""

    path: str
    sha256: str
    chunks: list[StoredChunk]


@dataclass
class Damage:
    """What does not add up in a store: files whose chunks are missing (or extra), chunks of unknown files."""

    files: set[str] = field(default_factory=set)
    orphans: set[str] = field(default_factory=set)
