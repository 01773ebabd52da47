"""File names and other text as the command line prints them: relative where it can, on one line."""

from __future__ import annotations

from pathlib import Path

from latechunk.documents.names import path_key


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
