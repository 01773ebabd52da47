"""The Haystack components: pipelines with the real MiniLM, Qdrant, serialisation, chunk meta."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # haystack_integrations is a namespace portion at the repository root
    sys.path.insert(0, str(REPO_ROOT))

from haystack import Document, Pipeline  # noqa: E402
from haystack.components.preprocessors import DocumentSplitter  # noqa: E402
from haystack.components.retrievers import InMemoryEmbeddingRetriever  # noqa: E402
from haystack.components.writers import DocumentWriter  # noqa: E402
from haystack.document_stores.in_memory import InMemoryDocumentStore  # noqa: E402
from haystack.utils import ComponentDevice, Secret  # noqa: E402

from haystack_integrations.components.embedders.latechunk import (  # noqa: E402
    LateChunkingDocumentEmbedder,
    LateChunkingTextEmbedder,
)
from latechunk import EmptyTextError, LateChunker  # noqa: E402

pytestmark = pytest.mark.integration

CHUNK_SIZE = 16  # one or two sentences per chunk; the pronoun sentence is a chunk of its own
BERLIN = (
    "Berlin is the capital of Germany. The city is famous for its museums and its nightlife. "
    "It is home to about 3.8 million inhabitants."
)
PRONOUN_SENTENCE = "It is home to about 3.8 million inhabitants."
CORPUS = [
    BERLIN,
    "Paris is the capital of France. It is known for the Eiffel Tower and the Louvre. "
    "The city hosted the Olympic Games in 2024. Its metro has sixteen lines.",
    "Madrid is the capital of Spain. It sits on a high plateau in the centre of the country. "
    "Its royal palace is the largest in Western Europe.",
    "Vienna is the capital of Austria. It is known for classical music and coffee houses. "
    "About two million people live there. The Danube flows through the city.",
]
QUESTION = "How many people live in Berlin?"


def corpus_documents() -> list[Document]:
    return [Document(content=text, meta={"city": text.split()[0]}) for text in CORPUS]


def document_embedder(**settings) -> LateChunkingDocumentEmbedder:
    return LateChunkingDocumentEmbedder(**{"chunk_size": CHUNK_SIZE, "progress_bar": False, **settings})


def build_pipelines(store, retriever) -> tuple[Pipeline, Pipeline]:
    """An indexing pipeline (late chunking into ``store``) and a query pipeline (through ``retriever``)."""
    indexing = Pipeline()
    indexing.add_component("embedder", document_embedder())
    indexing.add_component("writer", DocumentWriter(document_store=store))
    indexing.connect("embedder.documents", "writer.documents")
    query = Pipeline()
    query.add_component("embedder", LateChunkingTextEmbedder())
    query.add_component("retriever", retriever)
    query.connect("embedder.embedding", "retriever.query_embedding")
    return indexing, query


def index_and_ask(indexing: Pipeline, query: Pipeline) -> list[Document]:
    """Index the corpus, then ask ``QUESTION``: the retrieved chunks, best first."""
    written = indexing.run({"embedder": {"documents": corpus_documents()}})["writer"]["documents_written"]
    store = indexing.get_component("writer").document_store
    assert written == store.count_documents() > 2 * len(CORPUS)  # documents came back as their chunks
    return query.run({"embedder": {"text": QUESTION}})["retriever"]["documents"]


def test_in_memory_pipelines_find_the_pronoun_sentence():
    store = InMemoryDocumentStore()
    found = index_and_ask(*build_pipelines(store, InMemoryEmbeddingRetriever(document_store=store, top_k=3)))
    assert found[0].content == PRONOUN_SENTENCE
    assert found[0].meta["city"] == "Berlin"

    # The same chunks embedded one by one (naive chunking) lose "It" = Berlin and miss the sentence.
    engine = LateChunker(task="retrieval.passage", chunk_size=CHUNK_SIZE)
    naive = [c for chunks in engine.chunk_and_embed(CORPUS, late_chunking=False) for c in chunks]
    query = np.asarray(LateChunkingTextEmbedder().run(QUESTION)["embedding"])
    assert max(naive, key=lambda c: float(c.embedding @ query)).text != PRONOUN_SENTENCE


def test_qdrant_pipelines_find_the_pronoun_sentence(tmp_path):
    from haystack_integrations.components.retrievers.qdrant import QdrantEmbeddingRetriever
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

    store = QdrantDocumentStore(
        path=str(tmp_path / "qdrant"), index="latechunk", embedding_dim=384, recreate_index=True, progress_bar=False
    )
    try:
        found = index_and_ask(*build_pipelines(store, QdrantEmbeddingRetriever(document_store=store, top_k=3)))
    finally:
        store.close()
    top = found[0]
    assert top.content == PRONOUN_SENTENCE
    start = BERLIN.index(PRONOUN_SENTENCE)
    assert top.meta["city"] == "Berlin"
    assert top.meta["source_id"] == corpus_documents()[0].id
    assert (top.meta["split_id"], top.meta["split_idx_start"], top.meta["split_idx_end"]) == (
        2,
        start,
        start + len(PRONOUN_SENTENCE),
    )
    assert top.meta["page_number"] == 1


@pytest.mark.parametrize(
    "settings",
    [
        {"chunk_size": CHUNK_SIZE},
        {"chunker": "tokens", "chunk_size": 8, "dimensions": 128, "max_length": 32, "task": None},
    ],
)
def test_chunk_embeddings_equal_those_of_late_chunker(settings):
    embedder = LateChunkingDocumentEmbedder(progress_bar=False, **settings)
    chunk_docs = embedder.run(corpus_documents())["documents"]
    engine = LateChunker(**{"task": "retrieval.passage", **settings})
    expected = [c for chunks in engine.chunk_and_embed(CORPUS) for c in chunks]
    assert [d.content for d in chunk_docs] == [c.text for c in expected]
    for doc, chunk in zip(chunk_docs, expected, strict=True):
        assert isinstance(doc.embedding, list) and all(type(x) is float for x in doc.embedding)
        assert len(doc.embedding) == settings.get("dimensions", 384)
        np.testing.assert_allclose(doc.embedding, chunk.embedding, rtol=0, atol=1e-6)


def test_chunk_documents_carry_split_meta_like_haystacks_splitter():
    pages = "This sentence is on page 1. This one is on page 1 too.\fNow we are on page 2.\f\fAfter a blank, page 4."
    parent = Document(content=pages, meta={"source": "report.pdf", "tags": ["a"]})
    twin = Document(content="Now we are on page 2.", meta={"source": "other.pdf"})
    empty = [Document(content=None), Document(content=" \n\t ")]
    chunks = document_embedder(chunk_size=10).run([empty[0], parent, empty[1], twin])["documents"]

    from_parent = [c for c in chunks if c.meta["source_id"] == parent.id]
    assert len(from_parent) == 4 and len(chunks) == 5  # empty documents give no chunks
    splitter = DocumentSplitter(split_by="period", split_length=1)
    splitter_pages = {d.content.strip("\f "): d.meta["page_number"] for d in splitter.run([parent])["documents"]}
    for i, chunk in enumerate(from_parent):
        meta = chunk.meta
        assert chunk.content == pages[meta["split_idx_start"] : meta["split_idx_end"]]
        assert meta["split_id"] == i
        assert meta["page_number"] == int(re.search(r"page (\d)", chunk.content).group(1))
        assert meta["page_number"] == splitter_pages[chunk.content]
        assert meta["source"] == "report.pdf" and meta["tags"] == ["a"]
    from_parent[0].meta["tags"].append("b")
    assert parent.meta["tags"] == ["a"] and from_parent[1].meta["tags"] == ["a"]  # meta copied, not shared

    same_text = [c for c in chunks if c.content == "Now we are on page 2."]
    assert len(same_text) == 2 and same_text[0].id != same_text[1].id
    assert same_text[1].meta["source_id"] == twin.id


def test_text_embedder_equals_late_chunker_embed():
    text = "How tall is the Eiffel Tower?"
    assert np.allclose(
        LateChunkingTextEmbedder().run(text)["embedding"],
        LateChunker(task="retrieval.query").embed(text),
        rtol=0,
        atol=1e-6,
    )
    short = LateChunkingTextEmbedder(dimensions=128).run(text)["embedding"]
    assert len(short) == 128 and np.isclose(np.linalg.norm(short), 1.0)


def test_warm_up_loads_the_model_once():
    first, second = LateChunkingDocumentEmbedder(), LateChunkingTextEmbedder()
    assert first.late_chunker is None
    first.warm_up()
    engine = first.late_chunker
    first.warm_up()
    second.warm_up()
    assert first.late_chunker is engine
    assert second.late_chunker.loaded is engine.loaded  # one model per process, shared by components


def test_settings_reach_the_late_chunker(monkeypatch):
    from haystack.utils import Device, DeviceMap

    from haystack_integrations.components.embedders.latechunk import _loading

    built: list[dict] = []
    monkeypatch.setattr(
        _loading, "LateChunker", lambda settings: built.append(settings.to_dict(secrets=True)) or object()
    )
    monkeypatch.setenv("MY_HF_TOKEN", "hf_secret")
    device = ComponentDevice.from_multiple(DeviceMap({"encoder": Device.disk(), "decoder": Device.cpu()}))
    token = Secret.from_env_var("MY_HF_TOKEN")
    LateChunkingDocumentEmbedder(device=device, token=token, chunker="tokens", chunk_size=7, batch_size=3).warm_up()
    LateChunkingTextEmbedder(device=ComponentDevice.from_str("cpu"), token=None, task=None, dimensions=64).warm_up()
    document, text = built
    assert (document["device"], document["token"], document["task"]) == ("cpu", "hf_secret", "retrieval.passage")
    assert (document["chunker"], document["chunk_size"], document["batch_size"]) == ("tokens", 7, 3)
    assert document["show_progress_bar"] is True and text["show_progress_bar"] is False
    assert (text["device"], text["token"], text["task"], text["dimensions"]) == ("cpu", None, None, 64)


def test_run_async_matches_run():
    embedder, query = document_embedder(), LateChunkingTextEmbedder()

    async def both():
        return await embedder.run_async(corpus_documents()), await query.run_async(QUESTION)

    documents, embedding = asyncio.run(both())
    assert documents == embedder.run(corpus_documents())
    assert embedding == query.run(QUESTION)
    assert embedder.run([]) == {"documents": []}


def test_to_dict_from_dict_round_trip():
    settings = dict(
        model="sentence-transformers/all-MiniLM-L6-v2",
        device=ComponentDevice.from_str("cpu"),
        token=Secret.from_env_var("MY_HF_TOKEN", strict=False),
        task="retrieval.query",
        dimensions=256,
        max_length=128,
        progress_bar=True,
        normalize_embeddings=False,
        trust_remote_code=True,
        local_files_only=True,
        revision="main",
    )
    doc_settings = dict(settings, task="retrieval.passage", chunker="paragraphs", chunk_size=100, batch_size=4)
    for cls, kwargs in ((LateChunkingDocumentEmbedder, doc_settings), (LateChunkingTextEmbedder, settings)):
        original = cls(**kwargs)
        data = original.to_dict()
        assert data["type"] == f"{cls.__module__}.{cls.__name__}"
        assert data["type"].startswith("haystack_integrations.components.embedders.latechunk.")
        assert json.loads(json.dumps(data)) == data  # JSON-able only
        assert data["init_parameters"]["device"] == {"type": "single", "device": "cpu"}
        restored = cls.from_dict(data)
        assert restored.to_dict() == data
        assert isinstance(restored.device, ComponentDevice) and isinstance(restored.token, Secret)
        for name, value in kwargs.items():
            assert getattr(restored, name) == value, name
    assert LateChunkingTextEmbedder.from_dict(LateChunkingTextEmbedder().to_dict()).task == "retrieval.query"


def test_a_chunker_saved_with_its_former_budget_name_loads():
    from latechunk.chunkers import SentenceChunker

    data = LateChunkingDocumentEmbedder(chunker=SentenceChunker(chunk_size=20, overlap=1)).to_dict()
    chunker = data["init_parameters"]["chunker"]
    assert chunker["type"] == "latechunk.chunkers.sentences.SentenceChunker"
    assert chunker["init_parameters"]["chunk_size"] == 20 and "max_tokens" not in chunker["init_parameters"]
    old = json.loads(json.dumps(data))  # a pipeline saved before the rename: max_tokens instead of chunk_size
    old_chunker = old["init_parameters"]["chunker"]["init_parameters"]
    old_chunker["max_tokens"] = old_chunker.pop("chunk_size")
    with pytest.warns(DeprecationWarning, match="pass chunk_size"):
        restored = LateChunkingDocumentEmbedder.from_dict(old)
    assert isinstance(restored.chunker, SentenceChunker)
    assert (restored.chunker.chunk_size, restored.chunker.overlap) == (20, 1)
    assert restored.to_dict() == data  # saved again under the new name


LOAD = """
import json, sys
from haystack import Pipeline
print(json.dumps([Pipeline.loads(open(name).read()).to_dict() for name in sys.argv[1:]]))
"""


def test_dumps_loads_round_trip_and_fresh_process(tmp_path):
    store = InMemoryDocumentStore()
    pipelines = build_pipelines(store, InMemoryEmbeddingRetriever(document_store=store, top_k=1))
    for name, pipeline in zip(("indexing", "query"), pipelines, strict=True):
        (tmp_path / f"{name}.yaml").write_text(pipeline.dumps())

    # A fresh interpreter, Haystack's default allow-list (no HAYSTACK_* variables, no allowed_modules).
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAYSTACK_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-c", LOAD, "indexing.yaml", "query.yaml"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == [p.to_dict() for p in pipelines]

    # The loaded pipelines work (their in-memory stores share the original's index in this process).
    loaded = [Pipeline.loads(p.dumps()) for p in pipelines]
    assert isinstance(loaded[0].get_component("embedder"), LateChunkingDocumentEmbedder)
    assert index_and_ask(*loaded)[0].content == PRONOUN_SENTENCE


def test_rejects_bad_input():
    with pytest.raises(TypeError, match="list of Documents"):
        LateChunkingDocumentEmbedder().run("a string")
    with pytest.raises(TypeError, match="expects a string"):
        LateChunkingTextEmbedder().run([Document(content="x")])
    for blank in ("", " \n "):  # the library's rule for embed: nothing to embed
        with pytest.raises(EmptyTextError, match=r"^texts\[0\] is empty or only white space; there is nothing"):
            LateChunkingTextEmbedder().run(blank)
        with pytest.raises(EmptyTextError):
            asyncio.run(LateChunkingTextEmbedder().run_async(blank))
    with pytest.raises(ValueError, match="unknown chunker"):
        LateChunkingDocumentEmbedder(chunker="words")
    with pytest.raises(TypeError):
        LateChunkingDocumentEmbedder("sentence-transformers/all-MiniLM-L6-v2")  # keyword-only


def test_latechunk_components_reexports_the_integration_classes():
    from latechunk.components import haystack as reexport

    assert reexport.LateChunkingDocumentEmbedder is LateChunkingDocumentEmbedder
    assert reexport.LateChunkingTextEmbedder is LateChunkingTextEmbedder
