"""Choosing the device and the floating-point type."""

from __future__ import annotations

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
