"""Where the text work of a call runs: in the calling thread, in worker threads, or in worker processes.

The text work of a group of documents (``planning.plan_group``: tokenize, chunk, plan) holds the GIL
for most of its time (segmentation, packing and planning are Python and numpy), so threads cannot
spread it over cores; worker processes can (``process_pool``). ``HostWork.plans`` plans a call's
groups ahead of the model, a bounded number at a time, and yields them in input order; an error is
raised in the caller when it reaches that group, naming the document.
"""

from __future__ import annotations

import itertools
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from latechunk.errors import SettingsError, warn
from latechunk.pipeline.planning import GroupJob, GroupPlan, PlanSettings, merge_plans, plan_group
from latechunk.pipeline.process_pool import ProcessPool, close_pools, process_pool, worker_pids
from latechunk.pipeline.tokenization import backend_copy

T = TypeVar("T")
R = TypeVar("R")

WorkerKind = Literal["process", "thread"]
WORKER_KINDS: tuple[WorkerKind, ...] = ("process", "thread")

GROUP_CHARS = 262_144
"""Most characters of text per group of documents prepared together (about 64k tokens); a longer
document is a group of its own."""
FIRST_GROUP_CHARS = 16_384
"""The first group's characters: the model waits for the first group's text work, so it is small;
the groups double from there up to the call's group size."""
GROUPS_PER_WORKER = 4
"""A call is cut into at least this many groups per worker (down to ``FIRST_GROUP_CHARS`` each), so
that every worker has work while the model runs."""
MAX_DEFAULT_WORKERS = 16
THREAD_NAME = "latechunk-text"

__all__ = ["HostWork", "close_pools", "worker_pids", "ordered_map", "groups_by_size", "text_workers_for"]


# ---------------------------------------------------------------------------- defaults
def default_text_workers(setting: int | None, device_type: str) -> int:
    """Workers for a device: the setting if given, else on CUDA every core but the launching thread's
    (up to ``MAX_DEFAULT_WORKERS``), elsewhere 0.

    On a CPU-only machine the forward pass is the work and already uses every core (torch's intra-op
    threads): a worker process only takes cores from it (measured in ``benchmarks/host.py``).
    """
    if setting is not None:
        return setting
    if device_type != "cuda":
        return 0
    return min(available_cores() - 1, MAX_DEFAULT_WORKERS)


def text_workers_for(setting: int | None, device: Any) -> int:
    """``default_text_workers`` for a ``torch.device`` (or anything with a ``type``)."""
    return default_text_workers(setting, getattr(device, "type", str(device)))


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def choose_kind(setting: str | None, workers: int, chunker: Any) -> WorkerKind | None:
    """The kind of workers: ``None`` without workers; the setting if given; else processes where they
    can start (POSIX) and the chunker pickles, threads otherwise."""
    if setting is not None and setting not in WORKER_KINDS:
        raise SettingsError(f"text_worker_kind must be one of {', '.join(WORKER_KINDS)} or None, got {setting!r}")
    if workers < 1:
        return None
    pickles = _pickles(chunker)
    if setting == "process":
        if not pickles:
            raise SettingsError(
                f"text_worker_kind='process' needs a chunker that pickles; {chunker!r} does not "
                "(pass text_worker_kind='thread')"
            )
        if os.name != "posix":
            raise SettingsError("text_worker_kind='process' needs a POSIX system; use 'thread'")
        return "process"
    if setting == "thread":
        return "thread"
    return "process" if pickles and os.name == "posix" else "thread"


def _pickles(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - any failure means "cannot travel to a process"
        return False
    return True


# ---------------------------------------------------------------------------- groups
def groups_by_size(sizes: Sequence[int], budget: int, first_budget: int | None = None) -> list[range]:
    """Consecutive index ranges whose sizes add up to at most their budget (a range holds at least one index).

    The first range's budget is ``first_budget`` (default ``budget``), doubling from range to range
    up to ``budget``: the model waits only for a small first group, later groups are large.
    """
    groups: list[range] = []
    start, total = 0, 0
    limit = min(budget, first_budget or budget)
    for index, size in enumerate(sizes):
        if index > start and total + size > limit:
            groups.append(range(start, index))
            start, total, limit = index, 0, min(budget, 2 * limit)
        total += size
    if start < len(sizes):
        groups.append(range(start, len(sizes)))
    return groups


def call_groups(sizes: Sequence[int], workers: int) -> list[range]:
    """A call's groups: one group of everything when the caller does the work, else groups sized so
    that every worker gets several (``GROUPS_PER_WORKER``), from ``FIRST_GROUP_CHARS`` up to ``GROUP_CHARS``."""
    if not sizes:
        return []
    if workers < 1:
        return [range(len(sizes))]
    budget = max(FIRST_GROUP_CHARS, min(GROUP_CHARS, sum(sizes) // (GROUPS_PER_WORKER * workers)))
    return groups_by_size(sizes, budget, FIRST_GROUP_CHARS)


# ---------------------------------------------------------------------------- threads
def ordered_map(function: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    """``function(item)`` for each item, in order; with ``workers >= 1`` computed ahead in that many threads.

    At most ``workers + 1`` items are being prepared or waiting at any time. Use it in a
    ``contextlib.closing`` block, so that a caller that stops early still joins the threads.
    """
    for results in _thread_map(function, items, workers, None):
        yield from results


def _thread_map(
    function: Callable[[T], R], items: Sequence[T], workers: int, more: Callable[[list[R]], bool] | None
) -> Iterator[list[R]]:
    if workers < 1 or len(items) < 2:
        for item in items:
            yield [function(item)]
        return
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=THREAD_NAME)
    try:
        yield from _ordered(lambda item: executor.submit(function, item), items, workers + 1, more)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _ordered(
    submit: Callable[[T], Future], items: Sequence[T], ahead: int, more: Callable[[list], bool] | None = None
) -> Iterator[list]:
    """Results of ``submit(item)`` in order, with at most ``ahead`` submitted and not yet yielded.

    Each step yields the next result, and with ``more`` the results after it that are ready already
    while ``more(results so far)`` holds (so that a consumer takes several at once, waiting for none).
    """
    pending: deque[Future] = deque()
    upcoming = iter(items)

    def refill() -> None:
        for item in upcoming:
            pending.append(submit(item))
            if len(pending) >= ahead:
                return

    try:
        refill()
        while pending:
            results = [pending.popleft().result()]
            refill()
            while more is not None and pending and pending[0].done() and more(results):
                results.append(pending.popleft().result())
                refill()
            yield results
    finally:
        for future in pending:
            future.cancel()


_END = object()


# ---------------------------------------------------------------------------- the work of a call
class HostWork:
    """Plans a call's groups: inline (no workers), in threads, or in a shared pool of worker processes."""

    _keys = itertools.count()

    def __init__(
        self,
        tokenizer: Any,
        chunker: Any,
        settings: PlanSettings,
        workers: int,
        kind: WorkerKind | None,
        fallback: bool = True,
    ) -> None:
        self.tokenizer = backend_copy(tokenizer)
        self.chunker = chunker
        self.settings = settings
        self.workers = workers
        self.kind: WorkerKind | None = kind if workers > 0 else None
        self.fallback = fallback
        """With processes chosen automatically: use threads (with a warning) if processes cannot start."""
        self._key = next(self._keys)
        self._context = pickle.dumps((chunker, settings)) if self.kind == "process" else b""
        self._pool: ProcessPool | None = None

    def groups(self, sizes: Sequence[int]) -> list[range]:
        return call_groups(sizes, self.workers)

    def plan(self, job: GroupJob) -> GroupPlan:
        """One job planned in the calling thread."""
        return plan_group(job, self.tokenizer, self.chunker, self.settings)

    def plans(self, jobs: Sequence[GroupJob], merge_tokens: int | None = None) -> Iterator[GroupPlan]:
        """Each job's plan, in order, the following ones planned ahead. Use in ``contextlib.closing``.

        ``merge_tokens``: plans that are ready when the next one is taken join it, up to this many
        stream tokens, so that the model runs few large plans however small the groups are.
        """
        more = None if merge_tokens is None else (lambda plans: sum(p.encode.tokens for p in plans) < merge_tokens)
        for plans in self._plan_lists(jobs, more):
            yield plans[0] if len(plans) == 1 else merge_plans(plans)

    def _plan_lists(self, jobs: Sequence[GroupJob], more: Callable[[list], bool] | None) -> Iterator[list[GroupPlan]]:
        if self.kind is None or len(jobs) < 2:
            for job in jobs:
                yield [self.plan(job)]
            return
        pool = self._started_pool() if self.kind == "process" else None
        if pool is None:
            yield from _thread_map(self.plan, jobs, self.workers, more)
            return
        submit = lambda job: pool.submit(self._key, self._context, job)  # noqa: E731
        try:
            yield from _ordered(submit, jobs, self.workers + 1, more)
        except KeyboardInterrupt:
            self.interrupt()
            raise

    def start(self) -> None:
        """Start the worker processes now rather than on the first call that needs them (a server's warm-up)."""
        if self.kind == "process":
            self._started_pool()

    def _started_pool(self) -> ProcessPool | None:
        """The running pool, or ``None`` after falling back to threads because processes could not start."""
        if self._pool is None:
            self._pool = process_pool(self.tokenizer, self.workers)
        try:
            self._pool.start()
        except Exception as error:
            if not self.fallback:
                raise
            warn(f"host worker processes could not start ({error}); the text work runs in threads instead")
            self.kind = "thread"
            return None
        return self._pool

    def interrupt(self) -> None:
        """Stop the worker processes now (after Ctrl-C); they start again on the next call."""
        if self._pool is not None:
            self._pool.close()

    def close(self) -> None:
        """Stop the worker processes this work uses (shared with every ``HostWork`` of the same tokenizer and size)."""
        self.interrupt()
