"""LlamaIndex integration: late-chunked nodes go into indexes and pipelines without being embedded again."""

from __future__ import annotations

import asyncio
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.ingestion.pipeline import get_transformation_hash
from llama_index.core.schema import NodeRelationship
from llama_index.core.vector_stores import SimpleVectorStore, VectorStoreQuery

from latechunk import EmptyTextError, LateChunker
from latechunk.chunkers import SentenceChunker
from latechunk.components.llamaindex import LateChunkingEmbedding, LateChunkingNodeParser

pytestmark = pytest.mark.integration

CITIES = [
    "Berlin is the capital and largest city of Germany. It lies on the banks of the river Spree. "
    "Its population is about 3.8 million people.",
    "Paris is the capital of France. It is known for the Eiffel Tower. Its population is about 2.1 million people.",
    "Madrid is the capital of Spain. It sits on the river Manzanares. Its population is about 3.3 million people.",
    "Rome is the capital of Italy. It was the centre of the Roman Empire. Its population is about 2.8 million people.",
]
QUESTION = "How many people live in Berlin?"
ANSWER = "Its population is about 3.8 million people."


def one_sentence_per_chunk() -> SentenceChunker:
    return SentenceChunker(chunk_size=None, sentences_per_chunk=1)


@pytest.fixture(scope="module")
def parser(minilm_path):
    # batch_size=1: every forward pass runs exactly one window, so forward calls count windows.
    return LateChunkingNodeParser(model_name=minilm_path, chunker=one_sentence_per_chunk(), batch_size=1)


@pytest.fixture(scope="module")
def embed_model(minilm_path):
    return LateChunkingEmbedding(model_name=minilm_path)


def city_documents() -> list[Document]:
    return [Document(text=text, metadata={"city": text.split()[0]}) for text in CITIES]


def windows_of(chunker: LateChunker, texts: list[str]) -> int:
    """Forward passes a bare LateChunker with batch_size=1 needs for ``texts``: one per window."""
    before = chunker.loaded.forward_calls
    chunker.chunk_and_embed(texts)
    return chunker.loaded.forward_calls - before


def test_vector_store_index_keeps_node_embeddings_and_answers_pronoun_question(parser, embed_model):
    loaded = parser.late_chunker.loaded
    documents = city_documents()
    windows = windows_of(parser.late_chunker, CITIES)
    assert windows == len(CITIES)  # each short document fits one window

    before = loaded.forward_calls
    nodes = parser.get_nodes_from_documents(documents)
    assert loaded.forward_calls - before == windows

    before = loaded.forward_calls
    index = VectorStoreIndex(nodes, embed_model=embed_model)
    assert loaded.forward_calls == before  # the index used the node embeddings as they were

    (hit,) = index.as_retriever(similarity_top_k=1).retrieve(QUESTION)
    assert loaded.forward_calls - before == 1  # the query, nothing else
    assert hit.node.get_content() == ANSWER
    assert hit.node.ref_doc_id == documents[0].id_

    # The answer sentence never names Berlin: embedded without its document it is not found.
    sentences = [c.text for text in CITIES for c in parser.late_chunker.chunk(text)]
    naive = embed_model.late_chunker.embed(sentences, task="retrieval.passage")  # each sentence on its own
    query = np.asarray(embed_model.get_query_embedding(QUESTION), dtype=np.float32)
    assert sentences[2] == ANSWER and int(np.argmax(naive @ query)) != 2


def test_ingestion_pipeline_with_vector_store_embeds_once(parser, embed_model):
    loaded = parser.late_chunker.loaded
    store = SimpleVectorStore()
    pipeline = IngestionPipeline(transformations=[parser], vector_store=store)
    documents = city_documents()

    before = loaded.forward_calls
    nodes = pipeline.run(documents=documents)
    assert loaded.forward_calls - before == len(CITIES)  # one window per document
    assert len(store.data.embedding_dict) == len(nodes) == 3 * len(CITIES)

    result = store.query(
        VectorStoreQuery(query_embedding=embed_model.get_query_embedding(QUESTION), similarity_top_k=1)
    )
    by_id = {node.node_id: node for node in nodes}
    assert by_id[result.ids[0]].get_content() == ANSWER

    before = loaded.forward_calls
    pipeline.run(documents=documents)  # same documents, same settings: the ingestion cache answers
    assert loaded.forward_calls == before


def test_a_document_longer_than_the_window_runs_once_per_window(minilm_path):
    settings = {"chunker": "sentences", "chunk_size": 12, "max_length": 24, "overlap": 6, "batch_size": 1}
    document = " ".join(CITIES)
    windows = windows_of(LateChunker(minilm_path, task="retrieval.passage", **settings), [document])
    assert windows > 2
    parser = LateChunkingNodeParser(model_name=minilm_path, **settings)
    loaded = parser.late_chunker.loaded

    before = loaded.forward_calls
    nodes = IngestionPipeline(transformations=[parser], vector_store=SimpleVectorStore()).run(
        documents=[Document(text=document)]
    )
    assert loaded.forward_calls - before == windows
    VectorStoreIndex(nodes, embed_model=LateChunkingEmbedding(model_name=minilm_path))
    assert loaded.forward_calls - before == windows


def test_embedding_in_transformations_re_embeds_every_node(parser, embed_model):
    nodes = IngestionPipeline(transformations=[parser], disable_cache=True).run(documents=city_documents())
    loaded = parser.late_chunker.loaded
    before = loaded.forward_calls
    again = IngestionPipeline(transformations=[parser, embed_model], disable_cache=True).run(documents=city_documents())
    assert loaded.forward_calls - before > len(CITIES)  # the windows, then every node once more
    contextual = {n.get_content(): n.embedding for n in nodes}
    replaced = [n for n in again if not np.allclose(n.embedding, contextual[n.get_content()], atol=1e-4)]
    assert len(replaced) == len(again) == len(nodes)  # every contextual vector is gone


def test_offsets_metadata_and_relationships_for_several_documents(parser):
    texts = ["Go. Go Go. Go.", "", "Alpha is first. Beta is second.", "Solo sentence."]
    documents = [Document(text=t, metadata={"n": i}) for i, t in enumerate(texts)]
    nodes = parser.get_nodes_from_documents(documents)

    by_doc = {doc.id_: [n for n in nodes if n.ref_doc_id == doc.id_] for doc in documents}
    assert [len(by_doc[d.id_]) for d in documents] == [3, 0, 2, 1]
    # "Go." occurs inside "Go Go." before the third sentence: a text search would put it at 7.
    assert [(n.start_char_idx, n.end_char_idx) for n in by_doc[documents[0].id_]] == [(0, 3), (4, 10), (11, 14)]
    for doc in documents:
        children = by_doc[doc.id_]
        spans = [(c.start, c.end) for c in parser.late_chunker.chunk(doc.text)]
        assert [(n.start_char_idx, n.end_char_idx) for n in children] == spans
        for i, node in enumerate(children):
            assert doc.text[node.start_char_idx : node.end_char_idx] == node.text
            assert node.metadata == doc.metadata
            assert node.relationships[NodeRelationship.SOURCE].node_id == doc.id_
            previous = node.relationships.get(NodeRelationship.PREVIOUS)
            following = node.relationships.get(NodeRelationship.NEXT)
            assert (previous.node_id if previous else None) == (children[i - 1].node_id if i else None)
            assert (following.node_id if following else None) == (
                children[i + 1].node_id if i + 1 < len(children) else None
            )


@pytest.mark.parametrize(
    "settings",
    [
        {"chunker": one_sentence_per_chunk(), "batch_size": 1},
        {"chunker": "sentences", "chunk_size": 12, "dimensions": 128, "max_length": 24, "overlap": 6},
    ],
    ids=["sentences", "small-windows-matryoshka"],
)
def test_node_embeddings_equal_chunk_and_embed(minilm_path, settings):
    long_city = " ".join(CITIES)  # several windows when max_length is small
    texts = [*CITIES[:2], long_city]
    nodes = LateChunkingNodeParser(model_name=minilm_path, **settings).get_nodes_from_documents(
        [Document(text=t) for t in texts]
    )
    chunks = [
        c for doc in LateChunker(minilm_path, task="retrieval.passage", **settings).chunk_and_embed(texts) for c in doc
    ]
    assert [(n.text, n.start_char_idx, n.end_char_idx) for n in nodes] == [(c.text, c.start, c.end) for c in chunks]
    expected = np.stack([c.embedding for c in chunks])
    assert expected.shape[1] == settings.get("dimensions", 384)
    np.testing.assert_allclose(np.asarray([n.embedding for n in nodes]), expected, atol=1e-6)


def test_empty_documents_give_no_nodes_and_the_others_are_processed(parser):
    documents = [Document(text=""), Document(text="   \n "), Document(text=CITIES[1])]
    nodes = parser.get_nodes_from_documents(documents)
    assert [n.text for n in nodes] == [c.text for c in parser.late_chunker.chunk(CITIES[1])]
    assert {n.ref_doc_id for n in nodes} == {documents[2].id_}
    assert parser.get_nodes_from_documents([Document(text="")]) == []


def test_async_parsing_matches_sync(parser):
    documents = city_documents()[:2]
    sync = parser.get_nodes_from_documents(documents)
    async_nodes = asyncio.run(parser.aget_nodes_from_documents(documents))
    assert [(n.text, n.start_char_idx) for n in async_nodes] == [(n.text, n.start_char_idx) for n in sync]
    np.testing.assert_allclose([n.embedding for n in async_nodes], [n.embedding for n in sync], atol=1e-6)


def test_query_and_text_embeddings_sync_and_async(embed_model):
    chunker = embed_model.late_chunker
    texts = ["Berlin is in Germany.", "It is large.", "Paris is in France."]
    query = embed_model.get_query_embedding(QUESTION)
    np.testing.assert_allclose(query, chunker.embed(QUESTION, task="retrieval.query"), atol=1e-6)
    np.testing.assert_allclose(asyncio.run(embed_model.aget_query_embedding(QUESTION)), query, atol=1e-6)

    each = chunker.embed(texts, task="retrieval.passage")
    np.testing.assert_allclose(embed_model.get_text_embedding_batch(texts), each, atol=1e-6)
    np.testing.assert_allclose(embed_model.get_text_embedding(texts[1]), each[1], atol=1e-6)
    np.testing.assert_allclose(asyncio.run(embed_model.aget_text_embedding_batch(texts)), each, atol=1e-6)
    np.testing.assert_allclose(asyncio.run(embed_model.aget_text_embedding(texts[1])), each[1], atol=1e-6)

    late = chunker.embed(texts, task="retrieval.passage", late_chunking=True)
    np.testing.assert_allclose(embed_model.get_late_chunked_embeddings(texts), late, atol=1e-6)
    np.testing.assert_allclose(asyncio.run(embed_model.aget_late_chunked_embeddings(texts)), late, atol=1e-6)
    assert not np.allclose(late[1], each[1], atol=1e-3)  # "It is large." took its context


def test_an_empty_text_raises_the_library_error(embed_model):
    calls = {
        "texts[0]": [
            lambda: embed_model.get_query_embedding(""),
            lambda: embed_model.get_text_embedding("  "),
            lambda: asyncio.run(embed_model.aget_query_embedding("\n")),
        ],
        "texts[1]": [
            lambda: embed_model.get_text_embedding_batch(["Berlin.", ""]),
            lambda: embed_model.get_late_chunked_embeddings(["Berlin.", " "]),
        ],
    }
    for name, group in calls.items():
        for call in group:
            with pytest.raises(EmptyTextError, match=rf"^{re.escape(name)} is empty or only white space"):
                call()


def test_settings_key_the_ingestion_cache_and_share_one_model(minilm_path, parser, embed_model):
    nodes = [Document(text=CITIES[0])]
    same = LateChunkingEmbedding(model_name=minilm_path)
    smaller = LateChunkingEmbedding(model_name=minilm_path, dimensions=128)
    assert get_transformation_hash(nodes, same) == get_transformation_hash(nodes, embed_model)
    assert get_transformation_hash(nodes, smaller) != get_transformation_hash(nodes, embed_model)
    assert len(smaller.get_query_embedding(QUESTION)) == 128
    other_chunks = LateChunkingNodeParser(model_name=minilm_path, chunker="sentences", chunk_size=16)
    assert get_transformation_hash(nodes, other_chunks) != get_transformation_hash(nodes, parser)

    assert parser.late_chunker.loaded is embed_model.late_chunker.loaded is smaller.late_chunker.loaded
    assert "token" not in LateChunkingEmbedding(model_name=minilm_path, token="secret").to_dict()
    with pytest.raises(ValueError, match="no task 'no-such-task'"):  # pydantic wraps the UnknownTaskError
        LateChunkingEmbedding(model_name=minilm_path, query_task="no-such-task")


def test_changed_field_and_pickle_rebuild_the_late_chunker(minilm_path):
    embedding = LateChunkingEmbedding(model_name=minilm_path)
    embedding.dimensions = 64
    assert len(embedding.get_text_embedding("Berlin")) == 64
    restored = pickle.loads(pickle.dumps(embedding))
    assert restored.dimensions == 64 and len(restored.get_query_embedding("Berlin")) == 64
    assert restored.late_chunker.loaded is embedding.late_chunker.loaded
    assert len(pickle.dumps(embedding)) < 100_000  # settings only, never the weights


def test_importable_from_components():
    import latechunk.components as components
    from latechunk.components import llamaindex

    assert components.LateChunkingNodeParser is llamaindex.LateChunkingNodeParser
    assert components.LateChunkingEmbedding is llamaindex.LateChunkingEmbedding


def test_latechunk_imports_without_llamaindex_and_the_component_names_the_extra():
    script = (
        "import sys\n"
        "sys.modules['llama_index'] = None\n"
        "sys.modules['llama_index.core'] = None\n"
        "import latechunk\n"
        "try:\n"
        "    import latechunk.components.llamaindex\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'pip install "latechunk[llamaindex]"' in result.stdout
