"""The vector store behind the command line: Qdrant on disk (local mode) or a Qdrant server.

One collection holds the chunk vectors (payload: file path, offsets, text, context); a second,
vectorless collection ``<name>_meta`` holds the build settings and each file's content hash, so
the same code serves a folder on disk and a server or cluster.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from latechunk.cli.errors import CliError, missing_extra
from latechunk.cli.settings import BuildSettings

DEFAULT_COLLECTION = "latechunk"
_NAMESPACE = uuid.UUID("6f1c7a52-3b0e-4c55-9a51-2f6a3de0c0b7")
_UPSERT_BATCH = 256


@dataclass
class StoredChunk:
    """A chunk ready to store: where it lies in its file, its text and its neighbourhood."""

    index: int
    start: int
    end: int
    text: str
    context_before: str
    context_after: str
    vector: np.ndarray


@dataclass
class Hit:
    """One search result."""

    file: str
    start: int
    end: int
    score: float
    text: str
    context_before: str
    context_after: str

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "text": self.text,
            "context_before": self.context_before,
            "context_after": self.context_after,
        }


def _point_id(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\0".join(str(p) for p in parts)))


def _models() -> Any:
    try:
        from qdrant_client import models
    except ImportError as error:
        raise missing_extra("qdrant-client", error) from error
    return models


def _match(key: str, value: str) -> Any:
    models = _models()
    return models.Filter(must=[models.FieldCondition(key=key, match=models.MatchValue(value=value))])


class Store:
    """Chunks, file hashes and build settings in Qdrant. Use as a context manager (it closes the client)."""

    def __init__(self, client: Any, collection: str, where: str, local: bool) -> None:
        self.client = client
        self.collection = collection
        self.meta = f"{collection}_meta"
        self.where = where
        self.local = local

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        path: str | None = None,
        url: str | None = None,
        collection: str = DEFAULT_COLLECTION,
        *,
        create: bool,
        api_key: str | None = None,
    ) -> Store:
        """Open a store on disk (``path``) or on a Qdrant server (``url``).

        Without ``create``, a store that does not exist yet is an error (and nothing is created).
        """
        try:
            from qdrant_client import QdrantClient
        except ImportError as error:
            raise missing_extra("qdrant-client", error) from error
        if url is not None:
            client = QdrantClient(url=url, api_key=api_key)
            try:
                client.get_collections()
            except Exception as error:  # connection refused, bad key, TLS, ...: many exception types
                client.close()
                raise CliError(f"cannot reach Qdrant at {url}: {error}") from error
            store = cls(client, collection, f"collection {collection!r} at {url}", local=False)
        else:
            assert path is not None
            folder = Path(path).expanduser()
            if not create and not folder.is_dir():
                raise CliError(f"no store at {path}; build one first: latechunk index PATH... --store {path}")
            try:
                client = QdrantClient(path=str(folder))
            except RuntimeError as error:  # the folder is locked by another process
                raise CliError(f"cannot open store {path}: {error}") from error
            store = cls(client, collection, f"store {path}", local=True)
        if not create and not store.exists():
            store.close()
            raise CliError(f"{store.where} holds no index; build one first with latechunk index")
        return store

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def exists(self) -> bool:
        return bool(self.client.collection_exists(self.meta))

    # ------------------------------------------------------------------ settings
    def settings(self) -> BuildSettings | None:
        """The settings the store was built with (``None`` for a new, empty store)."""
        if not self.exists():
            return None
        records = self.client.retrieve(self.meta, ids=[_point_id("settings")], with_payload=True)
        if not records:
            return None
        return BuildSettings.from_payload(dict(records[0].payload or {}))

    def create(self, settings: BuildSettings) -> None:
        """Make the collections for vectors of ``settings.dimension`` and record the settings."""
        models = _models()
        if not self.client.collection_exists(self.collection):
            self.client.create_collection(
                self.collection,
                vectors_config=models.VectorParams(size=settings.dimension, distance=models.Distance.COSINE),
            )
            if not self.local:  # payload indexes only matter (and only exist) on a server
                self.client.create_payload_index(self.collection, "path", models.PayloadSchemaType.KEYWORD)
        if not self.client.collection_exists(self.meta):
            self.client.create_collection(self.meta, vectors_config={})
        payload = {"kind": "settings", **settings.to_payload()}
        self.client.upsert(self.meta, points=[models.PointStruct(id=_point_id("settings"), vector={}, payload=payload)])

    # ------------------------------------------------------------------ files
    def file_hashes(self) -> dict[str, str]:
        """Content hash of every indexed file, by path."""
        hashes: dict[str, str] = {}
        for record in self._scroll(self.meta, _match("kind", "file")):
            payload = record.payload or {}
            hashes[payload["path"]] = payload["sha256"]
        return hashes

    def replace_file(self, path: str, sha256: str, chunks: Sequence[StoredChunk]) -> None:
        """Drop a file's old chunks, store the new ones, then record its hash (last: a crash re-indexes it)."""
        models = _models()
        self._delete_chunks(path)
        points = [
            models.PointStruct(
                id=_point_id("chunk", path, c.index),
                vector=np.asarray(c.vector, dtype=np.float32).tolist(),
                payload={
                    "path": path,
                    "index": c.index,
                    "start": c.start,
                    "end": c.end,
                    "text": c.text,
                    "context_before": c.context_before,
                    "context_after": c.context_after,
                },
            )
            for c in chunks
        ]
        for first in range(0, len(points), _UPSERT_BATCH):
            self.client.upsert(self.collection, points=points[first : first + _UPSERT_BATCH])
        record = {"kind": "file", "path": path, "sha256": sha256, "chunks": len(points)}
        point = models.PointStruct(id=_point_id("file", path), vector={}, payload=record)
        self.client.upsert(self.meta, points=[point])

    def remove_file(self, path: str) -> None:
        """Forget a file: its chunks and its hash."""
        self._delete_chunks(path)
        self.client.delete(self.meta, points_selector=[_point_id("file", path)])

    def count_chunks(self, path: str | None = None) -> int:
        """Chunks stored in all, or for one file."""
        flt = None if path is None else _match("path", path)
        return int(self.client.count(self.collection, count_filter=flt, exact=True).count)

    # ------------------------------------------------------------------ search
    def search(self, vector: np.ndarray, k: int) -> list[Hit]:
        """The ``k`` chunks closest (cosine) to ``vector``, best first."""
        response = self.client.query_points(
            self.collection, query=np.asarray(vector, dtype=np.float32).tolist(), limit=k, with_payload=True
        )
        hits = []
        for point in response.points:
            p = point.payload or {}
            hits.append(
                Hit(
                    file=p["path"],
                    start=p["start"],
                    end=p["end"],
                    score=float(point.score),
                    text=p["text"],
                    context_before=p.get("context_before", ""),
                    context_after=p.get("context_after", ""),
                )
            )
        return hits

    # ------------------------------------------------------------------ internals
    def _delete_chunks(self, path: str) -> None:
        models = _models()
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=_match("path", path)))

    def _scroll(self, collection: str, flt: Any) -> Iterator[Any]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                collection, scroll_filter=flt, limit=1000, offset=offset, with_payload=True
            )
            yield from records
            if offset is None:
                return
