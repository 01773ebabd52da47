"""``latechunk serve`` as a process: key from the environment, JSON access logs, graceful shutdown."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from latechunk import LateChunkerSettings
from latechunk.cli import build_parser
from latechunk.serve import ServeSettings
from latechunk.serve.command import settings_from

from .conftest import free_port, running_server


def test_command_line_to_settings(monkeypatch):
    monkeypatch.setenv("LATECHUNK_API_KEY", "a, b")
    command = ["serve", "--model", "m", "--workers", "2", "--max-inputs", "7", "--chunk-size", "16", "--task", "none"]
    args = build_parser().parse_args([*command, "--no-normalize-embeddings", "--max-length", "128"])
    settings = settings_from(args)
    assert (settings.workers, settings.max_inputs, settings.api_keys) == (2, 7, ("a", "b"))
    assert settings.late_chunker == LateChunkerSettings(
        model="m", chunk_size=16, normalize_embeddings=False, max_length=128
    )
    assert args.host == "127.0.0.1" and settings.served_name == "m"
    defaults = settings_from(build_parser().parse_args(["serve"]))
    assert defaults.late_chunker == LateChunkerSettings()
    given = settings_from(build_parser().parse_args(["serve", "--api-key", "c", "--api-key", "d"]))
    assert given.api_keys == ("c", "d")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--workers", "0"])
    with pytest.raises(ValueError, match="max_queue"):
        ServeSettings(max_queue=-1)


def test_an_open_server_says_so_in_the_log(minilm_path, caplog):
    with caplog.at_level(logging.INFO, logger="latechunk.serve"):
        with running_server(ServeSettings(LateChunkerSettings(model=minilm_path))) as server:
            server.client.post("/v1/embeddings", json={"input": ["logged"]})
    assert any("no API key configured" in r.getMessage() for r in caplog.records)
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "latechunk.serve.access"]
    line = next(a for a in access if a["path"] == "/v1/embeddings")
    assert line["status"] == 200 and line["inputs"] == 1 and line["tokens"] == 3 and line["duration_ms"] > 0


def test_process_finishes_in_flight_requests_on_sigterm(minilm_path, tmp_path):
    port = free_port()
    log_file = tmp_path / "serve.log"
    env = dict(os.environ, LATECHUNK_API_KEY="secret", PYTHONPATH=os.getcwd())
    command = [sys.executable, "-m", "latechunk", "serve", "--model", minilm_path, "--port", str(port)]
    with open(log_file, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    auth = {"Authorization": "Bearer secret"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and process.poll() is None, log_file.read_text()
                time.sleep(0.1)
            assert client.post("/v1/embeddings", json={"input": ["x"]}).status_code == 401
            result = {}
            document = "The lighthouse lens was ground by hand over many months. " * 150

            def slow():
                result["response"] = client.post("/v1/chunk-embed", json={"input": [document]}, headers=auth)

            thread = threading.Thread(target=slow)
            thread.start()
            while "latechunk_in_flight 1.0" not in client.get("/metrics").text:
                assert thread.is_alive(), "the request finished before the signal could be sent"
                time.sleep(0.01)
            process.send_signal(signal.SIGTERM)
            thread.join(timeout=120)
            assert result["response"].status_code == 200
            assert len(result["response"].json()["data"][0]["chunks"]) > 10
        # uvicorn re-raises the signal once it has shut down, so the status says "ended by SIGTERM"
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    text = log_file.read_text()
    assert "API keys required: 1 key(s) configured" in text
    assert "Shutting down" in text and "Finished server process" in text
    access = [
        json.loads(line.split("latechunk.serve.access: ", 1)[1]) for line in text.splitlines() if ".access: " in line
    ]
    assert any(a["path"] == "/v1/chunk-embed" and a["status"] == 200 for a in access)
    assert any(a["path"] == "/v1/embeddings" and a["status"] == 401 for a in access)


@pytest.mark.integration  # starts a Python process
def test_importing_latechunk_and_its_cli_loads_no_web_framework():
    code = (
        "import sys, latechunk, latechunk.cli, latechunk.serve, latechunk.serve.command\n"
        "loaded = [m for m in ('fastapi', 'uvicorn', 'starlette', 'prometheus_client') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))
