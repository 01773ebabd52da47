"""The check that the settings asked for agree with a store's: vectors made otherwise cannot share it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from latechunk.store.errors import StoreError
from latechunk.store.settings import STORED_SETTINGS, BuildSettings


def _same_model(a: str, b: str) -> bool:
    if a == b:
        return True
    from latechunk.pipeline.loading import resolve_model_path

    return resolve_model_path(a) == resolve_model_path(b)


def check_query(stored: BuildSettings, asked: Mapping[str, Any], where: str) -> None:
    """Refuse a query whose model or vector size (in the settings ``asked``) differs from the store's."""
    model, dimensions = asked.get("model"), asked.get("dimensions")
    if model is not None and not _same_model(model, stored.model):
        raise StoreError(
            f"{where} was indexed with model {stored.model!r}, not {model!r}: vectors of different models "
            "cannot be compared. Leave out --model to use the store's model, or index into a new --store."
        )
    if dimensions is not None and dimensions != stored.dimension:
        raise StoreError(
            f"{where} holds {stored.dimension}-dimensional vectors, but --dimensions asks for {dimensions}. "
            "Leave out --dimensions to use the store's, or index into a new --store."
        )


def check_index(stored: BuildSettings, asked: Mapping[str, Any], where: str) -> None:
    """Refuse to add chunks built with other settings (``asked``) than the ones already in the store."""
    from latechunk.pipeline.families import normalize_task

    check_query(stored, asked, where)
    asked = dict(asked)
    if "task" in asked:
        asked["task"] = normalize_task(asked["task"])
    for name in STORED_SETTINGS:
        if name in ("model", "dimensions") or name not in asked:
            continue
        if asked[name] != getattr(stored, name):
            option = "--" + name.replace("_", "-")
            raise StoreError(
                f"{where} was built with {option} {getattr(stored, name)!r}, not {asked[name]!r}; mixing settings in "
                "one store gives inconsistent results. Leave the option out, or index into a new --store."
            )
