"""``latechunk index --ray``: the store it writes is the local command's, search reads it, re-runs skip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from latechunk.cli import main
from latechunk.store import Store

from ..cli.test_cli import BROKEN_PDF, COMET_PAGES, TEA, TRAINS, make_pdf

RAY = ["--ray", "auto", "--workers", "1", "--cpus-per-worker", "0.5", "--batch-docs", "2"]
"""One actor keeps these tests short; two workers are tested in test_pipeline."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "comets.pdf").write_bytes(make_pdf(COMET_PAGES))
    (docs / "tea.md").write_text(TEA, encoding="utf-8")
    (docs / "trains.txt").write_text(TRAINS, encoding="utf-8")
    (docs / "broken.pdf").write_bytes(BROKEN_PDF)
    (docs / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    return docs


def _contents(path: Path) -> tuple[dict, dict, dict]:
    """Every chunk point (id -> payload, vector) and meta point (id -> payload) of a store."""
    with Store.open(path=str(path), create=False) as store:
        chunks, _ = store.client.scroll(store.collection, limit=10_000, with_payload=True, with_vectors=True)
        meta, _ = store.client.scroll(store.meta, limit=10_000, with_payload=True)
    payloads = {p.id: p.payload for p in chunks}
    vectors = {p.id: np.asarray(p.vector, dtype=np.float32) for p in chunks}
    records = {p.id: {k: v for k, v in p.payload.items() if k != "latechunk_version"} for p in meta}
    return payloads, vectors, records


def _assert_same_store(a: Path, b: Path) -> None:
    payloads_a, vectors_a, meta_a = _contents(a)
    payloads_b, vectors_b, meta_b = _contents(b)
    assert payloads_a == payloads_b
    assert meta_a == meta_b
    for key, vector in vectors_a.items():
        np.testing.assert_allclose(vector, vectors_b[key], atol=1e-5)


def test_index_on_ray_matches_local_index_and_skips_unchanged(ray_local, folder, tmp_path, capsys):
    store, local = tmp_path / "ray-store", tmp_path / "local-store"
    assert main(["index", str(folder), "--store", str(store), *RAY]) == 0
    out = capsys.readouterr()
    assert "indexed 4 file(s)" in out.out and "1 skipped" in out.out  # Latin-1 is decoded, as the CLI does
    assert "broken.pdf" in out.err and "latin1.txt" not in out.err

    assert main(["search", "What pushes a comet's tails away from the Sun?", "--store", str(store), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert Path(hits[0]["file"]).name == "comets.pdf"

    assert main(["index", str(folder), "--store", str(local)]) == 0
    capsys.readouterr()
    _assert_same_store(store, local)

    assert main(["index", str(folder), "--store", str(store), *RAY]) == 0
    assert "indexed 0 file(s) (0 chunks), 4 unchanged, 1 skipped" in capsys.readouterr().out

    # a shorter version of one file replaces its chunks; the stale ones are gone, as with the local command
    (folder / "tea.md").write_text(TEA.split("\n\n")[1], encoding="utf-8")
    (folder / "trains.txt").unlink()
    assert main(["index", str(folder), "--store", str(store), *RAY]) == 0
    assert "indexed 1 file(s)" in capsys.readouterr().out
    assert main(["index", str(folder), "--store", str(local)]) == 0
    capsys.readouterr()
    _assert_same_store(store, local)


def test_index_on_ray_to_parquet(ray_local, folder, tmp_path, capsys):
    out_dir = tmp_path / "chunks"
    assert main(["index", str(folder), "--output", "parquet", str(out_dir), *RAY]) == 0
    out = capsys.readouterr()
    assert "of 4 file(s), 1 skipped" in out.out and "broken.pdf" in out.err
    table = pq.read_table(out_dir)
    rows = table.to_pylist()
    assert {Path(r["doc_id"]).name for r in rows} == {"comets.pdf", "tea.md", "trains.txt", "latin1.txt"}
    assert len({r["chunk_id"] for r in rows}) == len(rows)
    assert all(len(r["embedding"]) == 384 and len(r["sha256"]) == 64 for r in rows)
    assert "error" not in table.column_names


def test_output_needs_ray(folder, tmp_path, capsys):
    assert main(["index", str(folder), "--output", "parquet", str(tmp_path / "x")]) == 1
    assert "--output needs --ray" in capsys.readouterr().err


def test_console_ray_index_picks_chunkers_per_file_and_stores_the_local_commands_metadata(ray_local, tmp_path):
    """Through the console script: Markdown, HTML and an outlined PDF on Ray, point for point the local store."""
    from latechunk.distributed import columns as col

    from ..cli.console import latechunk
    from ..cli.test_chunker_choice import GUIDE, NOTES, PAGE, REPORT_PAGES, chunks_by_file
    from ..documents.test_pdf_layout import make_pdf

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE, encoding="utf-8")
    (docs / "page.html").write_text(PAGE, encoding="utf-8")
    (docs / "notes.txt").write_text(NOTES, encoding="utf-8")
    (docs / "report.pdf").write_bytes(make_pdf(REPORT_PAGES, [("Introduction", 0, None), ("Tails", 1, "Introduction")]))
    on_ray, local = tmp_path / "ray-store", tmp_path / "local-store"
    result = latechunk("index", docs, "--store", on_ray, *RAY)  # "auto": the cluster this test runs
    assert result.returncode == 0, result.stderr
    assert "indexed 4 file(s)" in result.stdout
    assert latechunk("index", docs, "--store", local).returncode == 0
    _assert_same_store(on_ray, local)
    chunks = chunks_by_file(on_ray)
    assert [c["meta"]["headings"] for c in chunks["guide.md"]][1] == ["Canals", "Water Supply"]
    assert [c["meta"]["headings"] for c in chunks["page.html"]] == [["Lighthouses"], ["Lighthouses", "Lenses"]]
    assert chunks["report.pdf"][0]["meta"]["page_number"] == 1 and chunks["notes.txt"][0]["meta"] == {}

    out_dir = tmp_path / "parquet"
    result = latechunk("index", docs, "--output", "parquet", out_dir, *RAY)
    assert result.returncode == 0, result.stderr
    rows = {(Path(r["doc_id"]).name, r["chunk_index"]): r for r in pq.read_table(out_dir).to_pylist()}
    assert "layout" not in next(iter(rows.values()))  # used up: the pages are in meta
    for name, stored in chunks.items():
        assert [col.meta_of(rows[(name, c["index"])][col.META]) for c in stored] == [c["meta"] for c in stored]
        assert {rows[(name, c["index"])]["chunker"] for c in stored} == {
            "guide.md": {"markdown"},
            "page.html": {"html"},
        }.get(name, {"sentences"})
