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
import functools
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MERGE, DEFAULT_MODEL, MERGE_RULES, MergeRule
from latechunk.errors import SettingsError, SettingsTypeError

if TYPE_CHECKING:
    from latechunk.chunkers import Chunker

Group = Literal["model", "task", "chunking", "window", "output", "runtime"]
"""What a setting changes: which weights load (``model``), the instruction and adapter (``task``),
chunk boundaries (``chunking``), how long texts are windowed and pooled (``window``), the vectors
returned (``output``), or only speed and display (``runtime``)."""


def _setting(
    default: Any, group: Group, help: str, *, minimum: int | None = None, stored: bool = False, **extra: Any
) -> Any:
    """A field of ``LateChunkerSettings``: its ``group``, ``help``, an integer's ``minimum``, and whether a store
    keeps it (``stored``: it changes the vectors, so an index records it and later runs use or check it)."""
    metadata = {"group": group, "help": help, "stored": stored, **extra}
    if minimum is not None:
        metadata["minimum"] = minimum
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class LateChunkerSettings:
    """The settings of a ``LateChunker``; building one checks every value."""

    model: str = _setting(DEFAULT_MODEL, "model", "Hugging Face hub id or local folder of the model.", stored=True)
    task: str | None = _setting(
        None,
        "task",
        "Task: retrieval.query, retrieval.passage, separation, classification, text-matching; picks the model's "
        "instruction prefix and, for jina-embeddings-v3, its LoRA adapter (None: none).",
        stored=True,
    )
    chunker: str | Chunker = _setting(
        "sentences",
        "chunking",
        'Chunker name ("sentences", "paragraphs", "tokens", "semantic", "markdown", "html") or a Chunker.',
        stored=True,
    )
    chunk_size: int | None = _setting(
        None,
        "chunking",
        f"Chunk budget in model tokens for a chunker given by name (default {DEFAULT_CHUNK_TOKENS}).",
        minimum=1,
        stored=True,
    )
    dimensions: int | None = _setting(
        None,
        "output",
        "Matryoshka truncation of every vector, then re-normalisation (None: the model's size).",
        minimum=1,
        stored=True,
    )
    max_length: int | None = _setting(
        None,
        "window",
        "Window size in tokens, special tokens included (default: the length the model was tuned for, "
        "else its position limit).",
        minimum=1,
        stored=True,
    )
    overlap: int | None = _setting(
        None,
        "window",
        "Tokens shared by consecutive windows of a long document (default: a quarter of the window).",
        minimum=0,
        stored=True,
    )
    merge: MergeRule = _setting(
        DEFAULT_MERGE,
        "window",
        'How a token seen by several windows gets its vector: "mean", "center" or "first".',
        stored=True,
    )
    pool_special_tokens: bool = _setting(
        True,
        "window",
        "Pool the leading special and prefix tokens into the first chunk, trailing ones into the last.",
        stored=True,
    )
    repeat_prefix: bool = _setting(
        True, "window", "Repeat the instruction prefix at the start of every window.", stored=True
    )
    normalize_embeddings: bool = _setting(True, "output", "L2-normalise the vectors.", stored=True)
    batch_size: int | None = _setting(
        None,
        "runtime",
        "At most this many windows per forward pass (None: 32 on the CPU; on CUDA sized from the model and the "
        "device's free memory).",
        minimum=1,
    )
    max_batch_tokens: int | None = _setting(
        None,
        "runtime",
        "At most this many padded tokens per forward pass (None: 16384 on the CPU; on CUDA sized from the model and "
        "the device's free memory).",
        minimum=1,
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
        minimum=0,
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
        if self.device is not None and not isinstance(self.device, str):
            object.__setattr__(self, "device", str(self.device))  # a torch.device
        self._check_chunker()
        for f in setting_fields():
            if f.name not in ("model", "chunker"):
                object.__setattr__(self, f.name, _checked(f, getattr(self, f.name)))
        check_window(self.max_length, self.overlap, self.merge)
        if self.text_worker_kind not in (None, "process", "thread"):
            raise SettingsError(f"text_worker_kind must be 'process', 'thread' or None, got {self.text_worker_kind!r}")

    def _check_chunker(self) -> None:
        from latechunk.chunkers import CHUNKERS, Chunker

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


@functools.cache
def setting_hints() -> dict[str, Any]:
    """The type of each setting (``typing.get_type_hints`` of ``LateChunkerSettings``, ``Chunker`` resolved)."""
    from latechunk.chunkers import Chunker

    return typing.get_type_hints(LateChunkerSettings, localns={"Chunker": Chunker})


def setting_choices(name: str) -> tuple[Any, ...] | None:
    """The values a setting typed by a ``Literal`` (``merge``) allows; ``None`` for any other setting."""
    hint = setting_hints()[name]
    return typing.get_args(hint) if typing.get_origin(hint) is Literal else None


def _checked(f: dataclasses.Field, value: Any) -> Any:
    """``value`` checked against its field: an integer's ``minimum``, a ``Literal``'s choices, else the type
    (``bool`` or ``str``, and ``None`` where the type allows it)."""
    hint = setting_hints()[f.name]
    optional = type(None) in typing.get_args(hint)
    if "minimum" in f.metadata:
        return check_int(f.name, value, f.metadata["minimum"], optional=optional)
    choices = setting_choices(f.name)
    if choices is not None:
        if value not in choices:
            raise SettingsError(f"{f.name} must be one of {', '.join(choices)}, got {value!r}")
    elif bool in typing.get_args(hint) or hint is bool:
        _check_bool(f.name, value, optional=optional)
    elif optional:
        _check_optional_str(f.name, value)
    else:
        _check_str(f.name, value)
    return value


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
