"""Talking to the background query process (``latechunk.cli.daemon``): find it, start it, ask it, stop it."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from latechunk.cli.settings import SearchQuery
from latechunk.options import CommandError
from latechunk.store import Hit

RUNTIME_VARIABLE = "LATECHUNK_RUNTIME_DIR"
START_TIMEOUT = 600.0
"""Seconds to wait for a starting process to listen (it loads torch, not yet the model)."""
SEARCH_TIMEOUT = 900.0
"""Seconds to wait for one answer (the first loads the model; a large model on a slow disk takes minutes)."""
_SOCKET_PATH_LIMIT = 100  # sun_path holds 104-108 bytes, by platform


def runtime_folder() -> Path:
    """A private folder (mode 0700, ours) for the socket: ``$LATECHUNK_RUNTIME_DIR``, ``$XDG_RUNTIME_DIR/latechunk``
    or ``<tmp>/latechunk-<uid>``."""
    if os.environ.get(RUNTIME_VARIABLE):
        folder = Path(os.environ[RUNTIME_VARIABLE])
    elif os.environ.get("XDG_RUNTIME_DIR"):
        folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "latechunk"
    else:
        folder = Path(tempfile.gettempdir()) / f"latechunk-{os.getuid()}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise OSError(f"{folder} is not a private folder of this user (owner or mode); set ${RUNTIME_VARIABLE}")
    return folder


def installation() -> str:
    """What makes one installation: the environment and Python version (not the interpreter's file name, so
    ``.venv/bin/python``, the console script's ``python3``, a symlinked path or a venv made with ``--copies``
    name the same one) and the latechunk copy it imports."""
    import latechunk

    parts = (
        os.path.realpath(sys.prefix),
        sys.implementation.cache_tag or sys.version,
        os.path.realpath(Path(latechunk.__file__).parent),
        latechunk.__version__,
    )
    return "\0".join(parts)


def socket_path() -> Path:
    """The socket of this user's process for this installation (``installation``), however it is started."""
    digest = hashlib.sha256(installation().encode()).hexdigest()[:12]
    return runtime_folder() / f"query-{digest}.sock"


def _ask(path: Path, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(str(path))
        connection.sendall(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            part = connection.recv(1 << 16)
            if not part:
                raise ConnectionError("the background query process closed the connection without an answer")
            data += part
    return json.loads(data)


def _start(path: Path, keep_alive: int) -> subprocess.Popen:
    log = path.with_suffix(".log")
    with open(log, "w") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "latechunk.cli.daemon", "--socket", str(path), "--keep-alive", str(keep_alive)],
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=stream,
            start_new_session=True,  # Ctrl-C in the terminal of the search that started it does not end it
            cwd="/",
        )


def _wait_until_listening(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            _ask(path, {"op": "ping"}, timeout=5)
            return
        except (OSError, ValueError):
            pass
        code = process.poll()
        if code not in (None, 0):  # 0: another process holds the lock and is starting: keep waiting
            log = path.with_suffix(".log").read_text(errors="replace").strip().splitlines()
            raise OSError(f"it exited with status {code}: {' | '.join(log[-3:])}")
        time.sleep(0.05)
    raise OSError(f"it did not listen within {START_TIMEOUT:g} s")


def search(query: SearchQuery, keep_alive: int) -> list[Hit] | None:
    """The hits from the background process, started if needed (to wait ``keep_alive`` seconds for the next
    search); ``None`` when none can run here."""
    if not hasattr(socket, "AF_UNIX"):
        return None
    try:
        path = socket_path()
    except OSError as error:
        print(f"latechunk: searching without a background process: {error}", file=sys.stderr)
        return None
    if len(str(path)) > _SOCKET_PATH_LIMIT:
        return None
    request = {"op": "search", "cwd": os.getcwd(), "query": query.to_json()}
    try:
        reply = _ask(path, request, SEARCH_TIMEOUT)
    except (FileNotFoundError, ConnectionRefusedError):
        print(
            f"latechunk: starting a background query process; it keeps the model loaded for later searches and "
            f"exits after {keep_alive} s without one (--no-daemon: none; --stop: end it)",
            file=sys.stderr,
        )
        try:
            _wait_until_listening(path, _start(path, keep_alive))
        except OSError as error:
            print(f"latechunk: the background query process did not start ({error}); searching here", file=sys.stderr)
            return None
        reply = _ask(path, request, SEARCH_TIMEOUT)
    if "error" in reply:
        raise CommandError(reply["error"])
    for note in reply.get("notes", ()):
        print(f"latechunk: note: {note}", file=sys.stderr)
    return [Hit.from_json(hit) for hit in reply["hits"]]


def stop() -> str:
    """Stop this user's background query process for this installation; says what happened."""
    try:
        path = socket_path()
        reply = _ask(path, {"op": "stop"}, timeout=30)
    except (FileNotFoundError, ConnectionRefusedError):
        return "no background query process is running"
    except OSError as error:
        raise CommandError(f"cannot reach the background query process: {error}") from error
    return f"stopped the background query process (pid {reply.get('stopped')})"
