"""Splitting a long token sequence into overlapping windows, and merging their token vectors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latechunk.defaults import DEFAULT_OVERLAP_FRACTION, MergeRule
from latechunk.errors import SettingsError
from latechunk.settings import check_window


@dataclass(frozen=True)
class WindowSettings:
    """How long sequences are cut into windows and merged back.

    ``max_length`` counts every token of a window, special tokens and prefix included.
    """

    max_length: int
    overlap: int
    merge: MergeRule
    repeat_prefix: bool = True


def resolve_window(
    max_length: int | None,
    overlap: int | None,
    merge: MergeRule,
    repeat_prefix: bool,
    *,
    model_limit: int,
    tuned_length: int | None,
    special_tokens: int,
    longest_prefix: int,
) -> WindowSettings:
    """The window of a loaded model, resolved and checked once.

    ``max_length`` defaults to the length the model was tuned for (else its limit) and must hold
    the special tokens and a little text; ``overlap`` defaults to ``DEFAULT_OVERLAP_FRACTION`` of
    it and must leave every window new tokens whatever the task's prefix (``longest_prefix``).
    """
    if max_length is None:
        max_length = min(tuned_length or model_limit, model_limit)
    elif not special_tokens + 2 <= max_length <= model_limit:
        raise SettingsError(
            f"max_length must be between {special_tokens + 2} and the model's window {model_limit}, got {max_length}"
        )
    overlap = int(max_length * DEFAULT_OVERLAP_FRACTION) if overlap is None else overlap
    check_window(max_length, overlap, merge, room=max_length - special_tokens - longest_prefix)
    return WindowSettings(max_length, overlap, merge, repeat_prefix)


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
    _, start, end, keep_start, keep_end = window_ranges(
        np.array([n_tokens]), np.array([first_capacity]), np.array([capacity]), overlap, merge
    )
    rows = zip(start.tolist(), end.tolist(), keep_start.tolist(), keep_end.tolist(), strict=True)
    return [Window(*row) for row in rows]


def window_ranges(
    n_tokens: np.ndarray, first_capacity: np.ndarray, capacity: np.ndarray, overlap: int, merge: MergeRule
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The windows of many sequences at once (``plan_windows`` of each, in numpy).

    Returns, per window in sequence order: the sequence it belongs to, its content tokens
    ``[start, end)`` and the part ``[keep_start, keep_end)`` it contributes.
    """
    n_tokens, first_capacity, capacity = (np.asarray(a, np.int64) for a in (n_tokens, first_capacity, capacity))
    if len(n_tokens):
        check_window(None, overlap, merge, room=int(min(first_capacity.min(), capacity.min())))
    stride = capacity - overlap
    later = np.maximum(n_tokens - first_capacity, 0)
    count = 1 + -(-later // stride)  # ceil
    owner = np.repeat(np.arange(len(n_tokens)), count)
    first_of = np.cumsum(count) - count
    k = np.arange(int(count.sum())) - np.repeat(first_of, count)
    n, fc, cap, step = n_tokens[owner], first_capacity[owner], capacity[owner], stride[owner]
    last = k == count[owner] - 1
    start = np.where(k == 0, 0, fc - overlap + (k - 1) * step)
    end = np.where(k == 0, np.minimum(n, fc), start + cap)
    start = np.where(last & (k > 0), np.maximum(0, n - cap), start)
    end = np.where(last, n, end)
    if merge == "mean":
        return owner, start, end, start.copy(), end.copy()
    previous_end = np.concatenate([[0], end[:-1]])
    low = np.where(k == 0, start, previous_end if merge == "first" else (start + previous_end) // 2)
    high = np.concatenate([low[1:], [0]])
    high = np.where(last, end, high)
    return owner, start, end, np.maximum(start, low), np.minimum(end, high)


def tokens_run_per_token(windows: list[Window], n_tokens: int) -> float:
    """How many content tokens the model runs per document token."""
    return sum(w.end - w.start for w in windows) / max(n_tokens, 1)
