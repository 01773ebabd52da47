"""Writing chunk rows into a ``latechunk index`` store (Qdrant): batched, idempotent upserts.

The points are the store's own (``latechunk.store``: chunk point ids from the file path and chunk index,
the same payload), and each file's content hash is recorded once all of its chunks are in, so
``latechunk search`` reads the result and ``latechunk index`` skips it. A retried write upserts the same
ids again: nothing is stored twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from latechunk.distributed import columns as col
from latechunk.distributed.files import SHA256
from latechunk.store import FileRecord, Store, StoredChunk
from latechunk.store.points import UPSERT_BATCH

if TYPE_CHECKING:
    import pyarrow as pa

try:
    from ray.data import Datasink
except ImportError:  # pragma: no cover - only without the distributed extra
    Datasink = object  # type: ignore[assignment,misc]


@dataclass
class WriteSummary:
    """What a write did: files complete, chunks upserted, documents that failed, files seen only in part."""

    files: int = 0
    chunks: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    partial: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    """path -> (sha256, chunk_count, chunks seen): a file whose chunk rows were split across writes."""

    def merge(self, other: WriteSummary) -> None:
        self.files += other.files
        self.chunks += other.chunks
        self.errors += other.errors
        for path, (sha, count, seen) in other.partial.items():
            before = self.partial.get(path, (sha, count, 0))[2]
            self.partial[path] = (sha, count, before + seen)


class QdrantWriter:
    """Upserts chunk rows (``doc_id`` = file path, with ``sha256`` and ``context_*`` columns) into a Store.

    ``replacing`` names files already in the store: after their new chunks are in, chunks with a
    higher index (left from a longer old version) are deleted.
    """

    def __init__(self, store: Store, replacing: Iterable[str] = (), batch_size: int = UPSERT_BATCH) -> None:
        self.store = store
        self.replacing = set(replacing)
        self.batch_size = batch_size

    def write(self, table: pa.Table) -> WriteSummary:
        """Upsert the chunk rows of ``table``; finish the files whose every chunk is in it."""
        summary = WriteSummary()
        pending: list[tuple[str, StoredChunk]] = []
        seen: dict[str, int] = {}
        files: dict[str, tuple[str, int]] = {}
        for row in table.to_pylist():
            path = row[col.DOC_ID]
            if row[col.ERROR] is not None:
                summary.errors.append((path, row[col.ERROR]))
                continue
            files[path] = (row[SHA256], row[col.CHUNK_COUNT])
            seen.setdefault(path, 0)
            if row[col.CHUNK_ID] is None:  # a document without chunks
                continue
            seen[path] += 1
            pending.append((path, stored_chunk(row)))
            if len(pending) >= self.batch_size:
                self.store.upsert_chunks(pending)
                pending.clear()
        self.store.upsert_chunks(pending)
        summary.chunks = sum(seen.values())
        complete = {path: sha_count for path, sha_count in files.items() if seen[path] == sha_count[1]}
        self.finish(complete)
        summary.files = len(complete)
        summary.partial = {p: (sha, n, seen[p]) for p, (sha, n) in files.items() if p not in complete}
        return summary

    def finish(self, files: dict[str, tuple[str, int]]) -> None:
        """Record ``path -> (sha256, chunk_count)`` as indexed, after dropping stale chunks of replaced files."""
        for path, (_, count) in files.items():
            if path in self.replacing:
                self.store.delete_chunks_from(path, count)
        self.store.record_files({path: FileRecord(sha, count) for path, (sha, count) in files.items()})

    def finish_partial(self, summary: WriteSummary) -> None:
        """Record the files whose chunks arrived over several writes, once all of them are in."""
        done = {p: (sha, n) for p, (sha, n, seen) in summary.partial.items() if seen == n}
        self.finish(done)
        summary.files += len(done)
        summary.partial = {p: v for p, v in summary.partial.items() if p not in done}


def stored_chunk(row: dict[str, Any]) -> StoredChunk:
    """The chunk a row of ``chunk_and_embed``'s output (with ``context_*`` columns) holds, to store."""
    return StoredChunk(
        index=row[col.CHUNK_INDEX],
        start=row[col.START],
        end=row[col.END],
        text=row[col.TEXT],
        context_before=row[col.CONTEXT_BEFORE],
        context_after=row[col.CONTEXT_AFTER],
        vector=row[col.EMBEDDING],
        meta=col.meta_of(row.get(col.META)),
    )


class QdrantDatasink(Datasink):  # type: ignore[misc,valid-type]
    """A Ray Data sink writing to a Qdrant server from the write tasks (``ds.write_datasink(sink)``).

    After the write, ``summary`` holds the merged ``WriteSummary`` of all tasks.
    """

    def __init__(self, url: str, collection: str, *, api_key: str | None = None, replacing: Iterable[str] = ()):
        self.url = url
        self.collection = collection
        self.api_key = api_key
        self.replacing = frozenset(replacing)
        self.summary = WriteSummary()

    def _open(self) -> Store:
        return Store.open(url=self.url, collection=self.collection, create=False, api_key=self.api_key)

    def write(self, blocks: Iterable[pa.Table], ctx: Any) -> WriteSummary:
        from ray.data.block import BlockAccessor

        summary = WriteSummary()
        with self._open() as store:
            writer = QdrantWriter(store, self.replacing)
            for block in blocks:
                summary.merge(writer.write(BlockAccessor.for_block(block).to_arrow()))
        return summary

    def on_write_complete(self, write_result: Any) -> None:
        summary = WriteSummary()
        for part in write_result.write_returns:
            summary.merge(part)
        if summary.partial:
            with self._open() as store:
                QdrantWriter(store, self.replacing).finish_partial(summary)
        self.summary = summary

    def get_name(self) -> str:
        return "LatechunkQdrant"
