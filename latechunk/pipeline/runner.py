"""The one place a loaded model runs: task switching and forward passes, shared safely by every caller.

Callers from any thread submit jobs (token sequences for one task); one worker thread per model
serves them. Jobs waiting together are grouped by task into cohorts, each planned into batches sorted
by length within a token budget: requests that arrive together are batched together (dynamic
batching), a batch never mixes tasks, and a lone job is batched exactly as it would be on its own.

The worker runs one batch at a time and takes new jobs between batches, so the model is shared
fairly: the next batch comes from the cohort that has had the fewest turns (a new cohort starts level
with the least served one, ahead of it), and a big request advances batch by batch beside small ones
instead of holding the model. Jobs of a call with ``slice_seconds`` (``calls.Call``) get batches cut to
about that long, measured, and a long one gets a cohort of its own; jobs of a cancelled call stop
before their next batch. The adapter switch and each forward pass happen under the model's lock, so
no caller sees another task's weights.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from latechunk.pipeline.batching import least_padding_batches, token_budget_batches
from latechunk.pipeline.calls import Call
from latechunk.pipeline.devices import to_device
from latechunk.pipeline.packing import pack, unpack


@dataclass
class BatchResult:
    """The hidden states of some of a job's sequences: ``hidden[row]`` belongs to ``sequences[indices[row]]``.

    ``hidden`` is ``(rows, longest, dim)`` in the model's dtype on its device; positions past a
    sequence's length are padding.
    """

    indices: list[int]
    hidden: torch.Tensor


@dataclass(eq=False)
class _Job:
    task: str | None
    sequences: Sequence[np.ndarray]
    max_batch_tokens: int
    batch_size: int
    packed: bool = False
    call: Call | None = None
    results: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    abandoned: bool = False
    """Set by the caller that stopped reading results (an error, a closed generator): no more batches run."""
    ended: bool = False

    @property
    def tokens(self) -> int:
        return sum(len(s) for s in self.sequences)

    @property
    def slice_seconds(self) -> float | None:
        return None if self.call is None else self.call.slice_seconds

    def stopped(self) -> bool:
        return self.ended or self.abandoned or (self.call is not None and self.call.cancelled)

    def end(self, item: object) -> None:
        if not self.ended:
            self.ended = True
            self.results.put(item)


@dataclass(eq=False)
class _Cohort:
    """Jobs of one task planned together, and the batches of theirs still to run (``(job, sequence)`` pairs)."""

    task: str | None
    jobs: list[_Job]
    batches: deque[list[tuple[int, int]]]
    turns: int
    """Batches run, counted from the level of the least served cohort when it arrived."""
    served: float = float("-inf")
    """When this cohort last ran a batch (never: first among equals)."""


_DONE = object()


class ModelRunner:
    """Runs forward passes of one loaded model for every caller; safe to share between threads."""

    def __init__(self, model: Any, device: torch.device, pad_id: int, task_switcher: Any = None) -> None:
        self.model = model
        self.device = device
        self.pad_id = pad_id
        self.task_switcher = task_switcher
        self.lock = threading.RLock()
        """Held from a task switch to the end of the forward pass that follows it."""
        self.forward_calls = 0
        self.jobs_taken = 0
        self.seconds_per_token: float | None = None
        """Measured time of a forward pass per padded token (moving average), for ``slice_seconds``."""
        self._pending: list[_Job] = []
        self._wake = threading.Condition()
        self._worker: threading.Thread | None = None
        self._worker_pid: int | None = None

    # ------------------------------------------------------------------ callers
    def run(
        self,
        task: str | None,
        sequences: Sequence[np.ndarray],
        *,
        max_batch_tokens: int,
        batch_size: int,
        packed: bool = False,
        call: Call | None = None,
    ) -> Iterator[BatchResult]:
        """Hidden states of ``sequences`` under ``task``'s adapter, batch by batch as they are computed.

        Every sequence appears in exactly one result. Errors raised while running (an unknown
        task, out of memory) are raised here, in the caller's thread. ``packed``: run a batch as one
        padding-free row (flash-attention only, see ``packing``) when every job in it asks so.
        ``call``: the call the job belongs to (its slicing; once it is cancelled no further batch
        runs and ``CallCancelled`` is raised here).
        """
        if not sequences:
            return
        job = _Job(task, sequences, max_batch_tokens, batch_size, packed, call)
        self._submit(job)
        try:
            while True:
                item = job.results.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            job.abandoned = True

    # ------------------------------------------------------------------ worker
    def _submit(self, job: _Job) -> None:
        with self._wake:
            if self._worker is None or self._worker_pid != os.getpid() or not self._worker.is_alive():
                # first use, or a forked child (which has no copy of the parent's threads)
                self._pending = []
                self._worker = threading.Thread(target=self._serve, name="latechunk-model-runner", daemon=True)
                self._worker_pid = os.getpid()
                self._worker.start()
            self._pending.append(job)
            self._wake.notify()

    def _serve(self) -> None:
        active: list[_Cohort] = []
        while True:
            with self._wake:
                while not self._pending and not active:
                    self._wake.wait()
                jobs, self._pending = self._pending, []
                self.jobs_taken += len(jobs)
            level = min((c.turns for c in active), default=0)
            for task, same_task in _group_by_task(jobs, self._tokens_per_second()):
                try:
                    batches = deque(_plan(same_task, self.device))
                except BaseException as error:  # noqa: BLE001 - handed to the callers, never lost
                    for job in same_task:
                        job.end(error)
                    continue
                active.append(_Cohort(task, same_task, batches, level))
            if not active:
                continue
            cohort = min(active, key=lambda c: (c.turns, c.served))
            self._run_batch(cohort)
            cohort.turns += 1
            cohort.served = time.monotonic()
            if not cohort.batches:
                active.remove(cohort)
                for job in cohort.jobs:
                    job.end(_DONE)

    def _run_batch(self, cohort: _Cohort) -> None:
        """Run the next batch of ``cohort`` (or its next slice), handing each job its rows."""
        jobs = cohort.jobs
        try:
            _drop_stopped(cohort)
            if not cohort.batches:
                return
            batch = cohort.batches.popleft()
            piece = self._slice(cohort, batch)
            if len(piece) < len(batch):
                cohort.batches.appendleft(batch[len(piece) :])
            with self.lock, torch.inference_mode():
                self._switch(cohort.task)
                sequences = [jobs[j].sequences[i] for j, i in piece]
                packed = all(jobs[j].packed for j, _ in piece)
                started = time.perf_counter()
                hidden = self._forward_packed(sequences) if packed else self._forward(sequences)
                self._measure(time.perf_counter() - started, len(sequences) * max(len(s) for s in sequences))
                for j, rows in _rows_by_job(piece).items():
                    jobs[j].results.put(BatchResult([piece[r][1] for r in rows], _select(hidden, rows)))
                    if jobs[j].call is not None:
                        jobs[j].call.forward_passes += 1
                        jobs[j].call.windows_run += len(rows)
        except BaseException as error:  # noqa: BLE001 - handed to every waiting caller, never lost
            cohort.batches.clear()
            for job in jobs:
                job.end(error)

    def _measure(self, seconds: float, padded_tokens: int) -> None:
        """Update ``seconds_per_token`` from a forward pass big enough to say (at least ``MEASURED_TOKENS``)."""
        if padded_tokens < MEASURED_TOKENS:
            return
        rate = seconds / padded_tokens
        old = self.seconds_per_token
        self.seconds_per_token = rate if old is None else old + RATE_SMOOTHING * (rate - old)

    def _tokens_per_second(self) -> float | None:
        """Padded tokens a forward pass runs per second (``None``: not measured yet)."""
        return None if self.seconds_per_token is None else 1.0 / self.seconds_per_token

    def _slice(self, cohort: _Cohort, batch: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The first rows of ``batch`` that fit the shortest ``slice_seconds`` of their jobs (at least one row).

        Unmeasured, a sliced batch runs one row, which measures the model's speed.
        """
        jobs = cohort.jobs
        limits = [jobs[j].slice_seconds for j in {j for j, _ in batch} if jobs[j].slice_seconds is not None]
        if not limits or len(batch) == 1:
            return batch
        if self.seconds_per_token is None:
            return batch[:1]
        budget = min(limits) / self.seconds_per_token
        longest = 0
        for count, (j, i) in enumerate(batch, start=1):
            longest = max(longest, len(jobs[j].sequences[i]))
            if count > 1 and longest * count > budget:
                return batch[: count - 1]
        return batch

    def _switch(self, task: str | None) -> None:
        if self.task_switcher is not None:
            self.task_switcher.set_task(task)

    def _forward(self, sequences: list[np.ndarray]) -> torch.Tensor:
        lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
        longest = int(lengths.max())
        mask = (np.arange(longest) < lengths[:, None]).astype(np.int64)
        ids = np.full((len(sequences), longest), self.pad_id, dtype=np.int64)
        ids[mask.astype(bool)] = np.concatenate(sequences)  # row by row, each sequence left-aligned
        self.forward_calls += 1
        output = self.model(input_ids=to_device(ids, self.device), attention_mask=to_device(mask, self.device))
        return output.last_hidden_state if hasattr(output, "last_hidden_state") else output[0]

    def _forward_packed(self, sequences: list[np.ndarray]) -> torch.Tensor:
        """The padded hidden states of ``sequences``, computed as one packed row without padding."""
        batch = pack(sequences)
        cu_seq_lens = to_device(batch.cu_seq_lens, self.device)
        self.forward_calls += 1
        output = self.model(
            input_ids=to_device(batch.ids, self.device),
            position_ids=to_device(batch.positions, self.device),
            cu_seq_lens_q=cu_seq_lens,
            cu_seq_lens_k=cu_seq_lens,
            max_length_q=batch.longest,
            max_length_k=batch.longest,
        )
        hidden = output.last_hidden_state if hasattr(output, "last_hidden_state") else output[0]
        return unpack(hidden, batch, to_device(batch.padded_index, self.device))


def _group_by_task(jobs: list[_Job], tokens_per_second: float | None = None) -> list[tuple[str | None, list[_Job]]]:
    """Jobs grouped by task, groups in order of their first job's arrival.

    A sliced job longer than one slice (``slice_seconds`` at ``tokens_per_second``) gets a group of
    its own, so that small jobs arriving with it do not wait for its whole plan.
    """
    groups: dict[tuple[str | None, int], list[_Job]] = {}
    alone = itertools.count(1)
    for job in jobs:
        long = job.slice_seconds is not None and tokens_per_second is not None
        long = long and job.tokens > job.slice_seconds * tokens_per_second
        groups.setdefault((job.task, next(alone) if long else 0), []).append(job)
    return [(task, same) for (task, _), same in groups.items()]


def _drop_stopped(cohort: _Cohort) -> None:
    """End the cohort's cancelled and abandoned jobs and remove their rows from the batches still to run."""
    stopped = {j for j, job in enumerate(cohort.jobs) if job.stopped()}
    if not stopped:
        return
    for j in stopped:
        call = cohort.jobs[j].call
        cohort.jobs[j].end(call.cancellation() if call is not None and call.cancelled else _DONE)
    kept = [[(j, i) for j, i in batch if j not in stopped] for batch in cohort.batches]
    cohort.batches = deque(batch for batch in kept if batch)


MEASURED_TOKENS = 128
"""Forward passes of fewer padded tokens do not update ``seconds_per_token`` (their fixed cost dominates)."""
RATE_SMOOTHING = 0.3
"""Weight of the newest measurement in the moving average of ``seconds_per_token``."""

CPU_BATCH_COST_TOKENS = 64
"""On the CPU, the fixed cost of a forward pass in tokens (README "Speed": padding against batch count)."""


def _plan(jobs: list[_Job], device: torch.device) -> list[list[tuple[int, int]]]:
    """Batches of ``(job, sequence)`` pairs: all jobs' sequences sorted by length within the smallest budget.

    On the CPU, where compute follows the tokens run, the sorted order is split where padding plus
    ``CPU_BATCH_COST_TOKENS`` per batch is least; elsewhere batches are filled greedily (a GPU runs a
    small batch in about the time of a full one).
    """
    pairs = [(j, i) for j, job in enumerate(jobs) for i in range(len(job.sequences))]
    lengths = [len(jobs[j].sequences[i]) for j, i in pairs]
    budget = min(job.max_batch_tokens for job in jobs)
    size = min(job.batch_size for job in jobs)
    if device.type == "cpu":
        batches = least_padding_batches(lengths, budget, size, CPU_BATCH_COST_TOKENS)
    else:
        batches = token_budget_batches(lengths, budget, size)
    return [[pairs[k] for k in batch] for batch in batches]


def _rows_by_job(batch: list[tuple[int, int]]) -> dict[int, list[int]]:
    rows: dict[int, list[int]] = {}
    for row, (j, _) in enumerate(batch):
        rows.setdefault(j, []).append(row)
    return rows


def _select(hidden: torch.Tensor, rows: list[int]) -> torch.Tensor:
    if len(rows) == hidden.shape[0]:
        return hidden
    return hidden.index_select(0, to_device(np.asarray(rows, dtype=np.int64), hidden.device))
