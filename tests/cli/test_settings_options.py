"""The command line's model options come from LateChunkerSettings, and a store keeps what changes its vectors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from latechunk.cli import main
from latechunk.cli.settings import add_model_options
from latechunk.options import OMITTED
from latechunk.settings import setting_fields

TEXT = "Emperor penguins breed during the Antarctic winter. The male keeps the egg warm. It does not eat."


def test_every_setting_is_an_index_option_and_the_non_chunking_ones_search_options():
    for indexing in (True, False):
        parser = argparse.ArgumentParser()
        add_model_options(parser, indexing=indexing)
        flags = {flag for action in parser._actions for flag in action.option_strings}
        for f in setting_fields():
            wanted = f.name not in OMITTED and (indexing or f.metadata["group"] != "chunking")
            assert (f"--{f.name.replace('_', '-')}" in flags) == wanted, f.name


def test_a_store_keeps_the_window_settings_and_refuses_others(tmp_path: Path, capsys: pytest.CaptureFixture):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "penguins.txt").write_text(TEXT, encoding="utf-8")
    store = str(tmp_path / "store")
    assert main(["index", str(docs), "--store", store, "--merge", "center", "--overlap", "16"]) == 0
    (docs / "more.txt").write_text("Penguins cannot fly. They swim well.", encoding="utf-8")
    assert main(["index", str(docs), "--store", store, "--merge", "mean"]) == 1
    assert "--merge 'center', not 'mean'" in capsys.readouterr().err
    assert main(["index", str(docs), "--store", store]) == 0  # left out: the store's settings
    capsys.readouterr()
    assert main(["search", "Do penguins eat in winter?", "--store", store, "--json", "-k", "1"]) == 0
    (hit,) = json.loads(capsys.readouterr().out)
    assert "eat" in hit["text"]


def test_bad_option_values_are_refused_by_argparse(capsys: pytest.CaptureFixture, tmp_path: Path):
    with pytest.raises(SystemExit):
        main(["index", str(tmp_path), "--store", str(tmp_path / "s"), "--chunk-size", "0"])
    assert "--chunk-size" in capsys.readouterr().err
