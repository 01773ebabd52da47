"""The store: build settings, file hashes and chunks in Qdrant, on a server's code path."""

from __future__ import annotations

import pytest

from latechunk.store import Store


def test_store_in_server_mode_keeps_settings_hashes_and_chunks():
    import numpy as np
    from qdrant_client import QdrantClient

    from latechunk.store import BuildSettings, StoredChunk

    settings = BuildSettings("m", 3, None, "sentences", 64, 512, "retrieval.passage", "0")
    store = Store(QdrantClient(location=":memory:"), "docs", "memory", local=False)  # takes the server code path
    with pytest.warns(UserWarning, match="Payload indexes"), store:
        assert store.settings() is None
        store.create(settings)
        assert store.settings() == settings
        vectors = np.eye(3, dtype=np.float32)
        store.replace_file("/a", "h1", [StoredChunk(i, i, i + 1, "abc"[i], "", "", vectors[i]) for i in range(3)])
        store.replace_file("/b", "h2", [StoredChunk(0, 0, 1, "z", "", "", vectors[1])])
        store.replace_file("/a", "h3", [StoredChunk(0, 0, 1, "a", "", "", vectors[0])])  # replaces all three
        assert store.file_hashes() == {"/a": "h3", "/b": "h2"}
        assert (store.count_chunks("/a"), store.count_chunks()) == (1, 2)
        assert [(h.file, h.text) for h in store.search(vectors[1], 5)][0] == ("/b", "z")
        store.remove_file("/b")
        assert store.file_hashes() == {"/a": "h3"} and store.count_chunks() == 1
