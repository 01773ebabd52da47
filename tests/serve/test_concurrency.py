"""32 concurrent requests mixing tasks and late chunking on a jina-v3 checkpoint with task adapters.

Every response must equal the lone call. This needs an engine that keeps the model's task state
to itself (a task switch in one thread must not change another thread's vectors).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from latechunk import LateChunker, LateChunkerSettings
from latechunk.serve import ServeSettings

from ..pipeline import jina_checkpoints as jc
from .conftest import running_server

TASKS = (None, *jc.TASKS)
ATOL = 1e-5


@pytest.fixture(scope="module")
def tiny_jina(tmp_path_factory):
    return str(jc.write_original(jc.make_weights(seed=0), tmp_path_factory.mktemp("tiny") / "original"))


@pytest.mark.integration  # loads a tiny model built here
@pytest.mark.parametrize("workers", [1, 8])
def test_mixed_tasks_and_late_chunking_from_32_clients(tiny_jina, workers):
    """workers=1: one model call at a time; workers=8: calls of different tasks overlap in the engine."""
    requests = []
    for i, (task, late) in enumerate(itertools.islice(itertools.cycle(itertools.product(TASKS, (False, True))), 32)):
        texts = [jc.CORPUS[(i + k) % len(jc.CORPUS)] for k in range(1 + i % 3)]
        requests.append({"input": texts, "task": task, "late_chunking": late})
    lone = LateChunker(tiny_jina)
    expected = [lone.embed(r["input"], task=r["task"], late_chunking=r["late_chunking"]) for r in requests]
    for a, b in itertools.combinations(TASKS, 2):  # the tasks really differ, so a mix-up would show
        assert np.abs(lone.embed(jc.CORPUS[:1], task=a) - lone.embed(jc.CORPUS[:1], task=b)).max() > 1e-2

    with running_server(ServeSettings(LateChunkerSettings(model=tiny_jina), workers=workers, max_queue=64)) as server:

        def call(body):
            response = server.client.post("/v1/embeddings", json=body)
            assert response.status_code == 200, response.text
            return np.asarray([d["embedding"] for d in response.json()["data"]], dtype=np.float32)

        for _ in range(2):
            with ThreadPoolExecutor(32) as pool:
                got = list(pool.map(call, requests))
            wrong = [
                (r["task"], r["late_chunking"], float(np.abs(g - e).max()))
                for r, g, e in zip(requests, got, expected, strict=True)
                if g.shape != e.shape or not np.allclose(g, e, atol=ATOL)
            ]
            assert not wrong, f"{len(wrong)} of 32 responses differ from the lone call: {wrong[:5]}"
