"""File names as the store keeps them and as the command line prints them."""

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


def shown(text: str) -> str:
    """``text`` safe on one line: control characters (newline, tab, escape, ...) as Python escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def shown_path(path: Path | str) -> str:
    """A path for a message: relative to the working folder when inside it, escaped (``shown``)."""
    key = path_key(path)
    try:
        key = str(Path(key).relative_to(Path.cwd()))
    except ValueError:
        pass
    return shown(key)
