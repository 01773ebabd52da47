"""Wall time of the everyday command-line loop, each step a fresh ``latechunk`` process as a user runs it.

Index examples/docs, search it (the first search starts the background query process, later ones reuse it),
search without it, re-index with nothing changed, then index N small files into a new store, once more with
nothing changed, and search them. Benchmarks measure; they assert nothing.

    HF_HUB_OFFLINE=1 python benchmarks/cli_loop.py --files 1000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("latechunk")
TOPICS = ["glaciers", "bees", "lighthouses", "bread", "trains", "comets", "tea", "rivers", "deserts", "owls"]


def step(label: str, *args: str | Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{label} failed: {result.stderr}")
    print(f"| {label} | {seconds:.2f} |", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000, help="how many small files (default: %(default)s)")
    parser.add_argument("--searches", type=int, default=3, help="later searches to time (default: %(default)s)")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="for a latechunk without the background process (PYTHONPATH=an older checkout): skip --no-daemon",
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="lc-bench-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LATECHUNK_RUNTIME_DIR": str(scratch / "run")}
    env.pop("LATECHUNK_NO_DAEMON", None)
    small = scratch / "small"
    small.mkdir()
    for i in range(args.files):
        topic = TOPICS[i % len(TOPICS)]
        (small / f"note{i:04d}.txt").write_text(
            f"Note {i} about {topic}. The group met on day {i % 365} and wrote down what it saw. "
            f"Next time it meets in room {100 + i % 50}, and someone brings a map of the {topic}.",
            encoding="utf-8",
        )
    store, many = scratch / "store", scratch / "many"
    print("| step | seconds |\n|---|---|")
    try:
        step("index examples/docs (4 files, new store)", "index", REPO / "examples/docs", "--store", store, env=env)
        step("first search (starts the background process)", "search", "lens", "--store", store, env=env)
        for i in range(args.searches):
            step(f"later search {i + 1}", "search", f"how is a lighthouse lens built {i}", "--store", store, env=env)
        if not args.baseline:
            step("search --no-daemon (loads the model)", "search", "lens", "--store", store, "--no-daemon", env=env)
        step("re-index, nothing changed", "index", REPO / "examples/docs", "--store", store, env=env)
        step(f"index {args.files} small files (new store)", "index", small, "--store", many, env=env)
        step(f"re-index {args.files} small files, nothing changed", "index", small, "--store", many, env=env)
        step(f"search the {args.files}-file store", "search", "map of the owls", "--store", many, env=env)
    finally:
        if not args.baseline:
            subprocess.run([str(SCRIPT), "search", "--stop"], capture_output=True, env=env)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
