"""Calls and fair scheduling: a small call runs between the batches of a big one, a cancelled call stops at
the next window boundary, sliced batches give the lone call's vectors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from latechunk import LateChunker
from latechunk.pipeline.calls import Call, CallCancelled, calling, current_call

from . import jina_checkpoints as jc
from .test_runner import TOLERANCE, _wait_until

BIG = " ".join(jc.CORPUS) * 24  # about 44 windows of 64 tokens
SMALL = "what is late chunking?"


@pytest.fixture(scope="module")
def chunker(jina_adapter_folders):
    """Windows of 64 tokens, two per batch: a big document is many batches."""
    with LateChunker(jina_adapter_folders["original"], max_length=64, batch_size=2) as late_chunker:
        yield late_chunker


def _in_thread(target):
    result: dict = {}

    def run():
        try:
            result["value"] = target()
        except BaseException as error:  # noqa: BLE001 - checked by the test
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_the_context_is_the_calling_threads_own():
    call = Call("outer")
    assert current_call() is None
    with calling(call):
        assert current_call() is call
        seen = []
        thread = threading.Thread(target=lambda: seen.append(current_call()))
        thread.start()
        thread.join()
        assert seen == [None]  # a thread started inside does not inherit it
    assert current_call() is None


def test_a_small_call_runs_between_the_batches_of_a_big_one(chunker, monkeypatch):
    runner = chunker.loaded.runner
    expected_big = chunker.embed([BIG])
    expected_small = chunker.embed([SMALL], task="retrieval.query")
    big_call = Call("big")

    def big():
        with calling(big_call):
            return chunker.embed([BIG])

    def small():
        return chunker.embed([SMALL], task="retrieval.query")

    big_passes_at_short_batches = _big_passes_at_short_batches(runner, big_call, monkeypatch)
    with runner.lock:  # hold the model: the big job is taken and its first batch waits for the lock
        taken = runner.jobs_taken
        big_thread, big_result = _in_thread(big)
        _wait_until(lambda: runner.jobs_taken == taken + 1)
        small_thread, small_result = _in_thread(small)
        _wait_until(lambda: len(runner._pending) == 1)
    small_thread.join()
    big_thread.join()
    vector = small_result["value"]
    # the small call ran after the big call's first batch, not after all of them
    assert big_passes_at_short_batches == [1] and big_call.forward_passes > 2, big_passes_at_short_batches
    assert big_call.windows_run >= 40
    np.testing.assert_allclose(vector, expected_small, atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(big_result["value"], expected_big, atol=TOLERANCE, rtol=0)


def test_a_cancelled_call_stops_before_its_next_batch_and_the_runner_keeps_serving(chunker):
    runner = chunker.loaded.runner
    call = Call("leaving")
    expected = chunker.embed([SMALL])

    def big():
        with calling(call):
            return chunker.embed([BIG])

    with runner.lock:
        taken = runner.jobs_taken
        thread, result = _in_thread(big)
        _wait_until(lambda: runner.jobs_taken == taken + 1)
        call.cancel("the client left")
    thread.join()
    assert isinstance(result.get("error"), CallCancelled), result
    assert "leaving: the client left" in str(result["error"])
    assert call.forward_passes == 1  # the batch already taken when it was cancelled; none after
    np.testing.assert_allclose(chunker.embed([SMALL]), expected, atol=TOLERANCE, rtol=0)


def test_a_call_cancelled_before_it_starts_runs_nothing(chunker):
    call = Call()
    call.cancel()
    before = chunker.loaded.runner.forward_calls
    with calling(call), pytest.raises(CallCancelled):
        chunker.chunk_and_embed([BIG])
    assert chunker.loaded.runner.forward_calls == before


def test_sliced_batches_give_the_lone_call_vectors(chunker):
    expected = chunker.chunk_and_embed(BIG)
    call = Call(slice_seconds=1e-9)  # shorter than any forward pass: one window per pass
    with calling(call):
        got = chunker.chunk_and_embed(BIG)
    assert call.forward_passes == call.windows_run > 20
    assert [(c.start, c.end) for c in got] == [(c.start, c.end) for c in expected]
    np.testing.assert_allclose(
        np.stack([c.embedding for c in got]), np.stack([c.embedding for c in expected]), atol=TOLERANCE, rtol=0
    )


def test_a_long_sliced_job_arriving_with_small_ones_is_planned_apart_from_them(chunker, monkeypatch):
    runner = chunker.loaded.runner
    expected = chunker.embed([SMALL])
    big_call = Call("big", slice_seconds=1e-3)
    big_passes_at_short_batches = _big_passes_at_short_batches(runner, big_call, monkeypatch)
    with runner.lock:  # a first call holds the worker; the big and the small job then arrive together
        taken = runner.jobs_taken
        first, _ = _in_thread(lambda: chunker.embed(["first"]))
        _wait_until(lambda: runner.jobs_taken == taken + 1)
        runner.seconds_per_token = 1e-6  # one slice: 1,000 tokens, far fewer than the big job's
        big_thread, _ = _in_thread(lambda: _as(big_call, lambda: chunker.embed([BIG])))
        _wait_until(lambda: len(runner._pending) == 1)
        small_thread, small_result = _in_thread(lambda: chunker.embed([SMALL]))
        _wait_until(lambda: len(runner._pending) == 2)
    for thread in (first, small_thread, big_thread):
        thread.join()
    # counted when the small text's batch runs (not when its thread wakes, which a busy machine delays):
    # planned together, the small text (the shortest sequence) would have come last, after every big batch
    assert len(big_passes_at_short_batches) == 2, big_passes_at_short_batches  # "first", then SMALL
    assert big_passes_at_short_batches[-1] <= 2 < big_call.forward_passes
    np.testing.assert_allclose(small_result["value"], expected, atol=TOLERANCE, rtol=0)


def _big_passes_at_short_batches(runner, big_call: Call, monkeypatch) -> list[int]:
    """From now on, the big call's passes done each time the runner runs a batch of short texts only
    (SMALL and the like; the big job's windows are 64 tokens): read when the batch runs, not when the
    small caller's thread wakes, which a busy machine delays by a pass or more."""
    forward = runner._forward
    counts: list[int] = []

    def recording(sequences):
        if all(len(s) < 32 for s in sequences):
            counts.append(big_call.forward_passes)
        return forward(sequences)

    monkeypatch.setattr(runner, "_forward", recording)
    return counts


def _as(call: Call, work):
    with calling(call):
        return work()
