"""A store refuses settings that would make vectors unlike the ones it holds."""

from __future__ import annotations

import pytest

from latechunk.store import BuildSettings, StoreError, check_index, check_query

STORED = BuildSettings("m", 8, None, "auto", 32, 256, "retrieval.passage", "0", merge="center")


def test_the_settings_a_store_keeps_must_agree():
    check_index(STORED, {"merge": "center", "chunk_size": 32, "device": "cpu"}, "store s")
    with pytest.raises(StoreError, match="--merge 'center', not 'mean'"):
        check_index(STORED, {"merge": "mean"}, "store s")
    with pytest.raises(StoreError, match="--chunk-size 32, not 64"):
        check_index(STORED, {"chunk_size": 64}, "store s")


def test_a_task_agrees_in_either_spelling():
    check_index(STORED, {"task": "retrieval_passage"}, "store s")
    with pytest.raises(StoreError, match="--task"):
        check_index(STORED, {"task": None}, "store s")


def test_a_query_must_use_the_stores_model_and_vector_size():
    check_query(STORED, {"model": "m", "dimensions": 8, "merge": "mean"}, "store s")  # a query pools no windows
    with pytest.raises(StoreError, match="indexed with model 'm', not 'other'"):
        check_query(STORED, {"model": "other"}, "store s")
    with pytest.raises(StoreError, match="8-dimensional"):
        check_query(STORED, {"dimensions": 4}, "store s")
