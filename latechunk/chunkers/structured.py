"""Chunkers for structured documents: sections under headings, blocks packed by token budget."""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from latechunk.chunkers.base import Chunker, TokenOffsets, require_offsets, strip_span, token_counts, tokens_in_spans
from latechunk.chunkers.budget import NOT_GIVEN, RenamedAttribute, check_budget, renamed_budget
from latechunk.chunkers.grouping import join_tokenless, pack_units
from latechunk.chunkers.segmentation import split_sentences
from latechunk.chunkers.sentences import SENTENCE_CAP_TOKENS, sentence_cap
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.inputs import check_text
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
    ``chunk_size``; a longer block falls back to its sentences (prose) or its lines (tables,
    code; a ``whole`` block, an HTML table row, stays one unit), packed as ``SentenceChunker``
    packs sentences: a sentence, line or row over the budget stays whole up to ``hard_max_tokens``.
    ``split_with_meta`` gives each chunk ``{"headings": [...]}``, the titles of the headings it lies
    under, outermost first. ``chunk_size`` defaults to ``DEFAULT_CHUNK_TOKENS`` (32), as in every
    chunker; ``chunk_size=None``: one chunk per section. ``max_tokens``, the budget's former name,
    still works and warns (``DeprecationWarning``).
    """

    deprecated_parameters = ("max_tokens",)
    max_tokens = RenamedAttribute()

    def __init__(
        self,
        chunk_size: int | None = DEFAULT_CHUNK_TOKENS,
        hard_max_tokens: int | None = SENTENCE_CAP_TOKENS,
        language: str | None = None,
        *,
        max_tokens: int | None = NOT_GIVEN,
    ) -> None:
        chunk_size = renamed_budget(type(self).__name__, chunk_size, max_tokens=max_tokens)
        chunk_size, hard_max_tokens = check_budget(chunk_size, hard_max_tokens)
        self.chunk_size = chunk_size
        self.hard_max_tokens = hard_max_tokens
        self.language = language
        self.needs_token_offsets = chunk_size is not None

    @property
    def cap(self) -> int | None:
        """The token count above which a sentence (or line) is cut."""
        return sentence_cap(self.chunk_size, self.hard_max_tokens)

    @abstractmethod
    def sections(self, text: str) -> list[Section]:
        """The sections of ``text``, in order; their heading and block spans cover every character that counts."""

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        return [span for span, _ in self.split_with_meta(text, token_offsets)]

    def split_with_meta(
        self, text: str, token_offsets: TokenOffsets | None = None
    ) -> list[tuple[Span, dict[str, Any]]]:
        sections = self.sections(check_text(text, "text"))
        if self.chunk_size is None:
            result = [(_whole_section(section), {"headings": list(section.path)}) for section in sections]
            if token_offsets is not None and result:
                result = _merge_tokenless(result, np.asarray(token_offsets, dtype=np.int64).reshape(-1, 2))
            return result
        offsets = require_offsets(self, token_offsets)
        units, runs, paths = self._packable_units(text, sections, offsets)
        if len(units) == 0:
            return []
        first, last = tokens_in_spans(offsets, units)
        if not np.any(last > first):  # no token anywhere: each run is one tokenless chunk
            return [((int(a), int(b)), {"headings": list(paths[r])}) for (a, b), r in zip(units, runs, strict=True)]
        run_starts = units[np.append(True, runs[1:] != runs[:-1]), 0]
        spans = pack_units(
            text,
            list(zip(units[:, 0].tolist(), units[:, 1].tolist(), strict=True)),
            offsets,
            self.chunk_size,
            hard_max_tokens=self.cap,
            starts_chunk=lambda packed: np.isin(packed[:, 0], run_starts),  # a chunk never crosses a run
        )
        run_of_chunk = runs[np.append(True, runs[1:] != runs[:-1])]
        which = np.searchsorted(run_starts, [start for start, _ in spans], side="right") - 1
        return [
            (span, {"headings": list(paths[run])})
            for span, run in zip(spans, run_of_chunk[which].tolist(), strict=True)
        ]

    def units(self, text: str, token_offsets: TokenOffsets) -> list[Span]:
        """The whole units chunks are packed from: blocks, or sentences and lines of long blocks, each unit
        the tokenizer sees no token in joined to its neighbour (a chunk over the budget is one of these)."""
        sections = self.sections(check_text(text, "text"))
        units, _, _ = self._packable_units(text, sections, require_offsets(self, token_offsets))
        return list(zip(units[:, 0].tolist(), units[:, 1].tolist(), strict=True))

    def _packable_units(
        self, text: str, sections: list[Section], offsets: TokenOffsets
    ) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
        """The ``(n, 2)`` units of the whole document, the run each belongs to, and each run's heading path.

        Runs are packed apart. Within a run a unit with no token joins its neighbour
        (``join_tokenless``); a run left with no token at all joins the last unit of the run before it,
        or the first of the next one when it comes first, and takes that run's heading path. The
        budget then applies to the joined units, markup between them included.
        """
        units, runs, paths = self._runs(text, sections, offsets)
        if len(units) == 0:
            return units, runs, paths
        first, last = tokens_in_spans(offsets, units)
        units, kept = join_tokenless(units, last > first, runs)
        runs = runs[kept]
        first, last = tokens_in_spans(offsets, units)
        has_tokens = last > first  # after the join, a run with a token has one in each unit
        if has_tokens.any() and not has_tokens.all():
            units, kept = join_tokenless(units, has_tokens)
            runs = runs[kept]
        return units, runs, paths

    def _runs(
        self, text: str, sections: list[Section], offsets: TokenOffsets
    ) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
        """Every unit, its run and the runs' heading paths. A run is consecutive blocks within budget, or the
        pieces of one long block; a section's heading joins its first unit."""
        assert self.chunk_size is not None
        blocks = [block.span for section in sections for block in section.blocks]
        counts = iter(token_counts(offsets, blocks).tolist() if blocks else [])
        units: list[Span] = []
        run_of_unit: list[int] = []
        paths: list[list[str]] = []
        for section in sections:
            runs: list[list[Span]] = []
            small: list[Span] = []
            for block in section.blocks:
                if next(counts) <= self.chunk_size:
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
            for run in runs:
                units += run
                run_of_unit += [len(paths)] * len(run)
                paths.append(section.path)
        return np.asarray(units, dtype=np.int64).reshape(-1, 2), np.asarray(run_of_unit, dtype=np.int64), paths

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
    spans, kept = join_tokenless(np.asarray([span for span, _ in chunks], dtype=np.int64), counts > 0)
    return [((a, b), chunks[k][1]) for (a, b), k in zip(spans.tolist(), kept.tolist(), strict=True)]
