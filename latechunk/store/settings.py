"""The settings a store is built with: recorded once, used by every later index and search of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MERGE
from latechunk.documents.chunker_choice import AUTO_CHUNKER, chunker_for
from latechunk.settings import LateChunkerSettings
from latechunk.store.errors import StoreError

if TYPE_CHECKING:
    from latechunk import LateChunker

DEFAULT_PASSAGE_TASK = "retrieval.passage"
DEFAULT_QUERY_TASK = "retrieval.query"
DEFAULT_CHUNKER = AUTO_CHUNKER
STORED_SETTINGS = (
    "model",
    "dimensions",
    "chunker",
    "chunk_size",
    "max_length",
    "task",
    "overlap",
    "merge",
    "pool_special_tokens",
    "repeat_prefix",
    "normalize_embeddings",
)
"""Settings that change the vectors: a store keeps them, and later commands use or check them."""


@dataclass(frozen=True)
class BuildSettings:
    """What a store was indexed with; every vector in the store comes from these settings."""

    model: str
    dimension: int
    dimensions: int | None
    chunker: str
    chunk_size: int
    max_length: int
    task: str | None
    latechunk_version: str
    # recorded since the settings became one source; a store written before holds the defaults of then
    # (overlap None: a quarter of the window, which is what None means to LateChunkerSettings)
    overlap: int | None = None
    merge: str = DEFAULT_MERGE
    pool_special_tokens: bool = True
    repeat_prefix: bool = True
    normalize_embeddings: bool = True

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> BuildSettings:
        names = {f.name for f in fields(cls)}
        required = {f.name for f in fields(cls) if f.default is MISSING}
        missing = required - set(payload)
        if missing:
            raise StoreError(f"the store's settings lack {', '.join(sorted(missing))}; re-index into a new --store")
        return cls(**{name: payload[name] for name in names if name in payload})

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
        values["chunker"] = chunker or chunker_for(self.chunker, "")
        return LateChunkerSettings(**values, show_progress_bar=False)

    @classmethod
    def from_chunker(cls, chunker: LateChunker, chunker_name: str, chunk_size: int) -> BuildSettings:
        from latechunk import __version__

        return cls(
            model=chunker.model_name,
            dimension=chunker.dim,
            dimensions=chunker.dimensions,
            chunker=chunker_name,
            chunk_size=chunk_size,
            max_length=chunker.max_length,
            task=chunker.task,
            latechunk_version=__version__,
            overlap=chunker.window.overlap,
            merge=chunker.window.merge,
            pool_special_tokens=chunker.pool_special_tokens,
            repeat_prefix=chunker.window.repeat_prefix,
            normalize_embeddings=chunker.normalize_embeddings,
        )


def new_store_settings(given: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a new store is built with: the ``given`` ones over the index defaults (documents task,
    ``auto`` chunker, the default chunk budget)."""
    return {"task": DEFAULT_PASSAGE_TASK, "chunker": DEFAULT_CHUNKER, "chunk_size": DEFAULT_CHUNK_TOKENS, **given}
