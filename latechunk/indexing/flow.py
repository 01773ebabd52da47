"""The one index flow: open (or make) the store, check its settings, repair and prune it, then let an executor
(local or Ray) embed the new and changed files."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.documents import Found, chunker_for, path_key
from latechunk.indexing.job import Executor, IndexJob, Reporter, Tally
from latechunk.store import FileRecord, Store, StoreError, StoreLocation, check_index, new_store_settings
from latechunk.store.late_chunkers import build_late_chunker, new_build_settings

if TYPE_CHECKING:
    from latechunk import LateChunker

NOTHING_READ = "no document could be read; nothing was indexed"


def index_files(
    location: StoreLocation, found: Found, given: Mapping[str, Any], executor: Executor, reporter: Reporter
) -> tuple[Tally, str]:
    """Bring the store at ``location`` up to date with the ``found`` files; returns what was done and where.

    ``given`` holds the settings the user gave (a new store takes them over the index defaults; an existing
    one refuses any that disagree with its own). For a new store folder the model is loaded before anything
    is written, and a first run that stores nothing leaves no store behind (``StoreError``). A later run that
    reads nothing returns a tally with nothing indexed or unchanged; ``nothing_read`` says so.
    """
    new_folder = location.new_folder()
    folder_existed = new_folder is not None and new_folder.exists()
    late_chunker = None
    if new_folder is not None:  # check the options (load the model) before anything is written
        if new_folder.exists() and (not new_folder.is_dir() or any(new_folder.iterdir())):
            with location.open(create=True):  # raises the store's own error
                pass
        late_chunker = _new_store_late_chunker(given)
    tally = Tally(failed=len(found.problems))
    try:
        where = _index(location, found, given, late_chunker, executor, reporter, tally)
    except BaseException:
        if new_folder is not None and tally.indexed == 0:  # an interrupted first run keeps what it stored
            _remove_new_store(new_folder, folder_existed)
        raise
    return tally, where


def nothing_read(tally: Tally) -> bool:
    """Whether a run found no document it could read (none indexed, none unchanged)."""
    return tally.indexed + tally.unchanged == 0


def _index(
    location: StoreLocation,
    found: Found,
    given: Mapping[str, Any],
    late_chunker: LateChunker | None,
    executor: Executor,
    reporter: Reporter,
    tally: Tally,
) -> str:
    with location.open(create=True) as store:
        stored = store.settings()
        if stored is not None:
            check_index(stored, given, store.where)
        records = store.file_records()
        if stored is None:
            late_chunker = late_chunker or _new_store_late_chunker(given)
            settings = new_build_settings(late_chunker, given)
            if store.count_chunks():  # chunks without settings: nothing tells how they were made
                reporter.warn(f"{store.where} lost its settings record; rebuilding it")
                store.reset_chunks(settings.dimension)
            store.create(settings)
            records, stale = {}, set()
        else:
            settings, late_chunker = stored, None
            stale = _repair(store, records, reporter)
        tally.removed = _prune(store, found.folders, {path_key(f) for f in found.files}, records)
        job = IndexJob(store, location, settings, given, found.files, records, stale, late_chunker)
        executor.index(job, tally, reporter)
        if nothing_read(tally) and stored is None:
            raise StoreError(NOTHING_READ)
        return store.where


def _new_store_late_chunker(given: Mapping[str, Any]) -> LateChunker:
    """The LateChunker of a new store's default chunker (for a plain text file): it sets the store's settings."""
    return build_late_chunker(given, None, chunker=chunker_for(new_store_settings(given)["chunker"], ""))


def _repair(store: Store, records: dict[str, FileRecord], reporter: Reporter) -> set[str]:
    """Files whose chunks the store lost (to embed again); stray chunks are dropped. Says what it found."""
    damage = store.damage(records)
    for key in damage.orphans:
        store.delete_chunks(key)
    if damage.files or damage.orphans:
        reporter.warn(
            f"{store.where} was damaged: {len(damage.files)} file(s) with missing or extra chunks, "
            f"{len(damage.orphans)} with chunks but no record; embedding those files again"
        )
    return damage.files


def _prune(store: Store, folders: list[Path], present: set[str], records: dict[str, FileRecord]) -> int:
    """Forget files that were indexed from one of ``folders`` and no longer exist there."""
    removed = 0
    for key in records:
        if key not in present and not Path(key).exists() and any(Path(key).is_relative_to(f) for f in folders):
            store.remove_file(key)
            removed += 1
    return removed


def _remove_new_store(folder: Path, existed: bool) -> None:
    """Undo a first index that failed: the folder goes (or is emptied, when it was there, empty, before)."""
    if not folder.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)  # it was absent or empty before this run: all in it is ours
    if existed:
        folder.mkdir(exist_ok=True)
