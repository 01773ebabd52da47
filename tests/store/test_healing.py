"""A store whose parts were deleted through Qdrant's own API: ``search`` says what to do, ``index`` rebuilds it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from latechunk.cli import main
from latechunk.store import DEFAULT_COLLECTION, Store
from latechunk.store import points as store_points

from ..cli.console import EXAMPLES

pytestmark = pytest.mark.integration

META = f"{DEFAULT_COLLECTION}_meta"


def _delete_collections(*names: str) -> Callable[[Path], None]:
    def delete(store: Path) -> None:
        from qdrant_client import QdrantClient

        client = QdrantClient(path=str(store))
        try:
            for name in names:
                assert client.delete_collection(name)
        finally:
            client.close()

    return delete


def _delete_settings_record(store: Path) -> None:
    from qdrant_client import QdrantClient

    client = QdrantClient(path=str(store))
    try:
        client.delete(META, points_selector=[store_points.point_id(store_points.SETTINGS_KIND)])
    finally:
        client.close()


LOSSES = {
    "vectors": (_delete_collections(DEFAULT_COLLECTION), "its chunk collection 'latechunk' is gone"),
    "records-and-settings": (_delete_collections(META), "lost its build settings"),
    "settings-record": (_delete_settings_record, "lost its build settings"),
    "everything": (_delete_collections(DEFAULT_COLLECTION, META), "holds no index"),
}


@pytest.fixture(scope="module")
def built_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("healing") / "store"
    assert main(["index", str(EXAMPLES), "--store", str(store)]) == 0
    return store


def _search(store: Path, capsys) -> tuple[int, list, str]:
    status = main(["search", "How is a lighthouse lens built?", "--store", str(store), "--json", "-k", "2"])
    out = capsys.readouterr()
    return status, json.loads(out.out) if status == 0 else [], out.err


@pytest.mark.parametrize("lost", list(LOSSES))
def test_a_deleted_part_is_named_by_search_and_rebuilt_by_index(built_store, tmp_path, capsys, lost):
    delete, message = LOSSES[lost]
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    delete(store)

    status, _, err = _search(store, capsys)
    assert status == 1 and message in err and "latechunk index" in err and "Traceback" not in err

    assert main(["index", str(EXAMPLES), "--store", str(store)]) == 0
    out = capsys.readouterr()
    assert "indexed 4 file(s)" in out.out, out
    status, hits, err = _search(store, capsys)
    assert status == 0, err
    assert Path(hits[0]["file"]).name == "lighthouses.txt"
    with Store.open(str(store), create=False) as opened:
        opened.check_whole()
        assert opened.count_chunks() == 40 and len(opened.file_records()) == 4
    assert main(["index", str(EXAMPLES), "--store", str(store)]) == 0
    assert "4 unchanged" in capsys.readouterr().out


def test_files_whose_chunks_were_lost_and_that_are_not_indexed_again_are_forgotten(built_store, tmp_path, capsys):
    store, docs = tmp_path / "store", tmp_path / "docs"
    shutil.copytree(built_store, store)
    docs.mkdir()
    shutil.copy(EXAMPLES / "lighthouses.txt", docs)  # one file of four, from another folder
    _delete_collections(DEFAULT_COLLECTION)(store)

    assert main(["index", str(docs), "--store", str(store)]) == 0
    out = capsys.readouterr()
    assert "indexed 1 file(s)" in out.out and "4 file(s) whose chunks" in out.err and "forgot them" in out.err
    status, hits, err = _search(store, capsys)
    assert status == 0, err
    assert {Path(hit["file"]).parent for hit in hits} == {docs}
    with Store.open(str(store), create=False) as opened:
        opened.check_whole()
        assert list(opened.file_records()) == [str(docs / "lighthouses.txt")]
