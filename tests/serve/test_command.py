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
from latechunk.errors import SettingsError
from latechunk.pipeline.host_workers import close_pools, worker_pids
from latechunk.serve import ServeSettings
from latechunk.serve.command import settings_from
from latechunk.serve.settings import DESCRIPTION

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


@pytest.mark.parametrize("value", [" , ", "", "   ", "a,,b", "a,", "two words", "tab\there"])
def test_a_blank_or_malformed_key_list_in_the_environment_is_a_start_up_error(monkeypatch, value):
    monkeypatch.setenv("LATECHUNK_API_KEY", value)
    with pytest.raises(SettingsError, match=r"\$LATECHUNK_API_KEY"):
        settings_from(build_parser().parse_args(["serve"]))


def test_keys_from_a_file_and_options(tmp_path, monkeypatch):
    monkeypatch.delenv("LATECHUNK_API_KEY", raising=False)
    keys = tmp_path / "keys.txt"
    keys.write_text("# team keys\nk1\n\n  k2, k3  \n", encoding="utf-8")
    parse = build_parser().parse_args
    assert settings_from(parse(["serve", "--api-key-file", str(keys)])).api_keys == ("k1", "k2", "k3")
    assert settings_from(parse(["serve", "--api-key", "k0", "--api-key-file", str(keys)])).api_keys[0] == "k0"
    assert settings_from(parse(["serve"])).api_keys == ()  # nothing given anywhere: an open server, as before
    for text in ("", "# only a comment\n\n", "k1\n , \n"):
        keys.write_text(text, encoding="utf-8")
        with pytest.raises(SettingsError, match="keys.txt"):
            settings_from(parse(["serve", "--api-key-file", str(keys)]))
    with pytest.raises(SettingsError, match="cannot read"):
        settings_from(parse(["serve", "--api-key-file", str(tmp_path / "missing.txt")]))
    for given in (" ", "a b", ","):
        with pytest.raises(SettingsError, match="--api-key"):
            settings_from(parse(["serve", "--api-key", given]))
    with pytest.raises(SettingsError, match="api_keys"):
        ServeSettings(api_keys=("",))


def test_the_server_refuses_to_start_with_a_blank_key_list():
    env = dict(os.environ, LATECHUNK_API_KEY=" , ", PYTHONPATH=os.getcwd())
    command = [sys.executable, "-m", "latechunk", "serve", "--port", str(free_port())]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "latechunk: error: $LATECHUNK_API_KEY holds no API key" in done.stderr
    assert "Uvicorn running" not in done.stderr


def test_help_describes_the_server_and_every_limit(capsys, monkeypatch):
    monkeypatch.delenv("LATECHUNK_API_KEY", raising=False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert " ".join(DESCRIPTION.split()) in shown and "argument parsing" not in shown
    for option in ("--max-tokens", "--slice-seconds", "--receive-timeout", "--keep-alive-timeout", "--api-key-file"):
        assert option in shown
    assert "a bigger request gets 413 (default 131,072)" in shown
    parsed = settings_from(build_parser().parse_args(["serve", "--max-tokens", "9", "--receive-timeout", "2.5"]))
    assert (parsed.max_tokens, parsed.receive_timeout) == (9, 2.5)
    defaults = settings_from(build_parser().parse_args(["serve"]))
    assert defaults == ServeSettings(LateChunkerSettings())  # the command line's defaults are the dataclass's
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--slice-seconds", "-1"])


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
            children = _descendants(process.pid)
            process.send_signal(signal.SIGTERM)
            thread.join(timeout=120)
            assert result["response"].status_code == 200
            assert len(result["response"].json()["data"][0]["chunks"]) > 10
        # uvicorn re-raises the signal once it has shut down, so the status says "ended by SIGTERM"
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)
        time.sleep(0.5)
        left = [pid for pid in children if _alive(pid)]
        assert not left, f"processes the server started outlived it: {left}"
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


@pytest.mark.integration  # starts worker processes
def test_a_process_pool_inside_the_server_starts_and_stops_with_it(minilm_path):
    close_pools()  # a pool an earlier test left would be shared with the server's chunker
    text = LateChunkerSettings(model=minilm_path, chunk_size=16, text_workers=2, text_worker_kind="process")
    documents = ["The lighthouse lens was ground by hand over many months. " * 100] * 8  # several groups
    with running_server(ServeSettings(text)) as server:
        response = server.client.post("/v1/chunk-embed", json={"input": documents})
        assert response.status_code == 200 and all(len(d["chunks"]) > 10 for d in response.json()["data"])
        pids = worker_pids()
        assert len(pids) == 2 and set(pids) <= set(_descendants(os.getpid())) and all(_alive(p) for p in pids)
    assert worker_pids() == [] and not any(_alive(pid) for pid in pids)


@pytest.mark.integration  # starts a Python process
def test_importing_latechunk_and_its_cli_loads_no_web_framework():
    code = (
        "import sys, latechunk, latechunk.cli, latechunk.serve, latechunk.serve.command\n"
        "loaded = [m for m in ('fastapi', 'uvicorn', 'starlette', 'prometheus_client') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc; empty where there is none)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                    stat = f.read()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
