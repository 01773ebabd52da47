"""Caller-given chunks: character spans, or strings that make up the document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from latechunk.types import AlignmentError, Span


def validate_spans(text: str, spans: Sequence[Sequence[int]]) -> list[Span]:
    """Check caller-given spans: integers (numpy ones too), inside the text, non-empty. Order is kept as given."""
    checked: list[Span] = []
    for i, span in enumerate(spans):
        if span is None or len(span) != 2:
            raise TypeError(f"span {i} must be a (start, end) pair, got {span!r}")
        start, end = span
        if not _is_integer(start) or not _is_integer(end):
            raise TypeError(f"span {i} must hold integers, got {span!r}")
        start, end = int(start), int(end)
        if not 0 <= start < end <= len(text):
            raise AlignmentError(f"span {i} = ({start}, {end}) is empty or outside the text of length {len(text)}")
        checked.append((start, end))
    return checked


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def spans_from_pieces(text: str, pieces: Sequence[str]) -> list[Span]:
    """Locate consecutive pieces of ``text``; between them only whitespace may stand.

    Raises ``AlignmentError`` when a piece is not found where expected or when non-whitespace
    text between pieces would be left out.
    """
    spans: list[Span] = []
    position = 0
    for i, piece in enumerate(pieces):
        if not isinstance(piece, str):
            raise TypeError(f"piece {i} must be a string, got {type(piece).__name__}")
        if not piece:
            raise AlignmentError(f"piece {i} is empty")
        found = text.find(piece, position)
        if found < 0:
            raise AlignmentError(f"piece {i} ({piece[:30]!r}) does not occur after offset {position}")
        if text[position:found].strip():
            raise AlignmentError(f"text before piece {i} would be dropped: {text[position:found][:30]!r}")
        spans.append((found, found + len(piece)))
        position = found + len(piece)
    if text[position:].strip():
        raise AlignmentError(f"text after the last piece would be dropped: {text[position:][:30]!r}")
    return spans
