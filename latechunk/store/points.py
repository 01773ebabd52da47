"""The store's points in Qdrant: their ids, their payloads, and the filters that find them.

Chunk points live in the chunk collection, keyed by file path and chunk index; the build settings and one
record per file live in ``<collection>_meta``. Written by every writer (the local index, Ray's), so a store
reads the same whoever wrote it.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np

from latechunk.extras import missing_extra
from latechunk.store.records import FileRecord, Hit, StoredChunk

NAMESPACE = uuid.UUID("6f1c7a52-3b0e-4c55-9a51-2f6a3de0c0b7")
UPSERT_BATCH = 256
"""Points per upsert call."""
SETTINGS_KIND, FILE_KIND = "settings", "file"


def point_id(*parts: object) -> str:
    """The id of a point: uuid5 of its parts (a chunk: ``"chunk", path, index``), so a rewrite replaces it."""
    return str(uuid.uuid5(NAMESPACE, "\0".join(str(p) for p in parts)))


def qdrant_models() -> Any:
    """``qdrant_client.models``, or the error naming the extra that installs it."""
    try:
        from qdrant_client import models
    except ImportError as error:
        raise missing_extra("qdrant-client", error) from error
    return models


def match(key: str, value: str) -> Any:
    """A filter for points whose payload ``key`` equals ``value``."""
    models = qdrant_models()
    return models.Filter(must=[models.FieldCondition(key=key, match=models.MatchValue(value=value))])


def chunk_point(path: str, chunk: StoredChunk) -> Any:
    """The point of one chunk of the file ``path``."""
    return qdrant_models().PointStruct(
        id=point_id("chunk", path, chunk.index),
        vector=np.asarray(chunk.vector, dtype=np.float32).tolist(),
        payload={
            "path": path,
            "index": chunk.index,
            "start": chunk.start,
            "end": chunk.end,
            "text": chunk.text,
            "context_before": chunk.context_before,
            "context_after": chunk.context_after,
            "meta": chunk.meta,
        },
    )


def file_point(path: str, record: FileRecord) -> Any:
    """The record of an indexed file: its content hash and chunk count."""
    payload = {"kind": FILE_KIND, "path": path, "sha256": record.sha256, "chunks": record.chunks}
    return qdrant_models().PointStruct(id=point_id(FILE_KIND, path), vector={}, payload=payload)


def file_record(payload: dict[str, Any]) -> tuple[str, FileRecord]:
    """The path and record a file point's payload holds."""
    return payload["path"], FileRecord(payload["sha256"], payload.get("chunks"))


def settings_point(settings: dict[str, Any]) -> Any:
    """The point holding the build settings (``BuildSettings.to_payload``)."""
    payload = {"kind": SETTINGS_KIND, **settings}
    return qdrant_models().PointStruct(id=point_id(SETTINGS_KIND), vector={}, payload=payload)


def hit(point: Any) -> Hit:
    """A search result from a scored chunk point."""
    p = point.payload or {}
    return Hit(
        file=p["path"],
        start=p["start"],
        end=p["end"],
        score=float(point.score),
        text=p["text"],
        context_before=p.get("context_before", ""),
        context_after=p.get("context_after", ""),
        meta=dict(p.get("meta") or {}),
    )
