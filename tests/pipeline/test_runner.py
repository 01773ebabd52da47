"""The shared model runner: task-correct vectors from any thread, and concurrent calls batched together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from latechunk import LateChunker
from latechunk.errors import UnknownTaskError

from . import jina_checkpoints as jc

TASKS = (None, *jc.TASKS)
TEXTS = [
    "what is late chunking?",
    "Berlin is the capital of Germany. Paris is the capital of France. " * 12,  # several windows
    "The quick brown fox jumps over the lazy dog while the cat sleeps.",
]
TOLERANCE = 1e-6


def lone_results(chunker: LateChunker) -> dict:
    """Every (task, call) result computed one call at a time, before any thread runs."""
    results = {}
    for task in TASKS:
        results[task, "embed"] = chunker.embed(TEXTS, task=task)
        results[task, "late"] = chunker.embed(TEXTS[:2], task=task, late_chunking=True)
        results[task, "chunks"] = [c.embedding for c in chunker.chunk_and_embed(TEXTS[1], task=task)]
    return results


def call(chunker: LateChunker, task: str | None, kind: str):
    if kind == "embed":
        return chunker.embed(TEXTS, task=task)
    if kind == "late":
        return chunker.embed(TEXTS[:2], task=task, late_chunking=True)
    return [c.embedding for c in chunker.chunk_and_embed(TEXTS[1], task=task)]


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_eight_threads_with_five_tasks_get_the_lone_call_vectors(jina_adapter_folders, layout):
    path = jina_adapter_folders[layout]
    # two chunkers with different default tasks share one loaded model (and its adapter state)
    query = LateChunker(path, task="retrieval.query", chunk_size=8, max_length=64)
    passage = LateChunker(path, task="retrieval.passage", chunk_size=8, max_length=64)
    assert query.loaded is passage.loaded
    chunkers = {"query": query, "passage": passage}  # task=None in a call means the chunker's own task
    expected = {name: lone_results(chunker) for name, chunker in chunkers.items()}
    work = [(name, task, kind) for name in chunkers for task in TASKS for kind in ("embed", "late", "chunks")] * 2
    start = threading.Barrier(8)

    def worker(offset: int) -> list[tuple[str, str | None, str, object]]:
        start.wait()
        return [(name, task, kind, call(chunkers[name], task, kind)) for name, task, kind in work[offset::8]]

    with ThreadPoolExecutor(8) as pool:
        done = [item for items in pool.map(worker, range(8)) for item in items]
    assert len(done) == len(work)
    for name, task, kind, got in done:
        want = expected[name][task, kind]
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=TOLERANCE, rtol=0)
    # the tasks really differ, so a vector computed with another task's adapter would have failed above
    lone = expected["query"]
    assert np.abs(lone["retrieval.query", "embed"] - lone["separation", "embed"]).max() > 1e-2


def test_calls_that_arrive_together_are_batched_together_by_task(jina_adapter_folders):
    chunker = LateChunker(jina_adapter_folders["original"], max_length=64)
    runner = chunker.loaded.runner
    texts = [f"text number {i} about late chunking" for i in range(6)]
    tasks = ["retrieval.query", "separation"] * 3
    expected = [chunker.embed([t], task=task) for t, task in zip(texts, tasks, strict=True)]
    results: list = [None] * len(texts)
    with runner.lock:  # hold the model: the calls below queue up while a first call waits for it
        taken = runner.jobs_taken
        blocker = threading.Thread(target=chunker.embed, args=(["first"],))
        blocker.start()
        _wait_until(lambda: runner.jobs_taken == taken + 1)
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, chunker.embed([texts[i]], task=tasks[i])))
            for i in range(len(texts))
        ]
        for thread in threads:
            thread.start()
        _wait_until(lambda: len(runner._pending) == len(texts))
        before = runner.forward_calls
    blocker.join()
    for thread in threads:
        thread.join()
    # six one-window calls of two tasks ran as two batches (one per task), never one batch per call
    assert runner.forward_calls - before == 1 + 2
    for got, want in zip(results, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=TOLERANCE, rtol=0)


def test_an_error_reaches_its_caller_and_the_runner_keeps_serving(jina_adapter_folders):
    chunker = LateChunker(jina_adapter_folders["hf"])
    runner = chunker.loaded.runner
    ids = [np.array([0, 5, 6, 2])]
    with pytest.raises(UnknownTaskError):
        list(runner.run("summarization", ids, max_batch_tokens=100, batch_size=4))
    (result,) = list(runner.run(None, ids, max_batch_tokens=100, batch_size=4))
    assert result.indices == [0] and result.hidden.shape[:2] == (1, 4)


def test_a_failing_call_does_not_disturb_concurrent_calls(jina_adapter_folders):
    chunker = LateChunker(jina_adapter_folders["original"], max_length=64)
    expected = chunker.embed(TEXTS, task="classification")

    def bad():
        with pytest.raises(UnknownTaskError):
            list(chunker.loaded.runner.run("summarization", [np.array([0, 5, 2])], max_batch_tokens=64, batch_size=2))

    with ThreadPoolExecutor(4) as pool:
        goods = [pool.submit(chunker.embed, TEXTS, task="classification") for _ in range(3)]
        bads = [pool.submit(bad) for _ in range(3)]
        for future in bads:
            future.result()
        for future in goods:
            np.testing.assert_allclose(future.result(), expected, atol=TOLERANCE, rtol=0)


def _wait_until(condition, timeout: float = 10.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("timed out waiting for the calls to queue up")
