"""The vector store of ``latechunk index``: Qdrant on disk (local mode) or a Qdrant server.

One collection holds the chunk vectors (payload: file path, offsets, text, context, and ``meta``: the
chunk's headings and PDF pages); a second, vectorless collection ``<name>_meta`` holds the build
settings and each file's content hash, so the same code serves a folder on disk and a server or cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from latechunk.extras import missing_extra
from latechunk.store import points
from latechunk.store.errors import StoreError
from latechunk.store.local import open_local, tune_local
from latechunk.store.points import UPSERT_BATCH, match, qdrant_models
from latechunk.store.records import Damage, FileChunks, FileRecord, Hit, StoredChunk
from latechunk.store.settings import BuildSettings

DEFAULT_COLLECTION = "latechunk"


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
                raise StoreError(f"cannot reach Qdrant at {url}: {error}") from error
            store = cls(client, collection, f"collection {collection!r} at {url}", local=False)
        else:
            assert path is not None
            client = open_local(Path(path).expanduser(), path, create=create)
            store = cls(client, collection, f"store {path}", local=True)
            tune_local(client)
        if not create and not store.exists():
            store.close()
            raise StoreError(f"{store.where} holds no index; build one first with latechunk index")
        return store

    def damaged(self, detail: str) -> StoreError:
        """The error for a store whose content does not add up; ``index`` repairs it."""
        return StoreError(
            f"{self.where} is damaged: {detail}. Repair it by indexing again: latechunk index PATH... "
            f"{self._option} (only what is missing is embedded again)"
        )

    @property
    def _option(self) -> str:
        return f"--store {self.where.removeprefix('store ')}" if self.local else "--qdrant-url URL --collection NAME"

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
        records = self.client.retrieve(self.meta, ids=[points.point_id(points.SETTINGS_KIND)], with_payload=True)
        if not records:
            return None
        return BuildSettings.from_payload(dict(records[0].payload or {}))

    def create(self, settings: BuildSettings) -> None:
        """Make the collections for vectors of ``settings.dimension`` and record the settings."""
        models = qdrant_models()
        if not self.client.collection_exists(self.collection):
            self._create_chunks(settings.dimension)
            if not self.local:  # payload indexes only matter (and only exist) on a server
                self.client.create_payload_index(self.collection, "path", models.PayloadSchemaType.KEYWORD)
        if not self.client.collection_exists(self.meta):
            self.client.create_collection(self.meta, vectors_config={})
        if self.local:
            tune_local(self.client)
        self.client.upsert(self.meta, points=[points.settings_point(settings.to_payload())])

    def _create_chunks(self, dimension: int) -> None:
        models = qdrant_models()
        self.client.create_collection(
            self.collection, vectors_config=models.VectorParams(size=dimension, distance=models.Distance.COSINE)
        )

    # ------------------------------------------------------------------ files
    def file_records(self) -> dict[str, FileRecord]:
        """Content hash and chunk count of every indexed file, by path key."""
        return dict(points.file_record(r.payload or {}) for r in self._scroll(self.meta, match("kind", "file")))

    def file_hashes(self) -> dict[str, str]:
        """Content hash of every indexed file, by path key."""
        return {path: record.sha256 for path, record in self.file_records().items()}

    def recorded_chunks(self, records: dict[str, FileRecord]) -> int:
        return sum(r.chunks or 0 for r in records.values())

    def check_whole(self) -> None:
        """Raise ``damaged`` when the store holds another number of chunks than its file records list."""
        records = self.file_records()
        expected, held = self.recorded_chunks(records), self.count_chunks()
        if expected != held:
            raise self.damaged(f"its file records list {expected} chunks, but it holds {held}")

    def damage(self, records: dict[str, FileRecord]) -> Damage:
        """Files whose stored chunks differ in number from their record, and chunks of files with no record.

        Counting all chunks is cheap; only when that total disagrees are the chunks grouped by file.
        """
        if self.count_chunks() == self.recorded_chunks(records):
            return Damage()
        counts = Counter(str((r.payload or {}).get("path")) for r in self._scroll(self.collection, None, ["path"]))
        wrong = {path for path, r in records.items() if r.chunks is not None and counts.get(path, 0) != r.chunks}
        return Damage(files=wrong, orphans=set(counts) - set(records))

    def replace_file(self, path: str, sha256: str, chunks: Sequence[StoredChunk]) -> None:
        """Drop a file's old chunks, store the new ones, then record its hash (last: a crash re-indexes it)."""
        self.replace_files([FileChunks(path, sha256, list(chunks))])

    def replace_files(self, files: Sequence[FileChunks], *, known_new: Collection[str] = ()) -> None:
        """``replace_file`` for many files in a few calls: one delete, batched upserts, then the records.

        Files in ``known_new`` have no chunks stored yet, so nothing is deleted for them.
        """
        models = qdrant_models()
        old = [f.path for f in files if f.path not in known_new]
        if old and self.client.collection_exists(self.collection):
            match_any = models.Filter(must=[models.FieldCondition(key="path", match=models.MatchAny(any=old))])
            self.client.delete(self.collection, points_selector=models.FilterSelector(filter=match_any))
        self.upsert_chunks([(f.path, c) for f in files for c in f.chunks])
        self.record_files({f.path: FileRecord(f.sha256, len(f.chunks)) for f in files})

    def upsert_chunks(self, chunks: Sequence[tuple[str, StoredChunk]]) -> None:
        """Store ``(path, chunk)`` pairs (a chunk already stored at its index is replaced), in batched calls."""
        chunk_points = [points.chunk_point(path, chunk) for path, chunk in chunks]
        for first in range(0, len(chunk_points), UPSERT_BATCH):
            self.client.upsert(self.collection, points=chunk_points[first : first + UPSERT_BATCH])

    def record_files(self, records: Mapping[str, FileRecord]) -> None:
        """Record files as indexed: call once all their chunks are stored (a crash before re-indexes them)."""
        file_points = [points.file_point(path, record) for path, record in records.items()]
        for first in range(0, len(file_points), UPSERT_BATCH):
            self.client.upsert(self.meta, points=file_points[first : first + UPSERT_BATCH])

    def delete_chunks_from(self, path: str, index: int) -> None:
        """Remove the chunks of ``path`` at ``index`` and after (left by a longer version of the file)."""
        models = qdrant_models()
        stale = match("path", path)
        stale.must.append(models.FieldCondition(key="index", range=models.Range(gte=index)))
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=stale))

    def remove_file(self, path: str) -> None:
        """Forget a file: its chunks and its hash."""
        self.delete_chunks(path)
        self.client.delete(self.meta, points_selector=[points.point_id(points.FILE_KIND, path)])

    def count_chunks(self, path: str | None = None) -> int:
        """Chunks stored in all, or for one file (0 when the collection itself is gone)."""
        if not self.client.collection_exists(self.collection):
            return 0
        flt = None if path is None else match("path", path)
        return int(self.client.count(self.collection, count_filter=flt, exact=True).count)

    # ------------------------------------------------------------------ search
    def search(self, vector: np.ndarray, k: int) -> list[Hit]:
        """The ``k`` chunks closest (cosine) to ``vector``, best first."""
        response = self.client.query_points(
            self.collection, query=np.asarray(vector, dtype=np.float32).tolist(), limit=k, with_payload=True
        )
        return [points.hit(point) for point in response.points]

    # ------------------------------------------------------------------ repairs
    def delete_chunks(self, path: str) -> None:
        """Remove every chunk stored for ``path`` (its file record stays)."""
        if not self.client.collection_exists(self.collection):
            return
        models = qdrant_models()
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=match("path", path)))

    def reset_chunks(self, dimension: int) -> None:
        """Drop the chunk collection and make it anew, empty, for vectors of ``dimension``."""
        self.client.delete_collection(self.collection)
        self._create_chunks(dimension)
        if self.local:
            tune_local(self.client)

    def _scroll(self, collection: str, flt: Any, payload: bool | list[str] = True) -> Iterator[Any]:
        if not self.client.collection_exists(collection):
            return
        offset = None
        while True:
            records, offset = self.client.scroll(
                collection, scroll_filter=flt, limit=1000, offset=offset, with_payload=payload
            )
            yield from records
            if offset is None:
                return
