"""The vector store behind the command line: Qdrant on disk (local mode) or a Qdrant server.

One collection holds the chunk vectors (payload: file path, offsets, text, context, and ``meta``: the
chunk's headings and PDF pages); a second, vectorless collection ``<name>_meta`` holds the build
settings and each file's content hash, so the same code serves a folder on disk and a server or cluster.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
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
    meta: dict[str, Any] = field(default_factory=dict)
    """The chunk's metadata (``headings``; for PDFs ``page_number``, ``page_end``), stored as payload ``meta``."""


@dataclass
class Hit:
    """One search result; ``meta`` is the chunk's stored metadata (empty in stores written before it was kept)."""

    file: str
    start: int
    end: int
    score: float
    text: str
    context_before: str
    context_after: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "text": self.text,
            "context_before": self.context_before,
            "context_after": self.context_after,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hit:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(frozen=True)
class FileRecord:
    """What the store remembers of an indexed file."""

    sha256: str
    chunks: int | None  # None in records written before chunk counts were kept


@dataclass
class FileChunks:
    """A file's new chunks and content hash, to store in place of what the store holds for it."""

    path: str
    sha256: str
    chunks: list[StoredChunk]


@dataclass
class Damage:
    """What does not add up in a store: files whose chunks are missing (or extra), chunks of unknown files."""

    files: set[str] = field(default_factory=set)
    orphans: set[str] = field(default_factory=set)


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
            client = _open_local(Path(path).expanduser(), path, create=create)
            store = cls(client, collection, f"store {path}", local=True)
            store._tune_local()
        if not create and not store.exists():
            store.close()
            raise CliError(f"{store.where} holds no index; build one first with latechunk index")
        return store

    def damaged(self, detail: str) -> CliError:
        """The error for a store whose content does not add up; ``index`` repairs it."""
        return CliError(
            f"{self.where} is damaged: {detail}. Repair it by indexing again: latechunk index PATH... "
            f"{self._option} (only what is missing is embedded again)"
        )

    @property
    def _option(self) -> str:
        return f"--store {self.where.removeprefix('store ')}" if self.local else "--qdrant-url URL --collection NAME"

    def _tune_local(self) -> None:
        """Commit without waiting for the disk: write-ahead log, ``synchronous=NORMAL``.

        qdrant-client's local mode commits every point on its own; with the default rollback journal each commit
        waits for the disk (17 ms a chunk measured here). In WAL mode with NORMAL sync a commit is durable
        against a crash of the process, and only an OS crash or power loss can drop the latest commits, which the
        next index re-embeds (file records are written after their chunks). Reaches into qdrant-client's
        internals, so it does nothing where they differ.
        """
        collections = getattr(getattr(self.client, "_client", None), "collections", None)
        for collection in (collections or {}).values():
            connection = getattr(getattr(collection, "storage", None), "storage", None)
            if isinstance(connection, sqlite3.Connection):
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")

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
        if self.local:
            self._tune_local()
        payload = {"kind": "settings", **settings.to_payload()}
        self.client.upsert(self.meta, points=[models.PointStruct(id=_point_id("settings"), vector={}, payload=payload)])

    # ------------------------------------------------------------------ files
    def file_records(self) -> dict[str, FileRecord]:
        """Content hash and chunk count of every indexed file, by path key."""
        records: dict[str, FileRecord] = {}
        for record in self._scroll(self.meta, _match("kind", "file")):
            payload = record.payload or {}
            records[payload["path"]] = FileRecord(payload["sha256"], payload.get("chunks"))
        return records

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
        models = _models()
        old = [f.path for f in files if f.path not in known_new]
        if old and self.client.collection_exists(self.collection):
            match = models.Filter(must=[models.FieldCondition(key="path", match=models.MatchAny(any=old))])
            self.client.delete(self.collection, points_selector=models.FilterSelector(filter=match))
        points = [
            models.PointStruct(
                id=_point_id("chunk", f.path, c.index),
                vector=np.asarray(c.vector, dtype=np.float32).tolist(),
                payload={
                    "path": f.path,
                    "index": c.index,
                    "start": c.start,
                    "end": c.end,
                    "text": c.text,
                    "context_before": c.context_before,
                    "context_after": c.context_after,
                    "meta": c.meta,
                },
            )
            for f in files
            for c in f.chunks
        ]
        for first in range(0, len(points), _UPSERT_BATCH):
            self.client.upsert(self.collection, points=points[first : first + _UPSERT_BATCH])
        records = [
            models.PointStruct(
                id=_point_id("file", f.path),
                vector={},
                payload={"kind": "file", "path": f.path, "sha256": f.sha256, "chunks": len(f.chunks)},
            )
            for f in files
        ]
        for first in range(0, len(records), _UPSERT_BATCH):
            self.client.upsert(self.meta, points=records[first : first + _UPSERT_BATCH])

    def remove_file(self, path: str) -> None:
        """Forget a file: its chunks and its hash."""
        self._delete_chunks(path)
        self.client.delete(self.meta, points_selector=[_point_id("file", path)])

    def count_chunks(self, path: str | None = None) -> int:
        """Chunks stored in all, or for one file (0 when the collection itself is gone)."""
        if not self.client.collection_exists(self.collection):
            return 0
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
                    meta=dict(p.get("meta") or {}),
                )
            )
        return hits

    # ------------------------------------------------------------------ internals
    def delete_chunks(self, path: str) -> None:
        """Remove every chunk stored for ``path`` (its file record stays)."""
        self._delete_chunks(path)

    def reset_chunks(self, dimension: int) -> None:
        """Drop the chunk collection and make it anew, empty, for vectors of ``dimension``."""
        models = _models()
        self.client.delete_collection(self.collection)
        self.client.create_collection(
            self.collection, vectors_config=models.VectorParams(size=dimension, distance=models.Distance.COSINE)
        )
        if self.local:
            self._tune_local()

    def _delete_chunks(self, path: str) -> None:
        if not self.client.collection_exists(self.collection):
            return
        models = _models()
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=_match("path", path)))

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


META_FILE = "meta.json"
"""The file that makes a folder an embedded Qdrant store."""


def is_store(folder: Path) -> bool:
    """Whether ``folder`` holds an embedded Qdrant store (its ``meta.json``); reads nothing else, writes nothing."""
    return (folder / META_FILE).is_file()


def check_local(folder: Path, name: str, *, create: bool) -> None:
    """Refuse a ``--store`` folder that a search must not open (not a store: nothing is written into it) or
    that an index must not fill (a file, or a non-empty folder that is not a store)."""
    if folder.exists() and not folder.is_dir():
        raise CliError(f"store {name} is a file, not a folder; give --store a folder path")
    if not is_store(folder):
        if not create:
            if not folder.exists():
                raise CliError(f"no store at {name}; build one first: latechunk index PATH... --store {name}")
            raise CliError(f"{name} is not a latechunk store (it has no {META_FILE}); give a folder that index built")
        if folder.exists() and any(folder.iterdir()):
            raise CliError(f"{name} is a folder with other files in it, not a store; index into a new or empty folder")


def _open_local(folder: Path, name: str, *, create: bool) -> Any:
    """A local-mode client for ``folder`` (see ``check_local``); damaged files are named in the error."""
    from qdrant_client import QdrantClient

    check_local(folder, name, create=create)
    try:
        return QdrantClient(path=str(folder))
    except RuntimeError as error:
        if "already accessed" in str(error):  # the folder is locked by another process
            raise CliError(f"cannot open store {name}: another latechunk process is using it ({error})") from error
        raise _damaged_files(folder, name, error) from error
    except Exception as error:  # damaged files surface as JSON, sqlite, pickle or pydantic errors
        raise _damaged_files(folder, name, error) from error


def _damaged_files(folder: Path, name: str, error: Exception) -> CliError:
    """The error for a store whose files cannot be loaded, naming the first bad file found."""
    detail = _diagnose(folder) or f"{type(error).__name__}: {error}"
    return CliError(
        f"store {name} is damaged: {detail}. Rebuild it: move the folder away (or delete it), then "
        f"latechunk index PATH... --store {name}"
    )


def _diagnose(folder: Path) -> str | None:
    meta = folder / META_FILE
    try:
        content = json.loads(meta.read_text(encoding="utf-8"))
        if not isinstance(content, dict) or not isinstance(content.get("collections"), dict):
            return f"{meta} does not describe collections"
    except (OSError, ValueError) as error:
        return f"{meta} cannot be read ({error})"
    for database in sorted(folder.glob("collection/*/storage.sqlite")):
        try:
            connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
            try:
                connection.execute("SELECT count(*) FROM points").fetchone()
            finally:
                connection.close()
        except sqlite3.Error as error:
            return f"{database} is not a readable database ({error})"
    return None
