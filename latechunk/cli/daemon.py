"""The background query process: keeps models loaded so that later ``latechunk search`` calls answer fast.

One process per user and installation listens on a Unix socket in a private folder (mode 0700, see
``daemon_client.runtime_folder``). Each request is one line of JSON: ``{"op": "search", "cwd": ..., "args":
{...}}`` answered by ``{"hits": [...]}`` or ``{"error": "..."}``; ``{"op": "stop"}`` ends the process. Requests
are served one at a time. The store is opened for each search and closed after it, so ``latechunk index`` can
always write to it. The process exits after ``--keep-alive`` seconds without a request.

Run by ``daemon_client``: ``python -m latechunk.cli.daemon --socket PATH --keep-alive SECONDS``.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import socket
import sys
import time
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.extras import MissingExtraError
from latechunk.options import CommandError, given_settings
from latechunk.store import BuildSettings
from latechunk.store.late_chunkers import build_late_chunker
from latechunk.types import LateChunkError

if TYPE_CHECKING:
    from latechunk import LateChunker

MODELS_KEPT = 2
"""Loaded models kept at once (the most recently used)."""
MAX_REQUEST_BYTES = 1 << 20


class Models:
    """The most recently used LateChunkers, by the settings that make them."""

    def __init__(self, size: int = MODELS_KEPT) -> None:
        self.size = size
        self.loaded: OrderedDict[tuple, LateChunker] = OrderedDict()

    def __call__(self, args: argparse.Namespace, stored: BuildSettings) -> LateChunker:
        key = (stored, args.max_length, args.device)
        if key in self.loaded:
            self.loaded.move_to_end(key)
        else:
            self.loaded[key] = build_late_chunker(given_settings(args), stored, searching=True)
            while len(self.loaded) > self.size:
                self.loaded.popitem(last=False)
        return self.loaded[key]


def _read_line(connection: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        part = connection.recv(65536)
        if not part:
            break
        data += part
        if len(data) > MAX_REQUEST_BYTES:
            raise ValueError("request too long")
    return data


def _handle(request: dict[str, Any], models: Models) -> dict[str, Any]:
    from latechunk.cli.search import answer

    op = request.get("op")
    if op == "ping":
        return {"pid": os.getpid()}
    if op != "search":
        return {"error": f"unknown request {op!r}"}
    try:
        os.chdir(request["cwd"])  # relative store paths and messages as the caller sees them
        args = argparse.Namespace(**request["args"])
        return {"hits": [hit.to_json() for hit in answer(args, models)]}
    except (CommandError, LateChunkError, ValueError, OSError, MissingExtraError) as error:
        return {"error": str(error)}
    except Exception as error:  # keep serving; the caller reports it, the log keeps the traceback
        traceback.print_exc()
        return {"error": f"the background query process failed: {type(error).__name__}: {error}"}
    finally:
        os.chdir("/")


def serve(path: Path, keep_alive: float) -> int:
    """Answer requests on the socket at ``path`` until ``keep_alive`` seconds pass without one, or a stop."""
    lock = open(path.with_suffix(".lock"), "w")  # noqa: SIM115 (held for the life of the process)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another process serves (or is starting to serve) this socket
    path.unlink(missing_ok=True)  # left by a process that was killed
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    os.chmod(path, 0o600)
    server.listen(16)
    server.settimeout(keep_alive)
    identity = path.stat().st_ino
    models = Models()
    print(f"latechunk query process {os.getpid()} listening on {path} (exits after {keep_alive:g} s idle)")
    sys.stdout.flush()
    try:
        while True:
            try:
                connection, _ = server.accept()
            except TimeoutError:
                return 0
            with connection:
                connection.settimeout(None)
                try:
                    request = json.loads(_read_line(connection))
                except ValueError as error:
                    connection.sendall(json.dumps({"error": f"bad request: {error}"}).encode() + b"\n")
                    continue
                if request.get("op") == "stop":
                    connection.sendall(json.dumps({"stopped": os.getpid()}).encode() + b"\n")
                    return 0
                started = time.perf_counter()
                reply = _handle(request, models)
                reply["seconds"] = round(time.perf_counter() - started, 4)
                try:
                    connection.sendall(json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n")
                except OSError:
                    pass  # the caller gave up (Ctrl-C)
    finally:
        server.close()
        try:
            if path.stat().st_ino == identity:
                path.unlink()
        except OSError:
            pass


def _one_thread() -> None:
    """Run torch on one CPU thread: a query is one short sequence, and more threads spin against each other on a
    busy machine (measured: 40-70 ms per query on one thread against 0.2-1.5 s on two, under load)."""
    import torch

    torch.set_num_threads(1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m latechunk.cli.daemon", description=__doc__)
    parser.add_argument("--socket", required=True, type=Path, help="Unix socket path to listen on")
    parser.add_argument("--keep-alive", type=float, required=True, help="seconds to wait for the next request")
    args = parser.parse_args(argv)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    _one_thread()
    os.chdir("/")  # hold no folder of the caller's
    return serve(args.socket, args.keep_alive)


if __name__ == "__main__":
    raise SystemExit(main())
