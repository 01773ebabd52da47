"""Haystack and LlamaIndex async calls with different tasks at once get the lone-call vectors."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # haystack_integrations is a namespace portion at the repository root
    sys.path.insert(0, str(REPO_ROOT))

from haystack import Document  # noqa: E402

from haystack_integrations.components.embedders.latechunk import (  # noqa: E402
    LateChunkingDocumentEmbedder,
    LateChunkingTextEmbedder,
)

TOLERANCE = 1e-6
QUERIES = ["what is late chunking?", "where is the Eiffel Tower?", "which city is the capital of Germany?"]
DOCUMENTS = [
    "Berlin is the capital of Germany. Paris is the capital of France. " * 6,
    "The quick brown fox jumps over the lazy dog while the cat sleeps. Rotary position embeddings help.",
]


def test_haystack_run_async_gathered_with_mixed_tasks(jina_adapter_folders):
    path = jina_adapter_folders["original"]
    settings = {"model": path, "max_length": 64, "progress_bar": False}
    documents = LateChunkingDocumentEmbedder(chunk_size=8, **settings)
    queries = {task: LateChunkingTextEmbedder(task=task, **settings) for task in ("retrieval.query", "text-matching")}
    docs = [Document(content=text) for text in DOCUMENTS]
    lone_documents = documents.run(docs)["documents"]
    lone_queries = {(task, q): c.run(q)["embedding"] for task, c in queries.items() for q in QUERIES}

    async def together():
        calls = [documents.run_async(docs)] * 3
        calls += [c.run_async(q) for c in queries.values() for q in QUERIES] * 3
        return await asyncio.gather(*calls)

    results = asyncio.run(together())
    for result in results[:3]:
        got = np.array([d.embedding for d in result["documents"]])
        np.testing.assert_allclose(got, np.array([d.embedding for d in lone_documents]), atol=TOLERANCE, rtol=0)
    keys = [(task, q) for task in queries for q in QUERIES] * 3
    for key, result in zip(keys, results[3:], strict=True):
        np.testing.assert_allclose(result["embedding"], lone_queries[key], atol=TOLERANCE, rtol=0)


def test_llamaindex_async_queries_and_texts_gathered(jina_adapter_folders):
    from latechunk.components.llamaindex import LateChunkingEmbedding

    embedding = LateChunkingEmbedding(model_name=jina_adapter_folders["hf"], max_length=64)
    lone_queries = [embedding.get_query_embedding(q) for q in QUERIES]
    lone_texts = embedding.get_text_embedding_batch(DOCUMENTS)

    async def together():
        calls = [embedding.aget_query_embedding(q) for q in QUERIES] * 3
        calls += [embedding.aget_text_embedding_batch(DOCUMENTS)] * 3
        return await asyncio.gather(*calls)

    results = asyncio.run(together())
    for got, want in zip(results[:9], lone_queries * 3, strict=True):
        np.testing.assert_allclose(got, want, atol=TOLERANCE, rtol=0)
    for got in results[9:]:
        np.testing.assert_allclose(got, lone_texts, atol=TOLERANCE, rtol=0)
    assert np.abs(np.array(lone_queries[0]) - np.array(embedding.get_text_embedding(QUERIES[0]))).max() > 1e-2
