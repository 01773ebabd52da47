"""Real clients against a real server: the official ``openai`` client and Haystack's ``jina-haystack``."""

from __future__ import annotations

import numpy as np
import pytest

TEXTS = ["Berlin is the capital of Germany.", "Its population is about 3.8 million.", "It lies on the Spree."]
ATOL = 1e-5


@pytest.fixture(scope="module")
def openai_client(server):
    from openai import OpenAI

    return OpenAI(base_url=server.v1, api_key="unused", max_retries=0)


def test_openai_default_base64_equals_embed(openai_client, minilm):
    response = openai_client.embeddings.create(model="all-MiniLM-L6-v2", input=TEXTS)
    got = np.asarray([d.embedding for d in response.data], dtype=np.float32)
    np.testing.assert_allclose(got, minilm.embed(TEXTS), atol=ATOL)
    assert [d.index for d in response.data] == [0, 1, 2]
    assert response.model == "all-MiniLM-L6-v2"
    assert response.usage.prompt_tokens == response.usage.total_tokens > 0


def test_openai_float_with_dimensions(openai_client, minilm):
    response = openai_client.embeddings.create(
        model="all-MiniLM-L6-v2", input=TEXTS[0], encoding_format="float", dimensions=64
    )
    (item,) = response.data
    np.testing.assert_allclose(item.embedding, minilm.embed(TEXTS[0], dimensions=64), atol=ATOL)


def test_openai_extra_body_late_chunking_and_task(openai_client, minilm):
    response = openai_client.embeddings.create(
        model="all-MiniLM-L6-v2", input=TEXTS, extra_body={"late_chunking": True, "task": "retrieval.passage"}
    )
    got = np.asarray([d.embedding for d in response.data], dtype=np.float32)
    np.testing.assert_allclose(got, minilm.embed(TEXTS, late_chunking=True, task="retrieval.passage"), atol=ATOL)


def test_openai_client_raises_with_the_servers_detail(openai_client):
    import openai

    with pytest.raises(openai.UnprocessableEntityError, match="dimensions must be between 1 and .* 384"):
        openai_client.embeddings.create(model="m", input=["x"], dimensions=100_000)


def _key():
    from haystack.utils import Secret

    return Secret.from_token("unused")


def test_haystack_jina_embedders_in_pipelines(server, minilm):
    from haystack import Document, Pipeline
    from haystack_integrations.components.embedders.jina import JinaDocumentEmbedder, JinaTextEmbedder

    url = server.v1 + "/embeddings"
    docs = [Document(content=t) for t in TEXTS]
    indexing = Pipeline()
    indexing.add_component(
        "embedder",
        JinaDocumentEmbedder(
            api_key=_key(),
            base_url=url,
            late_chunking=True,
            dimensions=128,
            task="retrieval.passage",
            progress_bar=False,
        ),
    )
    result = indexing.run({"embedder": {"documents": docs}})["embedder"]
    got = np.asarray([d.embedding for d in result["documents"]], dtype=np.float32)
    expected = minilm.embed(TEXTS, late_chunking=True, dimensions=128, task="retrieval.passage")
    np.testing.assert_allclose(got, expected, atol=ATOL)
    assert result["meta"]["usage"]["total_tokens"] > 0

    query = Pipeline()
    query.add_component("embedder", JinaTextEmbedder(api_key=_key(), base_url=url, task="retrieval.query"))
    embedding = query.run({"embedder": {"text": "How many people live in Berlin?"}})["embedder"]["embedding"]
    np.testing.assert_allclose(
        embedding, minilm.embed("How many people live in Berlin?", task="retrieval.query"), atol=ATOL
    )


def test_haystack_text_embedder_late_chunking_flag(server, minilm):
    from haystack_integrations.components.embedders.jina import JinaTextEmbedder

    embedder = JinaTextEmbedder(api_key=_key(), base_url=server.v1 + "/embeddings", late_chunking=True, dimensions=32)
    out = embedder.run(TEXTS[0])
    np.testing.assert_allclose(
        out["embedding"], minilm.embed([TEXTS[0]], late_chunking=True, dimensions=32)[0], atol=ATOL
    )
    assert out["meta"]["model"] == "all-MiniLM-L6-v2"
