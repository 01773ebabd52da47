"""The settings a store is built with: recorded once, used by every later index and search of it.

The record is derived from ``LateChunkerSettings``: every setting marked ``stored`` (it changes the vectors),
plus what the store adds (the vector size ``dimension`` and the ``latechunk_version`` that built it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, asdict, field, fields, make_dataclass
from typing import TYPE_CHECKING, Any

from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_DOCUMENT_TASK
from latechunk.documents.chunker_choice import AUTO_CHUNKER, chunker_for
from latechunk.settings import LateChunkerSettings, setting_fields, setting_hints
from latechunk.store.errors import StoreError

if TYPE_CHECKING:
    from latechunk import LateChunker

DEFAULT_CHUNKER = AUTO_CHUNKER
STORED_SETTINGS = tuple(f.name for f in setting_fields() if f.metadata["stored"])
"""Settings that change the vectors: a store keeps them, and later commands use or check them."""
FIRST_RECORD = ("model", "dimension", "dimensions", "chunker", "chunk_size", "max_length", "task", "latechunk_version")
"""The fields of the first stores' settings record, in their order: every store has them. Stored settings
recorded later take ``LateChunkerSettings``'s default when a store written before lacks them (``overlap``
None: a quarter of the window)."""
STORE_FIELDS = {"dimension": int, "latechunk_version": str}
"""What the record holds besides settings: the size of the vectors, the version that built the store."""


class _BuildSettingsMethods:
    """The methods of ``BuildSettings``."""

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> BuildSettings:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        required = {f.name for f in fields(cls) if f.default is MISSING}  # type: ignore[arg-type]
        missing = required - set(payload)
        if missing:
            raise StoreError(f"the store's settings lack {', '.join(sorted(missing))}; re-index into a new --store")
        return cls(**{name: payload[name] for name in names if name in payload})  # type: ignore[return-value]

    def vector_settings(self) -> dict[str, Any]:
        """The LateChunker settings every vector in the store was made with."""
        return {name: getattr(self, name) for name in STORED_SETTINGS}

    def late_chunker_settings(
        self, given: Mapping[str, Any], *, chunker: str | None = None, searching: bool = False
    ) -> LateChunkerSettings:
        """The LateChunker settings to add to (or search) this store: its vector settings over the ``given``
        ones (device, dtype, batch sizes, ...); a search may pick its own ``max_length``. ``chunker`` names the
        chunker to build (the one a file's suffix chose under ``auto``); without it, the recorded one."""
        values = {**given, **self.vector_settings()}
        if searching and "max_length" in given:
            values["max_length"] = given["max_length"]
        values["chunker"] = chunker or chunker_for(getattr(self, "chunker"), "")  # noqa: B009 - a derived field
        return LateChunkerSettings(**values, show_progress_bar=False)

    @classmethod
    def from_late_chunker(cls, late_chunker: LateChunker, chunker: str, chunk_size: int) -> BuildSettings:
        """The record of a store that ``late_chunker`` fills, with the store's ``chunker`` setting (``auto``
        included) and chunk budget: the settings as the LateChunker resolved them."""
        from latechunk import __version__

        return cls(  # type: ignore[return-value]
            model=late_chunker.model_name,
            dimension=late_chunker.dim,
            dimensions=late_chunker.dimensions,
            chunker=chunker,
            chunk_size=chunk_size,
            max_length=late_chunker.max_length,
            task=late_chunker.task,
            latechunk_version=__version__,
            overlap=late_chunker.window.overlap,
            merge=late_chunker.window.merge,
            pool_special_tokens=late_chunker.pool_special_tokens,
            repeat_prefix=late_chunker.window.repeat_prefix,
            normalize_embeddings=late_chunker.normalize_embeddings,
        )


def _record_fields() -> list[tuple[str, Any] | tuple[str, Any, Any]]:
    hints = {**setting_hints(), **STORE_FIELDS}
    later = [f for f in setting_fields() if f.metadata["stored"] and f.name not in FIRST_RECORD]
    return [(name, hints[name]) for name in FIRST_RECORD] + [
        (f.name, hints[f.name], field(default=f.default)) for f in later
    ]


BuildSettings = make_dataclass(
    "BuildSettings",
    _record_fields(),
    bases=(_BuildSettingsMethods,),
    frozen=True,
    namespace={
        "__doc__": "What a store was indexed with; every vector in the store comes from these settings.",
        "__module__": __name__,
    },
)


def new_store_settings(given: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a new store is built with: the ``given`` ones over the index defaults (documents task,
    ``auto`` chunker, the default chunk budget)."""
    return {"task": DEFAULT_DOCUMENT_TASK, "chunker": DEFAULT_CHUNKER, "chunk_size": DEFAULT_CHUNK_TOKENS, **given}
