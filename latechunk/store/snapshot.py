"""Reading a store folder that another process is writing: a consistent copy of what it has committed.

qdrant-client's local mode takes an exclusive, non-blocking ``flock`` on ``<store>/.lock`` when it opens a
folder and holds it until the client closes, so a second process cannot open the store while ``latechunk
index`` runs. Its data is one SQLite database per collection (``collection/<name>/storage.sqlite``, every
point committed on its own) and ``meta.json`` (replaced whole, atomically). A search therefore copies the
store aside with SQLite's online backup (a consistent snapshot of each database's last commit, taken while
the writer goes on) and searches the copy. File records are copied before chunks, and ``index`` writes a
file's chunks before its record, so every recorded file's chunks are in the copy.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

LOCK_FILE = ".lock"
"""The file qdrant-client's local mode locks while a client has the folder open."""
STORAGE = "storage.sqlite"


def is_locked(folder: Path) -> bool:
    """Whether another open client (another process, or another client in this one) holds ``folder``'s lock.

    Probes with the lock qdrant-client takes (``flock``, exclusive, non-blocking) and releases it at once.
    ``False`` where there is no lock file or no ``flock`` (Windows: opening the store says it instead).
    """
    lock = folder / LOCK_FILE
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        stream = lock.open("r+")
    except OSError:
        return False
    with stream:
        try:
            fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(stream, fcntl.LOCK_UN)
    return False


def wait_until_free(folder: Path, seconds: float, waiting: Callable[[], None]) -> bool:
    """Wait up to ``seconds`` for ``folder``'s lock to be free (``waiting`` is called once, when it is not);
    whether it is free."""
    if not is_locked(folder):
        return True
    waiting()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if not is_locked(folder):
            return True
    return False


def copy_committed(folder: Path, into: Path) -> None:
    """Copy the store in ``folder`` into the empty folder ``into``: ``meta.json``, then each collection's
    database as of its last commit (the ``_meta`` collections first)."""
    meta = (folder / "meta.json").read_bytes()
    (into / "meta.json").write_bytes(meta)
    names = sorted(json.loads(meta).get("collections", {}), key=lambda name: not name.endswith("_meta"))
    for name in names:
        source = folder / "collection" / name / STORAGE
        if not source.is_file():
            continue
        target = into / "collection" / name / STORAGE
        target.parent.mkdir(parents=True)
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            writer = sqlite3.connect(target)
            try:
                reader.backup(writer)
            finally:
                writer.close()
        finally:
            reader.close()


def committed_copy(folder: Path) -> Path:
    """A new temporary folder holding ``copy_committed(folder)``; the caller removes it (``remove_copy``)."""
    into = Path(tempfile.mkdtemp(prefix="latechunk-snapshot-"))
    try:
        copy_committed(folder, into)
    except BaseException:
        remove_copy(into)
        raise
    return into


def remove_copy(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
