"""Haystack and LlamaIndex integrations, imported on first use.

``import latechunk`` needs neither framework; each name below loads its framework only when it is
first accessed, with an ImportError naming the pip extra when the framework is missing.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "LateChunkingDocumentEmbedder": "latechunk.components.haystack",
    "LateChunkingTextEmbedder": "latechunk.components.haystack",
    "LateChunkingNodeParser": "latechunk.components.llamaindex",
    "LateChunkingEmbedding": "latechunk.components.llamaindex",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
