"""Merging the token vectors of overlapping windows as the windows stream past.

Windows are run group by group (a group holds a bounded number of tokens); after a group, the
positions that no later window touches are final and leave as one block, and only the overlap the
next window still adds to is carried over. Memory thus follows the group, not the document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from latechunk.pipeline.devices import to_device
from latechunk.pipeline.runner import BatchResult


@dataclass(frozen=True)
class WindowInput:
    """One window to run: its token ids, and for each token the stream position its vector adds to
    (``-1``: not used) with the weight it adds with."""

    ids: np.ndarray
    dest: np.ndarray
    weight: np.ndarray
    used: np.ndarray = field(init=False, repr=False)
    """The tokens whose weight is not 0 (derived once, read by every step of the merge)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "used", np.flatnonzero(self.weight > 0))

    @property
    def first_position(self) -> int:
        """The lowest stream position this window adds to."""
        return int(self.dest[self.used].min())

    @property
    def last_position(self) -> int:
        return int(self.dest[self.used].max())


@dataclass(frozen=True)
class TokenBlock:
    """Final merged vectors of the stream positions ``[start, start + len(vectors))``."""

    start: int
    vectors: torch.Tensor

    @property
    def end(self) -> int:
        return self.start + len(self.vectors)


@dataclass
class MergeStats:
    """What the merge held at its largest: token vectors alive in the merge buffer at once."""

    peak_buffer_tokens: int = 0


RunGroup = Callable[[list[np.ndarray]], Iterable[BatchResult]]
"""Runs a group's token sequences through the model, yielding their hidden states batch by batch."""


def merged_blocks(
    windows: Iterable[WindowInput],
    run: RunGroup,
    dim: int,
    device: torch.device,
    group_tokens: int,
    stats: MergeStats | None = None,
) -> Iterator[TokenBlock]:
    """Merged token vectors, in stream order, from windows given in stream order.

    A position seen by several windows gets the weighted mean of their vectors. Windows must come
    in order: each one's lowest position is at or after the previous one's.
    """
    merger = _Merger(dim, device, stats or MergeStats())
    group: list[WindowInput] = []
    size = 0
    for window in windows:
        if group and size >= group_tokens:
            yield merger.run_group(group, run, frontier=window.first_position)
            group, size = [], 0
        group.append(window)
        size += len(window.ids)
    if group:
        yield merger.run_group(group, run, frontier=None)


class _Merger:
    """The running sums of positions not yet final, carried from one group to the next."""

    def __init__(self, dim: int, device: torch.device, stats: MergeStats) -> None:
        self.stats = stats
        self.dim = dim
        self.device = device
        self.start: int | None = None
        self.carry = torch.zeros(0, dim, dtype=torch.float32, device=device)
        self.carry_weight = np.zeros(0, dtype=np.float64)

    def run_group(self, group: list[WindowInput], run: RunGroup, frontier: int | None) -> TokenBlock:
        start = group[0].first_position if self.start is None else self.start
        end = max(start + len(self.carry), max(w.last_position for w in group) + 1)
        buffer = torch.zeros(end - start, self.dim, dtype=torch.float32, device=self.device)
        self.stats.peak_buffer_tokens = max(self.stats.peak_buffer_tokens, end - start)
        buffer[: len(self.carry)] = self.carry
        weight = np.zeros(end - start, dtype=np.float64)
        weight[: len(self.carry_weight)] = self.carry_weight
        dest = np.concatenate([w.dest[w.used] for w in group]) - start
        weight += np.bincount(dest, weights=np.concatenate([w.weight[w.used] for w in group]), minlength=len(weight))
        for result in run([w.ids for w in group]):
            self._scatter(buffer, start, [group[i] for i in result.indices], result.hidden)
        final = (end if frontier is None else frontier) - start
        if final < 0 or np.any(weight[:final] <= 0):
            raise RuntimeError("internal error: a token received no vector from any window")
        merged = buffer[:final] / to_device(weight[:final], self.device, torch.float32).unsqueeze(1)
        self.carry, self.carry_weight = buffer[final:].clone(), weight[final:].copy()
        self.start = start + final
        return TokenBlock(start, merged)

    @staticmethod
    def _scatter(buffer: torch.Tensor, start: int, windows: list[WindowInput], hidden: torch.Tensor) -> None:
        """Add one batch's weighted token vectors to their positions: one gather and one scatter."""
        width = hidden.shape[1]
        rows = np.concatenate([row * width + w.used for row, w in enumerate(windows)])
        dest = np.concatenate([w.dest[w.used] for w in windows]) - start
        weight = np.concatenate([w.weight[w.used] for w in windows])
        device = buffer.device
        vectors = hidden.reshape(-1, hidden.shape[-1]).index_select(0, to_device(rows, device)).float()
        vectors *= to_device(weight, device, torch.float32).unsqueeze(1)
        buffer.index_add_(0, to_device(dest, device), vectors)
