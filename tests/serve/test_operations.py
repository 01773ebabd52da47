"""``/v1/models``, ``/health``, ``/metrics`` and ``/docs``."""

from __future__ import annotations

from latechunk import LateChunkerSettings
from latechunk.serve import ServeSettings

from .conftest import running_server


def test_models(server, minilm):
    body = server.client.get("/v1/models").json()
    (card,) = body["data"]
    assert body["object"] == "list"
    assert card["id"] == "all-MiniLM-L6-v2" and card["object"] == "model"
    assert card["dimensions"] == minilm.dim == 384
    assert card["max_length"] == minilm.max_length
    assert card["tasks"] == list(minilm.tasks)


def test_health_ok(server):
    response = server.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model": "all-MiniLM-L6-v2"}


def test_health_reports_a_failed_load_and_embeddings_say_why(tmp_path):
    missing = tmp_path / "no-such-model"
    missing.mkdir()
    with running_server(
        ServeSettings(LateChunkerSettings(model=str(missing), local_files_only=True)), ready=False
    ) as broken:
        health = broken.client.get("/health")
        assert health.status_code == 503
        assert health.json()["status"] == "failed" and health.json()["detail"]
        response = broken.client.post("/v1/embeddings", json={"input": ["x"]})
        assert response.status_code == 503 and response.headers["retry-after"]
        assert "failed to load" in response.json()["detail"]


def test_metrics_count_requests_tokens_and_inputs(server):
    before = server.client.get("/metrics").text
    body = server.client.post("/v1/embeddings", json={"input": ["one", "two", "three"]}).json()
    server.client.post("/v1/embeddings", json={"input": []})
    text = server.client.get("/metrics").text
    assert text.startswith("# HELP") and text != before

    def value(name: str) -> float:
        lines = [line for line in text.splitlines() if line.startswith(name + " ")]
        return float(lines[0].split()[-1]) if lines else 0.0

    def before_value(name: str) -> float:
        lines = [line for line in before.splitlines() if line.startswith(name + " ")]
        return float(lines[0].split()[-1]) if lines else 0.0

    ok = 'latechunk_requests_total{route="/v1/embeddings",status="200"}'
    bad = 'latechunk_requests_total{route="/v1/embeddings",status="422"}'
    tokens = 'latechunk_tokens_total{route="/v1/embeddings"}'
    assert value(ok) == before_value(ok) + 1
    assert value(bad) == before_value(bad) + 1
    assert value(tokens) == before_value(tokens) + body["usage"]["total_tokens"]
    assert 'latechunk_request_inputs_bucket{le="4.0",route="/v1/embeddings"}' in text
    for name in ("latechunk_queue_depth", "latechunk_in_flight", "latechunk_request_duration_seconds_bucket"):
        assert name in text
    assert value("latechunk_ready") == 1.0


def test_openapi_documents_every_request_field(server):
    schema = server.client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in ("EmbeddingsRequest", "ChunkEmbedRequest", "EmbeddingsResponse", "ChunkObject"):
        for field, spec in components[name]["properties"].items():
            described = spec.get("description") or "$ref" in spec or spec.get("allOf")
            assert described, (name, field)
    assert server.client.get("/docs").status_code == 200


def test_a_second_app_shares_the_loaded_model(minilm_path, server):
    with running_server(ServeSettings(LateChunkerSettings(model=minilm_path), model_name="second")) as other:
        a = server.client.post("/v1/embeddings", json={"input": ["shared"]}).json()["data"][0]["embedding"]
        b = other.client.post("/v1/embeddings", json={"input": ["shared"]}).json()
        assert b["model"] == "second" and b["data"][0]["embedding"] == a


def test_the_servers_late_chunker_settings_are_every_requests_defaults(minilm_path):
    import numpy as np

    from latechunk import LateChunker

    base = LateChunkerSettings(model=minilm_path, dimensions=32, normalize_embeddings=False, task="retrieval.query")
    texts = ["Berlin is the capital of Germany.", "It lies on the Spree."]
    with running_server(ServeSettings(base)) as custom:
        got = custom.client.post("/v1/embeddings", json={"input": texts}).json()["data"]
        np.testing.assert_allclose([d["embedding"] for d in got], LateChunker(base).embed(texts), atol=1e-5)
        asked = {"input": texts, "dimensions": 64, "normalized": True}
        got = custom.client.post("/v1/embeddings", json=asked).json()["data"]
        expected = LateChunker(base.replace(normalize_embeddings=True)).embed(texts, dimensions=64)
        np.testing.assert_allclose([d["embedding"] for d in got], expected, atol=1e-5)
        assert np.allclose(np.linalg.norm([d["embedding"] for d in got], axis=1), 1, atol=1e-5)
