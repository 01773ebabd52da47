"""Merging the token vectors of overlapping windows as the windows stream past.

Windows are run group by group (a group holds a bounded number of tokens); after a group, the
positions that no later window touches are final and leave as one block, and only the overlap the
next window still adds to is carried over. Memory thus follows the group, not the document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from latechunk.pipeline.devices import to_device
from latechunk.pipeline.encode_plan import Windows, ragged
from latechunk.pipeline.runner import BatchResult


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
    windows: Windows,
    run: RunGroup,
    dim: int,
    device: torch.device,
    group_tokens: int,
    stats: MergeStats | None = None,
) -> Iterator[TokenBlock]:
    """Merged token vectors, in stream order, from windows given in stream order.

    A position seen by several windows gets the weighted mean of their vectors. Windows must come
    in order: each one's lowest position is at or after the previous one's. A group ends at the
    first window that brings it to ``group_tokens`` tokens.
    """
    if len(windows) == 0:
        return
    merger = _Merger(windows, dim, device, stats or MergeStats())
    ends = np.cumsum(windows.lengths)
    first = 0
    while first < len(windows):
        reached = int(np.searchsorted(ends, (ends[first - 1] if first else 0) + group_tokens, side="left"))
        last = min(len(windows), reached + 1)
        frontier = int(merger.first_position[last]) if last < len(windows) else None
        yield merger.run_group(first, last, run, frontier)
        first = last


class _Merger:
    """The running sums of positions not yet final, carried from one group to the next."""

    def __init__(self, windows: Windows, dim: int, device: torch.device, stats: MergeStats) -> None:
        self.windows = windows
        self.first_position, self.last_position = windows.position_range()
        self.used = windows.weight > 0
        self.stats = stats
        self.dim = dim
        self.device = device
        self.start: int | None = None
        self.carry = torch.zeros(0, dim, dtype=torch.float32, device=device)
        self.carry_weight = np.zeros(0, dtype=np.float64)

    def run_group(self, first: int, last: int, run: RunGroup, frontier: int | None) -> TokenBlock:
        """Run windows ``[first, last)`` and return the positions that are final (all before ``frontier``)."""
        windows = self.windows
        start = int(self.first_position[first]) if self.start is None else self.start
        end = max(start + len(self.carry), int(self.last_position[first:last].max()) + 1)
        buffer = torch.zeros(end - start, self.dim, dtype=torch.float32, device=self.device)
        self.stats.peak_buffer_tokens = max(self.stats.peak_buffer_tokens, end - start)
        buffer[: len(self.carry)] = self.carry
        weight = np.zeros(end - start, dtype=np.float64)
        weight[: len(self.carry_weight)] = self.carry_weight
        rows = slice(int(windows.bounds[first]), int(windows.bounds[last]))
        used = self.used[rows]
        dest = windows.dest[rows][used] - start
        weight += np.bincount(dest, weights=windows.weight[rows][used], minlength=len(weight))
        for result in run(windows.sequences(first, last)):
            self._scatter(buffer, start, first + np.asarray(result.indices, np.int64), result.hidden)
        final = (end if frontier is None else frontier) - start
        if final < 0 or np.any(weight[:final] <= 0):
            raise RuntimeError("internal error: a token received no vector from any window")
        merged = buffer[:final] / to_device(weight[:final], self.device, torch.float32).unsqueeze(1)
        self.carry, self.carry_weight = buffer[final:].clone(), weight[final:].copy()
        self.start = start + final
        return TokenBlock(start, merged)

    def _scatter(self, buffer: torch.Tensor, start: int, chosen: np.ndarray, hidden: torch.Tensor) -> None:
        """Add one batch's weighted token vectors (row ``i`` is window ``chosen[i]``) to their positions:
        one gather and one scatter."""
        windows = self.windows
        width = hidden.shape[1]
        lengths = windows.lengths[chosen]
        flat, within = ragged(windows.bounds[chosen], lengths)
        batch_row = np.repeat(np.arange(len(chosen)), lengths)
        used = self.used[flat]
        rows = (batch_row * width + within)[used]
        dest = windows.dest[flat][used] - start
        weight = windows.weight[flat][used]
        device = buffer.device
        vectors = hidden.reshape(-1, hidden.shape[-1]).index_select(0, to_device(rows, device)).float()
        vectors *= to_device(weight, device, torch.float32).unsqueeze(1)
        buffer.index_add_(0, to_device(dest, device), vectors)
