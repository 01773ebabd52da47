"""Padding-free batches: a batch's sequences run as one packed row, for attention that keeps them apart.

With flash-attention's variable-length kernels (transformers' ``flash_attention_2`` and
``flash_attention_3``), the sequences of a batch can be concatenated into one row, with position
ids restarting at each sequence and the cumulative lengths (``cu_seq_lens``) telling the kernel
where each one ends: no padding token is computed. Other attention implementations would let the
sequences see each other, so packing is refused for them. The packed output is laid back out as the
padded ``(rows, longest, dim)`` batch the merge reads (the padding rows stay zero, never read).

Untested on a GPU so far (flash-attention needs CUDA): the helpers are tested on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from latechunk.errors import SettingsError

PACKABLE_ATTENTION = ("flash_attention_2", "flash_attention_3")
PACKABLE_MODEL_TYPES = ("bert",)
"""Architectures whose position ids count from 0 and whose attention takes ``cu_seq_lens``. RoBERTa and
XLM-RoBERTa count from ``padding_idx + 1``, and other encoders may drop the lengths: each needs a check
on a GPU before it joins this list."""


@dataclass(frozen=True)
class PackedBatch:
    """One row of every sequence's ids and positions, the cumulative lengths, and the longest length."""

    ids: np.ndarray  # (1, total) int64
    positions: np.ndarray  # (1, total) int64, restarting at 0 for each sequence
    cu_seq_lens: np.ndarray  # (rows + 1,) int32
    longest: int
    padded_index: np.ndarray  # (total,) row * longest + position: where each token sits in the padded batch


def pack(sequences: list[np.ndarray]) -> PackedBatch:
    lengths = np.asarray([len(s) for s in sequences], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    positions = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    longest = int(lengths.max())
    rows = np.repeat(np.arange(len(sequences)), lengths)
    return PackedBatch(
        np.concatenate(sequences).astype(np.int64)[None],
        positions[None],
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32),
        longest,
        rows * longest + positions,
    )


def unpack(hidden: torch.Tensor, batch: PackedBatch, index: torch.Tensor) -> torch.Tensor:
    """The packed ``(1, total, dim)`` output as a padded ``(rows, longest, dim)`` batch (``index``:
    ``batch.padded_index`` on the device)."""
    flat = hidden.reshape(-1, hidden.shape[-1])
    rows = len(batch.cu_seq_lens) - 1
    padded = flat.new_zeros(rows * batch.longest, flat.shape[-1])
    return padded.index_copy_(0, index, flat).view(rows, batch.longest, flat.shape[-1])


def check_packable(model: Any) -> None:
    """Raise ``SettingsError`` unless the model's attention keeps packed sequences apart and its positions
    restart as ``pack`` numbers them."""
    config = getattr(model, "config", None)
    model_type = getattr(config, "model_type", None)
    if model_type not in PACKABLE_MODEL_TYPES:
        raise SettingsError(
            f"pack_sequences supports {', '.join(PACKABLE_MODEL_TYPES)} models so far; this one is {model_type!r}"
        )
    implementation = getattr(config, "_attn_implementation", None)
    if implementation not in PACKABLE_ATTENTION:
        raise SettingsError(
            f"pack_sequences needs attn_implementation {' or '.join(PACKABLE_ATTENTION)} (flash-attention's "
            f"variable-length kernels); the model runs {implementation!r}, whose attention would mix the "
            "packed sequences"
        )
