"""Batches by token budget: longest first, every index once, within budget."""

from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.pipeline.batching import token_budget_batches


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
