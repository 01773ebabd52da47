"""``latechunk.distributed.chunk_and_embed`` on a local Ray: same vectors as one process, faults, errors."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np
import pytest

from latechunk.distributed import chunk_and_embed, chunk_id, split_errors

from .corpus import documents

# Two actors of half a CPU each leave room for Ray's plain tasks on the 2-CPU test instance.
WORKERS = {"workers": 2, "cpus_per_worker": 0.5}


@pytest.fixture(scope="module")
def corpus():
    return documents(200)


@pytest.fixture(scope="module")
def reference(minilm, corpus):
    """The single-process result, one call for all documents."""
    return minilm.chunk_and_embed(corpus)


def _by_doc(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["doc_id"]].append(row)
    return {doc: sorted(chunks, key=lambda r: r["chunk_index"]) for doc, chunks in grouped.items()}


def _assert_same(rows, corpus, reference, ids):
    grouped = _by_doc(rows)
    assert set(grouped) == set(ids)
    for doc_id, text, expected in zip(ids, corpus, reference, strict=True):
        got = grouped[doc_id]
        assert [(r["start"], r["end"], r["text"]) for r in got] == [(c.start, c.end, c.text) for c in expected]
        assert all(r["chunk_count"] == len(expected) for r in got)
        assert [r["chunk_id"] for r in got] == [chunk_id(doc_id, c.start, c.end) for c in expected]
        for r, c in zip(got, expected, strict=True):
            assert text[r["start"] : r["end"]] == r["text"]
            np.testing.assert_allclose(np.asarray(r["embedding"], dtype=np.float32), c.embedding, atol=1e-5)


def test_two_workers_equal_one_process(ray_local, corpus, reference, minilm_path):
    ids = [f"doc-{i:03d}" for i in range(len(corpus))]
    items = [{"doc_id": ids[i], "text": t, "source": f"set-{i % 3}"} for i, t in enumerate(corpus)]
    items.insert(77, {"doc_id": None, "text": "A document without an id.", "source": "set-0"})
    ds = ray_local.data.from_items(items, override_num_blocks=7)
    out = chunk_and_embed(ds, minilm_path, id_column="doc_id", batch_size=24, **WORKERS)
    rows = out.take_all()
    (orphan,) = [r for r in rows if r["error"] is not None]
    assert orphan["error"] == "doc_id is null" and orphan["embedding"] is None
    rows = [r for r in rows if r["error"] is None]
    assert sum(len(c) for c in reference) == len(rows)
    assert len({r["chunk_id"] for r in rows}) == len(rows)
    assert {r["source"] for r in rows} == {"set-0", "set-1", "set-2"}  # the input's other columns come along
    assert all(r["source"] == f"set-{int(r['doc_id'][4:]) % 3}" for r in rows)
    _assert_same(rows, corpus, reference, ids)


def test_worker_killed_on_first_batch_is_retried(ray_local, corpus, reference, minilm_path, tmp_path):
    marker = tmp_path / "died"
    n = 40
    ids = [f"doc-{i:03d}" for i in range(n)]
    items = [{"doc_id": d, "text": t} for d, t in zip(ids, corpus[:n], strict=True)]
    ds = ray_local.data.from_items(items, override_num_blocks=4)
    out = chunk_and_embed(ds, minilm_path, id_column="doc_id", batch_size=8, die_once=str(marker), **WORKERS)
    rows = out.take_all()
    assert marker.exists()  # a worker did die
    assert len({r["chunk_id"] for r in rows}) == len(rows) == sum(len(c) for c in reference[:n])
    _assert_same(rows, corpus[:n], reference[:n], ids)


def test_bad_documents_become_error_rows(ray_local, minilm_path):
    items = [
        {"name": "good", "text": "The harbour shelters every passing ship. A glacier crosses the delta."},
        {"name": "none", "text": None},
        {"name": "latin1", "text": "caf\xe9 au lait".encode("latin-1")},
        {"name": "utf8", "text": "Caf\u00e9 au lait is served warm.".encode()},
        {"name": "poison", "text": "This document is POISON for the chunker."},
        {"name": "empty", "text": "   "},
    ]
    from .poison import PoisonChunker

    for item in items:  # a user's own column named "meta" comes along untouched (chunk metadata is chunk_meta)
        item["meta"] = f"mine-{item['name']}"
    ds = ray_local.data.from_items(items)  # no id column: a document's id is the SHA-256 of its text
    out = chunk_and_embed(ds, minilm_path, chunker=PoisonChunker(chunk_size=32), **WORKERS)
    chunks, errors = split_errors(out)
    failed = {r["name"]: r for r in errors.take_all()}
    assert set(failed) == {"none", "latin1", "poison"}
    assert "NoneType" in failed["none"]["error"] and failed["none"]["doc_id"] is None
    assert "UTF-8" in failed["latin1"]["error"]
    assert "poisoned document" in failed["poison"]["error"]
    assert failed["poison"]["doc_id"] == hashlib.sha256(items[4]["text"].encode()).hexdigest()
    good = chunks.take_all()
    assert {r["name"] for r in good} == {"good", "utf8"}  # "empty" has no chunks
    assert all(r["meta"] == f"mine-{r['name']}" and r["chunk_meta"] == "{}" for r in good)
    assert {r["doc_id"] for r in good} == {
        hashlib.sha256(items[0]["text"].encode()).hexdigest(),
        hashlib.sha256("Caf\u00e9 au lait is served warm.".encode()).hexdigest(),
    }
    assert "error" not in chunks.columns()
    assert all(r["embedding"] is not None and len(r["embedding"]) == 384 for r in good)


def test_missing_text_column_is_named(ray_local, minilm_path):
    ds = ray_local.data.from_items([{"body": "x"}])
    with pytest.raises(ValueError, match="text_column 'text'"):
        chunk_and_embed(ds, minilm_path)
