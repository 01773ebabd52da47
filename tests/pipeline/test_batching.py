"""Batches by token budget: longest first, every index once, within budget."""

from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.pipeline.batching import least_padding_batches, token_budget_batches


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 300), max_size=60), st.integers(1, 2000), st.integers(1, 16))
def test_batches_hold_every_sequence_once_within_budget(lengths, budget, batch_size):
    batches = token_budget_batches(lengths, budget, batch_size)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    for batch in batches:
        assert len(batch) <= batch_size
        longest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or longest * len(batch) <= budget


def padded_tokens(lengths: list[int], batches: list[list[int]]) -> int:
    return sum(len(batch) * max(lengths[i] for i in batch) for batch in batches)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 300), max_size=60), st.integers(1, 2000), st.integers(1, 16), st.integers(0, 200))
def test_least_padding_batches_keep_the_limits_and_never_cost_more_than_greedy(lengths, budget, batch_size, cost):
    batches = least_padding_batches(lengths, budget, batch_size, cost)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    for batch in batches:
        assert len(batch) <= batch_size
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= budget
    greedy = token_budget_batches(lengths, budget, batch_size)
    total = padded_tokens(lengths, batches) + cost * len(batches)
    assert total <= padded_tokens(lengths, greedy) + cost * len(greedy)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=9), st.integers(1, 4), st.integers(0, 50))
def test_least_padding_batches_are_optimal_among_every_split(lengths, batch_size, cost):
    ordered = sorted(lengths, reverse=True)
    best = least_padding_batches(lengths, 10_000, batch_size, cost)
    found = padded_tokens(lengths, best) + cost * len(best)

    def cheapest(start: int) -> float:  # every contiguous split of the sorted order, by brute force
        if start == len(ordered):
            return 0
        options = [
            ordered[start] * k + cost + cheapest(start + k) for k in range(1, min(batch_size, len(ordered) - start) + 1)
        ]
        return min(options)

    assert found == cheapest(0)


def test_a_long_tail_of_short_sequences_is_split_off_the_long_ones():
    lengths = [208, 181, 177, 175] + [20] * 28
    greedy = token_budget_batches(lengths, 100_000, 32)
    least = least_padding_batches(lengths, 100_000, 32, 64)
    assert len(greedy) == 1 and padded_tokens(lengths, greedy) == 32 * 208
    assert [len(b) for b in least] == [1, 3, 28]  # 208 alone: 208 + 3 * 181 + 64 beats 4 * 208
    assert padded_tokens(lengths, least) == 208 + 3 * 181 + 28 * 20
