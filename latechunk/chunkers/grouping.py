"""Packing small units (sentences, paragraphs) into chunks under a token budget."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from latechunk.chunkers.base import TokenOffsets, split_on_tokens, token_counts, tokens_in_spans
from latechunk.types import Span


def pack_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets | None,
    max_tokens: int | None,
    units_per_chunk: int | None = None,
    overlap_units: int = 0,
    split_long: Callable[[Span], list[Span]] | None = None,
    hard_max_tokens: int | None = None,
    starts_chunk: Callable[[Span], bool] | None = None,
) -> list[Span]:
    """Greedily group consecutive units into chunks of at most ``max_tokens`` tokens.

    A unit longer than ``max_tokens`` stays whole, as a chunk of its own, while it holds at most
    ``hard_max_tokens`` tokens; a longer one (any longer one when ``hard_max_tokens`` is ``None``)
    is first split by ``split_long`` (default: on token boundaries) into pieces of at most
    ``max_tokens``. A unit for which ``starts_chunk`` is true (a heading) begins a new chunk.
    Each chunk holds at most ``units_per_chunk`` units; consecutive chunks share
    ``overlap_units`` units. A last short group is its own chunk: nothing is dropped. With token
    offsets, a unit the tokenizer sees no token in joins its neighbour before the budget applies
    (``packable_units``), and a chunk's tokens are counted over its whole span (a token shared by
    two units, or one between them, counts once).
    """
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    if units_per_chunk is not None and units_per_chunk < 1:
        raise ValueError(f"units_per_chunk must be at least 1, got {units_per_chunk}")
    if hard_max_tokens is not None and max_tokens is not None and hard_max_tokens < max_tokens:
        raise ValueError(f"hard_max_tokens ({hard_max_tokens}) must be at least max_tokens ({max_tokens})")
    if overlap_units < 0:
        raise ValueError(f"overlap must be non-negative, got {overlap_units}")
    if not units:
        return []
    if max_tokens is not None and token_offsets is None:
        raise ValueError("max_tokens needs the tokenizer's offsets")
    if token_offsets is not None:
        token_offsets = np.asarray(token_offsets, dtype=np.int64).reshape(-1, 2)
        units = packable_units(text, units, token_offsets, max_tokens, hard_max_tokens, split_long)
        first, last = tokens_in_spans(token_offsets, np.asarray(units, dtype=np.int64))

    chunks: list[Span] = []
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units):
            if units_per_chunk is not None and j - i >= units_per_chunk:
                break
            if max_tokens is not None and last[j] - first[i] > max_tokens:
                break
            if starts_chunk is not None and starts_chunk(units[j]):
                break
            j += 1
        chunks.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        i = max(i + 1, j - overlap_units)
    return chunks


def packable_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets,
    max_tokens: int | None,
    hard_max_tokens: int | None = None,
    split_long: Callable[[Span], list[Span]] | None = None,
) -> list[Span]:
    """The units chunks are packed from: tokenless units joined to a neighbour, then long ones cut.

    The join comes first, so that a joined unit is held to the budget like any other: the text
    between two units can hold tokens of its own (HTML tags between two blocks), and a unit made
    of two tokenless blocks and the tag between them is as long as that tag. Where nothing
    between units is a token (plain text and MiniLM), the order makes no difference.
    """
    units = merge_tokenless_units(units, token_offsets)
    if max_tokens is None:
        return units
    return split_long_units(text, units, token_offsets, max_tokens, split_long, hard_max_tokens)


def merge_tokenless_units(units: list[Span], token_offsets: TokenOffsets) -> list[Span]:
    """Join each unit that overlaps no token (only characters the tokenizer drops) to its neighbour.

    Such a unit joins the unit before it, or the next one when it comes first, so that every
    unit covers a token whenever the text has one.
    """
    counts = token_counts(token_offsets, units)
    if counts.all():
        return list(units)
    if not counts.any():
        return [(units[0][0], units[-1][1])]
    merged: list[Span] = []
    pending_start: int | None = None
    for (start, end), count in zip(units, counts, strict=True):
        if count == 0 and merged:
            merged[-1] = (merged[-1][0], end)
        elif count == 0:
            pending_start = start if pending_start is None else pending_start
        else:
            merged.append((start if pending_start is None else pending_start, end))
            pending_start = None
    return merged


def split_long_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets,
    max_tokens: int,
    split_long: Callable[[Span], list[Span]] | None = None,
    hard_max_tokens: int | None = None,
) -> list[Span]:
    """Units of at most ``hard_max_tokens`` (default ``max_tokens``) tokens.

    A longer unit is cut by ``split_long``, then on tokens, into pieces of at most ``max_tokens``.
    """
    keep = max_tokens if hard_max_tokens is None else hard_max_tokens
    counts = token_counts(token_offsets, units)
    if int(counts.max(initial=0)) <= keep:
        return units
    result: list[Span] = []
    for unit, count in zip(units, counts, strict=True):
        if count <= keep:
            result.append(unit)
            continue
        pieces = split_long(unit) if split_long else [unit]
        for piece in pieces:
            result.extend(split_on_tokens(text, piece, token_offsets, max_tokens))
    return result
