"""The one index flow around an executor: settings checked, lost chunks repaired, vanished files pruned.

A recording executor stands in for the model (the store exists, so no model is loaded); the local and Ray
executors are run for real by the command-line tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latechunk.documents import content_hash, find_documents, path_key
from latechunk.indexing import IndexJob, Tally, index_files, nothing_read
from latechunk.store import BuildSettings, StoredChunk, StoreError, StoreLocation

SETTINGS = BuildSettings("m", 4, None, "auto", 32, 256, "retrieval.passage", "0")


class Recorder:
    """An executor that embeds nothing and keeps the job it was given."""

    def __init__(self) -> None:
        self.jobs: list[IndexJob] = []

    def index(self, job: IndexJob, tally: Tally, reporter: object) -> None:
        self.jobs.append(job)


class Messages:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def skipped(self, path: Path | str, problem: str) -> None:
        self.lines.append(f"skipped {path}: {problem}")

    def note(self, path: Path | str, note: str) -> None:
        self.lines.append(f"note {path}: {note}")

    def warn(self, message: str) -> None:
        self.lines.append(message)


def _chunks(n: int) -> list[StoredChunk]:
    return [StoredChunk(i, i, i + 1, "x", "", "", np.eye(4, dtype=np.float32)[i]) for i in range(n)]


@pytest.fixture
def store_of_docs(tmp_path: Path) -> tuple[StoreLocation, Path]:
    """A store of docs/a.txt (unchanged), docs/b.txt (one of its two chunks lost), docs/gone.txt (deleted since)
    and stray chunks of docs/stray.txt (no record)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Alpha.", encoding="utf-8")
    (docs / "b.txt").write_text("Beta. Gamma.", encoding="utf-8")
    location = StoreLocation(path=str(tmp_path / "store"))
    key = path_key
    with location.open(create=True) as store:
        store.create(SETTINGS)
        store.replace_file(key(docs / "a.txt"), content_hash(b"Alpha."), _chunks(1))
        store.replace_file(key(docs / "b.txt"), content_hash(b"Beta. Gamma."), _chunks(2))
        store.replace_file(key(docs / "gone.txt"), "old", _chunks(1))
        store.upsert_chunks([(key(docs / "stray.txt"), chunk) for chunk in _chunks(2)])
        store.delete_chunks_from(key(docs / "b.txt"), 1)
    return location, docs


def test_the_executor_gets_the_files_to_embed_after_repair_and_prune(store_of_docs):
    location, docs = store_of_docs
    executor, messages = Recorder(), Messages()
    tally, where = index_files(location, find_documents([docs]), {"device": "cpu"}, executor, messages)
    (job,) = executor.jobs
    a, b = path_key(docs / "a.txt"), path_key(docs / "b.txt")
    assert job.settings == SETTINGS and job.given == {"device": "cpu"} and job.late_chunker is None
    assert job.stale == {b} and set(job.known_hashes()) == {a}
    assert tally.removed == 1 and where == f"store {location.path}"
    assert messages.lines == [
        f"store {location.path} was damaged: 1 file(s) with missing or extra chunks, 1 with chunks but no record; "
        "embedding those files again"
    ]
    assert nothing_read(tally)  # the recorder embedded nothing and counted nothing unchanged
    with location.open(create=False) as store:
        assert set(store.file_records()) == {a, b}  # gone.txt is forgotten
        assert store.count_chunks(path_key(docs / "stray.txt")) == 0 and store.count_chunks() == 2


def test_settings_that_disagree_with_the_store_stop_the_run_before_any_change(store_of_docs):
    location, docs = store_of_docs
    executor = Recorder()
    with pytest.raises(StoreError, match="--merge 'mean', not 'first'"):
        index_files(location, find_documents([docs]), {"merge": "first"}, executor, Messages())
    assert executor.jobs == []
    with location.open(create=False) as store:
        assert len(store.file_records()) == 3  # nothing pruned
