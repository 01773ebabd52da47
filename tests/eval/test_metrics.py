"""Ranking metrics on hand-made rankings, worked out by hand."""

import math

import pytest

from latechunk.eval.metrics import ndcg_at_k, overlaps_any, recall_at_k


def test_ndcg_of_a_perfect_ranking_is_one():
    assert ndcg_at_k([1, 1, 0, 0], n_relevant=2, k=10) == pytest.approx(1.0)


def test_ndcg_worked_by_hand():
    # relevant at ranks 2 and 4 of 3 relevant items: DCG = 1/log2(3) + 1/log2(5)
    # ideal = 1 + 1/log2(3) + 1/log2(4)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k([0, 1, 0, 1, 0], n_relevant=3, k=10) == pytest.approx(dcg / ideal)


def test_ndcg_ignores_ranks_past_k_and_caps_the_ideal_at_k():
    assert ndcg_at_k([0, 0, 1], n_relevant=1, k=2) == 0.0
    # 5 relevant items, k = 2: the ideal DCG counts two of them
    assert ndcg_at_k([1, 1], n_relevant=5, k=2) == pytest.approx(1.0)


def test_ndcg_without_relevant_items_is_zero():
    assert ndcg_at_k([0, 0], n_relevant=0) == 0.0


def test_recall_worked_by_hand():
    assert recall_at_k([1, 0, 1, 0], n_relevant=4, k=10) == pytest.approx(0.5)
    assert recall_at_k([1, 0, 1, 0], n_relevant=4, k=1) == pytest.approx(0.25)
    assert recall_at_k([0, 0], n_relevant=0) == 0.0


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ((0, 10), True),  # contains the gold span
        ((10, 20), True),  # inside it
        ((19, 30), True),  # shares the last character (index 19)
        ((20, 30), False),  # starts where the gold span ends: no shared character
        ((0, 5), False),  # ends where the gold span starts
        ((0, 6), True),  # shares its first character (index 5)
    ],
)
def test_relevance_needs_one_shared_character(span, expected):
    assert overlaps_any(span, [(5, 20)]) is expected


def test_relevance_against_several_gold_spans():
    assert overlaps_any((50, 60), [(0, 10), (55, 56)])
    assert not overlaps_any((50, 60), [(0, 10), (60, 70)])
