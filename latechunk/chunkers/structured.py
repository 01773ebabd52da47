"""Chunkers for structured documents: sections under headings, blocks packed by token budget."""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from latechunk.chunkers.base import Chunker, TokenOffsets, require_offsets, strip_span, token_counts, tokens_in_spans
from latechunk.chunkers.budget import check_budget
from latechunk.chunkers.grouping import merge_tokenless_units, pack_units
from latechunk.chunkers.segmentation import split_sentences
from latechunk.chunkers.sentences import SENTENCE_CAP_TOKENS, sentence_cap
from latechunk.types import Span

LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class Block:
    """One block of a section: its span, and how a block over the budget falls apart.

    Prose is cut at sentences, other blocks (tables, code) at lines; a ``whole`` block (an HTML table
    row) is one unit, kept whole up to ``hard_max_tokens`` and cut on tokens past it.
    """

    span: Span
    prose: bool = True
    whole: bool = False


@dataclass
class Section:
    """A heading (``None`` before the first one), the blocks under it, and the heading path."""

    heading: Span | None
    path: list[str]
    blocks: list[Block] = field(default_factory=list)


class StructuredChunker(Chunker):
    """Packs the blocks of each section under the token budget; a chunk never crosses a heading.

    Each section (a heading and the blocks under it) is packed on its own, and its heading joins
    the first chunk of the section. Consecutive blocks within the budget share a chunk up to
    ``max_tokens``; a longer block falls back to its sentences (prose) or its lines (tables,
    code; a ``whole`` block, an HTML table row, stays one unit), packed as ``SentenceChunker``
    packs sentences: a sentence, line or row over the budget stays whole up to ``hard_max_tokens``.
    ``split_with_meta`` gives each chunk ``{"headings": [...]}``, the titles of the headings it lies
    under, outermost first. ``max_tokens=None``: one chunk per section.
    """

    def __init__(
        self,
        max_tokens: int | None = 64,
        hard_max_tokens: int | None = SENTENCE_CAP_TOKENS,
        language: str | None = None,
    ) -> None:
        max_tokens, hard_max_tokens = check_budget(max_tokens, hard_max_tokens)
        self.max_tokens = max_tokens
        self.hard_max_tokens = hard_max_tokens
        self.language = language
        self.needs_token_offsets = max_tokens is not None

    @property
    def cap(self) -> int | None:
        """The token count above which a sentence (or line) is cut."""
        return sentence_cap(self.max_tokens, self.hard_max_tokens)

    @abstractmethod
    def sections(self, text: str) -> list[Section]:
        """The sections of ``text``, in order; their heading and block spans cover every character that counts."""

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        return [span for span, _ in self.split_with_meta(text, token_offsets)]

    def split_with_meta(
        self, text: str, token_offsets: TokenOffsets | None = None
    ) -> list[tuple[Span, dict[str, Any]]]:
        sections = self.sections(text)
        if self.max_tokens is None:
            result = [(_whole_section(section), {"headings": list(section.path)}) for section in sections]
            if token_offsets is not None and result:
                result = _merge_tokenless(result, np.asarray(token_offsets, dtype=np.int64).reshape(-1, 2))
            return result
        offsets = require_offsets(self, token_offsets)
        return [
            (span, {"headings": list(path)})
            for run, path in self._packable_runs(text, sections, offsets)
            for span in pack_units(text, run, offsets, self.max_tokens, hard_max_tokens=self.cap)
        ]

    def units(self, text: str, token_offsets: TokenOffsets) -> list[Span]:
        """The whole units chunks are packed from: blocks, or sentences and lines of long blocks, each unit
        the tokenizer sees no token in joined to its neighbour (a chunk over the budget is one of these)."""
        offsets = require_offsets(self, token_offsets)
        return [unit for run, _ in self._packable_runs(text, self.sections(text), offsets) for unit in run]

    def _packable_runs(
        self, text: str, sections: list[Section], offsets: TokenOffsets
    ) -> list[tuple[list[Span], list[str]]]:
        """Each run of units packed on its own, with its heading path; tokenless units already joined.

        Within a run a unit with no token joins its neighbour (``merge_tokenless_units``); a run left
        with no token at all joins the last unit of the run before it, or the first of the next one
        when it comes first, and takes that run's heading path. The budget then applies to the joined
        units, markup between them included.
        """
        runs = [
            (merge_tokenless_units(run, offsets), section.path)
            for section in sections
            for run in self._runs(text, section, offsets)
        ]
        if not runs:
            return runs
        first, last = tokens_in_spans(offsets, np.asarray([run[-1] for run, _ in runs], dtype=np.int64))
        has_tokens = last > first  # after the merge, a run with a token has one in its last unit
        if has_tokens.all() or not has_tokens.any():
            return runs
        joined: list[tuple[list[Span], list[str]]] = []
        pending: int | None = None
        for (run, path), tokens in zip(runs, has_tokens, strict=True):
            if not tokens and joined:
                previous = joined[-1][0]
                previous[-1] = (previous[-1][0], run[-1][1])
            elif not tokens:
                pending = run[0][0] if pending is None else pending
            else:
                if pending is not None:
                    run[0], pending = (pending, run[0][1]), None
                joined.append((run, path))
        return joined

    def _runs(self, text: str, section: Section, offsets: TokenOffsets) -> list[list[Span]]:
        """Unit runs packed separately: consecutive blocks within budget, or the pieces of one long block."""
        assert self.max_tokens is not None
        runs: list[list[Span]] = []
        small: list[Span] = []
        counts = token_counts(offsets, [b.span for b in section.blocks]) if section.blocks else []
        for block, count in zip(section.blocks, counts, strict=True):
            if count <= self.max_tokens:
                small.append(block.span)
                continue
            if small:
                runs.append(small)
                small = []
            runs.append(self._pieces(text, block))
        if small:
            runs.append(small)
        if section.heading is not None:
            if runs:  # the heading joins the first unit under it
                runs[0][0] = (section.heading[0], runs[0][0][1])
            else:
                runs.append([section.heading])
        return runs

    def _pieces(self, text: str, block: Block) -> list[Span]:
        start, end = block.span
        if block.whole:
            return [block.span]
        if block.prose:
            pieces = [(start + a, start + b) for a, b in split_sentences(text[start:end], language=self.language)]
        else:  # tables and code: one line at a time
            pieces = []
            for match in [*LINE_BREAK.finditer(text, start, end), None]:
                stop = end if match is None else match.start()
                pieces.append(strip_span(text, start, stop))
                start = end if match is None else match.end()
        return [p for p in pieces if p[1] > p[0]]


Meta = dict[str, Any]


def _whole_section(section: Section) -> Span:
    first = section.heading or section.blocks[0].span
    last = section.blocks[-1].span if section.blocks else first
    return first[0], last[1]


def _merge_tokenless(
    chunks: list[tuple[Span, dict[str, Any]]], offsets: TokenOffsets
) -> list[tuple[Span, dict[str, Any]]]:
    """Join each chunk that covers no token (only characters the tokenizer drops) to the chunk before it,
    or to the next one when it comes first; the joined chunk keeps the metadata of the one with tokens."""
    counts = token_counts(offsets, [span for span, _ in chunks])
    if counts.all() or not counts.any():
        return chunks
    merged: list[tuple[Span, Meta]] = []
    pending: int | None = None
    for ((start, end), meta), count in zip(chunks, counts, strict=True):
        if count == 0 and merged:
            (first, _), kept = merged[-1]
            merged[-1] = ((first, end), kept)
        elif count == 0:
            pending = start if pending is None else pending
        else:
            merged.append(((start if pending is None else pending, end), meta))
            pending = None
    return merged
