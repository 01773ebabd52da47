"""Where chunk boundaries come from: each chunker turns a text into character spans."""

from __future__ import annotations

from typing import Any

from latechunk.chunkers.base import Chunker, TokenOffsets, strip_span, token_counts, tokens_in_spans
from latechunk.chunkers.html import HtmlChunker
from latechunk.chunkers.markdown import MarkdownChunker
from latechunk.chunkers.paragraphs import ParagraphChunker
from latechunk.chunkers.segmentation import split_sentences
from latechunk.chunkers.semantic import SemanticChunker
from latechunk.chunkers.sentences import SentenceChunker
from latechunk.chunkers.spans import spans_from_pieces, validate_spans
from latechunk.chunkers.structured import StructuredChunker
from latechunk.chunkers.tokens import TokenChunker

CHUNKERS: dict[str, type[Chunker]] = {
    "sentences": SentenceChunker,
    "paragraphs": ParagraphChunker,
    "tokens": TokenChunker,
    "semantic": SemanticChunker,
    "markdown": MarkdownChunker,
    "html": HtmlChunker,
}


def get_chunker(chunker: str | Chunker, **options: Any) -> Chunker:
    """Build a chunker from its name (options go to its constructor) or pass an instance through."""
    if isinstance(chunker, Chunker):
        if options:
            raise ValueError("chunker options apply only when the chunker is given by name")
        return chunker
    if chunker not in CHUNKERS:
        raise ValueError(f"unknown chunker {chunker!r}; choose one of {sorted(CHUNKERS)}")
    return CHUNKERS[chunker](**options)


__all__ = [
    "CHUNKERS",
    "Chunker",
    "StructuredChunker",
    "HtmlChunker",
    "MarkdownChunker",
    "ParagraphChunker",
    "SemanticChunker",
    "SentenceChunker",
    "TokenChunker",
    "TokenOffsets",
    "get_chunker",
    "spans_from_pieces",
    "split_sentences",
    "strip_span",
    "token_counts",
    "tokens_in_spans",
    "validate_spans",
]
