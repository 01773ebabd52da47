"""Task adapters of jina-embeddings-v3 (placeholder until the adapter loaders land)."""

from __future__ import annotations

from typing import Any


def load_with_task_adapters(path: str, config: Any, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """Load the base model; return it with a task switcher, or ``None`` when it has no adapters."""
    from transformers import AutoModel

    return AutoModel.from_pretrained(path, **kwargs), None
