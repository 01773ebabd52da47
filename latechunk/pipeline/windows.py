"""Splitting a long token sequence into overlapping windows, and merging their token vectors."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from latechunk.defaults import MERGE_RULES, MergeRule
from latechunk.errors import SettingsError


@dataclass(frozen=True)
class Window:
    """Content tokens ``[start, end)`` of one window and the part ``[keep_start, keep_end)`` whose
    vectors it contributes (the whole window under the ``mean`` rule)."""

    start: int
    end: int
    keep_start: int
    keep_end: int

    def weights(self) -> np.ndarray:
        """Weight (0 or 1) of each of this window's content tokens in the merged vectors."""
        positions = np.arange(self.start, self.end)
        return ((positions >= self.keep_start) & (positions < self.keep_end)).astype(np.float32)


def plan_windows(n_tokens: int, first_capacity: int, capacity: int, overlap: int, merge: MergeRule) -> list[Window]:
    """Cover ``n_tokens`` content tokens with windows; consecutive windows share ``overlap``.

    The first window holds ``first_capacity`` tokens, the others ``capacity``; the last window
    is aligned to the end of the sequence so that it is full. Merge rules for a token seen by
    several windows:

    - ``center``: take it from the window in which it sits farthest from an edge (the overlap
      is split at its middle), so each token keeps about ``overlap / 2`` tokens of context on
      both sides at a cost of ``capacity / (capacity - overlap)`` tokens run per token;
    - ``first``: the earlier window wins;
    - ``mean``: average over every window that holds it.
    """
    if merge not in MERGE_RULES:
        raise SettingsError(f"merge must be one of {', '.join(MERGE_RULES)}, got {merge!r}")
    if min(first_capacity, capacity) < 1:
        raise SettingsError("the window (max_length) leaves no room for document tokens (prefix too long?)")
    if not 0 <= overlap < min(first_capacity, capacity):
        raise SettingsError(
            f"overlap must be in [0, {min(first_capacity, capacity)}) tokens (the window's room for text), "
            f"got {overlap}"
        )
    spans = [(0, min(n_tokens, first_capacity))]
    while spans[-1][1] < n_tokens:
        start = spans[-1][1] - overlap
        end = min(n_tokens, start + capacity)
        if end == n_tokens:
            start = max(0, n_tokens - capacity)
        spans.append((start, end))
    return _assign_keep_ranges(spans, merge)


def _assign_keep_ranges(spans: list[tuple[int, int]], merge: MergeRule) -> list[Window]:
    if merge == "mean":
        return [Window(s, e, s, e) for s, e in spans]
    bounds = [spans[0][0]]
    for (_, prev_end), (start, _) in pairwise(spans):
        bounds.append(prev_end if merge == "first" else (start + prev_end) // 2)
    bounds.append(spans[-1][1])
    return [Window(s, e, max(s, lo), min(e, hi)) for (s, e), lo, hi in zip(spans, bounds[:-1], bounds[1:], strict=True)]


def tokens_run_per_token(windows: list[Window], n_tokens: int) -> float:
    """How many content tokens the model runs per document token."""
    return sum(w.end - w.start for w in windows) / max(n_tokens, 1)
