"""The engine's two phases: token vectors (windows run once, merged as they stream past), then pooling.

``Encoder.run_plan`` streams both phases together, so memory follows the window group, not the
document. ``Encoder.plan_vectors`` stops after the first phase and hands each sequence's token
vectors to the caller (a chunker that places boundaries by them), and ``Encoder.pool_sequence``
pools spans from such vectors; both phases use the same window plan and the same pooling code.
The plans themselves are host work (``encode_plan``), made wherever the caller likes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from latechunk.pipeline.calls import checked_call
from latechunk.pipeline.encode_plan import (  # noqa: F401 - EncodeRequest's first home was here
    EncodePlan,
    EncodeRequest,
    Windows,
    check_spans,
    plan_encoding,
    span_segments,
)
from latechunk.pipeline.merging import MergeStats, TokenBlock, merged_blocks
from latechunk.pipeline.pooling import SpanPooler
from latechunk.pipeline.runner import ModelRunner
from latechunk.pipeline.tokenization import SpecialTokens
from latechunk.pipeline.windows import WindowSettings

PROGRESS_BAR_TOKENS = 1 << 20
"""With ``show_progress_bar=None``, a bar is shown for calls of more tokens than this (about a million)."""
DEFAULT_GROUP_TOKENS = 32768
"""Window tokens run between two merges: bounds the merge buffer and the hidden states waiting to be
merged (``group × dim`` floats each); windows are sorted by length within a group."""

__all__ = ["EncodePlan", "EncodeRequest", "Encoder", "WindowSettings"]


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

    def plan(self, requests: Sequence[EncodeRequest], window: WindowSettings, *, first_index: int = 0) -> EncodePlan:
        """The host-side work of ``encode_matrix`` (``plan_encoding``): no model, no device."""
        return plan_encoding(list(requests), self.special, window, first_index=first_index)

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
    def sequence_vectors(
        self, requests: Sequence[EncodeRequest], window: WindowSettings, task: str | None
    ) -> Iterator[tuple[int, torch.Tensor]]:
        """Each request's merged token vectors (lead, prefix, content, trail), in request order."""
        plan = plan_encoding(list(requests), self.special, window, spanless=True)
        return self.plan_vectors(plan, task)

    @torch.inference_mode()
    def plan_vectors(
        self, plan: EncodePlan, task: str | None, own_progress_bar: bool = True
    ) -> Iterator[tuple[int, torch.Tensor]]:
        """Each sequence's merged token vectors, in order, from a plan made with ``spanless=True``."""
        bounds = plan.sequence_bounds.tolist()
        pieces: list[TokenBlock] = []
        index = 0
        for block in self._merged(plan.windows, plan.tokens, task, own_progress_bar):
            pieces.append(block)
            while index < len(bounds) - 1 and bounds[index + 1] <= block.end:
                start, end = bounds[index], bounds[index + 1]
                yield index, _gather(pieces, start, end)
                pieces = [p for p in pieces if p.end > end]
                index += 1

    # ------------------------------------------------------------------ phase 2 alone
    @torch.inference_mode()
    def pool_sequence(self, request: EncodeRequest, vectors: torch.Tensor, index: int = 0) -> torch.Tensor:
        """Pooled span vectors of one request from its token vectors (as ``sequence_vectors`` gives them)."""
        check_spans(index, request)
        n_head = len(self.special.lead) + len(request.prefix_ids)
        size = n_head + len(request.ids) + len(self.special.trail)
        segments, n_spans = span_segments([request], np.array([0, size]), np.array([n_head]))
        pooler = SpanPooler(segments, n_spans, self.dim, vectors.device)
        pooler.add(0, vectors)
        return pooler.means()

    # ------------------------------------------------------------------ internals
    def _merged(self, windows: Windows, total: int, task: str | None, show: bool = True) -> Iterator[TokenBlock]:
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


def _gather(blocks: list[TokenBlock], start: int, end: int) -> torch.Tensor:
    parts = [b.vectors[max(start, b.start) - b.start : min(end, b.end) - b.start] for b in blocks]
    parts = [p for p in parts if len(p)]
    if not parts:
        return blocks[0].vectors[:0] if blocks else torch.zeros(0)
    return parts[0] if len(parts) == 1 else torch.cat(parts)
