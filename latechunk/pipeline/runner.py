"""The one place a loaded model runs: task switching and forward passes, shared safely by every caller.

Callers from any thread submit jobs (token sequences for one task); one worker thread per model
takes every job waiting, groups them by task in order of arrival, switches the adapter once per
task, and runs the sequences in batches sorted by length within a token budget: requests that arrive
together are batched together (dynamic batching), and a batch never mixes tasks. The adapter switch
and the forward passes of a task happen under the model's lock, so no caller can see another task's
weights. A lone job is batched exactly as it would be on its own.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from latechunk.pipeline.batching import least_padding_batches, token_budget_batches
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


@dataclass
class _Job:
    task: str | None
    sequences: Sequence[np.ndarray]
    max_batch_tokens: int
    batch_size: int
    packed: bool = False
    results: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)


_DONE = object()


class ModelRunner:
    """Runs forward passes of one loaded model for every caller; safe to share between threads."""

    def __init__(self, model: Any, device: torch.device, pad_id: int, task_switcher: Any = None) -> None:
        self.model = model
        self.device = device
        self.pad_id = pad_id
        self.task_switcher = task_switcher
        self.lock = threading.RLock()
        """Held from a task switch to the last forward pass of that task."""
        self.forward_calls = 0
        self.jobs_taken = 0
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
    ) -> Iterator[BatchResult]:
        """Hidden states of ``sequences`` under ``task``'s adapter, batch by batch as they are computed.

        Every sequence appears in exactly one result. Errors raised while running (an unknown
        task, out of memory) are raised here, in the caller's thread. ``packed``: run a batch as one
        padding-free row (flash-attention only, see ``packing``) when every job in it asks so.
        """
        if not sequences:
            return
        job = _Job(task, sequences, max_batch_tokens, batch_size, packed)
        self._submit(job)
        while True:
            item = job.results.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

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
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
                jobs, self._pending = self._pending, []
                self.jobs_taken += len(jobs)
            for task, same_task in _group_by_task(jobs):
                self._run_task(task, same_task)

    def _run_task(self, task: str | None, jobs: list[_Job]) -> None:
        try:
            with self.lock, torch.inference_mode():
                self._switch(task)
                for batch in _plan(jobs, self.device):
                    sequences = [jobs[j].sequences[i] for j, i in batch]
                    packed = all(jobs[j].packed for j, _ in batch)
                    hidden = self._forward_packed(sequences) if packed else self._forward(sequences)
                    for j, rows in _rows_by_job(batch).items():
                        jobs[j].results.put(BatchResult([batch[r][1] for r in rows], _select(hidden, rows)))
        except BaseException as error:  # noqa: BLE001 - handed to every waiting caller, never lost
            for job in jobs:
                job.results.put(error)
            return
        for job in jobs:
            job.results.put(_DONE)

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


def _group_by_task(jobs: list[_Job]) -> list[tuple[str | None, list[_Job]]]:
    """Jobs grouped by task, groups in order of their first job's arrival."""
    groups: dict[str | None, list[_Job]] = {}
    for job in jobs:
        groups.setdefault(job.task, []).append(job)
    return list(groups.items())


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
