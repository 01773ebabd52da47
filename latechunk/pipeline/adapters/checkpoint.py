"""Finding a checkpoint's safetensors files (local folder or hub id) and the tensor names they hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_SINGLE = "model.safetensors"
_INDEX = "model.safetensors.index.json"


def weight_files(path: str, download: dict[str, Any]) -> list[Path] | None:
    """The checkpoint's safetensors files, downloaded if ``path`` is a hub id; ``None`` if it has none."""
    single = _fetch(path, _SINGLE, download)
    if single is not None:
        return [single]
    index = _fetch(path, _INDEX, download)
    if index is None:
        return None
    shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
    files = [_fetch(path, shard, download) for shard in shards]
    if any(file is None for file in files):
        return None
    return [file for file in files if file is not None]


def tensor_names(files: list[Path]) -> list[str]:
    """Every tensor name in the files (read from the headers; no tensor is loaded)."""
    from safetensors import safe_open

    names: list[str] = []
    for file in files:
        with safe_open(str(file), framework="pt") as handle:
            names.extend(handle.keys())
    return names


def _fetch(path: str, filename: str, download: dict[str, Any]) -> Path | None:
    folder = Path(path)
    if folder.is_dir():
        candidate = folder / filename
        return candidate if candidate.is_file() else None
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError

    try:
        return Path(hf_hub_download(path, filename, **download))
    except EntryNotFoundError:
        return None
