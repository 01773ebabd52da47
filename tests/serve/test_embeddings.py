"""``POST /v1/embeddings`` over HTTP: every field against the Python API."""

from __future__ import annotations

import numpy as np
import pytest

from latechunk import LateChunker
from latechunk.serve.encoding import decode

TEXTS = ["Berlin is the capital of Germany.", "Its population is about 3.8 million.", "It lies on the Spree."]
ATOL = 1e-5


def post(server, **body):
    response = server.client.post("/v1/embeddings", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def vectors(body, kind="float", dim=None):
    return np.stack([decode(d["embedding"], kind, dim) for d in body["data"]])


@pytest.mark.parametrize(
    "given",
    [TEXTS, [{"text": t} for t in TEXTS], [TEXTS[0], {"text": TEXTS[1]}, TEXTS[2]]],
    ids=["strings", "objects", "mixed"],
)
def test_input_forms(server, minilm, given):
    body = post(server, input=given)
    assert body["object"] == "list" and body["model"] == "all-MiniLM-L6-v2"
    assert [(d["object"], d["index"]) for d in body["data"]] == [("embedding", i) for i in range(3)]
    np.testing.assert_allclose(vectors(body), minilm.embed(TEXTS), atol=ATOL)


def test_a_single_string(server, minilm):
    body = post(server, input=TEXTS[0])
    np.testing.assert_allclose(vectors(body)[0], minilm.embed(TEXTS[0]), atol=ATOL)


@pytest.mark.parametrize("late_chunking", [False, True])
@pytest.mark.parametrize("task", [None, "retrieval.query", "retrieval_passage"])
def test_task_dimensions_late_chunking(server, minilm, task, late_chunking):
    body = post(server, input=TEXTS, task=task, dimensions=100, late_chunking=late_chunking)
    expected = minilm.embed(TEXTS, task=task, dimensions=100, late_chunking=late_chunking)
    assert vectors(body).shape == (3, 100)
    np.testing.assert_allclose(vectors(body), expected, atol=ATOL)


@pytest.mark.parametrize("field", ["embedding_type", "encoding_format", "encoding_type"])
@pytest.mark.parametrize("kind", ["float", "base64", "binary", "ubinary"])
def test_every_embedding_type_decodes_to_the_float_vector(server, field, kind):
    floats = vectors(post(server, input=TEXTS, dimensions=100))
    body = post(server, input=TEXTS, dimensions=100, **{field: kind})
    if kind in ("float", "base64"):
        np.testing.assert_array_equal(vectors(body, kind), floats)
    else:
        assert all(len(d["embedding"]) == 13 for d in body["data"])  # ceil(100 / 8) bytes
        np.testing.assert_array_equal(vectors(body, kind, 100), (floats > 0).astype(np.uint8))
        low, high = (-128, 127) if kind == "binary" else (0, 255)
        assert all(low <= v <= high for d in body["data"] for v in d["embedding"])


def test_not_normalized_equals_a_chunker_that_does_not_normalize(server, minilm_path):
    raw = LateChunker(minilm_path, normalize_embeddings=False)
    body = post(server, input=TEXTS, normalized=False)
    got = vectors(body)
    np.testing.assert_allclose(got, raw.embed(TEXTS), atol=ATOL)
    assert np.abs(np.linalg.norm(got, axis=1) - 1).max() > 0.01


def test_usage_counts_model_tokens(server, minilm):
    tokenizer = minilm.tokenizer
    body = post(server, input=TEXTS)
    expected = sum(len(tokenizer(t)["input_ids"]) for t in TEXTS)  # [CLS] text [SEP] per input
    assert body["usage"] == {"prompt_tokens": expected, "total_tokens": expected}
    late = post(server, input=TEXTS, late_chunking=True)
    assert late["usage"]["total_tokens"] == len(tokenizer(" ".join(TEXTS))["input_ids"])


def test_longer_than_the_window_is_encoded_in_windows(server, minilm):
    long_text = " ".join(TEXTS * 60)  # far more than MiniLM's 256-token window
    assert len(minilm.tokenizer(long_text)["input_ids"]) > 3 * minilm.max_length
    body = post(server, input=[long_text, TEXTS[0]])
    np.testing.assert_allclose(vectors(body), minilm.embed([long_text, TEXTS[0]]), atol=ATOL)
    assert body["usage"]["total_tokens"] > 3 * minilm.max_length


def test_truncate_cuts_each_input_to_one_window(server, minilm):
    tokenizer = minilm.tokenizer
    long_text = " ".join(TEXTS * 60)
    body = post(server, input=[long_text, TEXTS[0]], truncate=True)
    ids = tokenizer(long_text, add_special_tokens=False, return_offsets_mapping=True)
    cut = long_text[: ids["offset_mapping"][minilm.max_length - 3][1]]  # 256 - [CLS] - [SEP] tokens
    np.testing.assert_allclose(vectors(body), minilm.embed([cut, TEXTS[0]]), atol=ATOL)
    assert body["usage"]["total_tokens"] == minilm.max_length + len(tokenizer(TEXTS[0])["input_ids"])
    windowed = vectors(post(server, input=[long_text]))[0]
    assert np.abs(windowed - vectors(body)[0]).max() > 1e-3


def test_truncate_with_late_chunking_cuts_the_joined_document(server, minilm):
    parts = [" ".join(TEXTS * 8), TEXTS[0], " ".join(TEXTS * 8)]  # the window ends inside parts[2]
    tokenizer = minilm.tokenizer
    n_first = len(tokenizer(parts[0] + " " + parts[1] + " ", add_special_tokens=False)["input_ids"])
    assert n_first < minilm.max_length - 2 < len(tokenizer(" ".join(parts), add_special_tokens=False)["input_ids"])
    body = post(server, input=parts, late_chunking=True, truncate=True)
    joined = " ".join(parts)
    offsets = tokenizer(joined, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    end = offsets[minilm.max_length - 3][1]
    start = len(parts[0]) + len(parts[1]) + 2
    expected = minilm.embed([parts[0], parts[1], parts[2][: end - start]], late_chunking=True)
    np.testing.assert_allclose(vectors(body), expected, atol=ATOL)
    assert body["usage"]["total_tokens"] == minilm.max_length


def test_truncate_with_late_chunking_refuses_an_input_past_the_window(server):
    parts = [" ".join(TEXTS * 40), "This sentence starts after the window ends."]
    response = server.client.post("/v1/embeddings", json={"input": parts, "late_chunking": True, "truncate": True})
    assert response.status_code == 422
    assert "input[1] starts beyond the model window" in response.json()["detail"]


def test_unknown_fields_are_ignored_and_model_is_free(server, minilm):
    body = post(
        server, input=TEXTS[:1], model="jina-embeddings-v3", user="someone", something_else=1, late_chunking=None
    )
    np.testing.assert_allclose(vectors(body), minilm.embed(TEXTS[:1]), atol=ATOL)
