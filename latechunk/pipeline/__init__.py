"""Model loading, tokenization with offsets, windowed encoding and span pooling.

The parts that need torch (the encoder, model loading) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from latechunk.defaults import DEFAULT_MODEL, MERGE_RULES
from latechunk.pipeline.families import FAMILIES, TASKS, Family, detect_family, normalize_task
from latechunk.pipeline.tokenization import TokenizedText, tokenize
from latechunk.pipeline.windows import Window, WindowSettings, plan_windows

_LAZY = {
    "EncodeRequest": "latechunk.pipeline.encode_plan",
    "Encoder": "latechunk.pipeline.encoder",
    "Engine": "latechunk.pipeline.engine",
    "LoadSettings": "latechunk.pipeline.loading",
    "ModelRunner": "latechunk.pipeline.runner",
    "LoadedModel": "latechunk.pipeline.loading",
    "load_model": "latechunk.pipeline.loading",
}

__all__ = [
    "DEFAULT_MODEL",
    "FAMILIES",
    "MERGE_RULES",
    "TASKS",
    "Family",
    "TokenizedText",
    "Window",
    "WindowSettings",
    "detect_family",
    "normalize_task",
    "plan_windows",
    "tokenize",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
