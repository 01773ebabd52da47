"""Bad requests, API keys, limits and backpressure: each a status code and a readable ``detail``."""

from __future__ import annotations

import threading
import time

import pytest

from latechunk import LateChunkerSettings
from latechunk.serve import ServeSettings

from .conftest import running_server

GOOD = {"input": ["still serving"]}
NOTHING = "is empty or only white space; there is nothing to embed"


def assert_serving(server):
    response = server.client.post("/v1/embeddings", json=GOOD, headers=getattr(server, "auth", {}))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b'{"input": ["a",', 400, "not valid JSON"),
        (b"not json at all", 400, "not valid JSON"),
        ({"input": ["a"], "task": "summarize"}, 422, "no task 'summarize'; valid tasks: retrieval.query"),
        ({"input": ["a"], "dimensions": 0}, 422, "dimensions: Input should be greater than or equal to 1"),
        ({"input": ["a"], "dimensions": 385}, 422, "dimensions must be between 1 and the model's size 384"),
        ({"input": []}, 422, "input must not be empty"),
        ({"input": ["a", 3]}, 422, "input[1] is int; expected a string"),
        ({"input": [{"image": "https://x/y.png"}]}, 422, "input[0] is an object without a string 'text'"),
        ({"input": [[101, 2023]]}, 422, "input[0] is list"),
        ({"input": None}, 422, "input must be a string or a list of strings, got NoneType"),
        ({"task": "retrieval.query"}, 422, "input: Field required"),
        ([1, 2], 422, "Input should be a valid dictionary"),
        ({"input": ["a"], "embedding_type": "int4"}, 422, "embedding_type: Input should be 'float'"),
        ({"input": ["a"], "embedding_type": "float", "encoding_format": "base64"}, 422, "they disagree"),
        ({"input": ["a", "   "], "late_chunking": True}, 422, f"input[1] {NOTHING}"),
        ({"input": ["a", ""], "late_chunking": True}, 422, f"input[1] {NOTHING}"),
        ({"input": ""}, 422, f"input[0] {NOTHING}"),
        ({"input": ["ok", ""]}, 422, f"input[1] {NOTHING}"),
        ({"input": ["ok", "  "]}, 422, f"input[1] {NOTHING}"),
        ({"input": ["ok", " \n\t "]}, 422, f"input[1] {NOTHING}"),
        ({"input": ["ok"], "dimensions": True}, 422, "dimensions: Input should be a valid integer"),
        ({"input": ["ok"], "dimensions": "8"}, 422, "dimensions: Input should be a valid integer"),
        (b'{"input": ["ok", "a\\ud800b"]}', 422, "input[1]: lone surrogate '\\ud800' at 1"),
        (b'{"input": ["ok", "abc\\ud800"], "late_chunking": true}', 422, "input[1]: lone surrogate '\\ud800' at 3"),
        ({"input": ["a"], "late_chunking": "maybe"}, 422, "late_chunking: Input should be a valid boolean"),
    ],
)
def test_bad_request(server, body, status, detail):
    if isinstance(body, bytes):
        response = server.client.post("/v1/embeddings", content=body, headers={"content-type": "application/json"})
    else:
        response = server.client.post("/v1/embeddings", json=body)
    assert response.status_code == status, response.text
    payload = response.json()
    assert detail in payload["detail"]
    assert "TextEncodeInput" not in payload["detail"] and "texts[" not in payload["detail"]  # the library's own, named
    assert payload["error"]["message"] == payload["detail"] and payload["error"]["code"] == status
    assert_serving(server)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"input": ["ok.", "abc\\ud800 more."]}', "input[1]: lone surrogate '\\ud800' at 3; it is not text"),
        (b'{"input": ["ok."], "dimensions": true}', "dimensions: Input should be a valid integer"),
        (
            b'{"input": ["ok."], "late_chunking": false, "dimensions": true}',
            "dimensions: Input should be a valid integer",
        ),
    ],
)
def test_chunk_embed_bad_request(server, body, detail):
    response = server.client.post("/v1/chunk-embed", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
    assert "TextEncodeInput" not in response.json()["detail"]
    assert_serving(server)


def test_chunk_embed_bad_chunker_and_size(server):
    for body, detail in (
        ({"input": ["a"], "chunker": "words"}, "unknown chunker 'words'; chunker must be one of html, markdown"),
        ({"input": ["a"], "chunk_size": 0}, "chunk_size: Input should be greater than or equal to 1"),
    ):
        response = server.client.post("/v1/chunk-embed", json=body)
        assert response.status_code == 422 and detail in response.json()["detail"]
    assert_serving(server)


def test_wrong_method_and_path_are_json(server):
    assert server.client.get("/v1/embeddings").json()["detail"] == "Method Not Allowed"
    response = server.client.post("/v2/embeddings", json=GOOD)
    assert response.status_code == 404 and response.json()["detail"] == "Not Found"


@pytest.fixture(scope="module")
def guarded(minilm_path):
    settings = ServeSettings(
        LateChunkerSettings(model=minilm_path),
        api_keys=("key-one", "key-two"),
        max_inputs=4,
        max_characters=1000,
        max_body_bytes=3000,
    )
    with running_server(settings) as running:
        running.auth = {"Authorization": "Bearer key-one"}
        yield running


def test_api_keys(guarded):
    url = "/v1/embeddings"
    missing = guarded.client.post(url, json=GOOD)
    assert missing.status_code == 401 and "missing API key" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = guarded.client.post(url, json=GOOD, headers={"Authorization": "Bearer key-three"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "invalid API key"
    basic = guarded.client.post(url, json=GOOD, headers={"Authorization": "Basic key-one"})
    assert basic.status_code == 401
    for key in ("key-one", "key-two"):
        assert guarded.client.post(url, json=GOOD, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert guarded.client.get("/v1/models").status_code == 401
    assert guarded.client.get("/health").status_code == 200  # probes need no key
    assert guarded.client.get("/metrics").status_code == 200


def test_openai_client_with_a_wrong_key(guarded):
    import openai

    client = openai.OpenAI(base_url=guarded.v1, api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="invalid API key"):
        client.embeddings.create(model="m", input=["x"])
    good = openai.OpenAI(base_url=guarded.v1, api_key="key-two", max_retries=0)
    assert len(good.embeddings.create(model="m", input=["x"]).data[0].embedding) == 384


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"input": ["a"] * 5}, "too many inputs: 5 > max_inputs 4 (option --max-inputs)"),
        ({"input": ["x" * 600, "y" * 600]}, "too many characters: 1200 > max_characters 1000"),
        ({"input": ["x" * 500] * 3, "user": "z" * 2000}, "request body too large: "),
    ],
)
def test_limits(guarded, body, detail):
    response = guarded.client.post("/v1/embeddings", json=body, headers=guarded.auth)
    assert response.status_code == 413, response.text
    assert detail in response.json()["detail"]
    assert_serving(guarded)


def test_body_limit_without_content_length(guarded):
    def chunks():
        for _ in range(10):
            yield b" " * 500

    response = guarded.client.post(
        "/v1/embeddings", content=chunks(), headers={**guarded.auth, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "more than 3000 bytes" in response.json()["detail"]
    assert_serving(guarded)


def test_a_full_queue_answers_503_with_retry_after(minilm_path):
    long_document = "Berlin is the capital of Germany and lies on the river Spree. " * 150  # ~2k tokens, 8 windows
    with running_server(ServeSettings(LateChunkerSettings(model=minilm_path), workers=1, max_queue=0)) as single:
        results = {}

        def slow():
            results["slow"] = single.client.post("/v1/chunk-embed", json={"input": [long_document]})

        thread = threading.Thread(target=slow)
        thread.start()
        deadline = time.monotonic() + 30
        while "latechunk_in_flight 1.0" not in single.client.get("/metrics").text:
            assert time.monotonic() < deadline and thread.is_alive(), "the slow request never started"
            time.sleep(0.01)
        refused = single.client.post("/v1/embeddings", json=GOOD)
        thread.join()
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert "server busy" in refused.json()["detail"] and "--max-queue 0" in refused.json()["detail"]
        assert results["slow"].status_code == 200
        assert "latechunk_rejected_total 1.0" in single.client.get("/metrics").text
        assert_serving(single)
