"""Window planning and merge rules: every token gets exactly one vector's worth of weight."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.pipeline.windows import plan_windows, tokens_run_per_token


@st.composite
def window_problems(draw):
    capacity = draw(st.integers(2, 64))
    first_capacity = draw(st.integers(max(2, capacity // 2), capacity))
    overlap = draw(st.integers(0, first_capacity - 1))
    n_tokens = draw(st.integers(0, 400))
    return n_tokens, first_capacity, capacity, overlap


@settings(max_examples=200, deadline=None)
@given(window_problems(), st.sampled_from(["center", "first", "mean"]))
def test_windows_cover_every_token_within_capacity(problem, merge):
    n, first_capacity, capacity, overlap = problem
    windows = plan_windows(n, first_capacity, capacity, overlap, merge)
    assert windows[0].start == 0 and windows[-1].end == n
    assert windows[0].end - windows[0].start <= first_capacity
    assert all(w.end - w.start <= capacity for w in windows[1:])
    weight = np.zeros(n)
    for w in windows:
        weight[w.start : w.end] += w.weights()
    assert np.all(weight > 0), "a token got no vector"
    if merge != "mean":  # exactly one window supplies each token
        assert np.all(weight == 1)


@settings(max_examples=200, deadline=None)
@given(window_problems())
def test_center_rule_keeps_context_on_both_sides(problem):
    n, first_capacity, capacity, overlap = problem
    windows = plan_windows(n, first_capacity, capacity, overlap, "center")
    for w in windows:
        for token in range(w.keep_start, w.keep_end):
            left, right = token - w.start, w.end - 1 - token
            assert left >= overlap // 2 or w.start == 0
            assert right >= (overlap - 1) // 2 or w.end == n


def test_first_rule_lets_the_earlier_window_win():
    a, b = plan_windows(10, 6, 6, 2, "first")
    assert (a.start, a.end, a.keep_start, a.keep_end) == (0, 6, 0, 6)
    assert (b.start, b.end, b.keep_start, b.keep_end) == (4, 10, 6, 10)


def test_center_rule_splits_the_overlap_in_the_middle():
    a, b = plan_windows(10, 6, 6, 2, "center")
    assert (a.keep_start, a.keep_end, b.keep_start, b.keep_end) == (0, 5, 5, 10)


def test_cost_is_capacity_over_stride():
    windows = plan_windows(3000, 300, 300, 100, "center")
    assert tokens_run_per_token(windows, 3000) == pytest.approx(1.5, rel=0.02)


def test_a_short_sequence_is_one_window():
    assert len(plan_windows(5, 10, 10, 3, "center")) == 1
    assert len(plan_windows(0, 10, 10, 3, "center")) == 1


@pytest.mark.parametrize(("first", "capacity", "overlap"), [(0, 5, 0), (5, 5, 5), (5, 5, -1)])
def test_bad_settings_raise(first, capacity, overlap):
    with pytest.raises(ValueError):
        plan_windows(10, first, capacity, overlap, "center")


def test_unknown_merge_rule_raises():
    with pytest.raises(ValueError, match="merge must be one of"):
        plan_windows(10, 5, 5, 1, "last")
