"""Pooling token vectors into span vectors on the device, and post-processing them."""

from __future__ import annotations

import numpy as np
import torch


def membership_pairs(
    starts: np.ndarray, ends: np.ndarray, extra_spans: np.ndarray, extra_tokens: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(span id, token index) pairs: each span's token range ``[start, end)`` plus extra pairs."""
    lengths = ends - starts
    span_ids = np.repeat(np.arange(len(starts)), lengths)
    run_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
    token_ids = np.repeat(starts, lengths) + np.arange(len(span_ids)) - run_start
    return (
        np.concatenate([span_ids, extra_spans]).astype(np.int64),
        np.concatenate([token_ids, extra_tokens]).astype(np.int64),
    )


def mean_pool(vectors: torch.Tensor, span_ids: np.ndarray, token_ids: np.ndarray, n_spans: int) -> torch.Tensor:
    """Mean of ``vectors[token]`` over the tokens of each span, in one gather and one scatter."""
    device = vectors.device
    spans = torch.from_numpy(span_ids).to(device)
    tokens = torch.from_numpy(token_ids).to(device)
    sums = torch.zeros(n_spans, vectors.shape[1], dtype=torch.float32, device=device)
    sums.index_add_(0, spans, vectors.index_select(0, tokens).float())
    counts = torch.bincount(spans, minlength=n_spans).clamp_min(1).unsqueeze(1)
    return sums / counts


def finish(vectors: torch.Tensor, dimensions: int | None, normalize: bool) -> np.ndarray:
    """Matryoshka-truncate to ``dimensions``, L2-normalise, and return float32 numpy."""
    if dimensions is not None:
        vectors = vectors[:, :dimensions]
    if normalize:
        vectors = torch.nn.functional.normalize(vectors.float(), p=2, dim=1)
    return vectors.float().cpu().numpy()
