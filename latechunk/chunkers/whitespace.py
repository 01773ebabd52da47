"""Whitespace of a whole text as arrays: many spans stripped at once, as ``strip_span`` strips one."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _space_table() -> np.ndarray:
    """``table[c]``: whether ``chr(c).isspace()``, for every code point up to the last space (U+3000)."""
    spaces = [c for c in range(0x110000) if chr(c).isspace()]
    table = np.zeros(max(spaces) + 1, dtype=bool)
    table[spaces] = True
    return table


def code_points(text: str) -> np.ndarray:
    """One ``uint32`` per character of ``text`` (lone surrogates included), so indices match ``str`` indices."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def is_space(codes: np.ndarray) -> np.ndarray:
    """``chr(c).isspace()`` for each code point."""
    table = _space_table()
    return table[np.minimum(codes, len(table) - 1)] & (codes < len(table))


class Whitespace:
    """The maximal runs of whitespace (``str.isspace``) of one text."""

    def __init__(self, text: str, codes: np.ndarray | None = None) -> None:
        codes = code_points(text) if codes is None else codes
        space = is_space(codes)
        edges = np.diff(space.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
        self.run_start = np.flatnonzero(edges == 1)
        self.run_end = np.flatnonzero(edges == -1)

    def _run_holding(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each position: the index of the whitespace run that holds it, and whether one does."""
        run = np.searchsorted(self.run_start, positions, side="right") - 1
        clipped = np.maximum(run, 0)
        inside = (run >= 0) & (positions < self.run_end[clipped]) if len(self.run_start) else run >= 0
        return clipped, inside

    def next_visible(self, positions: np.ndarray) -> np.ndarray:
        """The first position at or after each one that is not whitespace (or the text's end)."""
        run, inside = self._run_holding(positions)
        return np.where(inside, self.run_end[run] if len(self.run_end) else positions, positions)

    def visible_end(self, positions: np.ndarray) -> np.ndarray:
        """For each position, the end of the text before it without its trailing whitespace."""
        run, inside = self._run_holding(positions - 1)
        inside &= positions > 0
        return np.where(inside, self.run_start[run] if len(self.run_start) else positions, positions)

    def word_start(self, positions: np.ndarray) -> np.ndarray:
        """Where the run of non-whitespace that ends at each position begins (after the last whitespace)."""
        run = np.searchsorted(self.run_end, positions, side="right") - 1
        return np.where(run >= 0, self.run_end[np.maximum(run, 0)] if len(self.run_end) else 0, 0)

    def strip(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each ``(start, end)`` shrunk so that it neither starts nor ends with whitespace (``strip_span``)."""
        stripped_starts = np.minimum(self.next_visible(starts), ends)
        return stripped_starts, np.maximum(self.visible_end(ends), stripped_starts)
