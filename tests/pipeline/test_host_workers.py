"""Host work ahead of the model: the ordered map of threads (order, bounded lookahead, errors, no thread left),
groups, worker counts."""

from __future__ import annotations

import threading
import time
from contextlib import closing

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.pipeline.host_workers import (
    MAX_DEFAULT_WORKERS,
    THREAD_NAME,
    available_cores,
    groups_by_size,
    ordered_map,
    text_workers_for,
)


def text_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=30), st.integers(0, 3))
def test_results_come_in_input_order_whatever_the_workers(items, workers):
    def slow_square(x: int) -> int:
        time.sleep((x % 3) * 0.0005)  # later items often finish first
        return x * x

    with closing(ordered_map(slow_square, items, workers)) as results:
        assert list(results) == [x * x for x in items]
    assert not text_threads()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 100), max_size=40), st.integers(1, 150), st.none() | st.integers(1, 150))
def test_groups_cover_every_index_once_in_order_within_their_budgets(sizes, budget, first_budget):
    groups = groups_by_size(sizes, budget, first_budget)
    assert [i for g in groups for i in g] == list(range(len(sizes)))
    limits = [min(budget, (first_budget or budget) * 2**k) for k in range(len(groups))]
    for group, limit in zip(groups, limits, strict=True):
        assert len(group) >= 1 and group.step == 1
        assert len(group) == 1 or sum(sizes[i] for i in group) <= limit
    for before, after, limit in zip(groups, groups[1:], limits, strict=False):  # ends only where the next overflows
        assert sum(sizes[i] for i in before) + sizes[after.start] > limit


def test_workers_run_at_most_workers_plus_one_items_ahead():
    started: list[int] = []
    release = threading.Event()

    def work(x: int) -> int:
        started.append(x)
        release.wait(5)
        return x

    results = ordered_map(work, list(range(10)), 2)
    with closing(results):
        threading.Timer(0.2, release.set).start()
        assert next(results) == 0
        time.sleep(0.05)
        assert len(started) <= 4  # items 0..2 submitted, item 3 after item 0 was taken
        assert list(results) == list(range(1, 10))
    assert not text_threads()


def test_an_error_in_a_worker_reaches_the_caller_after_the_items_before_it():
    def work(x: int) -> int:
        if x == 5:
            raise KeyError("five")
        return x

    got = []
    before = set(threading.enumerate())
    with pytest.raises(KeyError, match="five"), closing(ordered_map(work, list(range(9)), 2)) as results:
        for x in results:
            got.append(x)
    assert got == [0, 1, 2, 3, 4]
    assert set(threading.enumerate()) == before


def test_a_caller_that_stops_early_leaves_no_thread():
    before = set(threading.enumerate())
    with closing(ordered_map(lambda x: x, list(range(100)), 3)) as results:
        for x in results:
            if x == 2:
                break
    assert set(threading.enumerate()) == before


def test_worker_count_by_device():
    assert text_workers_for(None, torch.device("cpu")) == 0
    assert text_workers_for(None, torch.device("cuda")) == min(available_cores() - 1, MAX_DEFAULT_WORKERS)
    assert text_workers_for(3, torch.device("cpu")) == 3
    assert text_workers_for(0, torch.device("cuda")) == 0
