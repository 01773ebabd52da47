"""latechunk: contextual chunk embeddings by late chunking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from latechunk.errors import (
    AlignmentError,
    CheckpointError,
    EmptyTextError,
    InputTypeError,
    InvalidTextError,
    LateChunkError,
    LateChunkWarning,
    SettingsError,
    SettingsTypeError,
    UnknownTaskError,
)
from latechunk.settings import LateChunkerSettings
from latechunk.types import Chunk, ChunkArrays, Span

if TYPE_CHECKING:
    from latechunk.late_chunker import LateChunker

__version__ = "0.1.0"

__all__ = [
    "AlignmentError",
    "CheckpointError",
    "Chunk",
    "ChunkArrays",
    "EmptyTextError",
    "InputTypeError",
    "InvalidTextError",
    "LateChunkError",
    "LateChunkWarning",
    "LateChunker",
    "LateChunkerSettings",
    "SettingsError",
    "SettingsTypeError",
    "Span",
    "UnknownTaskError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # LateChunker pulls in torch and transformers: import it on first use, so that
    # `latechunk --help` and the data types stay light.
    if name == "LateChunker":
        from latechunk.late_chunker import LateChunker

        return LateChunker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
