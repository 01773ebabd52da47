"""Every setting of a ``LateChunker``, declared once and checked once.

``LateChunkerSettings`` is the single source: ``LateChunker`` takes its fields as keyword
arguments, and the Haystack components, the LlamaIndex classes and the command line derive their
parameters (names, defaults, help) from it, so a new option reaches every integration at once.
Checks that need no model run here, at construction, and name the parameter the user wrote;
checks that need the model (the window, the vector size, the model's tasks) run in ``LateChunker``.
This module is light: it imports neither torch nor transformers.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from latechunk.chunkers.base import Chunker
from latechunk.defaults import DEFAULT_MERGE, DEFAULT_MODEL, MERGE_RULES, MergeRule
from latechunk.errors import SettingsError, SettingsTypeError

Group = Literal["model", "task", "chunking", "window", "output", "runtime"]
"""What a setting changes: which weights load (``model``), the instruction and adapter (``task``),
chunk boundaries (``chunking``), how long texts are windowed and pooled (``window``), the vectors
returned (``output``), or only speed and display (``runtime``)."""


def _setting(default: Any, group: Group, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"group": group, "help": help, **extra})


@dataclass(frozen=True)
class LateChunkerSettings:
    """The settings of a ``LateChunker``; building one checks every value."""

    model: str = _setting(DEFAULT_MODEL, "model", "Hugging Face hub id or local folder of the model.")
    task: str | None = _setting(
        None,
        "task",
        "Task: retrieval.query, retrieval.passage, separation, classification, text-matching; picks the model's "
        "instruction prefix and, for jina-embeddings-v3, its LoRA adapter (None: none).",
    )
    chunker: str | Chunker = _setting(
        "sentences", "chunking", 'Chunker name ("sentences", "paragraphs", "tokens", "semantic") or a Chunker.'
    )
    chunk_size: int | None = _setting(
        None, "chunking", "Chunk budget in model tokens for a chunker given by name (default 32)."
    )
    dimensions: int | None = _setting(
        None, "output", "Matryoshka truncation of every vector, then re-normalisation (None: the model's size)."
    )
    max_length: int | None = _setting(
        None,
        "window",
        "Window size in tokens, special tokens included (default: the length the model was tuned for, "
        "else its position limit).",
    )
    overlap: int | None = _setting(
        None, "window", "Tokens shared by consecutive windows of a long document (default: a quarter of the window)."
    )
    merge: MergeRule = _setting(
        DEFAULT_MERGE, "window", 'How a token seen by several windows gets its vector: "mean", "center" or "first".'
    )
    pool_special_tokens: bool = _setting(
        True, "window", "Pool the leading special and prefix tokens into the first chunk, trailing ones into the last."
    )
    repeat_prefix: bool = _setting(True, "window", "Repeat the instruction prefix at the start of every window.")
    normalize_embeddings: bool = _setting(True, "output", "L2-normalise the vectors.")
    batch_size: int | None = _setting(
        None,
        "runtime",
        "At most this many windows per forward pass (None: 32 on the CPU; on CUDA sized from the model and the "
        "device's free memory).",
    )
    max_batch_tokens: int | None = _setting(
        None,
        "runtime",
        "At most this many padded tokens per forward pass (None: 16384 on the CPU; on CUDA sized from the model and "
        "the device's free memory).",
    )
    device: str | None = _setting(None, "model", "Torch device: cpu, cuda, cuda:1, mps (None: automatic).")
    dtype: str | None = _setting(
        None, "model", "float32, float16 or bfloat16 (None: bfloat16 or float16 on CUDA, float32 elsewhere)."
    )
    attn_implementation: str | None = _setting(
        None, "model", "Attention implementation passed to the model (None: SDPA where supported)."
    )
    trust_remote_code: bool = _setting(False, "model", "Passed to from_pretrained.")
    local_files_only: bool = _setting(False, "model", "Passed to from_pretrained: never download.")
    token: str | None = _setting(
        None, "model", "Hugging Face token for private models (never serialised).", secret=True
    )
    revision: str | None = _setting(None, "model", "Model revision passed to from_pretrained.")
    show_progress_bar: bool | None = _setting(None, "runtime", "Show a progress bar (None: for long jobs only).")
    text_workers: int | None = _setting(
        None,
        "runtime",
        "Worker processes (or threads) that tokenize, chunk and plan the next documents while the model runs "
        "the current ones (None: on CUDA every core but one, 0 elsewhere; 0: everything in the calling thread).",
    )
    text_worker_kind: str | None = _setting(
        None,
        "runtime",
        'Kind of text workers: "process" or "thread" (None: processes where they can start and the chunker '
        "pickles, else threads).",
    )

    pack_sequences: bool = _setting(
        False,
        "runtime",
        "Run each batch as one padding-free row of packed sequences; needs attn_implementation "
        "flash_attention_2 or flash_attention_3 (untested on a GPU so far).",
    )

    def __post_init__(self) -> None:
        model = os.fspath(self.model) if isinstance(self.model, os.PathLike) else self.model
        object.__setattr__(self, "model", model)
        _check_str("model", model)
        if not model.strip():
            raise SettingsError("model must name a hub id or a local folder, got an empty string")
        _check_optional_str("task", self.task)
        self._check_chunker()
        optional_ints = (("dimensions", 1), ("max_length", 1), ("overlap", 0), ("text_workers", 0))
        for name, minimum in (*optional_ints, ("batch_size", 1), ("max_batch_tokens", 1)):
            object.__setattr__(self, name, check_int(name, getattr(self, name), minimum, optional=True))
        check_window(self.max_length, self.overlap, self.merge)
        for name in ("pool_special_tokens", "repeat_prefix", "normalize_embeddings", "pack_sequences"):
            _check_bool(name, getattr(self, name), optional=False)
        for name in ("trust_remote_code", "local_files_only"):
            _check_bool(name, getattr(self, name), optional=False)
        _check_bool("show_progress_bar", self.show_progress_bar, optional=True)
        _check_optional_str("text_worker_kind", self.text_worker_kind)
        if self.text_worker_kind not in (None, "process", "thread"):
            raise SettingsError(f"text_worker_kind must be 'process', 'thread' or None, got {self.text_worker_kind!r}")
        for name in ("device", "dtype", "attn_implementation", "token", "revision"):
            if name == "device" and self.device is not None and not isinstance(self.device, str):
                object.__setattr__(self, "device", str(self.device))  # a torch.device
            _check_optional_str(name, getattr(self, name))

    def _check_chunker(self) -> None:
        from latechunk.chunkers import CHUNKERS

        chunker = self.chunker
        if isinstance(chunker, Chunker):
            if self.chunk_size is not None:
                raise SettingsError("chunk_size applies only to a chunker given by name; configure the Chunker itself")
        elif not isinstance(chunker, str):
            raise SettingsTypeError(f"chunker must be a name or a Chunker instance, got {type(chunker).__name__}")
        elif chunker not in CHUNKERS:
            raise SettingsError(
                f"unknown chunker {chunker!r}: chunker must be one of {', '.join(sorted(CHUNKERS))} or a Chunker"
            )
        object.__setattr__(self, "chunk_size", check_int("chunk_size", self.chunk_size, 1, optional=True))

    def replace(self, **changes: Any) -> LateChunkerSettings:
        """A copy with ``changes`` applied (and checked)."""
        check_names(changes, "LateChunkerSettings")
        return dataclasses.replace(self, **changes)

    def to_dict(self, *, secrets: bool = False) -> dict[str, Any]:
        """The settings as a flat dict (``token`` left out unless ``secrets``)."""
        return {f.name: getattr(self, f.name) for f in setting_fields() if secrets or not f.metadata.get("secret")}

    def __repr__(self) -> str:
        changed = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in setting_fields()
            if not f.metadata.get("secret") and getattr(self, f.name) != f.default
        ]
        return f"LateChunkerSettings({', '.join(changed)})"


def setting_fields(*groups: Group) -> tuple[dataclasses.Field, ...]:
    """The fields of ``LateChunkerSettings`` (only those of ``groups`` when given), in declaration order."""
    return tuple(f for f in dataclasses.fields(LateChunkerSettings) if not groups or f.metadata["group"] in groups)


def setting_names(*groups: Group) -> tuple[str, ...]:
    return tuple(f.name for f in setting_fields(*groups))


def setting_help(name: str) -> str:
    return _field(name).metadata["help"]


def setting_default(name: str) -> Any:
    return _field(name).default


def check_names(options: Mapping[str, Any], owner: str) -> None:
    """Raise ``SettingsTypeError`` for an option that is no setting (as Python does for a stray keyword)."""
    known = set(setting_names())
    unknown = [name for name in options if name not in known]
    if unknown:
        raise SettingsTypeError(
            f"{owner} got an unexpected setting {unknown[0]!r}; settings are: {', '.join(setting_names())}"
        )


def _field(name: str) -> dataclasses.Field:
    for f in dataclasses.fields(LateChunkerSettings):
        if f.name == name:
            return f
    raise KeyError(name)


def check_int(name: str, value: Any, minimum: int, *, optional: bool) -> int | None:
    """``value`` as an int of at least ``minimum`` (``None`` passes if ``optional``); else an error naming ``name``."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not _is_integer(value):
        raise SettingsTypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_window(max_length: int | None, overlap: int | None, merge: str, room: int | None = None) -> None:
    """The window rules, written once: a known merge rule, and an overlap that leaves every window new tokens.

    ``room``: the tokens a window holds for text (``max_length`` less the special and prefix tokens),
    once the model is known; without it, the overlap is checked against ``max_length`` alone.
    """
    if merge not in MERGE_RULES:
        raise SettingsError(f"merge must be one of {', '.join(MERGE_RULES)}, got {merge!r}")
    if room is not None and room < 1:
        window = "the window" if max_length is None else f"max_length={max_length}"
        raise SettingsError(f"{window} leaves no room for text after the special and prefix tokens")
    if overlap is None:
        return
    if room is not None and not 0 <= overlap < room:
        raise SettingsError(
            f"overlap must be smaller than the window's room for text ({room} tokens of max_length="
            f"{max_length}), got {overlap}"
        )
    if max_length is not None and overlap >= max_length:
        raise SettingsError(f"overlap must be smaller than the window (max_length={max_length}), got {overlap}")


def _is_integer(value: Any) -> bool:
    if isinstance(value, int):
        return True
    try:  # numpy integers, without importing numpy here
        import numpy as np

        return isinstance(value, np.integer)
    except ImportError:  # pragma: no cover - numpy is a dependency
        return False


def _check_bool(name: str, value: Any, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, bool):
        raise SettingsTypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")


def _check_str(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise SettingsTypeError(f"{name} must be a string, got {value!r} ({type(value).__name__})")


def _check_optional_str(name: str, value: Any) -> None:
    if value is not None:
        _check_str(name, value)
