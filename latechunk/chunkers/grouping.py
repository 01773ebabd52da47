"""Packing small units (sentences, paragraphs) into chunks under a token budget."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from latechunk.chunkers.base import TokenOffsets, cut_preferences, split_on_tokens, token_counts, tokens_in_spans
from latechunk.types import Span


def pack_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets | None,
    chunk_size: int | None,
    units_per_chunk: int | None = None,
    overlap_units: int = 0,
    split_long: Callable[[Span], list[Span]] | None = None,
    hard_max_tokens: int | None = None,
    starts_chunk: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[Span]:
    """Greedily group consecutive units into chunks of at most ``chunk_size`` tokens.

    A unit longer than ``chunk_size`` stays whole, as a chunk of its own, while it holds at most
    ``hard_max_tokens`` tokens; a longer one (any longer one when ``hard_max_tokens`` is ``None``)
    is first split by ``split_long`` (default: on token boundaries) into pieces of at most
    ``chunk_size``. A unit that ``starts_chunk`` marks (given the ``(n, 2)`` array of the units,
    it returns one bool per unit: a heading) begins a new chunk. Each chunk holds at most
    ``units_per_chunk`` units; consecutive chunks share ``overlap_units`` units. A last short
    group is its own chunk: nothing is dropped. With token offsets, a unit the tokenizer sees no
    token in joins its neighbour before the budget applies (``packable_units``), and a chunk's
    tokens are counted over its whole span (a token shared by two units, or one between them,
    counts once). Units come in document order (starts and ends never decrease).
    """
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if units_per_chunk is not None and units_per_chunk < 1:
        raise ValueError(f"units_per_chunk must be at least 1, got {units_per_chunk}")
    if hard_max_tokens is not None and chunk_size is not None and hard_max_tokens < chunk_size:
        raise ValueError(f"hard_max_tokens ({hard_max_tokens}) must be at least chunk_size ({chunk_size})")
    if overlap_units < 0:
        raise ValueError(f"overlap must be non-negative, got {overlap_units}")
    if len(units) == 0:
        return []
    if chunk_size is not None and token_offsets is None:
        raise ValueError("chunk_size needs the tokenizer's offsets")
    spans = _span_array(units)
    first = last = None
    if token_offsets is not None:
        token_offsets = np.asarray(token_offsets, dtype=np.int64).reshape(-1, 2)
        spans, first, last = _packable(text, spans, token_offsets, chunk_size, hard_max_tokens, split_long)
    starts = None if starts_chunk is None else np.asarray(starts_chunk(spans), dtype=bool)
    begin, stop = group_units(len(spans), first, last, chunk_size, units_per_chunk, overlap_units, starts)
    return list(zip(spans[begin, 0].tolist(), spans[stop - 1, 1].tolist(), strict=True))


def group_units(
    n: int,
    first: np.ndarray | None,
    last: np.ndarray | None,
    chunk_size: int | None,
    units_per_chunk: int | None = None,
    overlap_units: int = 0,
    starts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The greedy grouping of ``n`` units as unit ranges ``[begin[k], stop[k])``, one per chunk, in numpy.

    A chunk starting at unit ``i`` takes units while it holds fewer than ``units_per_chunk``, while
    ``last[j] - first[i] <= chunk_size`` (unit ``u`` holds tokens ``[first[u], last[u])``, both never
    decreasing) and until a unit with ``starts[j]``; the next chunk starts ``overlap_units`` units
    before its end, one unit later at least. Every unit's chunk end is found at once (a sorted search
    for the budget), and the chain of chunk starts from unit 0 by pointer doubling.
    """
    index = np.arange(n, dtype=np.int64)
    stop = np.full(n, n, dtype=np.int64)
    if units_per_chunk is not None:
        stop = np.minimum(stop, index + units_per_chunk)
    if chunk_size is not None:
        assert first is not None and last is not None
        over = np.searchsorted(last, first + chunk_size, side="right")  # the first unit past the budget
        stop = np.minimum(stop, np.maximum(over, index + 1))
    if starts is not None:
        marked = np.flatnonzero(starts)
        following = np.searchsorted(marked, index, side="right")
        stop = np.minimum(stop, np.append(marked, n)[following])
    successor = np.where(stop >= n, n, np.maximum(index + 1, stop - overlap_units))
    begin = chain_from_zero(successor)
    return begin, stop[begin]


def chain_from_zero(successor: np.ndarray) -> np.ndarray:
    """The nodes ``0, s[0], s[s[0]], ...`` before ``n = len(s)``, where ``s[i] > i`` (``n`` ends the chain).

    Pointer doubling: after round ``k`` the nodes reached in fewer than ``2**k`` steps are known, so
    ``log2`` of the chain's length rounds of whole-array numpy do what a loop over the chain would.
    """
    n = len(successor)
    jump = np.append(np.asarray(successor, dtype=np.int64), n)
    reached = np.zeros(n + 1, dtype=bool)
    reached[0] = True
    while True:
        reached[jump[np.flatnonzero(reached)]] = True
        if jump[0] == n:
            break
        jump = jump[jump]
    return np.flatnonzero(reached[:n])


def _span_array(units: list[Span] | np.ndarray) -> np.ndarray:
    spans = np.asarray(units, dtype=np.int64).reshape(-1, 2)
    if len(spans) > 1 and (np.any(spans[1:, 0] < spans[:-1, 0]) or np.any(spans[1:, 1] < spans[:-1, 1])):
        raise ValueError("units must be in document order: their starts and ends never decrease")
    return spans


def packable_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets,
    chunk_size: int | None,
    hard_max_tokens: int | None = None,
    split_long: Callable[[Span], list[Span]] | None = None,
) -> list[Span]:
    """The units chunks are packed from: tokenless units joined to a neighbour, then long ones cut.

    The join comes first, so that a joined unit is held to the budget like any other: the text
    between two units can hold tokens of its own (HTML tags between two blocks), and a unit made
    of two tokenless blocks and the tag between them is as long as that tag. Where nothing
    between units is a token (plain text and MiniLM), the order makes no difference.
    """
    spans, _, _ = _packable(text, _span_array(units), token_offsets, chunk_size, hard_max_tokens, split_long)
    return list(zip(spans[:, 0].tolist(), spans[:, 1].tolist(), strict=True))


def _packable(
    text: str,
    spans: np.ndarray,
    token_offsets: TokenOffsets,
    chunk_size: int | None,
    hard_max_tokens: int | None,
    split_long: Callable[[Span], list[Span]] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``packable_units`` on an ``(n, 2)`` array, with each unit's token range ``[first, last)``."""
    first, last = tokens_in_spans(token_offsets, spans)
    if len(spans) and not np.all(last > first):
        spans, _ = join_tokenless(spans, last > first)
        first, last = tokens_in_spans(token_offsets, spans)
    keep = chunk_size if hard_max_tokens is None else hard_max_tokens
    if chunk_size is not None and np.any(last - first > keep):
        units = list(zip(spans[:, 0].tolist(), spans[:, 1].tolist(), strict=True))
        spans = _span_array(split_long_units(text, units, token_offsets, chunk_size, split_long, hard_max_tokens))
        first, last = tokens_in_spans(token_offsets, spans)
    return spans, first, last


def merge_tokenless_units(units: list[Span], token_offsets: TokenOffsets) -> list[Span]:
    """Join each unit that overlaps no token (only characters the tokenizer drops) to its neighbour.

    Such a unit joins the unit before it, or the next one when it comes first, so that every
    unit covers a token whenever the text has one.
    """
    spans = np.asarray(units, dtype=np.int64).reshape(-1, 2)
    first, last = tokens_in_spans(token_offsets, spans)
    if np.all(last > first):
        return list(units)
    joined, _ = join_tokenless(spans, last > first)
    return list(zip(joined[:, 0].tolist(), joined[:, 1].tolist(), strict=True))


def join_tokenless(
    spans: np.ndarray, has_tokens: np.ndarray, groups: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``merge_tokenless_units`` on arrays, within each group of consecutive units (``groups``: a non-decreasing
    group number per unit; default: one group).

    A unit without tokens joins the unit with tokens before it in its group, or the first one after
    it when none is before; a group without any becomes one span. Returns the joined ``(k, 2)`` spans
    and, for each, the index of the unit it grew from (to carry per-unit data along).
    """
    n = len(spans)
    if n == 0:
        return spans.reshape(0, 2), np.zeros(0, dtype=np.int64)
    new_group = np.zeros(n, dtype=bool)
    new_group[0] = True
    if groups is not None:
        new_group[1:] = groups[1:] != groups[:-1]
    group = np.cumsum(new_group) - 1
    group_first = np.flatnonzero(new_group)
    group_last = np.append(group_first[1:] - 1, n - 1)
    group_has_tokens = np.logical_or.reduceat(has_tokens, group_first)
    kept = np.flatnonzero(has_tokens | (new_group & ~group_has_tokens[group]))
    kept_group = group[kept]
    first_of_group = np.append(True, kept_group[1:] != kept_group[:-1])
    last_of_group = np.append(kept_group[1:] != kept_group[:-1], True)
    starts = np.where(first_of_group, spans[group_first[kept_group], 0], spans[kept, 0])
    following = np.append(kept[1:], n) - 1  # the last unit before the next kept one
    ends = np.where(last_of_group, spans[group_last[kept_group], 1], spans[following, 1])
    return np.stack([starts, ends], axis=1), kept


def split_long_units(
    text: str,
    units: list[Span],
    token_offsets: TokenOffsets,
    chunk_size: int,
    split_long: Callable[[Span], list[Span]] | None = None,
    hard_max_tokens: int | None = None,
) -> list[Span]:
    """Units of at most ``hard_max_tokens`` (default ``chunk_size``) tokens.

    A longer unit is cut by ``split_long``, then on tokens, into pieces of at most ``chunk_size``.
    Only the long units are visited one by one.
    """
    keep = chunk_size if hard_max_tokens is None else hard_max_tokens
    counts = token_counts(token_offsets, units)
    long = np.flatnonzero(counts > keep).tolist()
    if not long:
        return units
    preferences = cut_preferences(text, token_offsets)
    result: list[Span] = []
    done = 0
    for at in long:
        result += units[done:at]
        for piece in split_long(units[at]) if split_long else [units[at]]:
            result += split_on_tokens(text, piece, token_offsets, chunk_size, preferences)
        done = at + 1
    return result + units[done:]
