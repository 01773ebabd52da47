"""Chunker instances to and from plain dicts (Haystack pipelines, JSON settings)."""

from __future__ import annotations

import importlib
import inspect
import json
from typing import Any

from latechunk.chunkers.base import Chunker
from latechunk.errors import SettingsError, SettingsTypeError


def chunker_to_dict(chunker: Chunker) -> dict[str, Any]:
    """``{"type": "module.Class", "init_parameters": {...}}``: the constructor arguments, read off the instance.

    Raises ``SettingsError`` when an argument cannot be written as JSON (a spaCy pipeline, say).
    """
    cls = type(chunker)
    parameters = {}
    for name in inspect.signature(cls).parameters:
        if name in cls.deprecated_parameters:
            continue
        if not hasattr(chunker, name):
            raise SettingsError(f"{cls.__name__} keeps no attribute {name!r}, so it cannot be serialised")
        value = getattr(chunker, name)
        try:
            json.dumps(value)
        except TypeError:
            raise SettingsError(
                f"{cls.__name__}.{name} is a {type(value).__name__}, which cannot be serialised; "
                "pass the chunker by name or with plain settings to save it"
            ) from None
        parameters[name] = value
    return {"type": f"{cls.__module__}.{cls.__qualname__}", "init_parameters": parameters}


def chunker_from_dict(data: dict[str, Any]) -> Chunker:
    """The chunker ``chunker_to_dict`` described."""
    module, _, name = str(data.get("type", "")).rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        raise SettingsError(f"chunker type {data.get('type')!r} cannot be imported") from None
    if not (isinstance(cls, type) and issubclass(cls, Chunker)):
        raise SettingsTypeError(f"chunker type {data.get('type')!r} is not a latechunk Chunker")
    return cls(**data.get("init_parameters", {}))
