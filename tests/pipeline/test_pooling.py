"""Span pooling on the device equals a plain per-span mean."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.pipeline.pooling import finish, mean_pool, membership_pairs


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mean_pool_equals_per_span_mean(data):
    n = data.draw(st.integers(1, 40))
    ranges = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), min_size=1, max_size=10))
    spans = np.array([(a, max(a + 1, b)) for a, b in ranges])
    vectors = torch.from_numpy(np.random.default_rng(0).normal(size=(n + 1, 3)).astype(np.float32))
    extra_spans, extra_tokens = np.array([0]), np.array([n])  # one extra token joins span 0
    span_ids, token_ids = membership_pairs(spans[:, 0], spans[:, 1], extra_spans, extra_tokens)
    pooled = mean_pool(vectors, span_ids, token_ids, len(spans)).numpy()
    for j, (a, b) in enumerate(spans):
        rows = list(range(a, b)) + ([n] if j == 0 else [])
        np.testing.assert_allclose(pooled[j], vectors.numpy()[rows].mean(0), rtol=1e-5, atol=1e-6)


def test_finish_truncates_then_normalises():
    vectors = torch.tensor([[3.0, 4.0, 12.0]])
    np.testing.assert_allclose(finish(vectors, 2, True), [[0.6, 0.8]], rtol=1e-6)
    np.testing.assert_allclose(finish(vectors, None, False), [[3.0, 4.0, 12.0]])
    assert finish(vectors, None, True).dtype == np.float32
