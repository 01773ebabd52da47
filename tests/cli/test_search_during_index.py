"""``latechunk search`` while ``latechunk index`` writes the same store: it answers from what is committed."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from latechunk.store.snapshot import is_locked

from ..distributed.corpus import documents
from .console import EXAMPLES, SCRIPT, environment, latechunk

pytestmark = pytest.mark.integration


def test_search_answers_from_the_committed_state_while_index_runs(tmp_path):
    store, docs = tmp_path / "store", tmp_path / "docs"
    shutil.copytree(EXAMPLES, docs)
    assert latechunk("index", docs, "--store", store).returncode == 0
    for i, text in enumerate(documents(40, seed=1)):  # enough new files to keep the index busy for a while
        (docs / f"note-{i:02d}.txt").write_text((text + "\n\n") * 40, encoding="utf-8")
    index = subprocess.Popen(
        [str(SCRIPT), "index", str(docs), "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    try:
        deadline = time.monotonic() + 120
        while not is_locked(store) and index.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert is_locked(store), "the index never opened the store"
        found = latechunk("search", "How is a lighthouse lens built?", "--store", store, "--json", "-k", "3")
        still_running = index.poll() is None
        out, err = index.communicate(timeout=600)
    finally:
        index.kill()
        index.wait()
    assert found.returncode == 0, found.stderr
    assert "is being written by another process" in found.stderr  # it read the copy, not a free store
    hits = json.loads(found.stdout)
    assert Path(hits[0]["file"]).name == "lighthouses.txt"  # the first run's chunks were committed
    assert index.returncode == 0, err
    assert "indexed 40 file(s)" in out and "4 unchanged" in out
    assert still_running, "the index ended before the search did: the test proved nothing"
    after = latechunk("search", "lighthouse lens", "--store", store, "--json")
    assert after.returncode == 0 and "being written" not in after.stderr
