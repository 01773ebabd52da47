"""Pooling token vectors into span vectors on the device, and post-processing them.

One implementation serves every caller: spans are sets of token ranges, token vectors arrive in
consecutive blocks (a whole sequence is one block), and each block adds its part of every span's
sum in one gather and one ``embedding_bag`` (deterministic on every device, unlike a scatter-add
with repeated indices). A span that straddles blocks keeps only its running sum.
"""

from __future__ import annotations

import numpy as np
import torch

from latechunk.pipeline.devices import to_device


def segment_sums(vectors: torch.Tensor, starts: np.ndarray, ends: np.ndarray) -> torch.Tensor:
    """Sum of ``vectors[start:end]`` for each range, in float32 (an empty range gives zeros)."""
    starts = np.asarray(starts, dtype=np.int64)
    return _bag_sums(vectors, starts, np.asarray(ends, dtype=np.int64), np.arange(len(starts)))


def _bag_sums(vectors: torch.Tensor, lo: np.ndarray, hi: np.ndarray, bag_rows: np.ndarray) -> torch.Tensor:
    """Sums over bags of token ranges ``[lo[i], hi[i])``; bag ``b`` is rows ``bag_rows[b]`` up to the next bag's."""
    if len(bag_rows) == 0:
        return torch.zeros(0, vectors.shape[1], dtype=torch.float32, device=vectors.device)
    lengths = hi - lo
    row_starts = np.cumsum(lengths) - lengths
    tokens = np.repeat(lo - row_starts, lengths) + np.arange(int(lengths.sum()))
    return torch.nn.functional.embedding_bag(
        to_device(tokens, vectors.device), vectors.float(), to_device(row_starts[bag_rows], vectors.device), mode="sum"
    )


class SpanPooler:
    """Mean of each span's token vectors, from token vectors that stream past in order.

    Span ``s`` is the union of its segments: rows ``(s, lo, hi)`` of token positions ``[lo, hi)``
    (a chunk's tokens, plus special tokens that join it). Blocks must arrive in position order
    without gaps; only the running sums of the spans are kept.
    """

    def __init__(self, segments: np.ndarray, n_spans: int, dim: int, device: torch.device) -> None:
        segments = np.asarray(segments, dtype=np.int64).reshape(-1, 3)
        segments = segments[segments[:, 2] > segments[:, 1]]
        self.segments = segments[np.argsort(segments[:, 1], kind="stable")]
        self.counts = np.bincount(segments[:, 0], weights=segments[:, 2] - segments[:, 1], minlength=n_spans)
        self.sums = torch.zeros(n_spans, dim, dtype=torch.float32, device=device)
        self._open = self.segments[:0]
        self._next = 0
        self._position: int | None = None

    def add(self, start: int, vectors: torch.Tensor) -> None:
        """Add the block of token vectors at positions ``[start, start + len(vectors))``."""
        end = start + len(vectors)
        if self._position is not None and start != self._position:
            raise RuntimeError(f"internal error: token block at {start}, expected {self._position}")
        self._position = end
        upto = int(np.searchsorted(self.segments[:, 1], end, side="left"))
        active = np.concatenate([self._open, self.segments[self._next : upto]])
        self._next = upto
        self._open = active[active[:, 2] > end]
        lo, hi = np.maximum(active[:, 1], start), np.minimum(active[:, 2], end)
        inside = hi > lo
        if not inside.any():
            return
        spans, lo, hi = active[inside, 0], lo[inside] - start, hi[inside] - start
        order = np.argsort(spans, kind="stable")  # one bag per span, so no index is added twice
        spans, lo, hi = spans[order], lo[order], hi[order]
        ids, first = np.unique(spans, return_index=True)
        sums = _bag_sums(vectors, lo, hi, first)
        self.sums.index_add_(0, to_device(ids, vectors.device), sums)

    def means(self) -> torch.Tensor:
        """The span means (a span with no token gives a zero vector), computed in place of the sums."""
        if self._next < len(self.segments) or len(self._open):
            raise RuntimeError("internal error: the token stream ended before every span was complete")
        counts = to_device(np.maximum(self.counts, 1), self.sums.device, torch.float32)
        return self.sums.div_(counts.unsqueeze(1))


@torch.inference_mode()
def finish(vectors: torch.Tensor, dimensions: int | None, normalize: bool, in_place: bool = False) -> np.ndarray:
    """Matryoshka-truncate to ``dimensions``, L2-normalise, and return float32 numpy.

    ``in_place``: normalise the caller's float32 matrix itself (no copy of a matrix that may hold
    millions of chunk vectors).
    """
    vectors = vectors.float() if in_place else vectors.float().clone()
    if dimensions is not None:
        vectors = vectors[:, :dimensions]
    if normalize:  # what torch.nn.functional.normalize computes, without a second matrix
        vectors.div_(vectors.norm(p=2, dim=1, keepdim=True).clamp_min(1e-12))
    return vectors.cpu().numpy()
