"""``POST /v1/chunk-embed``: chunks and vectors equal ``LateChunker.chunk_and_embed``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from latechunk import LateChunker
from latechunk.chunkers import CHUNKERS
from latechunk.serve.encoding import decode

DOCS = [
    "Berlin is the capital and largest city of Germany. Its population is about 3.8 million. "
    "The city lies on the river Spree.\n\nIt is known for its museums, its clubs and its history.",
    "",
    "Paris is the capital of France. It has about 2.1 million inhabitants.",
]
ATOL = 1e-5


def chunk_embed(server, **body):
    response = server.client.post("/v1/chunk-embed", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def assert_same(body, expected, kind="float"):
    assert [d["index"] for d in body["data"]] == list(range(len(expected)))
    for doc, chunks in zip(body["data"], expected, strict=True):
        got = doc["chunks"]
        assert [(c["text"], c["start"], c["end"], c["token_count"], c["meta"]) for c in got] == [
            (c.text, c.start, c.end, c.token_count, json.loads(json.dumps(c.meta, default=str))) for c in chunks
        ]
        for wire, chunk in zip(got, chunks, strict=True):
            np.testing.assert_allclose(decode(wire["embedding"], kind), chunk.embedding, atol=ATOL)


def test_defaults_equal_chunk_and_embed(server, minilm):
    body = chunk_embed(server, input=DOCS)
    assert body["model"] == "all-MiniLM-L6-v2" and body["usage"]["total_tokens"] > 0
    assert body["data"][1]["chunks"] == []
    assert_same(body, minilm.chunk_and_embed(DOCS))
    for doc, text in zip(body["data"], DOCS, strict=True):
        assert all(text[c["start"] : c["end"]] == c["text"] for c in doc["chunks"])


@pytest.mark.parametrize("chunker", sorted(CHUNKERS))
def test_chunker_and_chunk_size_per_request(server, minilm_path, chunker):
    body = chunk_embed(server, input=DOCS, chunker=chunker, chunk_size=12, task="retrieval.passage", dimensions=64)
    lc = LateChunker(minilm_path, chunker=chunker, chunk_size=12)
    assert_same(body, lc.chunk_and_embed(DOCS, task="retrieval.passage", dimensions=64))


def test_naive_and_base64(server, minilm):
    body = chunk_embed(server, input=DOCS[0], late_chunking=False, embedding_type="base64")
    assert_same(body, [minilm.chunk_and_embed(DOCS[0], late_chunking=False)], kind="base64")


def test_markdown_heading_paths_reach_chunk_meta(server, minilm_path):
    doc = "# Lighthouses\n\nThe lens is ground by hand.\n\n## Keepers\n\nKeepers lived in the tower for months."
    body = chunk_embed(server, input=[doc], chunker="markdown", chunk_size=16)
    expected = LateChunker(minilm_path, chunker="markdown", chunk_size=16).chunk_and_embed([doc])
    assert_same(body, expected)
    assert any(c["meta"] for c in body["data"][0]["chunks"])
