"""Ranking metrics with binary relevance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from latechunk.types import Span


def dcg(relevance: Sequence[float], k: int) -> float:
    gains = np.asarray(relevance[:k], dtype=np.float64)
    return float(np.sum(gains / np.log2(np.arange(2, len(gains) + 2))))


def ndcg_at_k(relevance: Sequence[float], n_relevant: int, k: int = 10) -> float:
    """nDCG@k of a ranking, given the relevance of its items in rank order and how many exist."""
    if n_relevant <= 0:
        return 0.0
    return dcg(relevance, k) / dcg([1.0] * min(n_relevant, k), k)


def recall_at_k(relevance: Sequence[float], n_relevant: int, k: int = 10) -> float:
    """Share of all relevant items found in the top k."""
    if n_relevant <= 0:
        return 0.0
    return float(np.sum(np.asarray(relevance[:k]) > 0)) / n_relevant


def overlaps_any(span: Span, gold: Sequence[Span]) -> bool:
    """A chunk is relevant when it shares at least one character with a gold span."""
    start, end = span
    return any(start < g_end and g_start < end for g_start, g_end in gold)
