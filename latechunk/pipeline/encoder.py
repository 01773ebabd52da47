"""The engine's two phases: token vectors (windows run once, merged as they stream past), then pooling.

``Encoder.encode`` streams both phases together, so memory follows the window group, not the
document. ``Encoder.sequence_vectors`` stops after the first phase and hands each sequence's token
vectors to the caller (a chunker that places boundaries by them), and ``Encoder.pool_sequence``
pools spans from such vectors; both phases use the same window plan and the same pooling code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from latechunk.defaults import MergeRule
from latechunk.errors import AlignmentError
from latechunk.pipeline.calls import checked_call
from latechunk.pipeline.merging import MergeStats, TokenBlock, WindowInput, merged_blocks
from latechunk.pipeline.pooling import SpanPooler
from latechunk.pipeline.runner import ModelRunner
from latechunk.pipeline.tokenization import SpecialTokens
from latechunk.pipeline.windows import plan_windows

PROGRESS_BAR_TOKENS = 1 << 20
"""With ``show_progress_bar=None``, a bar is shown for calls of more tokens than this (about a million)."""
DEFAULT_GROUP_TOKENS = 32768
"""Window tokens run between two merges: bounds the merge buffer and the hidden states waiting to be
merged (``group × dim`` floats each); windows are sorted by length within a group."""


@dataclass(frozen=True)
class WindowSettings:
    """How long sequences are cut into windows and merged back.

    ``max_length`` counts every token of a window, special tokens and prefix included.
    """

    max_length: int
    overlap: int
    merge: MergeRule
    repeat_prefix: bool = True


@dataclass(frozen=True)
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

    def with_spans(self, token_spans: np.ndarray) -> EncodeRequest:
        return dataclasses.replace(self, token_spans=np.asarray(token_spans, dtype=np.int64).reshape(-1, 2))


@dataclass(frozen=True)
class EncodePlan:
    """What ``Encoder.run_plan`` needs, prepared on the host: span segments ``(span, lo, hi)``, the
    number of spans, the windows in stream order, and the stream's length in tokens."""

    segments: np.ndarray
    n_spans: int
    windows: Iterable[WindowInput]
    tokens: int


@dataclass(frozen=True)
class SequenceLayout:
    """Where one request's tokens sit in the stream: lead specials, prefix, content, trail specials."""

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

    @property
    def end(self) -> int:
        return self.base + self.size


class Encoder:
    """Encodes requests window by window through a shared ``ModelRunner`` and pools their spans."""

    def __init__(
        self,
        runner: ModelRunner,
        special: SpecialTokens,
        dim: int,
        device: torch.device,
        *,
        batch_size: int,
        max_batch_tokens: int,
        group_tokens: int = DEFAULT_GROUP_TOKENS,
        show_progress_bar: bool | None = None,
        packed: bool = False,
    ) -> None:
        self.runner = runner
        self.special = special
        self.dim = dim
        self.device = device
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.group_tokens = group_tokens
        self.show_progress_bar = show_progress_bar
        self.packed = packed
        """Run batches as padding-free packed rows (flash-attention only; see ``packing``)."""
        self.tokens_run = 0
        self.merge_stats = MergeStats()
        """The most token vectors the merge held at once, over every call so far."""

    # ------------------------------------------------------------------ phase 1 + 2, streamed
    def encode(self, requests: Sequence[EncodeRequest], window: WindowSettings, task: str | None) -> list[torch.Tensor]:
        """Pooled (un-normalised) span vectors of each request, in request order."""
        matrix = self.encode_matrix(requests, window, task)
        sizes = [len(r.token_spans) for r in requests]
        return list(torch.split(matrix, sizes)) if requests else []

    def encode_matrix(
        self, requests: Sequence[EncodeRequest], window: WindowSettings, task: str | None
    ) -> torch.Tensor:
        """Every request's pooled span vectors in one ``(spans, dim)`` matrix, in request order.

        A request with no span to pool is not run.
        """
        return self.run_plan(self.plan(requests, window), task)

    def plan(
        self,
        requests: Sequence[EncodeRequest],
        window: WindowSettings,
        *,
        first_index: int = 0,
        materialize: bool = False,
    ) -> EncodePlan:
        """The host-side work of ``encode_matrix``: checks, layouts, span segments, windows (no model, no device).

        ``first_index`` numbers the requests in error messages; ``materialize`` builds every
        window now (in a background thread, say) rather than as the model consumes them.
        """
        for index, request in enumerate(requests):
            check_spans(first_index + index, request)
        requests = [request for request in requests if len(request.token_spans)]
        layouts = self.layouts(requests)
        segments, offsets = [], [0]
        for request, layout in zip(requests, layouts, strict=True):
            segments.append(span_segments(request, layout, offsets[-1]))
            offsets.append(offsets[-1] + len(request.token_spans))
        windows: Iterable[WindowInput] = self._windows(requests, layouts, window)
        return EncodePlan(
            np.concatenate(segments or [np.zeros((0, 3), np.int64)]),
            offsets[-1],
            list(windows) if materialize else windows,
            sum(layout.size for layout in layouts),
        )

    @torch.inference_mode()
    def run_plan(self, plan: EncodePlan, task: str | None, own_progress_bar: bool = True) -> torch.Tensor:
        """Run a plan's windows through the model, merge and pool: the ``(spans, dim)`` matrix.

        ``own_progress_bar=False``: no bar of its own (the caller shows one for all its plans).
        """
        pooler = SpanPooler(plan.segments, plan.n_spans, self.dim, self.device)
        for block in self._merged(plan.windows, plan.tokens, task, own_progress_bar):
            pooler.add(block.start, block.vectors)
        return pooler.means()

    # ------------------------------------------------------------------ phase 1 alone
    @torch.inference_mode()
    def sequence_vectors(
        self, requests: Sequence[EncodeRequest], window: WindowSettings, task: str | None
    ) -> Iterator[tuple[int, torch.Tensor]]:
        """Each request's merged token vectors (lead, prefix, content, trail), in request order."""
        layouts = self.layouts(requests)
        pieces: list[TokenBlock] = []
        index = 0
        windows = self._windows(requests, layouts, window)
        for block in self._merged(windows, sum(layout.size for layout in layouts), task):
            pieces.append(block)
            while index < len(layouts) and layouts[index].end <= block.end:
                layout = layouts[index]
                yield index, _gather(pieces, layout.base, layout.end)
                pieces = [p for p in pieces if p.end > layout.end]
                index += 1

    # ------------------------------------------------------------------ phase 2 alone
    @torch.inference_mode()
    def pool_sequence(self, request: EncodeRequest, vectors: torch.Tensor, index: int = 0) -> torch.Tensor:
        """Pooled span vectors of one request from its token vectors (as ``sequence_vectors`` gives them)."""
        check_spans(index, request)
        (layout,) = self.layouts([request])
        pooler = SpanPooler(span_segments(request, layout, 0), len(request.token_spans), self.dim, vectors.device)
        pooler.add(0, vectors)
        return pooler.means()

    # ------------------------------------------------------------------ internals
    def layouts(self, requests: Sequence[EncodeRequest]) -> list[SequenceLayout]:
        layouts, base = [], 0
        lead, trail = len(self.special.lead), len(self.special.trail)
        for request in requests:
            layout = SequenceLayout(base, lead, len(request.prefix_ids), len(request.ids), trail)
            layouts.append(layout)
            base = layout.end
        return layouts

    def _windows(
        self, requests: Sequence[EncodeRequest], layouts: list[SequenceLayout], window: WindowSettings
    ) -> Iterator[WindowInput]:
        for request, layout in zip(requests, layouts, strict=True):
            yield from window_inputs(request, layout, self.special, window)

    def _merged(
        self, windows: Iterable[WindowInput], total: int, task: str | None, show: bool = True
    ) -> Iterator[TokenBlock]:
        shown = show and self.shows_progress(total)
        progress = tqdm(total=total, unit="tok", unit_scale=True, desc="encoding", disable=not shown)
        with progress:
            run = lambda ids: self._run(task, ids)  # noqa: E731
            for block in merged_blocks(windows, run, self.dim, self.device, self.group_tokens, self.merge_stats):
                progress.update(len(block.vectors))
                yield block

    def _run(self, task: str | None, sequences: list[np.ndarray]) -> Iterator:
        call = checked_call()  # the caller's call context: a cancelled call stops here, between window groups
        self.tokens_run += sum(len(s) for s in sequences)
        return self.runner.run(
            task,
            sequences,
            max_batch_tokens=self.max_batch_tokens,
            batch_size=self.batch_size,
            packed=self.packed,
            call=call,
        )

    def shows_progress(self, total_tokens: int) -> bool:
        """Whether a call of ``total_tokens`` tokens shows a progress bar (``show_progress_bar``, else by size)."""
        if self.show_progress_bar is not None:
            return self.show_progress_bar
        return total_tokens > PROGRESS_BAR_TOKENS


def window_inputs(
    request: EncodeRequest, layout: SequenceLayout, special: SpecialTokens, settings: WindowSettings
) -> Iterator[WindowInput]:
    """The windows of one request, in order, with the stream positions their vectors merge into.

    The lead specials and the prefix count from the first window only, the trail specials from the
    last; other windows' specials and repeated prefixes are run for context but never pooled.
    """
    room = settings.max_length - special.count
    first_capacity = room - layout.n_prefix
    capacity = first_capacity if settings.repeat_prefix else room
    windows = plan_windows(layout.n_content, first_capacity, capacity, settings.overlap, settings.merge)
    lead = np.asarray(special.lead, dtype=np.int64)
    trail = np.asarray(special.trail, dtype=np.int64)
    for k, w in enumerate(windows):
        first, last = k == 0, k == len(windows) - 1
        prefix = request.prefix_ids if first or settings.repeat_prefix else request.prefix_ids[:0]
        dest = [
            _positions(layout.base, len(lead), first),
            _positions(layout.base + layout.n_lead, len(prefix), first),
            np.arange(layout.content_base + w.start, layout.content_base + w.end),
            _positions(layout.content_base + layout.n_content, len(trail), last),
        ]
        weight = [(dest[0] >= 0).astype(np.float32), (dest[1] >= 0).astype(np.float32), w.weights()]
        weight.append((dest[3] >= 0).astype(np.float32))
        yield WindowInput(
            np.concatenate([lead, prefix, request.ids[w.start : w.end], trail]),
            np.concatenate(dest),
            np.concatenate(weight),
        )


def span_segments(request: EncodeRequest, layout: SequenceLayout, first_span: int) -> np.ndarray:
    """Rows ``(span, lo, hi)`` of stream positions that each span pools (special tokens included)."""
    spans = request.token_spans
    ids = first_span + np.arange(len(spans))
    rows = [np.stack([ids, layout.content_base + spans[:, 0], layout.content_base + spans[:, 1]], axis=1)]
    if request.pool_special:
        head = (layout.base, layout.content_base)
        tail = (layout.content_base + layout.n_content, layout.end)
        for first, last in request.groups():
            rows.append(np.array([[first_span + first, *head], [first_span + last, *tail]], dtype=np.int64))
    return np.concatenate(rows).astype(np.int64).reshape(-1, 3)


def check_spans(index: int, request: EncodeRequest) -> None:
    """Every span covers a token (a lone span may be empty when special tokens join it) and lies in range."""
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


def _positions(start: int, count: int, used: bool) -> np.ndarray:
    return np.arange(start, start + count) if used else np.full(count, -1, dtype=np.int64)


def _gather(blocks: list[TokenBlock], start: int, end: int) -> torch.Tensor:
    parts = [b.vectors[max(start, b.start) - b.start : min(end, b.end) - b.start] for b in blocks]
    parts = [p for p in parts if len(p)]
    if not parts:
        return blocks[0].vectors[:0] if blocks else torch.zeros(0)
    return parts[0] if len(parts) == 1 else torch.cat(parts)
