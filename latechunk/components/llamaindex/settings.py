"""The LateChunker settings as pydantic fields, derived from ``LateChunkerSettings``, for both LlamaIndex classes.

Every setting is a field with the same name and meaning (``model`` is ``model_name``, LlamaIndex's
name for it), so LlamaIndex's ingestion cache keys on all of them and a new setting reaches these
classes at once. Values are checked by ``LateChunkerSettings`` at construction: a bad one raises a
``latechunk`` settings error naming the field.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.bridge.pydantic import BaseModel, ConfigDict, Field, PrivateAttr, create_model
from pydantic import SkipValidation

from latechunk.defaults import DEFAULT_DOCUMENT_TASK
from latechunk.late_chunker import LateChunker
from latechunk.settings import Group, LateChunkerSettings, setting_fields, setting_hints

FIELD_NAMES = {"model": "model_name"}
"""LlamaIndex's names for settings whose latechunk name a LlamaIndex base class already uses."""


def pydantic_fields(groups: tuple[Group, ...], defaults: dict[str, Any]) -> dict[str, Any]:
    """``create_model`` field definitions for the settings of ``groups`` (the token is never serialised)."""
    hints = setting_hints()
    fields: dict[str, Any] = {}
    for f in setting_fields(*groups):
        secret = {"exclude": True, "repr": False} if f.metadata.get("secret") else {}
        default = defaults.get(f.name, f.default)
        # checked by LateChunkerSettings (one set of rules and messages), not coerced by pydantic
        fields[FIELD_NAMES.get(f.name, f.name)] = (
            SkipValidation[hints[f.name]],
            Field(default=default, description=f.metadata["help"], **secret),
        )
    return fields


class _LateChunkerModel(BaseModel):
    """Builds (and rebuilds after a field changes) the ``LateChunker`` its fields describe."""

    model_config = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())

    _late_chunker: LateChunker | None = PrivateAttr(default=None)
    _built_from: LateChunkerSettings | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        self._loaded()  # check the settings and load the model now, so that bad settings fail here

    def _loaded(self) -> None:
        """Called once the model is loaded at construction (subclasses check more here)."""
        _ = self.late_chunker

    def latechunk_settings(self) -> LateChunkerSettings:
        """The ``LateChunkerSettings`` these fields describe."""
        values = {name: getattr(self, FIELD_NAMES.get(name, name)) for name in _names(type(self))}
        return LateChunkerSettings(**values)

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle the settings only; unpickling finds the model in the cache or loads it again."""
        saved = self._late_chunker, self._built_from
        self._late_chunker, self._built_from = None, None
        try:
            return super().__getstate__()
        finally:
            self._late_chunker, self._built_from = saved

    @property
    def late_chunker(self) -> LateChunker:
        """The LateChunker for the current settings (rebuilt if a field changed; the model stays cached)."""
        settings = self.latechunk_settings()
        if self._late_chunker is None or settings != self._built_from:
            self._late_chunker = LateChunker(settings)
            self._built_from = settings
        return self._late_chunker


def _names(model: type[BaseModel]) -> list[str]:
    fields = set(model.model_fields)
    return [f.name for f in setting_fields() if FIELD_NAMES.get(f.name, f.name) in fields]


LateChunkSettings = create_model(
    "LateChunkSettings",
    __base__=_LateChunkerModel,
    __module__=__name__,
    __doc__="Every LateChunker setting but the chunker's, as pydantic fields (task: retrieval.passage).",
    **pydantic_fields(("model", "task", "window", "output", "runtime"), {"task": DEFAULT_DOCUMENT_TASK}),
)

ChunkingSettings = create_model(
    "ChunkingSettings",
    __base__=LateChunkSettings,
    __module__=__name__,
    __doc__="LateChunkSettings plus the chunker's settings.",
    **pydantic_fields(("chunking",), {}),
)
