"""The build settings record: derived from LateChunkerSettings, read from stores old and new."""

from __future__ import annotations

import dataclasses

import pytest

from latechunk.settings import setting_fields
from latechunk.store import STORED_SETTINGS, BuildSettings, StoreError, new_store_settings
from latechunk.store.settings import FIRST_RECORD

OLD_RECORD = {  # a store written before the window settings were recorded
    "kind": "settings",
    "model": "m",
    "dimension": 8,
    "dimensions": None,
    "chunker": "sentences",
    "chunk_size": 64,
    "max_length": 256,
    "task": "retrieval.passage",
    "latechunk_version": "0.1.0",
}


def test_the_stored_settings_are_the_settings_marked_as_changing_the_vectors():
    marked = {f.name for f in setting_fields() if f.metadata["stored"]}
    assert set(STORED_SETTINGS) == marked
    assert {"model", "task", "chunker", "chunk_size", "max_length", "overlap", "merge"} <= marked
    assert not {"device", "dtype", "batch_size", "max_batch_tokens", "token"} & marked
    record = [f.name for f in dataclasses.fields(BuildSettings)]
    assert record[: len(FIRST_RECORD)] == list(FIRST_RECORD)
    assert set(record) == marked | {"dimension", "latechunk_version"}


def test_a_record_written_before_the_window_settings_reads_with_the_defaults_of_then():
    settings = BuildSettings.from_payload(OLD_RECORD)
    defaults = {f.name: f.default for f in setting_fields()}
    later = [name for name in STORED_SETTINGS if name not in FIRST_RECORD]
    assert later == ["overlap", "merge", "pool_special_tokens", "repeat_prefix", "normalize_embeddings"]
    assert all(getattr(settings, name) == defaults[name] for name in later)
    assert BuildSettings.from_payload(settings.to_payload()) == settings


def test_a_record_without_its_first_fields_is_refused():
    with pytest.raises(StoreError, match="lack chunk_size, model"):
        BuildSettings.from_payload({k: v for k, v in OLD_RECORD.items() if k not in ("model", "chunk_size")})


def test_the_store_settings_win_over_the_given_ones_except_a_searchs_window():
    stored = BuildSettings.from_payload({**OLD_RECORD, "chunker": "auto", "merge": "center"})
    given = {"merge": "mean", "max_length": 128, "device": "cpu", "dtype": "float32"}
    indexing = stored.late_chunker_settings(given, chunker="markdown")
    assert (indexing.merge, indexing.max_length, indexing.chunker) == ("center", 256, "markdown")
    assert (indexing.device, indexing.dtype, indexing.show_progress_bar) == ("cpu", "float32", False)
    searching = stored.late_chunker_settings(given, searching=True)
    assert (searching.max_length, searching.chunker) == (128, "sentences")  # auto: sentences for a query


def test_a_new_store_takes_the_index_defaults_under_the_given_settings():
    assert new_store_settings({}) == {"task": "retrieval.passage", "chunker": "auto", "chunk_size": 32}
    assert new_store_settings({"task": None, "chunk_size": 64})["task"] is None


def test_a_new_stores_record_takes_every_setting_from_the_late_chunker():
    """``from_late_chunker`` names each stored setting by hand: one it misses would be recorded at its default."""
    from types import SimpleNamespace

    window = SimpleNamespace(overlap=7, merge="first", repeat_prefix=False)
    late_chunker = SimpleNamespace(
        model_name="some/model",
        dim=12,
        dimensions=6,
        max_length=99,
        task="retrieval.passage",
        window=window,
        pool_special_tokens=False,
        normalize_embeddings=False,
    )
    record = BuildSettings.from_late_chunker(late_chunker, "auto", 17)
    defaulted = [f.name for f in dataclasses.fields(BuildSettings) if getattr(record, f.name) == f.default]
    assert not defaulted, defaulted
    assert (record.overlap, record.merge, record.chunk_size, record.dimension) == (7, "first", 17, 12)
