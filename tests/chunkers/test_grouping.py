"""The numpy packing (``pack_units``) gives exactly what the greedy loop over units gave."""

from __future__ import annotations

import re
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk.chunkers.base import (
    _after_hyphenated_break,
    cut_preferences,
    cut_tokens,
    is_word_start,
    split_on_tokens,
    strip_span,
    token_counts,
    tokens_in_spans,
)
from latechunk.chunkers.grouping import chain_from_zero, merge_tokenless_units, pack_units, split_long_units
from latechunk.types import Span

# --- the reference: the loops pack_units ran before it was vectorised -----------------------------


def reference_merge_tokenless(units: list[Span], offsets: np.ndarray) -> list[Span]:
    counts = token_counts(offsets, units)
    if counts.all():
        return list(units)
    if not counts.any():
        return [(units[0][0], units[-1][1])]
    merged: list[Span] = []
    pending_start = None
    for (start, end), count in zip(units, counts, strict=True):
        if count == 0 and merged:
            merged[-1] = (merged[-1][0], end)
        elif count == 0:
            pending_start = start if pending_start is None else pending_start
        else:
            merged.append((start if pending_start is None else pending_start, end))
            pending_start = None
    return merged


def reference_split_on_tokens(text: str, span: Span, offsets: np.ndarray, tokens_per_piece: int) -> list[Span]:
    first, last = (int(x[0]) for x in tokens_in_spans(offsets, np.asarray([span])))
    if last - first <= tokens_per_piece:
        return [span]
    boundaries = cut_tokens(offsets, first, last)
    cuts, start = [span[0]], first
    while last - start > tokens_per_piece:
        remaining = last - start
        pieces_left = -(-remaining // tokens_per_piece)
        ideal = start + -(-remaining // pieces_left)
        lowest = max(start + 1, last - (pieces_left - 1) * tokens_per_piece)
        highest = start + tokens_per_piece
        after, beyond = np.searchsorted(boundaries, [start, highest], "right")
        near = boundaries[after : beyond + 1]
        window = near[(near >= lowest) & (near <= highest)]
        if len(window) == 0:
            below, above = near[near < lowest], near[near > highest]
            if not len(below) and not len(above):
                break
            cut = int(below[-1]) if len(below) else int(above[0])
        else:
            pairs = list(zip(window.tolist(), offsets[window, 0].tolist(), strict=True))
            word_starts = [t for t, c in pairs if is_word_start(text, c)]
            not_hyphenated = [t for t, c in pairs if not _after_hyphenated_break(text, c)]
            cut = min(word_starts or not_hyphenated or window.tolist(), key=lambda t: (abs(t - ideal), t))
        cuts.append(max(span[0], int(offsets[cut, 0])))
        start = cut
    cuts.append(span[1])
    pieces = [strip_span(text, a, b) for a, b in pairwise(cuts)]
    return [p for p in pieces if p[1] > p[0]]


def reference_split_long(text, units, offsets, chunk_size, hard_max_tokens):
    keep = chunk_size if hard_max_tokens is None else hard_max_tokens
    result: list[Span] = []
    for unit, count in zip(units, token_counts(offsets, units), strict=True):
        result += [unit] if count <= keep else reference_split_on_tokens(text, unit, offsets, chunk_size)
    return result


def reference_pack(text, units, offsets, chunk_size, units_per_chunk, overlap, hard_max_tokens, marked):
    if offsets is not None:
        units = reference_merge_tokenless(units, offsets)
        if chunk_size is not None:
            units = reference_split_long(text, units, offsets, chunk_size, hard_max_tokens)
        first, last = tokens_in_spans(offsets, np.asarray(units, dtype=np.int64))
    chunks: list[Span] = []
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units):
            if units_per_chunk is not None and j - i >= units_per_chunk:
                break
            if chunk_size is not None and last[j] - first[i] > chunk_size:
                break
            if units[j][0] in marked:
                break
            j += 1
        chunks.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        i = max(i + 1, j - overlap)
    return chunks


# --- random documents: text, token offsets (some characters dropped, some shared), units -------------

WORDS = st.sampled_from(
    ["a", "late", "chunking", "x1", "\x00", "\x00\x00", ".", "!", "naïve", "字字", "e\u0301", "infor-", "-", "well-"]
)
GAPS = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "", " \r\n  ", "\n\n\n"])


@st.composite
def documents(draw):
    pieces = draw(st.lists(st.tuples(WORDS, GAPS), min_size=1, max_size=40))
    text = "".join(w + g for w, g in pieces)
    offsets = []
    for match in re.finditer(r"[^\s\x00]+", text):  # \x00 is dropped, as MiniLM's tokenizer drops it
        for start in range(match.start(), match.end(), 3):  # word pieces of up to 3 characters
            offsets.append((start, min(start + 3, match.end())))
    if offsets and draw(st.booleans()):  # two tokens on one character, as a normaliser that splits it gives
        at = draw(st.integers(0, len(offsets) - 1))
        offsets.insert(at, offsets[at])
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=30))) | {0, len(text)})
    units = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            units.append((a, b))
    return text, np.asarray(offsets, dtype=np.int64).reshape(-1, 2), units


@settings(max_examples=300, deadline=None)
@given(
    document=documents(),
    chunk_size=st.none() | st.integers(1, 12),
    extra=st.none() | st.integers(0, 10),
    units_per_chunk=st.none() | st.integers(1, 4),
    overlap=st.integers(0, 3),
    marks=st.lists(st.booleans(), max_size=30),
    with_offsets=st.booleans(),
)
def test_pack_units_matches_the_greedy_loop(document, chunk_size, extra, units_per_chunk, overlap, marks, with_offsets):
    text, offsets, units = document
    if chunk_size is not None:
        with_offsets = True
    hard = None if extra is None or chunk_size is None else chunk_size + extra
    marked = {start for (start, _), mark in zip(units, marks, strict=False) if mark}
    positions = np.asarray(sorted(marked), dtype=np.int64)
    offsets = offsets if with_offsets else None
    expected = reference_pack(text, units, offsets, chunk_size, units_per_chunk, overlap, hard, marked)
    got = pack_units(
        text,
        units,
        offsets,
        chunk_size,
        units_per_chunk=units_per_chunk,
        overlap_units=overlap,
        hard_max_tokens=hard,
        starts_chunk=lambda spans: np.isin(spans[:, 0], positions),
    )
    assert got == expected
    assert all(type(a) is int and type(b) is int for a, b in got)


@settings(max_examples=200, deadline=None)
@given(document=documents(), chunk_size=st.integers(1, 8), extra=st.none() | st.integers(0, 6))
def test_merge_and_split_match_their_loops(document, chunk_size, extra):
    text, offsets, units = document
    if not units:
        return
    hard = None if extra is None else chunk_size + extra
    assert merge_tokenless_units(units, offsets) == reference_merge_tokenless(units, offsets)
    assert split_long_units(text, units, offsets, chunk_size, hard_max_tokens=hard) == reference_split_long(
        text, units, offsets, chunk_size, hard
    )


@settings(max_examples=300, deadline=None)
@given(document=documents(), tokens_per_piece=st.integers(1, 6), ends=st.lists(st.integers(0, 200), max_size=4))
def test_split_on_tokens_matches_the_text_reading_loop(document, tokens_per_piece, ends):
    text, offsets, units = document
    spans = units + [(0, len(text))] + [(a, b) for a, b in zip(ends, ends[1:], strict=False) if a < b <= len(text)]
    preferences = cut_preferences(text, offsets)
    for span in spans:
        expected = reference_split_on_tokens(text, span, offsets, tokens_per_piece)
        assert split_on_tokens(text, span, offsets, tokens_per_piece) == expected
        assert split_on_tokens(text, span, offsets, tokens_per_piece, preferences) == expected


@given(steps=st.lists(st.integers(1, 5), max_size=60))
def test_chain_from_zero_follows_the_successors(steps):
    n = sum(steps) + 1
    rng = np.random.default_rng(len(steps))
    successor = np.minimum(np.arange(n) + rng.integers(1, 6, n), n)
    expected, node = [], 0
    while node < n:
        expected.append(node)
        node = int(successor[node])
    assert chain_from_zero(successor).tolist() == expected


def test_units_out_of_order_are_refused():
    with pytest.raises(ValueError, match="document order"):
        pack_units("ab cd", [(3, 5), (0, 2)], None, None, units_per_chunk=1)
