"""Choosing the device and the floating-point type."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from latechunk.errors import SettingsError

_DTYPES = {
    "fp32": torch.float32,
    "float32": torch.float32,
    "fp16": torch.float16,
    "float16": torch.float16,
    "half": torch.float16,
    "bf16": torch.bfloat16,
    "bfloat16": torch.bfloat16,
}


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` or ``"auto"`` picks cuda, then mps, then cpu."""
    if device is not None and str(device) != "auto":
        try:
            return torch.device(device)
        except (RuntimeError, ValueError) as error:
            raise SettingsError(f"device {device!r} is not a torch device (cpu, cuda, cuda:1, mps): {error}") from None
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """``None`` or ``"auto"``: bfloat16 (else float16) on CUDA, float32 elsewhere."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype is None or dtype == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    try:
        return _DTYPES[str(dtype).lower()]
    except KeyError:
        raise SettingsError(f"dtype must be one of {', '.join(sorted(_DTYPES))} or 'auto', got {dtype!r}") from None


def to_device(array: np.ndarray, device: torch.device, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A host array as a tensor on ``device`` (cast to ``dtype`` on the host first), sharing its memory on the CPU
    when no cast is needed.

    On CUDA the copy goes through pinned memory and does not block: the host goes on preparing
    the next batch instead of waiting for the kernels already queued (a copy from pageable memory
    waits for them). Casting before the copy keeps float64 off devices that have none (MPS).
    """
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if dtype is not None:
        tensor = tensor.to(dtype)
    if device.type == "cpu":
        return tensor
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


CPU_BATCH_SIZE = 32
CPU_MAX_BATCH_TOKENS = 16384
"""Batch limits off CUDA (README "Speed": on the CPU compute follows the tokens run, so larger batches gain little)."""
CUDA_MEMORY_SHARE = 0.25
"""Share of the device's free memory one forward pass's activations may take, when sized automatically."""
CUDA_MAX_BATCH_TOKENS = 131072
"""Most padded tokens per forward pass when sized automatically (MiniLM on an H200 ran 1.8M tokens/s at
8k tokens per batch and 4.2-6M at 65k; beyond that the host, not the batch, limits)."""
CUDA_MIN_BATCH_TOKENS = 8192
CUDA_TOKENS_PER_SEQUENCE = 64
"""With automatic sizing, a batch holds up to ``max_batch_tokens / 64`` sequences (short chunks, naive)."""


def batch_limits(
    batch_size: int | None, max_batch_tokens: int | None, model: Any, device: torch.device, window: int
) -> tuple[int, int]:
    """``(batch_size, max_batch_tokens)``: the settings where given; otherwise on the CPU (and MPS) 32 and
    16384, and on CUDA sized from the model and the device's free memory (``activation_bytes_per_token``)."""
    if device.type != "cuda":
        return batch_size or CPU_BATCH_SIZE, max_batch_tokens or CPU_MAX_BATCH_TOKENS
    if max_batch_tokens is None:
        free, _ = torch.cuda.mem_get_info(device)
        fits = int(free * CUDA_MEMORY_SHARE) // activation_bytes_per_token(model, window)
        tokens = min(CUDA_MAX_BATCH_TOKENS, max(CUDA_MIN_BATCH_TOKENS, window, fits))
        max_batch_tokens = 1 << (tokens.bit_length() - 1)  # a power of two at most that
        max_batch_tokens = max(max_batch_tokens, window)
    if batch_size is None:
        batch_size = max(CPU_BATCH_SIZE, max_batch_tokens // CUDA_TOKENS_PER_SEQUENCE)
    return batch_size, max_batch_tokens


def activation_bytes_per_token(model: Any, window: int) -> int:
    """A generous bound on the memory one token of a batch takes while a layer runs: its hidden states
    (input, residual, query, key, value, attention output), the feed-forward's inner states, and its share
    of attention scores in case the attention materialises them (``heads × window`` per token)."""
    config = getattr(model, "config", None)
    hidden = int(getattr(config, "hidden_size", 1024))
    inner = int(getattr(config, "intermediate_size", 4 * hidden))
    heads = int(getattr(config, "num_attention_heads", 16))
    element = next(iter(model.parameters())).element_size() if hasattr(model, "parameters") else 4
    return element * (12 * hidden + 2 * inner + heads * window)
