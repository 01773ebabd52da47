"""The model behind the server: loading, a bounded pool of workers, and request-to-LateChunker translation.

The service holds no chunking or pooling logic. It turns a request into one ``LateChunker`` call
(``embed`` or ``chunk_and_embed``) and the result into the wire format. Calls run in a pool of
``workers`` threads; at most ``max_queue`` more requests wait, and the next one is refused
(``Overloaded``, answered 503 with ``Retry-After``), so memory stays bounded under any load. Each
call runs as a ``Call`` (``latechunk.pipeline.calls``): the engine shares the model fairly between
calls (``slice_seconds``), and a call whose client went away stops at its next window boundary.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from latechunk.inputs import as_embed_list, as_text_list
from latechunk.pipeline.calls import Call, calling
from latechunk.serve.encoding import encode
from latechunk.serve.metrics import Metrics
from latechunk.serve.schemas import ChunkEmbedRequest, EmbeddingsRequest
from latechunk.serve.settings import ServeSettings
from latechunk.serve.tokens import TokenCounter

if TYPE_CHECKING:
    from latechunk import LateChunker

log = logging.getLogger("latechunk.serve")
T = TypeVar("T")
_CACHED_CHUNKERS = 16


class Overloaded(Exception):
    """The queue is full or the model is not ready; the client should retry later."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class LimitExceeded(Exception):
    """A request over one of the server's size limits (answered 413)."""


class Service:
    """One served model: its ``LateChunker`` instances, token counter, worker pool and state."""

    def __init__(self, settings: ServeSettings, metrics: Metrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.status = "loading"
        self.error: str | None = None
        self.loaded_at = 0
        self.base: LateChunker | None = None
        self.counter: TokenCounter | None = None
        self._base_settings = settings.late_chunker.replace(show_progress_bar=False)
        self._chunkers: OrderedDict[tuple, LateChunker] = OrderedDict()
        self._chunkers_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="latechunk-worker")
        self._admitted = 0
        self._running = 0
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- lifecycle
    def load(self) -> None:
        """Load the model (blocking); sets ``status`` to ``ok`` or ``failed``."""
        from latechunk import LateChunker

        started = time.perf_counter()
        try:
            base = LateChunker(self._base_settings)
            self.counter = TokenCounter(base.tokenizer, base.max_length, base.loaded.family.prefix)
            self._chunkers[self._key(None, None, None)] = base
            self.base = base
        except Exception as error:  # noqa: BLE001 - any failure is reported by /health and the log
            self.error = f"{type(error).__name__}: {error}"
            self.status = "failed"
            log.error("model %r failed to load: %s", self.settings.late_chunker.model, self.error)
            return
        self.loaded_at = int(time.time())
        self.status = "ok"
        self.metrics.ready.set(1)
        log.info(
            "model %r loaded in %.1f s (dim %d, window %d tokens, tasks: %s)",
            self.settings.late_chunker.model,
            time.perf_counter() - started,
            base.dim,
            base.max_length,
            ", ".join(base.tasks) or "none",
        )

    def start_loading(self) -> threading.Thread:
        """Load the model in a background thread; ``/health`` says ready once it is done."""
        thread = threading.Thread(target=self.load, name="latechunk-load", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Finish the calls already running, then stop the workers and the text worker processes of the chunkers."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._chunkers_lock:
            chunkers = list(self._chunkers.values())
        for chunker in chunkers:
            chunker.close()

    # ----------------------------------------------------------------- admission
    def new_call(self, name: str) -> Call:
        """The engine call of one request: fair slices of ``slice_seconds`` (0: batches as planned)."""
        return Call(name, slice_seconds=self.settings.slice_seconds or None)

    async def run(self, work: Callable[[], T], call: Call) -> T:
        """Run ``work`` as ``call`` on a worker thread, or raise ``Overloaded`` when the queue is full.

        A call cancelled while it waits for a worker does not start (``CallCancelled``).
        """
        self.require_ready()
        capacity = self.settings.workers + self.settings.max_queue
        with self._lock:
            if self._admitted >= capacity:
                self.metrics.rejected.inc()
                raise Overloaded(
                    f"server busy: {self._admitted} requests running or queued (limit --workers {self.settings.workers}"
                    f" + --max-queue {self.settings.max_queue}); retry later",
                    self.settings.retry_after_s,
                )
            self._admitted += 1
            self._update_gauges()
        try:
            future = self._pool.submit(self._tracked, work, call)
        except RuntimeError:  # the pool is shutting down
            self._release()
            raise Overloaded("the server is shutting down", self.settings.retry_after_s) from None
        # The slot is freed when the work ends, not when the caller stops waiting (a cancelled call
        # stops only at its next window boundary), so the bound holds for the running work too.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _future: object = None) -> None:
        with self._lock:
            self._admitted -= 1
            self._update_gauges()

    def _tracked(self, work: Callable[[], T], call: Call) -> T:
        with self._lock:
            self._running += 1
            self._update_gauges()
        try:
            with calling(call):
                call.check()
                return work()
        finally:
            with self._lock:
                self._running -= 1
                self._update_gauges()

    def _update_gauges(self) -> None:
        self.metrics.in_flight.set(self._running)
        self.metrics.queue_depth.set(max(self._admitted - self._running, 0))

    def require_ready(self) -> None:
        if self.status == "loading":
            raise Overloaded("the model is still loading; retry later (GET /health says when it is ready)", 5)
        if self.status == "failed":
            raise Overloaded(f"the model failed to load: {self.error}", 60)

    # ----------------------------------------------------------------- limits
    @staticmethod
    def check_inputs(texts: list[str], *, embed: bool) -> None:
        """Raise the library's error (a ``LateChunkError``, answered 422) for the first input it refuses,
        named as the request names it (``input[3]``), before the request takes a worker: the rule of
        ``LateChunker.embed`` (also no empty text) or of ``chunk_and_embed`` (an empty document has no chunks)."""
        (as_embed_list if embed else as_text_list)(texts, "input")

    def check_tokens(self, tokens: int) -> None:
        """Raise ``LimitExceeded`` for a request of more than ``max_tokens`` model tokens."""
        if tokens > self.settings.max_tokens:
            raise LimitExceeded(
                f"too many tokens: {tokens} > max_tokens {self.settings.max_tokens} (option --max-tokens); "
                "send the documents in several requests"
            )

    def check_limits(self, texts: list[str]) -> None:
        """Raise ``LimitExceeded`` naming the limit a request is over (the cheap ones, before any work)."""
        s = self.settings
        if len(texts) > s.max_inputs:
            raise LimitExceeded(f"too many inputs: {len(texts)} > max_inputs {s.max_inputs} (option --max-inputs)")
        characters = sum(len(t) for t in texts)
        if characters > s.max_characters:
            raise LimitExceeded(
                f"too many characters: {characters} > max_characters {s.max_characters} (option --max-characters)"
            )

    # ----------------------------------------------------------------- requests (run on a worker)
    def _key(self, chunker: str | None, chunk_size: int | None, normalized: bool | None) -> tuple:
        """A request's chunker settings; what it leaves out comes from the server's ``LateChunkerSettings``."""
        base = self._base_settings
        return (
            chunker or base.chunker,
            base.chunk_size if chunk_size is None else chunk_size,
            base.normalize_embeddings if normalized is None else normalized,
        )

    def late_chunker_for(self, chunker: str | None, chunk_size: int | None, normalized: bool | None) -> LateChunker:
        """The ``LateChunker`` for these settings, built once (the model itself is loaded once per process)."""
        from latechunk import LateChunker

        key = self._key(chunker, chunk_size, normalized)
        with self._chunkers_lock:
            if key in self._chunkers:
                self._chunkers.move_to_end(key)
                return self._chunkers[key]
        built = LateChunker(self._base_settings.replace(chunker=key[0], chunk_size=key[1], normalize_embeddings=key[2]))
        with self._chunkers_lock:
            self._chunkers[key] = built
            base_key = self._key(None, None, None)
            while len(self._chunkers) > _CACHED_CHUNKERS:
                oldest = next(iter(self._chunkers))
                if oldest == base_key:
                    self._chunkers.move_to_end(oldest)
                    continue
                self._chunkers.popitem(last=False)
        return built

    def embeddings(self, request: EmbeddingsRequest) -> tuple[bytes, int]:
        """``/v1/embeddings``: the response body and its token count."""
        lc = self.late_chunker_for(None, None, request.normalized)
        counted = self.counter.prepare(request.texts, request.task, request.late_chunking, request.truncate)
        self.check_tokens(counted.tokens)
        matrix = lc.embed(
            counted.texts, task=request.task, late_chunking=request.late_chunking, dimensions=request.dimensions
        )
        data = [
            {"object": "embedding", "index": i, "embedding": value}
            for i, value in enumerate(encode(matrix, request.wire_type))
        ]
        return self._body(data, counted.tokens), counted.tokens

    def chunk_embed(self, request: ChunkEmbedRequest) -> tuple[bytes, int]:
        """``/v1/chunk-embed``: the response body and its token count."""
        lc = self.late_chunker_for(request.chunker, request.chunk_size, request.normalized)
        texts = request.texts
        tokens = self.counter.count(texts, request.task)
        self.check_tokens(tokens)
        chunk_lists = lc.chunk_and_embed(
            texts, task=request.task, late_chunking=request.late_chunking, dimensions=request.dimensions
        )
        data = []
        for i, chunks in enumerate(chunk_lists):
            values = encode(_stack([c.embedding for c in chunks], lc.dim), request.wire_type) if chunks else []
            data.append(
                {
                    "object": "chunks",
                    "index": i,
                    "chunks": [
                        {
                            "text": c.text,
                            "start": c.start,
                            "end": c.end,
                            "token_count": c.token_count,
                            "embedding": v,
                            "meta": c.meta,
                        }
                        for c, v in zip(chunks, values, strict=True)
                    ],
                }
            )
        return self._body(data, tokens), tokens

    def _body(self, data: list[dict[str, Any]], tokens: int) -> bytes:
        body = {
            "model": self.settings.served_name,
            "object": "list",
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "data": data,
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def _stack(vectors: list[Any], dim: int) -> Any:
    import numpy as np

    return np.stack(vectors) if vectors else np.zeros((0, dim), dtype=np.float32)
