"""Grouping sequences into batches by a token budget, longest first.

``token_budget_batches`` fills each batch greedily; ``least_padding_batches`` splits the same
length-sorted order where the padded tokens plus a fixed cost per batch are least, which matters
where compute follows the tokens run (the CPU): a long tail of short chunks otherwise pads to its
longest member.
"""

from __future__ import annotations

from collections.abc import Sequence


def token_budget_batches(lengths: Sequence[int], max_batch_tokens: int, batch_size: int) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches, sorted longest first.

    A batch's padded size (its longest sequence times its count) stays within
    ``max_batch_tokens`` and it holds at most ``batch_size`` sequences; a sequence longer than the
    budget gets a batch of its own.
    """
    if max_batch_tokens < 1 or batch_size < 1:
        raise ValueError("max_batch_tokens and batch_size must be at least 1")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        if current and (len(current) >= batch_size or longest * (len(current) + 1) > max_batch_tokens):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def least_padding_batches(
    lengths: Sequence[int], max_batch_tokens: int, batch_size: int, batch_cost_tokens: int
) -> list[list[int]]:
    """Indices of ``lengths`` sorted longest first and split into batches of least cost.

    A batch costs its padded tokens (its longest sequence times its count) plus
    ``batch_cost_tokens`` (the fixed cost of one forward pass, in tokens); the same limits as
    ``token_budget_batches`` hold. Exact (dynamic programming over the sorted order, ``batch_size``
    candidates per position).
    """
    if max_batch_tokens < 1 or batch_size < 1:
        raise ValueError("max_batch_tokens and batch_size must be at least 1")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    longest_first = [lengths[i] for i in order]
    best = [0] + [float("inf")] * len(order)  # best[i]: least cost of the first i sequences
    start = [0] * (len(order) + 1)  # where the last batch of that best split starts
    for end in range(1, len(order) + 1):
        for first in range(end - 1, max(end - batch_size, 0) - 1, -1):
            count = end - first
            padded = longest_first[first] * count  # only grows as ``first`` moves left
            if count > 1 and padded > max_batch_tokens:
                break
            cost = best[first] + padded + batch_cost_tokens
            if cost < best[end]:
                best[end], start[end] = cost, first
    batches: list[list[int]] = []
    end = len(order)
    while end > 0:
        batches.append(order[start[end] : end])
        end = start[end]
    return batches[::-1]
