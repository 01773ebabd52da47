"""A pool of worker processes for the text work, shared between threads; see ``host_workers``.

Worker processes are started as ``python -c`` with a short bootstrap (never forked from a process that
holds torch and CUDA, never re-running the caller's ``__main__``); they import no torch, build the
tokenizer from its JSON and the chunker from its pickle, tokenize single-threaded
(``TOKENIZERS_PARALLELISM=false``: the pool is the parallelism), and ignore SIGINT, so Ctrl-C reaches
the caller alone, which stops them. One pool per tokenizer and size is shared by every ``LateChunker``
of that model; it stops its processes after ``IDLE_SECONDS`` without work, on ``close_pools()`` or
``LateChunker.close()``, and at interpreter exit; a process whose parent dies ends at the next read of
its closed pipe. A process that dies fails the job it held (the caller gets a ``LateChunkError``) and
is replaced on the next job.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import traceback
from collections import OrderedDict
from concurrent.futures import Future
from multiprocessing.connection import Connection, wait
from typing import Any

from latechunk.errors import LateChunkError
from latechunk.pipeline.planning import GroupJob, GroupPlan, plan_group

IDLE_SECONDS = 300.0
"""A pool's processes stop after this long without work (they start again on the next job)."""
START_SECONDS = 60.0
"""How long a new worker process may take to report ready."""
FEEDER_THREAD_NAME = "latechunk-host-feeder"

_BOOTSTRAP = """\
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
from multiprocessing.connection import Connection
inbox, outbox = Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False)
sys.path[:], config = inbox.recv()
from latechunk.pipeline.process_pool import serve
serve(inbox, outbox, config)
"""
_WORKER_ENVIRONMENT = {
    "TOKENIZERS_PARALLELISM": "false",  # one thread per worker: the pool is the parallelism
    "RAYON_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
CONTEXTS_KEPT = 32
"""Chunker contexts a worker process keeps (one per ``LateChunker`` that used it lately)."""


class WorkerError(Exception):
    """The traceback of an error raised in a worker process (the ``__cause__`` of the error raised here)."""


def serve(inbox: Connection, outbox: Connection, config: str) -> None:
    """A worker process's loop: plan each job it is sent, send back the plan or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from latechunk.pipeline.tokenization import tokenizer_from_json

    tokenizer = tokenizer_from_json(config)
    contexts: OrderedDict[int, Any] = OrderedDict()
    outbox.send(("ready", os.getpid()))
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):  # the parent closed the pipe, or died
            return
        if message[0] == "stop":
            return
        if message[0] == "context":
            contexts[message[1]] = message[2]
            while len(contexts) > CONTEXTS_KEPT:
                contexts.popitem(last=False)
            continue
        _, key, job = message
        try:
            context = contexts[key]
            if isinstance(context, bytes):
                context = contexts[key] = pickle.loads(context)
            chunker, settings = context
            reply: tuple = ("ok", plan_group(job, tokenizer, chunker, settings))
        except Exception as error:  # noqa: BLE001 - every error goes back to the caller
            reply = ("error", _portable(error), traceback.format_exc())
        try:
            outbox.send(reply)
        except Exception as error:  # noqa: BLE001 - a result that does not pickle
            outbox.send(("error", _portable(error), traceback.format_exc()))


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a ``LateChunkError`` that says what it was."""
    try:
        return pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001
        return LateChunkError(f"{type(error).__name__}: {error}")


class _WorkerProcess:
    """One worker process and the two pipes to it."""

    def __init__(self, config: str) -> None:
        child_in, parent_out = os.pipe()
        parent_in, child_out = os.pipe()
        try:
            self.popen = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, str(child_in), str(child_out)],
                pass_fds=(child_in, child_out),
                env={**os.environ, **_WORKER_ENVIRONMENT},
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            for fd in (child_in, parent_out, parent_in, child_out):
                os.close(fd)
            raise
        os.close(child_in)
        os.close(child_out)
        self.outbox = Connection(parent_out, readable=False)
        self.inbox = Connection(parent_in, writable=False)
        self.contexts: set[int] = set()
        self.outbox.send((list(sys.path), config))

    def wait_ready(self, timeout: float) -> None:
        try:
            ready = bool(wait([self.inbox], timeout)) and self.inbox.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            code = self.popen.poll()
            ended = f"ended with exit code {code}" if code is not None else f"did not report ready in {timeout:.0f} s"
            raise LateChunkError(f"a host worker process {ended}")

    def call(self, key: int, context: bytes, job: GroupJob) -> GroupPlan:
        if key not in self.contexts:
            self.outbox.send(("context", key, context))
            self.contexts.add(key)
        self.outbox.send(("plan", key, job))
        reply = self.inbox.recv()
        if reply[0] == "ok":
            return reply[1]
        error = reply[1]
        error.__cause__ = WorkerError(reply[2])
        raise error

    def stop(self) -> None:
        for connection in (self.outbox, self.inbox):
            connection.close()
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    @property
    def pid(self) -> int:
        return self.popen.pid


_STOP = object()


class ProcessPool:
    """Worker processes fed by one thread each from a shared queue of jobs; safe to share between threads."""

    def __init__(self, config: str, size: int, idle_seconds: float = IDLE_SECONDS) -> None:
        self.config = config
        self.size = size
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._processes: list[_WorkerProcess | None] = []
        self._threads: list[threading.Thread] = []
        self._generation = 0
        self._owner = os.getpid()
        """The process that started the workers: a forked child holds copies of this pool but not its workers."""

    def submit(self, key: int, context: bytes, job: GroupJob) -> Future:
        self.start()
        future: Future = Future()
        self._jobs.put((future, key, context, job))
        return future

    def start(self) -> None:
        """Start the processes (all at once, waiting until each is ready) if they are not running."""
        with self._lock:
            if self._threads:
                return
            processes: list[_WorkerProcess] = []
            try:
                processes = [_WorkerProcess(self.config) for _ in range(self.size)]
                for process in processes:
                    process.wait_ready(START_SECONDS)
            except BaseException:
                for process in processes:
                    process.stop()
                raise
            self._generation += 1
            self._jobs = queue.Queue()
            self._processes = list(processes)
            self._threads = [
                threading.Thread(
                    target=self._feed,
                    args=(slot, self._jobs, self._generation),
                    name=f"{FEEDER_THREAD_NAME}-{slot}",
                    daemon=True,
                )
                for slot in range(self.size)
            ]
            for thread in self._threads:
                thread.start()

    def pids(self) -> list[int]:
        """The process ids of the running workers."""
        with self._lock:
            return [p.pid for p in self._processes if p is not None]

    def close(self) -> None:
        """Stop every process now; jobs waiting get an error. The pool starts again on its next job."""
        if os.getpid() != self._owner:  # a forked child: the workers are its parent's
            return
        with self._lock:
            processes, self._processes = self._processes, []
            threads, self._threads = self._threads, []
            jobs = self._jobs
            self._generation += 1
        for _ in threads:
            jobs.put(_STOP)
        for process in processes:
            if process is not None:
                process.stop()
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
        _fail_waiting(jobs, LateChunkError("the host worker processes were stopped"))

    def _feed(self, slot: int, jobs: queue.Queue, generation: int) -> None:
        while True:
            try:
                item = jobs.get(timeout=self.idle_seconds)
            except queue.Empty:
                self._stop_idle(slot, generation)
                continue
            if item is _STOP:
                return
            future, key, context, job = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                process = self._process(slot, generation)
                future.set_result(process.call(key, context, job))
            except (EOFError, OSError, BrokenPipeError) as error:
                self._lost(slot, generation)
                future.set_exception(LateChunkError(f"a host worker process ended while planning: {error!r}"))
            except BaseException as error:  # noqa: BLE001 - handed to the caller, never lost
                future.set_exception(error)

    def _process(self, slot: int, generation: int) -> _WorkerProcess:
        with self._lock:
            if generation != self._generation:
                raise LateChunkError("the host worker processes were stopped")
            process = self._processes[slot]
        if process is None:  # stopped while idle: start again
            process = _WorkerProcess(self.config)
            process.wait_ready(START_SECONDS)
            with self._lock:
                if generation != self._generation:
                    process.stop()
                    raise LateChunkError("the host worker processes were stopped")
                self._processes[slot] = process
        return process

    def _stop_idle(self, slot: int, generation: int) -> None:
        with self._lock:
            if generation != self._generation or self._processes[slot] is None:
                return
            process, self._processes[slot] = self._processes[slot], None
        process.stop()

    def _lost(self, slot: int, generation: int) -> None:
        self._stop_idle(slot, generation)


def _fail_waiting(jobs: queue.Queue, error: BaseException) -> None:
    while True:
        try:
            item = jobs.get_nowait()
        except queue.Empty:
            return
        if item is not _STOP and item[0].set_running_or_notify_cancel():
            item[0].set_exception(error)


_pools: dict[tuple[int, int, int], tuple[Any, ProcessPool]] = {}
_pools_lock = threading.Lock()


def process_pool(tokenizer: Any, size: int) -> ProcessPool:
    """The pool of ``size`` worker processes for this (backend) tokenizer, made on first use and kept
    (with the tokenizer, so that its id stays its own)."""
    key = (os.getpid(), id(tokenizer), size)  # a forked child makes pools of its own
    with _pools_lock:
        if key not in _pools:
            _pools[key] = (tokenizer, ProcessPool(tokenizer.to_str(), size))
        return _pools[key][1]


def close_pools() -> None:
    """Stop the worker processes of every pool (they start again when a call needs them)."""
    with _pools_lock:
        pools = [pool for _, pool in _pools.values()]
    for pool in pools:
        pool.close()


def worker_pids() -> list[int]:
    """Process ids of every running worker process (for tests and monitoring)."""
    with _pools_lock:
        pools = [pool for _, pool in _pools.values()]
    return [pid for pool in pools for pid in pool.pids()]


atexit.register(close_pools)
