"""Task adapters of jina-embeddings-v3 on transformers 5.x, without remote code.

Two checkpoint layouts are told apart by their files:

* the original one (``jinaai/jina-embeddings-v3``, stacked LoRA parametrizations in the weights) is
  loaded into transformers' native ``JinaEmbeddingsV3Model``; a task merges its deltas in place;
* the -hf one (``jinaai/jina-embeddings-v3-hf``, native weights and one PEFT adapter folder per task)
  is loaded with PEFT; a task activates its adapter.

Either way one base model serves every task, and ``set_task(None)`` gives the base model.
"""

from __future__ import annotations

from typing import Any, Protocol

from latechunk.errors import CheckpointError
from latechunk.pipeline.adapters.checkpoint import tensor_names, weight_files
from latechunk.pipeline.adapters.merged import LoraFactors, MergedLoraSwitcher
from latechunk.pipeline.adapters.names import adapter_folder, download_options, model_options
from latechunk.pipeline.adapters.original import is_original_layout, load_original
from latechunk.pipeline.adapters.peft_layout import PeftTaskSwitcher, load_peft_layout


class TaskSwitcher(Protocol):
    """What ``LateChunker`` calls before every encode."""

    tasks: tuple[str, ...]

    def check(self, task: str | None) -> str | None: ...

    def set_task(self, task: str | None) -> None: ...


def load_with_task_adapters(path: str, config: Any, kwargs: dict[str, Any]) -> tuple[Any, TaskSwitcher | None]:
    """Load a jina-embeddings-v3 checkpoint natively; return the model and its task switcher.

    The switcher is ``None`` when the checkpoint has no adapters (asking for a task then fails in
    ``LateChunker``). ``trust_remote_code`` in ``kwargs`` is ignored: no remote code runs.
    """
    files = weight_files(path, download_options(kwargs))
    if files is not None and is_original_layout(tensor_names(files)):
        return load_original(files, config, model_options(kwargs))
    if getattr(config, "model_type", "") != "jina_embeddings_v3" and getattr(config, "lora_adaptations", None):
        raise CheckpointError(
            f"{path!r} looks like the original jina-embeddings-v3 (its config lists lora_adaptations) but no "
            "safetensors weights with LoRA adapters were found; use the original checkpoint or the -hf one"
        )
    return load_peft_layout(path, kwargs)


__all__ = [
    "LoraFactors",
    "MergedLoraSwitcher",
    "PeftTaskSwitcher",
    "TaskSwitcher",
    "adapter_folder",
    "load_with_task_adapters",
]
