"""Choosing the device and the floating-point type."""

from __future__ import annotations

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
