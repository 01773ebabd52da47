"""The background query process behind ``latechunk search``: same answers, reused, stopped, and gone when idle."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from .console import EXAMPLES, environment, latechunk, short_folder

pytestmark = pytest.mark.integration  # each test starts the background query process

QUESTION = "Who invented the lighthouse lens, and how is it built?"


def _process_ids(runtime: Path) -> list[int]:
    """Pids from the logs of the query processes started under ``runtime``."""
    pids = []
    for log in runtime.glob("*.log"):
        words = log.read_text(errors="replace").split()
        if len(words) > 3 and words[:3] == ["latechunk", "query", "process"]:
            pids.append(int(words[3]))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def runtime():
    """A private socket folder; whatever query process a test started is stopped (and, failing that, killed)."""
    folder = short_folder()
    yield folder
    latechunk("search", "--stop", env=environment(daemon=True, runtime=folder))
    for pid in _process_ids(folder):
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def store(tmp_path) -> Path:
    store = tmp_path / "store"
    result = latechunk("index", EXAMPLES, "--store", store)
    assert result.returncode == 0, result.stderr
    return store


def test_the_background_process_answers_as_a_search_in_process_does(store, runtime, tmp_path):
    env = environment(daemon=True, runtime=runtime)
    first = latechunk("search", QUESTION, "--store", store, "-k", "3", "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert "starting a background query process" in first.stderr
    alone = latechunk("search", QUESTION, "--store", store, "-k", "3", "--json", "--no-daemon", env=env)
    assert alone.returncode == 0, alone.stderr
    background, here = json.loads(first.stdout), json.loads(alone.stdout)
    assert [(h["file"], h["start"], h["end"]) for h in background] == [(h["file"], h["start"], h["end"]) for h in here]
    assert [h["score"] for h in background] == pytest.approx([h["score"] for h in here], abs=1e-5)

    relative = latechunk("search", QUESTION, "--store", "store", "-k", "1", env=env, cwd=tmp_path)
    assert relative.returncode == 0 and relative.stderr == ""  # reused: nothing started
    assert relative.stdout.startswith("1. score ") and "lighthouses.txt" in relative.stdout
    assert len(_process_ids(runtime)) == 1

    refused = latechunk("search", QUESTION, "--store", store, "--dimensions", "128", env=env)
    assert refused.returncode == 1 and "384-dimensional" in refused.stderr and "Traceback" not in refused.stderr


def test_index_can_write_while_the_process_runs_and_search_sees_the_change(store, runtime, tmp_path):
    env = environment(daemon=True, runtime=runtime)
    assert latechunk("search", QUESTION, "--store", store, env=env).returncode == 0
    docs = tmp_path / "docs"
    shutil.copytree(EXAMPLES, docs)
    (docs / "penguins.txt").write_text(
        "Emperor penguins breed in the Antarctic winter; the male keeps the egg warm on his feet.", encoding="utf-8"
    )
    indexed = latechunk("index", docs, "--store", store)  # the process holds no lock on the store
    assert indexed.returncode == 0, indexed.stderr
    hits = json.loads(latechunk("search", "Which bird warms its egg?", "--store", store, "--json", env=env).stdout)
    assert Path(hits[0]["file"]).name == "penguins.txt"


def test_stop_ends_the_process(store, runtime):
    env = environment(daemon=True, runtime=runtime)
    assert latechunk("search", QUESTION, "--store", store, env=env).returncode == 0
    [pid] = _process_ids(runtime)
    stopped = latechunk("search", "--stop", env=env)
    assert stopped.returncode == 0 and f"pid {pid}" in stopped.stdout
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid) and not list(runtime.glob("*.sock"))
    assert "no background query process" in latechunk("search", "--stop", env=env).stdout


def test_the_process_exits_after_its_keep_alive(store, runtime):
    env = environment(daemon=True, runtime=runtime)
    assert latechunk("search", QUESTION, "--store", store, "--keep-alive", "2", env=env).returncode == 0
    [pid] = _process_ids(runtime)
    deadline = time.monotonic() + 60
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid) and not list(runtime.glob("*.sock"))


def test_one_process_per_installation_whichever_interpreter_name_starts_it(store, runtime):
    """``.venv/bin/python`` and ``python3`` (the console script's) are one installation: one process, one stop."""
    import subprocess
    import sys

    env = environment(daemon=True, runtime=runtime)
    names = [Path(sys.executable).with_name(name) for name in ("python", "python3")]
    names = [name for name in names if name.exists()]
    assert len(names) == 2, names
    first = latechunk("search", QUESTION, "--store", store, env=env)  # the console script
    assert first.returncode == 0 and "starting a background query process" in first.stderr
    for interpreter in names:
        run = subprocess.run(
            [str(interpreter), "-m", "latechunk", "search", QUESTION, "--store", str(store)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        assert "starting" not in run.stderr  # it found the running process
    [pid] = _process_ids(runtime)
    stopped = subprocess.run(
        [str(names[1]), "-m", "latechunk", "search", "--stop"], capture_output=True, text=True, env=env, timeout=60
    )
    assert f"pid {pid}" in stopped.stdout
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
