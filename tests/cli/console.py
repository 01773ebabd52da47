"""Running the installed ``latechunk`` console script as a user would, on this checkout's code."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "docs"
SCRIPT = Path(sys.executable).with_name("latechunk")


def environment(
    *, daemon: bool = False, runtime: Path | None = None, first_on_path: Path | None = None, **extra: str
) -> dict[str, str]:
    """This checkout on the path (after ``first_on_path``), offline, no background query process unless ``daemon``."""
    path = [str(REPO)] if first_on_path is None else [str(first_on_path), str(REPO)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error", **extra)
    env.pop("LATECHUNK_NO_DAEMON", None)
    if not daemon:
        env["LATECHUNK_NO_DAEMON"] = "1"
    if runtime is not None:
        env["LATECHUNK_RUNTIME_DIR"] = str(runtime)
    return env


def latechunk(
    *args: str | bytes | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``latechunk ARGS...`` as a subprocess; stdout and stderr decoded (undecodable bytes escaped)."""
    assert SCRIPT.exists(), "install the package: pip install -e ."
    argv: list[str | bytes] = [str(SCRIPT), *(a if isinstance(a, bytes) else str(a) for a in args)]
    result = subprocess.run(argv, capture_output=True, cwd=cwd, env=env or environment(), timeout=timeout)
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8", "backslashreplace"),
        result.stderr.decode("utf-8", "backslashreplace"),
    )


def short_folder() -> Path:
    """A new folder with a short path (Unix socket paths are limited to about 100 bytes)."""
    return Path(tempfile.mkdtemp(prefix="lc-", dir="/tmp" if os.path.isdir("/tmp") else None))


def listing(folder: Path) -> Sequence[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
