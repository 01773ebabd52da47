"""Checking what callers pass as text, before any of it reaches the tokenizer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from latechunk.errors import EmptyTextError, InputTypeError, InvalidTextError, warn

_SURROGATE = re.compile("[\ud800-\udfff]")

UNKNOWN_SHARE_WARNING = 0.5
"""Warn when more than this share of a document's tokens are the tokenizer's unknown token."""


def as_text_list(texts: Any, what: str) -> list[str]:
    """``texts`` as a list of valid strings; anything else raises naming the index (``documents[3]``)."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise InputTypeError(f"{what} must be a list of strings, got {type(texts).__name__}")
    for i, text in enumerate(texts):
        check_text(text, f"{what}[{i}]")
    return list(texts)


def as_embed_list(texts: Any, what: str) -> list[str]:
    """``as_text_list``, and no text empty or only white space: ``embed``'s rule at every door (the
    library, the server, Haystack, LlamaIndex), whether or not the texts are late-chunked together."""
    items = as_text_list(texts, what)
    for i, text in enumerate(items):
        if not text or text.isspace():
            raise EmptyTextError(f"{what}[{i}] is empty or only white space; there is nothing to embed")
    return items


def check_text(text: Any, name: str) -> str:
    """``text`` if it is a ``str`` the tokenizer can take, else a typed error naming ``name``."""
    if isinstance(text, (bytes, bytearray)):
        raise InputTypeError(
            f"{name} is {type(text).__name__}, expected str; decode it first, e.g. data.decode('utf-8')"
        )
    if not isinstance(text, str):
        raise InputTypeError(f"{name} is {type(text).__name__}, expected str")
    if not text.isascii():
        found = _SURROGATE.search(text)
        if found is not None:
            raise InvalidTextError(
                f"{name}: lone surrogate {found.group()!r} at {found.start()}; it is not text (was it decoded with "
                "errors='surrogateescape'?): decode with errors='replace'"
            )
    return text


def warn_unknown_tokens(ids: np.ndarray, unknown_id: int | None, name: str) -> None:
    """Warn when the tokenizer maps most of a document to its unknown token (vectors then say little)."""
    message = unknown_tokens_message(ids, unknown_id, name)
    if message:
        warn(message)


def unknown_tokens_message(ids: np.ndarray, unknown_id: int | None, name: str) -> str | None:
    """The warning ``warn_unknown_tokens`` gives, or ``None`` (for callers that warn later, elsewhere)."""
    if unknown_id is None or len(ids) == 0:
        return None
    share = float(np.count_nonzero(ids == unknown_id)) / len(ids)
    if share <= UNKNOWN_SHARE_WARNING:
        return None
    return (
        f"{name}: {share:.0%} of its tokens are the tokenizer's unknown token; the model cannot read this "
        "text (another script?), so its vectors say little. Use a multilingual model."
    )
