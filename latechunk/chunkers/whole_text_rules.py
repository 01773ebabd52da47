"""The sentence rules of ``sentence_rules`` applied to a whole text at once, over arrays of sentence spans.

Each rule is a pass over the starts and ends of all sentences (regular expressions and numpy over
the whole text); only the sentences a rule must look at one by one (re-segmented without quotes,
cut at the marks of ``refine``) go through Python, and the result is what applying the rules
sentence by sentence gives (``tests/chunkers/test_segmentation_rules.py`` holds the two equal).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from latechunk.chunkers.sentence_rules import (
    NEEDS_REFINING,
    PERIOD_BEFORE_LOWERCASE,
    QUOTE_OR_BRACKET,
    TITLES,
    join_false_ends,
    refine,
    rules_one_by_one,
)
from latechunk.chunkers.whitespace import Whitespace, code_points
from latechunk.types import Span

_LOWEST_REFINING_CODE = 0x0589  # Armenian full stop: no character below it is one NEEDS_REFINING matches
_QUOTE_TABLE = np.zeros(0x3011, dtype=bool)  # the characters QUOTE_OR_BRACKET matches, by code point
_QUOTE_TABLE[[ord(c) for c in '"“”„«»‹›「」『』()[]{}']] = True
_BLANK_LINE_START = re.compile(r"\n(?=[ \t\r\f\v]*\n)")


def rules_at_once(sentencex: Any, text: str, language: str, starts: np.ndarray, ends: np.ndarray) -> list[Span]:
    """``rules_one_by_one`` for sentencex's sentences ``[starts, ends)`` of ``text``, over the whole text at once."""
    codes = code_points(text)
    spaces = Whitespace(text, codes)
    starts, ends = _without_quotes_where_needed(sentencex, language, text, codes, spaces, starts, ends)
    if np.any(starts[1:] < ends[:-1]) or np.any(ends < starts):  # not in order: the rules one by one
        return rules_one_by_one(text, language, list(zip(starts.tolist(), ends.tolist(), strict=True)))
    blank = _blank_lines(text, codes)
    titles = TITLES.get(language, ())
    starts, ends = _join_false_ends_at_once(text, codes, spaces, blank, starts, ends, titles)
    starts, ends = _cut_at_blank_lines(spaces, blank[0], starts, ends)
    return _refine_all(text, codes, spaces, starts, ends)


def _count_in(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many of the sorted ``positions`` lie in each ``[start, end)``."""
    return np.searchsorted(positions, ends) - np.searchsorted(positions, starts)


def _without_quotes_where_needed(
    sentencex: Any, language: str, text: str, codes: np.ndarray, spaces: Whitespace, starts, ends
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence that runs over a line break and holds a quote or bracket, segmented again without them."""
    newlines = np.flatnonzero(codes == 10)
    quotes = np.flatnonzero(_QUOTE_TABLE[np.minimum(codes, len(_QUOTE_TABLE) - 1)])  # its last entry is False
    right_stripped = np.maximum(spaces.visible_end(ends), starts)
    again = np.flatnonzero((_count_in(newlines, starts, right_stripped) > 0) & (_count_in(quotes, starts, ends) > 0))
    if len(again) == 0:
        return starts, ends
    blanked = QUOTE_OR_BRACKET.sub(" ", text)
    new_starts, new_ends, done = [], [], 0
    for k in again.tolist():
        a, b = int(starts[k]), int(ends[k])
        bounds = sentencex.get_sentence_boundaries(language, blanked[a:b])
        new_starts += [starts[done:k], np.asarray([a + x["start_index"] for x in bounds], dtype=np.int64)]
        new_ends += [ends[done:k], np.asarray([a + x["end_index"] for x in bounds], dtype=np.int64)]
        done = k + 1
    return np.concatenate([*new_starts, starts[done:]]), np.concatenate([*new_ends, ends[done:]])


def _blank_lines(text: str, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of every blank line (``\n``, spaces or tabs, ``\n``), overlapping ones too."""
    first = np.fromiter((m.start() for m in _BLANK_LINE_START.finditer(text)), dtype=np.int64)
    newlines = np.flatnonzero(codes == 10)
    return first, newlines[np.searchsorted(newlines, first, side="right")] + 1


def _join_false_ends_at_once(
    text: str,
    codes: np.ndarray,
    spaces: Whitespace,
    blank_lines: tuple[np.ndarray, np.ndarray],
    starts: np.ndarray,
    ends: np.ndarray,
    titles: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """``join_false_ends`` for all sentences at once (one by one only where an earlier join could matter)."""
    if len(starts) < 2:
        return starts, ends
    previous_start, previous_end = spaces.strip(starts[:-1], ends[:-1])
    next_start = np.minimum(spaces.next_visible(starts[1:]), ends[1:])
    blank_first, blank_end = blank_lines
    at = np.searchsorted(blank_first, previous_end)
    blank = np.zeros(len(at), dtype=bool)
    has = at < len(blank_first)
    blank[has] = blank_end[at[has]] <= np.maximum(previous_end[has], next_start[has])
    period = np.fromiter(
        ((m.start(), m.end()) for m in PERIOD_BEFORE_LOWERCASE.finditer(text) if m.group()[-1].islower()),
        dtype=np.dtype((np.int64, 2)),
    ).reshape(-1, 2)
    at = np.searchsorted(period[:, 0], previous_end - 1)
    found = at < len(period)
    follows = np.zeros(len(at), dtype=bool)
    follows[found] = (period[at[found], 0] == previous_end[found] - 1) & (
        period[at[found], 1] <= np.minimum(ends[1:][found], previous_end[found] + 8)
    )
    empty = previous_start == previous_end
    joined = ~empty & ~blank & follows
    depends = empty  # a join before a sentence of whitespace alone would decide it
    if titles:
        word_start = np.maximum(spaces.word_start(previous_end), starts[:-1])
        candidates = np.flatnonzero(~empty & ~blank & (codes[np.maximum(previous_end - 1, 0)] == ord(".")))
        for k in candidates.tolist():
            joined[k] |= text[word_start[k] : previous_end[k]] in titles
        depends = depends | (spaces.word_start(previous_end) < starts[:-1])  # a title across a join
    if np.any(depends[1:] & joined[:-1]):
        return _arrays(join_false_ends(text, list(zip(starts.tolist(), ends.tolist(), strict=True)), titles))
    kept = np.flatnonzero(~joined)
    return starts[np.append(0, kept + 1)], ends[np.append(kept, len(ends) - 1)]


def _cut_at_blank_lines(
    spaces: Whitespace, first: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence cut after every blank line inside it (``first``: where each starts), where the next
    visible character starts: ``split_at(text, sentence, BLANK_LINE, True)`` for all at once."""
    if len(first) == 0:
        return starts, ends
    cut = spaces.next_visible(first)  # a blank line's match runs to the end of its whitespace
    last_first = np.maximum.reduceat(first, np.flatnonzero(np.diff(cut, prepend=-1)))
    cut = np.unique(cut)
    owner = np.searchsorted(ends, cut, side="right")  # the sentence whose [start, end) may hold the cut
    owner_clipped = np.minimum(owner, len(ends) - 1)
    inside = (owner < len(ends)) & (starts[owner_clipped] < cut) & (last_first >= starts[owner_clipped])
    cuts = cut[inside]
    if len(cuts) == 0:
        return starts, ends
    return np.sort(np.concatenate([starts, cuts])), np.sort(np.concatenate([cuts, ends]))


def _refine_all(text: str, codes: np.ndarray, spaces: Whitespace, starts: np.ndarray, ends: np.ndarray) -> list[Span]:
    """``refine`` of every sentence: those holding a mark it cuts at one by one, the others only stripped."""
    marks = _refining_positions(codes)
    needs = _count_in(marks, starts, ends) > 0
    stripped_starts, stripped_ends = spaces.strip(starts[~needs], ends[~needs])
    keep = stripped_ends > stripped_starts
    spans = list(zip(stripped_starts[keep].tolist(), stripped_ends[keep].tolist(), strict=True))
    if needs.any():
        spans += [
            p for a, b in zip(starts[needs].tolist(), ends[needs].tolist(), strict=True) for p in refine(text, (a, b))
        ]
        spans.sort()
    return spans


def _refining_positions(codes: np.ndarray) -> np.ndarray:
    """Positions of the characters ``NEEDS_REFINING`` matches (each distinct character tested once)."""
    candidates = np.flatnonzero(codes >= _LOWEST_REFINING_CODE)
    if len(candidates) == 0:
        return candidates
    distinct, which = np.unique(codes[candidates], return_inverse=True)
    matches = np.fromiter((NEEDS_REFINING.match(chr(c)) is not None for c in distinct.tolist()), dtype=bool)
    return candidates[matches[which]]


def _arrays(spans: list[Span]) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return array[:, 0].copy(), array[:, 1].copy()
