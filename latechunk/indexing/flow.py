"""The one index flow: open (or make) the store, check its settings, repair and prune it, then let an executor
(local or Ray) embed the new and changed files."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.documents import Found, chunker_for, path_key
from latechunk.indexing.job import Executor, IndexJob, Reporter, Tally
from latechunk.store import (
    BuildSettings,
    FileRecord,
    Store,
    StoreError,
    StoreLocation,
    check_index,
    new_store_settings,
)
from latechunk.store.late_chunkers import build_late_chunker, new_build_settings

if TYPE_CHECKING:
    from latechunk import LateChunker

NOTHING_READ = "no document could be read; nothing was indexed"
STORE_WAIT_SECONDS = 60.0
"""How long an index waits for a store folder that another process has open (a search holds it for a moment)."""


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
    present = {path_key(f) for f in found.files}
    location.wait_until_free(
        STORE_WAIT_SECONDS,
        lambda: reporter.warn(
            f"{location.path} is open in another latechunk process; waiting up to {STORE_WAIT_SECONDS:g} s for it"
        ),
    )
    with location.open(create=True) as store:
        stored = store.settings()
        if stored is not None:
            check_index(stored, given, store.where)
        if stored is None:
            late_chunker = late_chunker or _new_store_late_chunker(given)
            settings = new_build_settings(late_chunker, given)
            _reset_unsettled(store, reporter)
            store.create(settings)
            records, stale = {}, set()
        else:
            settings, late_chunker = stored, None
            records = store.file_records()
            stale = _restore_chunks(store, settings, records, reporter) or _repair(store, records, reporter)
            _forget_lost(store, stale, records, present, reporter)
        tally.removed = _prune(store, found.folders, present, records)
        job = IndexJob(store, location, settings, given, found.files, records, stale, late_chunker)
        executor.index(job, tally, reporter)
        advice = store.outgrown()
        if advice is not None:
            reporter.warn(advice)
        if nothing_read(tally) and stored is None:
            raise StoreError(NOTHING_READ)
        return store.where


def _new_store_late_chunker(given: Mapping[str, Any]) -> LateChunker:
    """The LateChunker of a new store's default chunker (for a plain text file): it sets the store's settings."""
    return build_late_chunker(given, None, chunker=chunker_for(new_store_settings(given)["chunker"], ""))


def _reset_unsettled(store: Store, reporter: Reporter) -> None:
    """Empty a store that holds chunks or file records but no settings (nothing tells how its vectors were made,
    so they cannot be kept): it is rebuilt as a new store."""
    if store.count_chunks() or store.file_records():
        reporter.warn(f"{store.where} lost its build settings; rebuilding it (every file is embedded again)")
    store.reset()


def _restore_chunks(
    store: Store, settings: BuildSettings, records: dict[str, FileRecord], reporter: Reporter
) -> set[str]:
    """Make the chunk collection anew when it is gone; every recorded file is then embedded again."""
    if store.has_chunk_collection():
        return set()
    store.restore_chunk_collection(settings.dimension)
    if records:
        reporter.warn(
            f"{store.where} lost its chunk collection {store.collection!r}; made it anew, embedding the "
            f"{len(records)} recorded file(s) again"
        )
    return set(records)


def _forget_lost(
    store: Store, stale: set[str], records: dict[str, FileRecord], present: set[str], reporter: Reporter
) -> None:
    """Forget the files whose chunks were lost and that this run does not index (they are not among its paths),
    so that the store adds up again; ``stale`` and ``records`` lose them too."""
    lost = sorted(stale - present)
    for key in lost:
        store.remove_file(key)
        stale.discard(key)
        records.pop(key, None)
    if lost:
        reporter.warn(
            f"{len(lost)} file(s) whose chunks {store.where} lost are not among the paths given (first: {lost[0]}); "
            "forgot them: index them again to search them"
        )


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
    """Forget files that were indexed from one of ``folders`` and no longer exist there (in the store and in
    ``records``); returns how many."""
    gone = [
        key
        for key in records
        if key not in present and not Path(key).exists() and any(Path(key).is_relative_to(f) for f in folders)
    ]
    for key in gone:
        store.remove_file(key)
        del records[key]
    return len(gone)


def _remove_new_store(folder: Path, existed: bool) -> None:
    """Undo a first index that failed: the folder goes (or is emptied, when it was there, empty, before)."""
    if not folder.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)  # it was absent or empty before this run: all in it is ours
    if existed:
        folder.mkdir(exist_ok=True)
