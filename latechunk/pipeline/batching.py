"""Grouping sequences into batches by a token budget, longest first."""

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
