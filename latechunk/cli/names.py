"""File names and other text as the command line prints them: relative where it can, on one line."""

from __future__ import annotations

from pathlib import Path

from latechunk.documents.names import path_key


def shown(text: str) -> str:
    """``text`` safe on one line: control characters (newline, tab, escape, ...) as Python escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def relative_path(path: Path | str) -> str:
    """A path as the command line gives it (text and JSON alike): relative to the working folder when inside
    it, else absolute; a name that is not valid UTF-8 as ``path_key`` keeps it."""
    key = path_key(path)
    try:
        return str(Path(key).relative_to(Path.cwd()))
    except ValueError:
        return key


def shown_path(path: Path | str) -> str:
    """A path for a message: ``relative_path``, escaped (``shown``)."""
    return shown(relative_path(path))
