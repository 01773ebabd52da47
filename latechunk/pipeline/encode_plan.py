"""The encoder's host-side plan, in numpy over whole groups of sequences: windows, stream layout, span segments.

Every sequence of a group sits in one *stream* of token positions: its leading special tokens,
its prefix, its content tokens, its trailing special tokens, one sequence after the other. A plan
holds the windows that cover the stream (flat arrays: one row per token a window runs, with the
stream position its vector adds to and the weight it adds with) and the segments each span pools.
No torch here: a plan is built in a worker process or thread and handed to the encoder.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from latechunk.errors import AlignmentError
from latechunk.pipeline.tokenization import SpecialTokens
from latechunk.pipeline.windows import WindowSettings, window_ranges


@dataclass(frozen=True)
class EncodeRequest:
    """One sequence to encode and the token ranges ``[first, last)`` to pool from it.

    ``pool_special``: the leading special and prefix tokens join the first span and the
    trailing special tokens join the last span (the published late-chunking convention).
    ``group_sizes`` splits the spans into consecutive groups (alternative chunkings of the same
    sequence, pooled from the same forward pass); each group has its own first and last span.
    """

    ids: np.ndarray
    prefix_ids: np.ndarray
    token_spans: np.ndarray  # (k, 2) int64 ranges of content tokens
    pool_special: bool
    group_sizes: tuple[int, ...] = ()

    def groups(self) -> list[tuple[int, int]]:
        """``(first, last)`` span index of each non-empty group."""
        sizes = self.group_sizes or (len(self.token_spans),)
        if sum(sizes) != len(self.token_spans):
            raise ValueError("group_sizes must add up to the number of spans")
        ends = np.cumsum(sizes)
        return [(int(e - n), int(e - 1)) for n, e in zip(sizes, ends, strict=True) if n]

    def with_spans(self, token_spans: np.ndarray) -> EncodeRequest:
        return dataclasses.replace(self, token_spans=np.asarray(token_spans, dtype=np.int64).reshape(-1, 2))


@dataclass(frozen=True)
class Windows:
    """Windows in stream order as flat arrays; window ``w`` is rows ``bounds[w]:bounds[w + 1]``.

    Row ``r`` runs token ``ids[r]``; its vector adds to stream position ``dest[r]`` (``-1``: not
    used) with weight ``weight[r]``.
    """

    ids: np.ndarray  # (rows,) int64
    dest: np.ndarray  # (rows,) int64
    weight: np.ndarray  # (rows,) float32
    bounds: np.ndarray  # (windows + 1,) int64

    def __len__(self) -> int:
        return len(self.bounds) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.bounds)

    def sequences(self, first: int, last: int) -> list[np.ndarray]:
        """The token ids of windows ``[first, last)``, each a view."""
        cuts = self.bounds[first : last + 1].tolist()
        return [self.ids[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]

    def position_range(self) -> tuple[np.ndarray, np.ndarray]:
        """The lowest and highest stream position each window adds to (windows that add to none: -1)."""
        used = self.weight > 0
        low = np.where(used, self.dest, np.iinfo(np.int64).max)
        high = np.where(used, self.dest, -1)
        starts = self.bounds[:-1]
        if len(self.ids) == 0:
            return np.full(len(self), -1), np.full(len(self), -1)
        first = np.minimum.reduceat(low, np.minimum(starts, len(self.ids) - 1))
        last = np.maximum.reduceat(high, np.minimum(starts, len(self.ids) - 1))
        empty = self.lengths == 0
        first[empty], last[empty] = -1, -1
        return first, last


@dataclass(frozen=True)
class EncodePlan:
    """What ``Encoder.run_plan`` needs, prepared on the host: span segments ``(span, lo, hi)``, the
    number of spans, the windows in stream order, the stream's length in tokens, and where each
    sequence starts in the stream (``sequence_bounds``, one more than the sequences)."""

    segments: np.ndarray
    n_spans: int
    windows: Windows
    tokens: int
    sequence_bounds: np.ndarray


EMPTY_SPANS = np.zeros((0, 2), dtype=np.int64)


def concat_plans(plans: list[EncodePlan]) -> EncodePlan:
    """One plan that runs ``plans`` one after the other (their streams, spans and windows laid end to end)."""
    tokens = np.cumsum([0] + [p.tokens for p in plans])
    spans = np.cumsum([0] + [p.n_spans for p in plans])
    rows = np.cumsum([0] + [len(p.windows.ids) for p in plans])
    segments = np.concatenate([p.segments + [s, t, t] for p, s, t in zip(plans, spans, tokens, strict=False)])
    windows = Windows(
        np.concatenate([p.windows.ids for p in plans]),
        np.concatenate(
            [np.where(p.windows.dest >= 0, p.windows.dest + t, -1) for p, t in zip(plans, tokens, strict=False)]
        ),
        np.concatenate([p.windows.weight for p in plans]),
        np.concatenate([[0]] + [p.windows.bounds[1:] + r for p, r in zip(plans, rows, strict=False)]),
    )
    bounds = np.concatenate([[0]] + [p.sequence_bounds[1:] + t for p, t in zip(plans, tokens, strict=False)])
    return EncodePlan(segments.reshape(-1, 3), int(spans[-1]), windows, int(tokens[-1]), bounds)


def plan_encoding(
    requests: list[EncodeRequest],
    special: SpecialTokens,
    window: WindowSettings,
    *,
    first_index: int = 0,
    spanless: bool = False,
) -> EncodePlan:
    """The plan of ``requests`` (checks, stream layout, span segments, windows), in numpy over them all.

    A request with no span to pool is left out of the stream unless ``spanless`` (the token vectors
    of every request are wanted). ``first_index`` numbers the requests in error messages.
    """
    for index, request in enumerate(requests):
        check_spans(first_index + index, request)
    if not spanless:
        requests = [request for request in requests if len(request.token_spans)]
    if not requests:
        empty = Windows(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(1, np.int64))
        return EncodePlan(np.zeros((0, 3), np.int64), 0, empty, 0, np.zeros(1, np.int64))
    n_lead, n_trail = len(special.lead), len(special.trail)
    n_content = np.fromiter((len(r.ids) for r in requests), np.int64, len(requests))
    n_prefix = np.fromiter((len(r.prefix_ids) for r in requests), np.int64, len(requests))
    sizes = n_lead + n_prefix + n_content + n_trail
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    content_base = bounds[:-1] + n_lead + n_prefix
    segments, n_spans = span_segments(requests, bounds, content_base)
    windows = _windows(requests, special, window, bounds[:-1], n_content, n_prefix)
    return EncodePlan(segments, n_spans, windows, int(bounds[-1]), bounds)


def span_segments(
    requests: list[EncodeRequest], bounds: np.ndarray, content_base: np.ndarray
) -> tuple[np.ndarray, int]:
    """Rows ``(span, lo, hi)`` of stream positions each span pools (special tokens included), and the span count.

    Every content row comes first, in request and span order, then the special-token rows; the pooler
    sorts them by position, so this order only breaks ties as request by request would.
    """
    counts = np.fromiter((len(r.token_spans) for r in requests), np.int64, len(requests))
    span_base = np.concatenate([[0], np.cumsum(counts)])
    spans = np.concatenate([np.asarray(r.token_spans, np.int64).reshape(-1, 2) for r in requests])
    shift = np.repeat(content_base, counts)
    content = np.stack([np.arange(len(spans)), shift + spans[:, 0], shift + spans[:, 1]], axis=1)
    rows = [content]
    pooled = [i for i, r in enumerate(requests) if r.pool_special and len(r.token_spans)]
    if pooled:
        firsts, lasts, owner = [], [], []
        for i in pooled:
            for first, last in requests[i].groups():
                firsts.append(first)
                lasts.append(last)
                owner.append(i)
        owner_ = np.asarray(owner, np.int64)
        n_content = np.fromiter((len(requests[i].ids) for i in owner), np.int64, len(owner))
        head = np.stack([span_base[owner_] + firsts, bounds[owner_], content_base[owner_]], axis=1)
        tail = np.stack([span_base[owner_] + lasts, content_base[owner_] + n_content, bounds[owner_ + 1]], axis=1)
        rows.append(np.stack([head, tail], axis=1).reshape(-1, 3))
    return np.concatenate(rows).astype(np.int64).reshape(-1, 3), int(span_base[-1])


def _windows(
    requests: list[EncodeRequest],
    special: SpecialTokens,
    settings: WindowSettings,
    base: np.ndarray,
    n_content: np.ndarray,
    n_prefix: np.ndarray,
) -> Windows:
    """Every request's windows, flat: lead specials, prefix (first window, or each one with
    ``repeat_prefix``), content, trail specials. The lead specials and the prefix count from the
    first window only, the trail specials from the last; other windows run them for context only."""
    n_lead, n_trail = len(special.lead), len(special.trail)
    room = settings.max_length - special.count
    first_capacity = room - n_prefix
    capacity = first_capacity if settings.repeat_prefix else np.full_like(first_capacity, room)
    owner, start, end, keep_start, keep_end = window_ranges(
        n_content, first_capacity, capacity, settings.overlap, settings.merge
    )
    first_window = np.concatenate([[True], owner[1:] != owner[:-1]])
    last_window = np.concatenate([owner[1:] != owner[:-1], [True]])
    prefix_len = np.where(first_window | settings.repeat_prefix, n_prefix[owner], 0)
    length = end - start
    row_len = n_lead + prefix_len + length + n_trail
    row_start = np.concatenate([[0], np.cumsum(row_len)])
    total = int(row_start[-1])
    ids = np.empty(total, np.int64)
    dest = np.empty(total, np.int64)
    weight = np.empty(total, np.float32)
    content_base = base + n_lead + n_prefix

    # leading and trailing special tokens: the same in every window
    for count, offset, tokens, counts_from, position in (
        (n_lead, np.zeros_like(row_len), special.lead, first_window, base[owner]),
        (n_trail, n_lead + prefix_len + length, special.trail, last_window, (content_base + n_content)[owner]),
    ):
        if count:
            rows = (row_start[:-1] + offset)[:, None] + np.arange(count)
            ids[rows] = np.asarray(tokens, np.int64)
            where = np.where(counts_from[:, None], position[:, None] + np.arange(count), -1)
            dest[rows] = where
            weight[rows] = counts_from[:, None].astype(np.float32)

    # prefixes: ragged (a window may carry none)
    rows, within = ragged(row_start[:-1] + n_lead, prefix_len)
    if len(rows):
        window_of = np.repeat(np.arange(len(owner)), prefix_len)
        prefix_flat, prefix_bounds = _flatten([r.prefix_ids for r in requests])
        ids[rows] = prefix_flat[prefix_bounds[owner[window_of]] + within]
        used = first_window[window_of]
        dest[rows] = np.where(used, (base + n_lead)[owner[window_of]] + within, -1)
        weight[rows] = used.astype(np.float32)

    # content tokens
    rows, within = ragged(row_start[:-1] + n_lead + prefix_len, length)
    if len(rows):
        window_of = np.repeat(np.arange(len(owner)), length)
        content_flat, content_bounds = _flatten([r.ids for r in requests])
        position = start[window_of] + within
        ids[rows] = content_flat[content_bounds[owner[window_of]] + position]
        dest[rows] = content_base[owner[window_of]] + position
        weight[rows] = ((position >= keep_start[window_of]) & (position < keep_end[window_of])).astype(np.float32)
    return Windows(ids, dest, weight, row_start)


def ragged(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``starts[i] + j`` for ``j < lengths[i]``, concatenated, and each one's ``j``."""
    lengths = np.asarray(lengths, np.int64)
    total = int(lengths.sum())
    firsts = np.cumsum(lengths) - lengths
    within = np.arange(total) - np.repeat(firsts, lengths)
    return np.repeat(starts, lengths) + within, within


def _flatten(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The arrays concatenated (as int64) and where each one starts."""
    lengths = np.fromiter((len(a) for a in arrays), np.int64, len(arrays))
    flat = np.concatenate(arrays).astype(np.int64, copy=False) if arrays else np.zeros(0, np.int64)
    return flat, np.concatenate([[0], np.cumsum(lengths)])


def check_spans(index: int, request: EncodeRequest) -> None:
    """Every span covers a token (a lone span may be empty when special tokens join it) and lies in range."""
    spans = request.token_spans
    if len(spans) == 0:
        return
    empty = np.flatnonzero(spans[:, 1] <= spans[:, 0])
    if len(empty) and not (request.pool_special and len(spans) == 1 and not request.group_sizes):
        raise AlignmentError(
            f"input {index}: span {int(empty[0])} covers no token (only characters the tokenizer drops?)"
        )
    if spans.min() < 0 or spans.max() > len(request.ids):
        raise AlignmentError(f"input {index}: a token range lies outside the sequence")
