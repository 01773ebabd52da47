"""Worker processes for the text work: no torch in them, errors that name the document, and no process left
behind on error, close, Ctrl-C, a killed worker, or inside a Ray actor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import psutil
import pytest

from latechunk import LateChunker
from latechunk.errors import AlignmentError, LateChunkError, SettingsError
from latechunk.pipeline import host_workers
from latechunk.pipeline.process_pool import ProcessPool, WorkerError, worker_pids

from .failing_chunker import FailsOn, Unpicklable

pytestmark = pytest.mark.integration

DOCUMENTS = [f"Meeting {i} opened at nine. The budget was read aloud. All agreed to meet again." for i in range(12)]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE}


@pytest.fixture
def small_groups(monkeypatch):
    monkeypatch.setattr(host_workers, "FIRST_GROUP_CHARS", 100)
    monkeypatch.setattr(host_workers, "GROUP_CHARS", 200)


def test_workers_are_processes_without_torch(minilm_path, small_groups):
    lc = LateChunker(minilm_path, device="cpu", chunk_size=16, text_workers=2)
    assert lc.text_worker_kind == "process"
    lc.chunk_and_embed(DOCUMENTS)
    pids = set(lc.engine.host._pool.pids())
    assert len(pids) == 2 and pids <= children()
    for pid in pids:
        with open(f"/proc/{pid}/maps") as maps:
            assert "libtorch" not in maps.read()
        assert psutil.Process(pid).environ().get("TOKENIZERS_PARALLELISM") == "false"
    lc.close()
    assert not pids & children()


def test_an_error_in_a_worker_process_names_the_document_and_the_pool_goes_on(minilm_path, small_groups):
    docs = list(DOCUMENTS)
    docs[7] = "XYZZY marks this one. " + docs[7]
    chunker = LateChunker(
        minilm_path, chunker=FailsOn("XYZZY", AlignmentError("spans out of step")), device="cpu", text_workers=2
    )
    assert chunker.text_worker_kind == "process" and len(chunker.engine.host.groups([len(d) for d in docs])) > 3
    before = children()
    with pytest.raises(AlignmentError, match=r"^documents\[7\]: spans out of step") as raised:
        chunker.chunk_and_embed(docs)
    assert isinstance(raised.value.__cause__, WorkerError) and "spans out of step" in str(raised.value.__cause__)
    pids = set(chunker.engine.host._pool.pids())
    assert pids and all(alive(pid) for pid in pids)  # the workers survive a document's error
    alone = LateChunker(minilm_path, chunker=FailsOn("XYZZY", AlignmentError("?")), device="cpu", text_workers=0)
    assert [len(c) for c in chunker.chunk_and_embed(docs[:7])] == [len(c) for c in alone.chunk_and_embed(docs[:7])]
    chunker.close()
    assert children() <= before and not any(alive(pid) for pid in pids)


def test_a_killed_worker_fails_one_call_clearly_and_is_replaced(minilm_path, small_groups):
    lc = LateChunker(minilm_path, device="cpu", chunk_size=16, text_workers=1, text_worker_kind="process")
    want = lc.chunk_and_embed(DOCUMENTS)
    (pid,) = lc.engine.host._pool.pids()
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(5)
    with pytest.raises(LateChunkError, match="host worker process ended"):
        lc.chunk_and_embed(DOCUMENTS)
    got = lc.chunk_and_embed(DOCUMENTS)
    (new_pid,) = lc.engine.host._pool.pids()
    assert new_pid != pid
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.stack([c.embedding for c in a]), np.stack([c.embedding for c in b]))
    lc.close()


def test_idle_processes_stop_and_start_again(minilm_path):
    from latechunk.pipeline.planning import GroupJob

    lc = LateChunker(minilm_path, device="cpu", chunk_size=16)
    host = lc.engine.host
    pool = ProcessPool(host.tokenizer.to_str(), 1, idle_seconds=0.3)
    context = __import__("pickle").dumps((host.chunker, host.settings))
    job = GroupJob("chunks", DOCUMENTS[:2], 0, np.zeros(0, np.int64))
    first = pool.submit(1, context, job).result(timeout=60)
    (pid,) = pool.pids()
    deadline = time.time() + 10
    while (pool.pids() or alive(pid)) and time.time() < deadline:
        time.sleep(0.1)
    assert not pool.pids() and not alive(pid)
    again = pool.submit(1, context, job).result(timeout=60)
    np.testing.assert_array_equal(again.spans, first.spans)
    pool.close()
    assert not pool.pids()


def test_a_chunker_that_does_not_pickle_runs_in_threads(minilm_path):
    lc = LateChunker(minilm_path, device="cpu", chunker=Unpicklable(), text_workers=2)
    assert lc.text_worker_kind == "thread"
    assert len(lc.chunk_and_embed(DOCUMENTS[:3])) == 3
    with pytest.raises(SettingsError, match="pickle"):
        LateChunker(minilm_path, device="cpu", chunker=Unpicklable(), text_workers=2, text_worker_kind="process")
    with pytest.raises(SettingsError, match="text_worker_kind"):
        LateChunker(minilm_path, device="cpu", text_worker_kind="fork")


INTERRUPTED = """
import sys
from latechunk import LateChunker
from latechunk.pipeline import host_workers
host_workers.FIRST_GROUP_CHARS = host_workers.GROUP_CHARS = 2000
lc = LateChunker(sys.argv[1], device="cpu", chunk_size=16, text_workers=2, text_worker_kind="process")
docs = ["The committee met on Tuesday. The vote was postponed until spring. " * 40] * 400
lc.chunk_and_embed(docs[:4])
print(*lc.engine.host._pool.pids(), flush=True)
while True:
    lc.chunk_and_embed(docs)
"""


def test_ctrl_c_during_a_call_leaves_no_process(minilm_path):
    script = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(INTERRUPTED), minilm_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        pids = [int(pid) for pid in script.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
        time.sleep(1.0)  # in the middle of a call
        script.send_signal(signal.SIGINT)
        script.wait(60)
    finally:
        if script.poll() is None:
            script.kill()
    assert "KeyboardInterrupt" in script.stderr.read()
    deadline = time.time() + 10
    while any(alive(pid) for pid in pids) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids)


def test_a_process_pool_inside_a_ray_actor_starts_and_stops(minilm_path):
    ray = pytest.importorskip("ray")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:

        @ray.remote(num_cpus=1)
        class Embedder:
            def __init__(self, path: str) -> None:
                self.lc = LateChunker(path, device="cpu", chunk_size=16, text_workers=2, text_worker_kind="process")

            def run(self, docs: list[str]) -> tuple[list[int], list[int]]:
                chunks = self.lc.chunk_and_embed(docs)
                return [len(c) for c in chunks], worker_pids()

            def close(self) -> list[int]:
                self.lc.close()
                return worker_pids()

        actor = Embedder.remote(minilm_path)
        docs = DOCUMENTS * 40  # several groups: the pool starts
        counts, pids = ray.get(actor.run.remote(docs), timeout=300)
        assert len(counts) == len(docs) and min(counts) > 0 and len(pids) == 2
        assert ray.get(actor.close.remote(), timeout=60) == []
        assert not any(alive(pid) for pid in pids)
        ray.kill(actor)
    finally:
        if started_here:
            ray.shutdown()


def test_a_forked_child_leaves_its_parents_workers_alone(minilm_path):
    from latechunk.pipeline.host_workers import close_pools

    lc = LateChunker(minilm_path, device="cpu", text_workers=1, text_worker_kind="process")
    lc.engine.host.start()
    pids = worker_pids()
    assert pids
    child = os.fork()
    if child == 0:  # the child's exit handlers and close_pools must not stop the parent's workers
        close_pools()
        os._exit(0)
    os.waitpid(child, 0)
    assert all(alive(pid) for pid in pids)
    lc.close()
