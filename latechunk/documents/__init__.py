"""Documents: finding files, reading their text (encodings, PDFs), and what each chunk keeps of its file.

A library layer below the doors (the command line, Ray, the server): it knows nothing of stores or models.
"""

from __future__ import annotations

from latechunk.documents.chunk_context import CONTEXT_CHARS, chunk_meta, context
from latechunk.documents.chunker_choice import AUTO_CHUNKER, FALLBACK_CHUNKER, chunker_for
from latechunk.documents.decoding import Decoded, DecodeError, decode_text
from latechunk.documents.finding import Found, find_documents
from latechunk.documents.loading import LoadedDocument, load_document
from latechunk.documents.names import path_key
from latechunk.documents.pdf_layout import PdfLayout, read_layout
from latechunk.documents.reading import (
    SUPPORTED_SUFFIXES,
    ReadError,
    content_hash,
    extract_text,
    read_bytes,
    read_document,
)

__all__ = [
    "AUTO_CHUNKER",
    "CONTEXT_CHARS",
    "FALLBACK_CHUNKER",
    "SUPPORTED_SUFFIXES",
    "DecodeError",
    "Decoded",
    "Found",
    "LoadedDocument",
    "PdfLayout",
    "ReadError",
    "chunk_meta",
    "chunker_for",
    "content_hash",
    "context",
    "decode_text",
    "extract_text",
    "find_documents",
    "load_document",
    "path_key",
    "read_bytes",
    "read_document",
    "read_layout",
]
