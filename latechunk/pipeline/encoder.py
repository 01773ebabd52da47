"""The engine: run each window once, merge token vectors per document, pool spans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from latechunk.pipeline.batching import token_budget_batches
from latechunk.pipeline.loading import LoadedModel
from latechunk.pipeline.pooling import mean_pool, membership_pairs
from latechunk.pipeline.windows import MergeRule, plan_windows
from latechunk.types import AlignmentError

SpanChooser = Callable[[int, torch.Tensor], np.ndarray]
"""Given a request's index and its merged content-token vectors, return its ``(k, 2)`` token spans."""


@dataclass(frozen=True)
class WindowSettings:
    """How long sequences are cut into windows and merged back.

    ``max_length`` counts every token of a window, special tokens and prefix included.
    """

    max_length: int
    overlap: int
    merge: MergeRule = "center"
    repeat_prefix: bool = True


@dataclass
class EncodeRequest:
    """One sequence to encode and the token ranges ``[first, last)`` to pool from it.

    ``pool_special``: the leading special and prefix tokens join the first span and the
    trailing special tokens join the last span (the published late-chunking convention).
    ``group_sizes`` splits the spans into consecutive groups (alternative chunkings of the same
    sequence, pooled from the same forward pass); each group has its own first and last span.
    """

    ids: np.ndarray
    prefix_ids: np.ndarray
    token_spans: np.ndarray  # (k, 2) int64 ranges of content tokens
    pool_special: bool
    group_sizes: tuple[int, ...] = ()

    def groups(self) -> list[tuple[int, int]]:
        """``(first, last)`` span index of each non-empty group."""
        sizes = self.group_sizes or (len(self.token_spans),)
        if sum(sizes) != len(self.token_spans):
            raise ValueError("group_sizes must add up to the number of spans")
        ends = np.cumsum(sizes)
        return [(int(e - n), int(e - 1)) for n, e in zip(sizes, ends, strict=True) if n]


@dataclass
class _Layout:
    """Where one request's tokens sit in the group's merged token buffer."""

    base: int
    n_lead: int
    n_prefix: int
    n_content: int
    n_trail: int

    @property
    def content_base(self) -> int:
        return self.base + self.n_lead + self.n_prefix

    @property
    def size(self) -> int:
        return self.n_lead + self.n_prefix + self.n_content + self.n_trail


@dataclass
class _WindowInput:
    ids: np.ndarray
    dest: np.ndarray  # buffer position of each token, -1 where the vector is not used
    weight: np.ndarray


class Encoder:
    """Encodes requests in batches by token budget and pools their spans on the device."""

    def __init__(
        self,
        loaded: LoadedModel,
        batch_size: int = 32,
        max_batch_tokens: int = 16384,
        group_tokens: int = 262144,
        show_progress_bar: bool | None = None,
    ) -> None:
        self.loaded = loaded
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.group_tokens = group_tokens
        self.show_progress_bar = show_progress_bar
        self.tokens_run = 0

    def encode(
        self, requests: list[EncodeRequest], window: WindowSettings, choose_spans: SpanChooser | None = None
    ) -> list[torch.Tensor]:
        """Pooled (un-normalised) span vectors of each request, in request order.

        ``choose_spans(index, token_vectors)``, when given, sets each request's token spans from
        its merged content-token vectors before pooling (chunk boundaries that depend on the
        same forward pass, as semantic chunking needs); the requests' spans are then ignored.
        """
        if choose_spans is None:
            for index, request in enumerate(requests):
                _check_spans(index, request)
        results: list[torch.Tensor] = []
        total = sum(len(r.ids) for r in requests)
        progress = tqdm(
            total=total,
            unit="tok",
            unit_scale=True,
            desc="encoding",
            disable=not self._show_progress(total),
        )
        with progress:
            done = 0
            for group in self._groups(requests):
                results.extend(self._encode_group(group, window, choose_spans, done))
                progress.update(sum(len(r.ids) for r in group))
                done += len(group)
        return results

    def _show_progress(self, total_tokens: int) -> bool:
        if self.show_progress_bar is not None:
            return self.show_progress_bar
        return total_tokens > 4 * self.group_tokens

    def _groups(self, requests: list[EncodeRequest]) -> Iterator[list[EncodeRequest]]:
        group: list[EncodeRequest] = []
        size = 0
        for request in requests:
            group.append(request)
            size += len(request.ids)
            if size >= self.group_tokens:
                yield group
                group, size = [], 0
        if group:
            yield group

    def _encode_group(
        self, group: list[EncodeRequest], window: WindowSettings, choose_spans: SpanChooser | None, first_index: int
    ) -> list[torch.Tensor]:
        special = self.loaded.special
        layouts: list[_Layout] = []
        inputs: list[_WindowInput] = []
        base = 0
        for request in group:
            layout = _Layout(base, len(special.lead), len(request.prefix_ids), len(request.ids), len(special.trail))
            layouts.append(layout)
            inputs.extend(self._window_inputs(request, layout, window))
            base += layout.size
        buffer = self._run(inputs, base)
        if choose_spans is not None:
            for offset, (request, layout) in enumerate(zip(group, layouts, strict=True)):
                content = buffer[layout.content_base : layout.content_base + layout.n_content]
                request.token_spans = np.asarray(choose_spans(first_index + offset, content), dtype=np.int64)
                _check_spans(first_index + offset, request)
        return self._pool(group, layouts, buffer)

    def _window_inputs(self, request: EncodeRequest, layout: _Layout, settings: WindowSettings) -> list[_WindowInput]:
        special = self.loaded.special
        room = settings.max_length - special.count
        first_capacity = room - layout.n_prefix
        capacity = first_capacity if settings.repeat_prefix else room
        windows = plan_windows(layout.n_content, first_capacity, capacity, settings.overlap, settings.merge)
        lead = np.asarray(special.lead, dtype=np.int64)
        trail = np.asarray(special.trail, dtype=np.int64)
        result = []
        for k, w in enumerate(windows):
            first, last = k == 0, k == len(windows) - 1
            prefix = request.prefix_ids if first or settings.repeat_prefix else request.prefix_ids[:0]
            parts_ids = [lead, prefix, request.ids[w.start : w.end], trail]
            parts_dest = [
                _positions(layout.base, len(lead), first),
                _positions(layout.base + layout.n_lead, len(prefix), first),
                np.arange(layout.content_base + w.start, layout.content_base + w.end),
                _positions(layout.content_base + layout.n_content, len(trail), last),
            ]
            content_weight = w.weights()
            parts_weight = [
                (parts_dest[0] >= 0).astype(np.float32),
                (parts_dest[1] >= 0).astype(np.float32),
                content_weight,
                (parts_dest[3] >= 0).astype(np.float32),
            ]
            result.append(
                _WindowInput(np.concatenate(parts_ids), np.concatenate(parts_dest), np.concatenate(parts_weight))
            )
        return result

    @torch.inference_mode()
    def _run(self, inputs: list[_WindowInput], buffer_size: int) -> torch.Tensor:
        """Run every window once and merge the token vectors into one buffer per group."""
        loaded = self.loaded
        device = loaded.device
        buffer = torch.zeros(buffer_size, loaded.dim, dtype=torch.float32, device=device)
        lengths = [len(x.ids) for x in inputs]
        for batch in token_budget_batches(lengths, self.max_batch_tokens, self.batch_size):
            longest = max(lengths[i] for i in batch)
            ids = np.full((len(batch), longest), loaded.special.pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, : lengths[i]] = inputs[i].ids
                mask[row, : lengths[i]] = 1
            dest = np.concatenate([inputs[i].dest for i in batch])
            weight = np.concatenate([inputs[i].weight for i in batch])
            used = weight > 0
            hidden = self._forward(ids, mask)
            packed = hidden[torch.from_numpy(mask).to(device).bool()]
            keep = torch.from_numpy(np.flatnonzero(used)).to(device)
            vectors = packed.index_select(0, keep).float()
            vectors *= torch.from_numpy(weight[used]).to(device).unsqueeze(1)
            buffer.index_add_(0, torch.from_numpy(dest[used]).to(device), vectors)
            self.tokens_run += int(mask.sum())
        weight_sum = _weight_sums(inputs, buffer_size)
        if np.any(weight_sum <= 0):
            raise RuntimeError("internal error: a token received no vector from any window")
        return buffer / torch.from_numpy(weight_sum).to(device=device, dtype=torch.float32).unsqueeze(1)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> torch.Tensor:
        loaded = self.loaded
        loaded.forward_calls += 1
        output = loaded.model(
            input_ids=torch.from_numpy(ids).to(loaded.device),
            attention_mask=torch.from_numpy(mask).to(loaded.device),
        )
        return output.last_hidden_state if hasattr(output, "last_hidden_state") else output[0]

    def _pool(self, group: list[EncodeRequest], layouts: list[_Layout], buffer: torch.Tensor) -> list[torch.Tensor]:
        starts, ends, extra_spans, extra_tokens = [], [], [], []
        offset = 0
        for request, layout in zip(group, layouts, strict=True):
            k = len(request.token_spans)
            starts.append(layout.content_base + request.token_spans[:, 0])
            ends.append(layout.content_base + request.token_spans[:, 1])
            if request.pool_special:
                head = np.arange(layout.base, layout.content_base)
                tail = np.arange(layout.content_base + layout.n_content, layout.base + layout.size)
                for first, last in request.groups():
                    extra_tokens += [head, tail]
                    extra_spans += [np.full(len(head), offset + first), np.full(len(tail), offset + last)]
            offset += k
        span_ids, token_ids = membership_pairs(
            np.concatenate(starts),
            np.concatenate(ends),
            np.concatenate(extra_spans or [np.zeros(0, np.int64)]),
            np.concatenate(extra_tokens or [np.zeros(0, np.int64)]),
        )
        pooled = mean_pool(buffer, span_ids, token_ids, offset)
        sizes = [len(r.token_spans) for r in group]
        return list(torch.split(pooled, sizes))


def _weight_sums(inputs: list[_WindowInput], buffer_size: int) -> np.ndarray:
    """Total merge weight each buffer position receives from all windows."""
    dest = np.concatenate([x.dest for x in inputs])
    weight = np.concatenate([x.weight for x in inputs])
    used = weight > 0
    return np.bincount(dest[used], weights=weight[used], minlength=buffer_size)


def _positions(start: int, count: int, used: bool) -> np.ndarray:
    return np.arange(start, start + count) if used else np.full(count, -1, dtype=np.int64)


def _check_spans(index: int, request: EncodeRequest) -> None:
    spans = request.token_spans
    if len(spans) == 0:
        return
    empty = np.flatnonzero(spans[:, 1] <= spans[:, 0])
    if len(empty) and not (request.pool_special and len(spans) == 1 and not request.group_sizes):
        raise AlignmentError(
            f"input {index}: span {int(empty[0])} covers no token (only characters the tokenizer drops?)"
        )
    if spans.min() < 0 or spans.max() > len(request.ids):
        raise AlignmentError(f"input {index}: a token range lies outside the sequence")
