"""A file's key: its path as a store keeps it (valid UTF-8, whatever the file system allows)."""

from __future__ import annotations

import os
from pathlib import Path


def path_key(path: Path | str) -> str:
    """The path as stored: its text, or for a name that is not valid UTF-8, its bytes with ``\\xNN`` escapes.

    POSIX names are bytes; Python carries undecodable ones as lone surrogates, which neither UTF-8, JSON nor
    a Qdrant server accepts.
    """
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text
