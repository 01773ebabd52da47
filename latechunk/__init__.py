"""latechunk: contextual chunk embeddings by late chunking."""

from latechunk.late_chunker import LateChunker, LateChunkWarning
from latechunk.types import AlignmentError, Chunk, LateChunkError, Span, UnknownTaskError

__version__ = "0.1.0"

__all__ = [
    "AlignmentError",
    "Chunk",
    "LateChunkError",
    "LateChunkWarning",
    "LateChunker",
    "Span",
    "UnknownTaskError",
    "__version__",
]
