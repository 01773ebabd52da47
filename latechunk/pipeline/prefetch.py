"""Text work for later groups of documents in background threads while the model runs the current group.

``ordered_map`` applies a function to each item in worker threads, a bounded number of items ahead
of the caller, and yields the results in input order. The caller runs the model on one result while
the workers prepare the next ones (tokenization in the fast tokenizer's Rust code and the model's
forward pass both release the GIL). An error in a worker is raised in the caller when it reaches
that item, and every worker thread has ended when the iteration ends, however it ends.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import torch

T = TypeVar("T")
R = TypeVar("R")

GROUP_CHARS = 262_144
"""Characters of text per group of documents prepared together (about 64k tokens, two encoder
window groups: tens of milliseconds of a GPU's time for a small encoder); a longer document is a
group of its own."""
FIRST_GROUP_CHARS = 16_384
"""The first group's characters: the model waits for the first group's text work, so it is small;
the groups double from there up to ``GROUP_CHARS``."""
THREAD_NAME = "latechunk-text"


def text_workers_for(setting: int | None, device: torch.device) -> int:
    """Worker threads for a device: the setting if given, else 1 on CUDA and 0 elsewhere.

    On the CPU the forward pass already uses every core (torch's intra-op threads), so a text
    worker would only take cores from it; measured on 2 cores in README "Speed".
    """
    if setting is not None:
        return setting
    return 1 if device.type == "cuda" and (os.cpu_count() or 1) > 1 else 0


def groups_by_size(sizes: Sequence[int], budget: int, first_budget: int | None = None) -> list[range]:
    """Consecutive index ranges whose sizes add up to at most their budget (a range holds at least one index).

    The first range's budget is ``first_budget`` (default ``budget``), doubling from range to range
    up to ``budget``: the model waits only for a small first group, later groups are large.
    """
    groups: list[range] = []
    start, total = 0, 0
    limit = min(budget, first_budget or budget)
    for index, size in enumerate(sizes):
        if index > start and total + size > limit:
            groups.append(range(start, index))
            start, total, limit = index, 0, min(budget, 2 * limit)
        total += size
    if start < len(sizes):
        groups.append(range(start, len(sizes)))
    return groups


def ordered_map(function: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    """``function(item)`` for each item, in order; with ``workers >= 1`` computed ahead in that many threads.

    At most ``workers + 1`` items are being prepared or waiting at any time. Use it in a
    ``contextlib.closing`` block, so that a caller that stops early still joins the threads.
    """
    if workers < 1 or len(items) < 2:
        for item in items:
            yield function(item)
        return
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=THREAD_NAME)
    pending: deque[Future[R]] = deque()
    upcoming = iter(items)
    try:
        for item in upcoming:
            pending.append(executor.submit(function, item))
            if len(pending) > workers:
                break
        while pending:
            result = pending.popleft().result()
            following = next(upcoming, _END)
            if following is not _END:
                pending.append(executor.submit(function, following))
            yield result
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


_END = object()
