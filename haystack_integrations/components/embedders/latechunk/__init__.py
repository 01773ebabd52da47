"""Late-chunking embedders for Haystack pipelines (``pip install "latechunk[haystack]"``)."""

from .document_embedder import LateChunkingDocumentEmbedder
from .text_embedder import LateChunkingTextEmbedder

__all__ = ["LateChunkingDocumentEmbedder", "LateChunkingTextEmbedder"]
