"""The -hf layout (``jinaai/jina-embeddings-v3-hf``): native base weights plus one PEFT adapter folder per task."""

from __future__ import annotations

import warnings
from typing import Any

from torch import nn

from latechunk.errors import CheckpointError, UnknownTaskError
from latechunk.pipeline.adapters.names import adapter_folder, download_options, model_options
from latechunk.pipeline.families import TASKS, normalize_task

PEFT_HINT = 'the task adapters of jina-embeddings-v3-hf are PEFT adapters; install PEFT: pip install "latechunk[peft]"'


def require_peft() -> None:
    """Import PEFT or raise an ImportError that names the pip extra."""
    try:
        import peft  # noqa: F401
    except ImportError as error:
        raise ImportError(PEFT_HINT) from error


class PeftTaskSwitcher:
    """Selects a task by activating its PEFT adapter on the one loaded base model (``None``: adapters off)."""

    def __init__(self, model: nn.Module, adapters: dict[str, str]) -> None:
        self.model = model
        self.adapters = dict(adapters)  # task -> adapter name
        self.active: str | None = None
        self._known = False  # which adapter PEFT left active after loading is not ours to assume

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.adapters)

    def check(self, task: str | None) -> str | None:
        """The task's normalised name, or ``UnknownTaskError`` when no adapter serves it."""
        name = normalize_task(task)
        if name is not None and name not in self.adapters:
            raise UnknownTaskError(f"no PEFT adapter for task {name!r}; adapters: {', '.join(self.adapters) or 'none'}")
        return name

    def set_task(self, task: str | None) -> None:
        """Activate ``task``'s adapter (``None``: disable every adapter, giving the base model)."""
        name = self.check(task)
        if self._known and name == self.active:
            return
        self._known = False
        for layer in self._tuner_layers():
            layer.enable_adapters(name is not None)
            if name is not None:
                layer.set_adapter(self.adapters[name])
        self.active, self._known = name, True

    def _tuner_layers(self) -> list[nn.Module]:
        # PEFT's own layer API: transformers' model-level wrappers demand a newer PEFT than loading does
        from peft.tuners.tuners_utils import BaseTunerLayer

        layers = [m for m in self.model.modules() if isinstance(m, BaseTunerLayer)]
        if not layers:
            raise CheckpointError("the model holds no PEFT adapter layers; were the adapters removed?")
        return layers

    def __repr__(self) -> str:
        return f"PeftTaskSwitcher(tasks={self.tasks}, active={self.active!r})"


def find_adapters(path: str, download: dict[str, Any]) -> dict[str, str]:
    """``{task: adapter folder}`` for every task whose adapter folder the checkpoint has."""
    from transformers.utils import find_adapter_config_file

    found = {}
    for task in TASKS:
        folder = adapter_folder(task)
        if find_adapter_config_file(path, subfolder=folder, **download) is not None:
            found[task] = folder
    return found


def load_peft_layout(path: str, kwargs: dict[str, Any]) -> tuple[nn.Module, PeftTaskSwitcher | None]:
    """The native model, with every task adapter found loaded by PEFT; no switcher if none is found."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(path, **model_options(kwargs))
    download = download_options(kwargs)
    adapters = find_adapters(path, download)
    if not adapters:
        return model, None
    require_peft()
    with warnings.catch_warnings():  # PEFT warns on every adapter after the first; several are the point here
        warnings.filterwarnings("ignore", message="Already found a `peft_config` attribute")
        for folder in adapters.values():
            model.load_adapter(path, adapter_name=folder, adapter_kwargs={"subfolder": folder, **download})
    return model, PeftTaskSwitcher(model, adapters)
