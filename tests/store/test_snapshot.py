"""A store folder that another client holds open: read from a copy of what it committed, written after a wait."""

from __future__ import annotations

import numpy as np
import pytest

from latechunk.store import BuildSettings, Store, StoreBusyError, StoredChunk
from latechunk.store.snapshot import is_locked, wait_until_free

SETTINGS = BuildSettings("m", 3, None, "sentences", 64, 512, "retrieval.passage", "0")
VECTORS = np.eye(3, dtype=np.float32)


def _chunks(n: int) -> list[StoredChunk]:
    return [StoredChunk(i, i, i + 1, "abc"[i], "", "", VECTORS[i]) for i in range(n)]


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "store"
    with Store.open(path=str(folder), create=True) as store:
        store.create(SETTINGS)
        store.replace_file("/a", "h1", _chunks(3))
    return folder


def test_a_held_store_is_read_from_a_copy_of_its_last_commit(folder):
    writer = Store.open(path=str(folder), create=True)  # holds qdrant-client's lock, as a running index does
    try:
        assert is_locked(folder)
        writer.replace_file("/b", "h2", _chunks(2))  # committed while held
        with Store.open(path=str(folder), create=False) as reader:
            assert reader.snapshot and reader.copy is not None and reader.copy != folder
            copy = reader.copy
            assert reader.settings() == SETTINGS
            assert reader.file_hashes() == {"/a": "h1", "/b": "h2"} and reader.count_chunks() == 5
            writer.replace_file("/c", "h3", _chunks(1))  # after the copy: not in it
            assert reader.count_chunks() == 5
            assert [h.file for h in reader.search(VECTORS[2], 5)][0] == "/a"
        assert not copy.exists()
        with pytest.raises(StoreBusyError, match="another latechunk process is using it"):
            Store.open(path=str(folder), create=True)
        waits = []
        assert not wait_until_free(folder, 0.3, lambda: waits.append(1)) and waits == [1]
    finally:
        writer.close()
    assert not is_locked(folder) and wait_until_free(folder, 0.3, lambda: pytest.fail("no wait when free"))
    with Store.open(path=str(folder), create=False) as reader:
        assert not reader.snapshot and reader.count_chunks() == 6
        reader.check_whole()
