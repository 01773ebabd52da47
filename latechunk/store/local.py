"""A store in a folder on disk (Qdrant's local mode): telling one, opening it, and naming what is damaged."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from latechunk.store.errors import StoreError

META_FILE = "meta.json"
"""The file that makes a folder an embedded Qdrant store."""


def is_store(folder: Path) -> bool:
    """Whether ``folder`` holds an embedded Qdrant store (its ``meta.json``); reads nothing else, writes nothing."""
    return (folder / META_FILE).is_file()


def check_local(folder: Path, name: str, *, create: bool) -> None:
    """Refuse a ``--store`` folder that a search must not open (not a store: nothing is written into it) or
    that an index must not fill (a file, or a non-empty folder that is not a store)."""
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"store {name} is a file, not a folder; give --store a folder path")
    if not is_store(folder):
        if not create:
            if not folder.exists():
                raise StoreError(f"no store at {name}; build one first: latechunk index PATH... --store {name}")
            raise StoreError(f"{name} is not a latechunk store (it has no {META_FILE}); give a folder that index built")
        if folder.exists() and any(folder.iterdir()):
            raise StoreError(
                f"{name} is a folder with other files in it, not a store; index into a new or empty folder"
            )


def open_local(folder: Path, name: str, *, create: bool) -> Any:
    """A local-mode client for ``folder`` (see ``check_local``); damaged files are named in the error."""
    from qdrant_client import QdrantClient

    check_local(folder, name, create=create)
    try:
        return QdrantClient(path=str(folder))
    except RuntimeError as error:
        if "already accessed" in str(error):  # the folder is locked by another process
            raise StoreError(f"cannot open store {name}: another latechunk process is using it ({error})") from error
        raise _damaged_files(folder, name, error) from error
    except Exception as error:  # damaged files surface as JSON, sqlite, pickle or pydantic errors
        raise _damaged_files(folder, name, error) from error


def tune_local(client: Any) -> None:
    """Commit without waiting for the disk: write-ahead log, ``synchronous=NORMAL``.

    qdrant-client's local mode commits every point on its own; with the default rollback journal each commit
    waits for the disk (17 ms a chunk measured here). In WAL mode with NORMAL sync a commit is durable
    against a crash of the process, and only an OS crash or power loss can drop the latest commits, which the
    next index re-embeds (file records are written after their chunks). Reaches into qdrant-client's
    internals, so it does nothing where they differ.
    """
    collections = getattr(getattr(client, "_client", None), "collections", None)
    for collection in (collections or {}).values():
        connection = getattr(getattr(collection, "storage", None), "storage", None)
        if isinstance(connection, sqlite3.Connection):
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")


def _damaged_files(folder: Path, name: str, error: Exception) -> StoreError:
    """The error for a store whose files cannot be loaded, naming the first bad file found."""
    detail = _diagnose(folder) or f"{type(error).__name__}: {error}"
    return StoreError(
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
