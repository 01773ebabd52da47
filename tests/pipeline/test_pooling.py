"""Span pooling on the device: whole or streamed in blocks, it equals a plain per-span mean."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.pipeline.pooling import SpanPooler, finish, segment_sums


@st.composite
def spans_and_cuts(draw):
    n = draw(st.integers(1, 60))
    ranges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), min_size=1, max_size=12))
    spans = [(a, max(a + 1, b)) for a, b in ranges]
    extra = draw(st.lists(st.tuples(st.integers(0, len(spans) - 1), st.integers(0, n - 1)), max_size=4))
    cuts = sorted(set(draw(st.lists(st.integers(1, n - 1), max_size=8)))) if n > 1 else []
    return n, spans, [(s, t, t + 1) for s, t in extra], cuts


@settings(max_examples=150, deadline=None)
@given(spans_and_cuts())
def test_streamed_pooling_equals_per_span_mean(case):
    n, spans, extra, cuts = case
    vectors = torch.from_numpy(np.random.default_rng(n).normal(size=(n, 3)).astype(np.float32))
    segments = np.array([(i, a, b) for i, (a, b) in enumerate(spans)] + extra, dtype=np.int64)
    pooler = SpanPooler(segments, len(spans), 3, torch.device("cpu"))
    for lo, hi in zip([0, *cuts], [*cuts, n], strict=True):
        pooler.add(lo, vectors[lo:hi])
    pooled = pooler.means().numpy()
    for j, (a, b) in enumerate(spans):
        rows = list(range(a, b)) + [t for s, t, _ in extra if s == j]
        np.testing.assert_allclose(pooled[j], vectors.numpy()[rows].mean(0), rtol=1e-5, atol=1e-6)


def test_blocks_must_come_in_order_and_cover_every_span():
    vectors = torch.ones(4, 2)
    pooler = SpanPooler(np.array([[0, 0, 4]]), 1, 2, torch.device("cpu"))
    pooler.add(0, vectors[:2])
    try:
        pooler.means()
    except RuntimeError as error:
        assert "before every span was complete" in str(error)
    else:
        raise AssertionError("an unfinished span must not be pooled")
    try:
        pooler.add(3, vectors[3:])
    except RuntimeError as error:
        assert "expected 2" in str(error)
    else:
        raise AssertionError("a gap between blocks must raise")


def test_segment_sums_are_range_sums_and_empty_ranges_are_zero():
    vectors = torch.arange(12, dtype=torch.float32).reshape(6, 2)
    sums = segment_sums(vectors, np.array([0, 2, 3]), np.array([2, 2, 6])).numpy()
    np.testing.assert_allclose(sums, [vectors[0:2].sum(0).numpy(), [0, 0], vectors[3:6].sum(0).numpy()])


def test_finish_truncates_then_normalises():
    vectors = torch.tensor([[3.0, 4.0, 12.0]])
    np.testing.assert_allclose(finish(vectors, 2, True), [[0.6, 0.8]], rtol=1e-6)
    np.testing.assert_allclose(finish(vectors, None, False), [[3.0, 4.0, 12.0]])
    assert finish(vectors, None, True).dtype == np.float32
