"""The encoder's plan in numpy over whole groups equals a plain window-by-window construction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.errors import AlignmentError
from latechunk.pipeline.encode_plan import EncodeRequest, concat_plans, plan_encoding, span_segments
from latechunk.pipeline.tokenization import SpecialTokens
from latechunk.pipeline.windows import WindowSettings, window_ranges


def reference_windows(n: int, first_capacity: int, capacity: int, overlap: int, merge: str) -> list[tuple]:
    """The window loop as first written: grow windows until the end, then assign keep ranges."""
    spans = [(0, min(n, first_capacity))]
    while spans[-1][1] < n:
        start = spans[-1][1] - overlap
        end = min(n, start + capacity)
        if end == n:
            start = max(0, n - capacity)
        spans.append((start, end))
    if merge == "mean":
        return [(s, e, s, e) for s, e in spans]
    bounds = [spans[0][0]]
    for (_, prev_end), (start, _) in zip(spans, spans[1:], strict=False):
        bounds.append(prev_end if merge == "first" else (start + prev_end) // 2)
    bounds.append(spans[-1][1])
    return [(s, e, max(s, lo), min(e, hi)) for (s, e), lo, hi in zip(spans, bounds[:-1], bounds[1:], strict=True)]


def reference_plan(requests: list[EncodeRequest], special: SpecialTokens, window: WindowSettings):
    """Each request's windows built one by one: (ids, dest, weight) per window, in stream order."""
    rows, base = [], 0
    lead, trail = np.asarray(special.lead, np.int64), np.asarray(special.trail, np.int64)
    for r in (r for r in requests if len(r.token_spans)):
        n, p = len(r.ids), len(r.prefix_ids)
        room = window.max_length - special.count
        capacity = room - p if window.repeat_prefix else room
        windows = reference_windows(n, room - p, capacity, window.overlap, window.merge)
        content_base = base + len(lead) + p
        for k, (s, e, ks, ke) in enumerate(windows):
            first, last = k == 0, k == len(windows) - 1
            prefix = r.prefix_ids if first or window.repeat_prefix else r.prefix_ids[:0]
            dest = [
                np.arange(base, base + len(lead)) if first else np.full(len(lead), -1),
                np.arange(base + len(lead), base + len(lead) + len(prefix)) if first else np.full(len(prefix), -1),
                np.arange(content_base + s, content_base + e),
                np.arange(content_base + n, content_base + n + len(trail)) if last else np.full(len(trail), -1),
            ]
            content_weight = ((np.arange(s, e) >= ks) & (np.arange(s, e) < ke)).astype(np.float32)
            weight = [(dest[0] >= 0), (dest[1] >= 0), content_weight, (dest[3] >= 0)]
            ids = np.concatenate([lead, prefix, r.ids[s:e], trail])
            rows.append((ids, np.concatenate(dest), np.concatenate(weight).astype(np.float32)))
        base = content_base + n + len(trail)
    return rows


@st.composite
def problems(draw):
    lead = tuple(draw(st.lists(st.integers(0, 5), max_size=2)))
    trail = tuple(draw(st.lists(st.integers(0, 5), max_size=2)))
    special = SpecialTokens(lead, trail, 0)
    n_prefix = draw(st.integers(0, 4))
    max_length = draw(st.integers(special.count + n_prefix + 2, 40))
    room = max_length - special.count - n_prefix
    window = WindowSettings(
        max_length,
        draw(st.integers(0, room - 1)),
        draw(st.sampled_from(["mean", "first", "center"])),
        draw(st.booleans()),
    )
    prefix = np.arange(100, 100 + n_prefix, dtype=np.int64)
    requests = []
    for _ in range(draw(st.integers(1, 5))):
        n = draw(st.integers(0, 120))
        cuts = sorted(set(draw(st.lists(st.integers(1, max(1, n - 1)), max_size=6)))) if n > 1 else []
        bounds = [0, *cuts, n] if n else []
        spans = np.array([(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=False) if b > a], np.int64)
        spans = spans.reshape(-1, 2) if n or draw(st.booleans()) else np.zeros((0, 2), np.int64)
        ids = np.arange(1000, 1000 + n, dtype=np.int64)
        requests.append(EncodeRequest(ids, prefix, spans, draw(st.booleans())))
    return requests, special, window


@settings(max_examples=300, deadline=None)
@given(problems())
def test_flat_windows_equal_the_window_by_window_construction(problem):
    requests, special, window = problem
    plan = plan_encoding(requests, special, window)
    want = reference_plan(requests, special, window)
    assert len(plan.windows) == len(want)
    for w, (ids, dest, weight) in enumerate(want):
        rows = slice(int(plan.windows.bounds[w]), int(plan.windows.bounds[w + 1]))
        np.testing.assert_array_equal(plan.windows.ids[rows], ids)
        np.testing.assert_array_equal(plan.windows.dest[rows], dest)
        np.testing.assert_array_equal(plan.windows.weight[rows], weight)
    kept = [r for r in requests if len(r.token_spans)]
    assert plan.tokens == sum(len(special.lead) + len(r.prefix_ids) + len(r.ids) + len(special.trail) for r in kept)
    assert plan.n_spans == sum(len(r.token_spans) for r in kept)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=1, max_size=6), st.integers(2, 40), st.data())
def test_window_ranges_of_many_sequences_equal_each_one_alone(lengths, capacity, data):
    first = data.draw(st.integers(1, capacity))
    overlap = data.draw(st.integers(0, first - 1))
    merge = data.draw(st.sampled_from(["mean", "first", "center"]))
    owner, start, end, keep_start, keep_end = window_ranges(
        np.array(lengths), np.full(len(lengths), first), np.full(len(lengths), capacity), overlap, merge
    )
    got = list(zip(owner.tolist(), start.tolist(), end.tolist(), keep_start.tolist(), keep_end.tolist(), strict=True))
    want = [(i, *w) for i, n in enumerate(lengths) for w in reference_windows(n, first, capacity, overlap, merge)]
    assert got == want


def test_span_segments_pool_special_tokens_into_each_groups_first_and_last_span():
    request = EncodeRequest(np.arange(10), np.array([7, 8]), np.array([[0, 4], [4, 10], [2, 6]]), True, (2, 1))
    segments, n_spans = span_segments([request], np.array([0, 15]), np.array([3]))  # 1 lead, 2 prefix, 2 trail
    assert n_spans == 3
    assert segments.tolist() == [
        [0, 3, 7], [1, 7, 13], [2, 5, 9],  # content
        [0, 0, 3], [1, 13, 15],  # the first set: lead and prefix join span 0, trail joins span 1
        [2, 0, 3], [2, 13, 15],  # the second set is one span: it gets both
    ]  # fmt: skip


def test_a_span_outside_its_sequence_is_refused_naming_the_input():
    request = EncodeRequest(np.arange(5), np.zeros(0, np.int64), np.array([[0, 6]]), False)
    with pytest.raises(AlignmentError, match="input 3"):
        plan_encoding([request], SpecialTokens((1,), (2,), 0), WindowSettings(16, 2, "mean"), first_index=3)


@settings(max_examples=100, deadline=None)
@given(problems(), st.data())
def test_plans_laid_end_to_end_equal_the_plan_of_all_requests(problem, data):
    requests, special, window = problem
    cut = data.draw(st.integers(0, len(requests)))
    whole = plan_encoding(requests, special, window)
    joined = concat_plans(
        [plan_encoding(requests[:cut], special, window), plan_encoding(requests[cut:], special, window)]
    )
    assert (joined.n_spans, joined.tokens) == (whole.n_spans, whole.tokens)
    assert sorted(map(tuple, joined.segments.tolist())) == sorted(map(tuple, whole.segments.tolist()))
    np.testing.assert_array_equal(joined.sequence_bounds, whole.sequence_bounds)
    for name in ("ids", "dest", "weight", "bounds"):
        np.testing.assert_array_equal(getattr(joined.windows, name), getattr(whole.windows, name))
