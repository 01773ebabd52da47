"""Turning the Haystack-style settings of the components into a ``LateChunker``."""

from __future__ import annotations

from typing import Any

from haystack.utils import ComponentDevice, Secret

from latechunk import LateChunker

DEFAULT_TOKEN = Secret.from_env_var(["HF_API_TOKEN", "HF_TOKEN"], strict=False)
"""The Hugging Face token the components read by default (none set: no token)."""


def torch_device(device: ComponentDevice | None) -> str | None:
    """The PyTorch device string of ``device`` (a device map gives its first usable device); ``None`` stays."""
    if device is None:
        return None
    first = device.first_device
    return None if first is None else first.to_torch_str()


def build_late_chunker(*, device: ComponentDevice | None, token: Secret | None, **settings: Any) -> LateChunker:
    """A ``LateChunker`` for these settings; the model itself is loaded once per process and shared."""
    return LateChunker(
        device=torch_device(device),
        token=None if token is None else token.resolve_value(),
        **settings,
    )
