"""Task names of jina-embeddings-v3: dotted for users, one adapter (folder) name per task."""

from __future__ import annotations

from typing import Any

from latechunk.pipeline.families import TASKS, normalize_task


def adapter_folder(task: str) -> str:
    """The -hf layout's PEFT adapter folder (and adapter name) of a task: ``retrieval.query`` -> ``retrieval_query``."""
    return str(normalize_task(task)).replace(".", "_").replace("-", "_")


def task_order(config: Any) -> tuple[str, ...]:
    """Tasks in the order of the stacked LoRA tensors: the config's ``lora_adaptations``, else the released order."""
    adaptations = getattr(config, "lora_adaptations", None)
    if not adaptations:
        return TASKS
    return tuple(str(normalize_task(name)) for name in adaptations)


def download_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The ``from_pretrained`` options that say where files come from (none that runs code)."""
    return {key: kwargs[key] for key in ("revision", "token", "local_files_only") if kwargs.get(key) is not None}


def model_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``from_pretrained`` options for the native model; ``trust_remote_code`` is dropped on purpose."""
    options = download_options(kwargs)
    for key in ("dtype", "attn_implementation"):
        if kwargs.get(key) is not None:
            options[key] = kwargs[key]
    return options
