"""The pipelined engine (text work in worker processes or threads) gives what the sequential path gives.

On the CPU in float32, where 1e-6 holds whatever the batches; ``benchmarks/text_workers.py
--device cuda`` compares the paths on a GPU. The matrix: workers 0/1/2 × process/thread × batch
settings × late/naive × chunkers (sentences, markdown, semantic) × three models (MiniLM, an e5-like
model with prefixes, a tiny jina-embeddings-v3 with task adapters).

Groups are made small here (a few hundred characters) so that a call has many groups and the
workers really run ahead of the model.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import latechunk.pipeline.host_workers as host_workers
from latechunk import LateChunker
from latechunk.errors import AlignmentError, LateChunkError

from .failing_chunker import FailsOn
from .jina_checkpoints import CORPUS

pytestmark = pytest.mark.integration

TOLERANCE = 1e-6
SMALL_GROUP_CHARS = 400


def documents(sentences: list[str]) -> list[str]:
    """Documents of very different lengths: one sentence, a few, several windows long, empty, blank."""
    docs = [" ".join(sentences[: 1 + i % len(sentences)]) for i in range(7)]
    docs.insert(2, "")
    docs.insert(4, "  \n ")
    docs.insert(5, " ".join(sentences * 2))  # several windows at the window sizes below
    docs.append(sentences[-1])
    docs.append("# Budget\n\n" + " ".join(sentences[:3]) + "\n\n## Buses\n\n" + " ".join(sentences[3:]))
    return docs


ENGLISH = [
    "The committee met on Tuesday to discuss the budget for the next school year.",
    "Several members asked whether the reading programme should be extended to older pupils.",
    "The chair noted that funding from the council had been cut by ten percent.",
    "A proposal to share buses with the neighbouring district was welcomed.",
    "Teachers reported that class sizes had grown since the autumn.",
    "The meeting closed with a vote to publish the minutes online.",
]


@pytest.fixture(autouse=True)
def small_groups(monkeypatch):
    monkeypatch.setattr(host_workers, "GROUP_CHARS", SMALL_GROUP_CHARS)
    monkeypatch.setattr(host_workers, "FIRST_GROUP_CHARS", SMALL_GROUP_CHARS // 4)
    yield
    host_workers.close_pools()  # no worker process outlives its test (the session checks for leftovers)


def groups(chunker: LateChunker, docs: list[str]) -> list[range]:
    return chunker.engine.host.groups([len(d) for d in docs])


def assert_same_chunks(got: list[list], want: list[list]) -> None:
    assert len(got) == len(want)
    for doc_got, doc_want in zip(got, want, strict=True):
        assert [(c.text, c.start, c.end, c.token_count, c.index, c.meta) for c in doc_got] == [
            (c.text, c.start, c.end, c.token_count, c.index, c.meta) for c in doc_want
        ]
        for a, b in zip(doc_got, doc_want, strict=True):
            np.testing.assert_allclose(a.embedding, b.embedding, atol=TOLERANCE, rtol=0)


MODELS = {
    "minilm": ("minilm_path", ENGLISH, {"chunk_size": 16, "max_length": 64}, [None]),
    "e5-like": ("e5_like_path", ENGLISH, {"chunk_size": 16, "max_length": 64}, ["retrieval.passage"]),
    "jina-v3": (
        "jina_adapter_folders",
        CORPUS,
        {"chunk_size": 8, "max_length": 48},
        ["retrieval.passage", "separation"],
    ),
}
SMALL_BATCHES = {"batch_size": 3, "max_batch_tokens": 200}
# every worker count, kind and batch setting, each against the sequential path (pairs, not the whole product)
RUNS = [
    {"text_workers": 0, **SMALL_BATCHES},
    {"text_workers": 1, "text_worker_kind": "thread"},
    {"text_workers": 2, "text_worker_kind": "thread", **SMALL_BATCHES},
    {"text_workers": 1, "text_worker_kind": "process", **SMALL_BATCHES},
    {"text_workers": 2, "text_worker_kind": "process"},
]
CHUNKERS = [("minilm", "sentences"), ("minilm", "markdown"), ("minilm", "semantic")]
CHUNKERS += [("e5-like", "sentences"), ("e5-like", "markdown"), ("e5-like", "semantic")]
CHUNKERS += [("jina-v3", "sentences"), ("jina-v3", "markdown"), ("jina-v3", "semantic")]


def model_path(request, fixture: str) -> str:
    value = request.getfixturevalue(fixture)
    return value["hf"] if isinstance(value, dict) else value


@pytest.mark.integration  # loads its models by request.getfixturevalue
@pytest.mark.parametrize(("model", "chunker"), CHUNKERS)
@pytest.mark.parametrize("late", [True, False], ids=["late", "naive"])
def test_pipelined_chunks_and_vectors_equal_the_sequential_path(request, model, chunker, late):
    fixture, sentences, options, tasks = MODELS[model]
    path = model_path(request, fixture)
    docs = documents(sentences)
    reference = LateChunker(path, device="cpu", chunker=chunker, text_workers=0, **options)
    assert len(groups(reference, docs)) == 1 and reference.text_worker_kind is None
    chunkers = [LateChunker(path, device="cpu", chunker=chunker, **options, **run) for run in RUNS]
    for lc, run in zip(chunkers, RUNS, strict=True):
        assert lc.text_worker_kind == run.get("text_worker_kind")
        assert lc.text_workers == 0 or len(groups(lc, docs)) > 3
    for task in tasks:
        want = reference.chunk_and_embed(docs, task=task, late_chunking=late)
        assert sum(len(c) for c in want) > len(docs)
        for lc in chunkers:
            assert_same_chunks(lc.chunk_and_embed(docs, task=task, late_chunking=late), want)


@pytest.mark.integration  # loads its model by request.getfixturevalue
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_pipelined_embed_equals_the_sequential_path(request, workers, kind):
    path = model_path(request, "jina_adapter_folders")
    texts = [" ".join(CORPUS[: 1 + i % len(CORPUS)]) for i in range(40)]
    reference = LateChunker(path, device="cpu", text_workers=0, max_length=48)
    chunker = LateChunker(path, device="cpu", text_workers=workers, text_worker_kind=kind, max_length=48, batch_size=5)
    for task in ("retrieval.query", "text-matching"):
        want = reference.embed(texts, task=task)
        got = chunker.embed(texts, task=task)
        assert got.shape == want.shape == (40, reference.dim)
        np.testing.assert_allclose(got, want, atol=TOLERANCE, rtol=0)
    assert chunker.embed([]).shape == (0, reference.dim)


@pytest.mark.parametrize("workers", [0, 1, 2])
@pytest.mark.parametrize("late", [True, False], ids=["late", "naive"])
@pytest.mark.parametrize("error", [AlignmentError("spans out of step"), RuntimeError("chunker broke")])
def test_an_error_in_a_worker_names_the_document_and_leaves_no_thread(minilm_path, workers, late, error):
    docs = documents(ENGLISH)
    docs[9] = "This one has the marker XYZZY in it. " + docs[9]
    chunker = LateChunker(
        minilm_path, chunker=FailsOn("XYZZY", error), device="cpu", text_workers=workers, text_worker_kind="thread"
    )
    assert workers == 0 or len(groups(chunker, docs)) > 3
    before = set(threading.enumerate())
    with pytest.raises(type(error), match=r"^documents\[9\]: " + str(error)) as raised:
        chunker.chunk_and_embed(docs, late_chunking=late)
    assert type(raised.value) is type(error) and raised.value.__cause__ is error
    assert set(threading.enumerate()) == before
    # the same chunker goes on working, and its workers end again
    assert [len(c) for c in chunker.chunk_and_embed(docs[:9])] == [len(c) for c in chunker.chunk_and_embed(docs[:9])]
    assert set(threading.enumerate()) == before


def test_an_error_that_cannot_be_renamed_keeps_its_type_and_gets_a_note(minilm_path):
    error = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    docs = documents(ENGLISH)
    docs[6] = "XYZZY " + docs[6]
    chunker = LateChunker(
        minilm_path, chunker=FailsOn("XYZZY", error), device="cpu", text_workers=1, text_worker_kind="thread"
    )
    with pytest.raises(UnicodeDecodeError) as raised:
        chunker.chunk_and_embed(docs)
    assert raised.value is error and "raised for documents[6]" in raised.value.__notes__


def test_text_workers_is_checked_at_construction(minilm_path):
    with pytest.raises(LateChunkError, match="text_workers"):
        LateChunker(minilm_path, text_workers=-1)
    assert LateChunker(minilm_path, device="cpu").text_workers == 0  # auto on the CPU: the forward pass has every core


@pytest.mark.parametrize("workers", [0, 1])
def test_a_call_shows_one_progress_bar_however_many_groups_it_has(minilm_path, capsys, workers):
    documents = [" ".join(ENGLISH)] * 6  # several groups with a worker (the groups are small here)
    lc = LateChunker(minilm_path, device="cpu", text_workers=workers, show_progress_bar=True)
    lc.chunk_and_embed(documents)
    bars = [line for line in capsys.readouterr().err.replace("\r", "\n").splitlines() if "encoding" in line]
    final = {line.split("|")[0].split(":")[0] for line in bars if "100%" in line}
    assert final == {"encoding"}
    finished = [line for line in bars if "100%" in line]
    if workers:  # one bar over the 6 documents, none of the groups' own token bars
        assert all("6/6" in line for line in finished) and not any("tok" in line for line in bars)
    else:  # one group: the encoder's token bar
        assert all("tok" in line for line in finished)
