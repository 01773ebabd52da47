"""Packing small units (sentences, paragraphs) into chunks under a token budget."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from latechunk.chunkers.base import TokenOffsets, split_on_tokens, token_counts
from latechunk.types import Span


def pack_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets | None,
    max_tokens: int | None,
    units_per_chunk: int | None = None,
    overlap_units: int = 0,
    split_long: Callable[[Span], list[Span]] | None = None,
) -> list[Span]:
    """Greedily group consecutive units into chunks of at most ``max_tokens`` tokens.

    A unit longer than ``max_tokens`` is first split by ``split_long`` (default: on token
    boundaries). Each chunk holds at most ``units_per_chunk`` units; consecutive chunks share
    ``overlap_units`` units. A last short group is its own chunk: nothing is dropped.
    """
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    if units_per_chunk is not None and units_per_chunk < 1:
        raise ValueError(f"units_per_chunk must be at least 1, got {units_per_chunk}")
    if overlap_units < 0:
        raise ValueError(f"overlap must be non-negative, got {overlap_units}")
    if not units:
        return []
    if max_tokens is not None:
        if token_offsets is None:
            raise ValueError("max_tokens needs the tokenizer's offsets")
        units = _split_long_units(text, units, token_offsets, max_tokens, split_long)
        counts = token_counts(token_offsets, units)
    else:
        counts = np.zeros(len(units), dtype=np.int64)

    chunks: list[Span] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units):
            if units_per_chunk is not None and j - i >= units_per_chunk:
                break
            if max_tokens is not None and j > i and total + counts[j] > max_tokens:
                break
            total += int(counts[j])
            j += 1
        chunks.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        i = max(i + 1, j - overlap_units)
    return chunks


def _split_long_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets,
    max_tokens: int,
    split_long: Callable[[Span], list[Span]] | None,
) -> list[Span]:
    counts = token_counts(token_offsets, units)
    if int(counts.max(initial=0)) <= max_tokens:
        return units
    result: list[Span] = []
    for unit, count in zip(units, counts, strict=True):
        if count <= max_tokens:
            result.append(unit)
            continue
        pieces = split_long(unit) if split_long else [unit]
        for piece in pieces:
            result.extend(split_on_tokens(text, piece, token_offsets, max_tokens))
    return result
