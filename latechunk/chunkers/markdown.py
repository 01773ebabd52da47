"""Markdown chunks: sections under their headings, split at blocks, with the heading path as metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from latechunk.chunkers.base import Chunker, TokenOffsets, require_offsets, strip_span, token_counts
from latechunk.chunkers.grouping import pack_units
from latechunk.chunkers.segmentation import split_sentences
from latechunk.chunkers.sentences import SENTENCE_CAP_TOKENS
from latechunk.types import Span

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PROSE = frozenset({"paragraph", "list_item", "blockquote", "html_block"})


@dataclass
class Block:
    """One top-level block (a list item counts as one): its span and markdown-it's kind."""

    span: Span
    kind: str


@dataclass
class Section:
    """A heading (``None`` before the first one), the blocks under it, and the heading path."""

    heading: Span | None
    path: list[str]
    blocks: list[Block] = field(default_factory=list)


def parse_sections(text: str) -> list[Section]:
    """The sections of a Markdown text, in order, from markdown-it-py's block tokens.

    Block spans run from the first line of a block to the first line of the next, trimmed, so
    text markdown-it keeps no token for (link reference definitions) stays with the block
    before it, and the sections cover every non-whitespace character. A heading with nothing
    under it before the next heading joins that next heading's section.
    """
    try:
        from markdown_it import MarkdownIt
    except ImportError as error:
        raise ImportError('the markdown chunker needs markdown-it-py: pip install "latechunk[markdown]"') from error
    line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    starts: list[tuple[int, str, str | None, int]] = []  # (line, kind, heading title, heading level)
    for i, token in enumerate(tokens):
        if token.map is None or token.nesting == -1:
            continue
        top_level = token.level == 0 and token.type not in ("bullet_list_open", "ordered_list_open")
        if (token.type == "list_item_open" and token.level == 1) or top_level:
            kind = token.type.removesuffix("_open")
            if kind == "heading":
                starts.append((token.map[0], kind, tokens[i + 1].content.strip(), int(token.tag[1])))
            else:
                starts.append((token.map[0], kind, None, 0))
    if not starts or starts[0][0] != 0:
        starts.insert(0, (0, "paragraph", None, 0))
    bounds = [line_starts[min(line, len(line_starts) - 1)] for line, *_ in starts] + [len(text)]
    sections = [Section(None, [])]
    stack: list[tuple[int, str]] = []
    pending: int | None = None  # start of a heading whose section is still empty
    for (_, kind, title, level), start, end in zip(starts, bounds, bounds[1:], strict=False):
        span = strip_span(text, start, end)
        if span[1] <= span[0]:
            continue
        if kind == "heading":
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, title or "")]
            if sections[-1].heading is not None and not sections[-1].blocks:
                pending = sections.pop().heading[0] if pending is None else pending
            heading = span if pending is None else (pending, span[1])
            sections.append(Section(heading, [t for _, t in stack]))
            pending = None
        else:
            sections[-1].blocks.append(Block(span, kind))
    return [s for s in sections if s.heading is not None or s.blocks]


class MarkdownChunker(Chunker):
    """Splits Markdown at headings, list items, tables and code blocks; packs blocks by token budget.

    A chunk never crosses a heading: each section (a heading and the text under it) is packed
    on its own, and its heading joins the first chunk of the section. Consecutive short blocks
    share a chunk up to ``max_tokens``; a longer block falls back to its sentences (prose) or
    its lines (tables, code), packed as ``SentenceChunker`` packs sentences: a sentence or line
    over the budget stays whole up to ``hard_max_tokens``. ``split_with_meta`` gives each chunk
    ``{"headings": [...]}``, the titles of the headings it lies under, outermost first (as written,
    inline markup kept). Offsets index the original text; markdown-it-py does the parsing.

    ``max_tokens=None``: one chunk per section.
    """

    def __init__(
        self,
        max_tokens: int | None = 64,
        hard_max_tokens: int | None = SENTENCE_CAP_TOKENS,
        language: str | None = None,
    ) -> None:
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            raise ValueError(f"max_tokens must be a positive integer or None, got {max_tokens!r}")
        self.max_tokens = max_tokens
        self.hard_max_tokens = hard_max_tokens
        self.language = language
        self.needs_token_offsets = max_tokens is not None

    @property
    def cap(self) -> int | None:
        """The token count above which a sentence (or line) is cut."""
        if self.hard_max_tokens is None or self.max_tokens is None:
            return None
        return max(self.hard_max_tokens, self.max_tokens)

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        return [span for span, _ in self.split_with_meta(text, token_offsets)]

    def split_with_meta(
        self, text: str, token_offsets: TokenOffsets | None = None
    ) -> list[tuple[Span, dict[str, Any]]]:
        sections = parse_sections(text)
        offsets = None if self.max_tokens is None else require_offsets(self, token_offsets)
        result: list[tuple[Span, dict[str, Any]]] = []
        for section in sections:
            for span in self._pack_section(text, section, offsets):
                result.append((span, {"headings": list(section.path)}))
        return result

    def units(self, text: str, token_offsets: TokenOffsets) -> list[Span]:
        """The whole units chunks are packed from: blocks, or sentences and lines of long blocks."""
        offsets = require_offsets(self, token_offsets)
        return [u for section in parse_sections(text) for run in self._runs(text, section, offsets) for u in run]

    def _pack_section(self, text: str, section: Section, offsets: TokenOffsets | None) -> list[Span]:
        if offsets is None:
            first = section.heading or section.blocks[0].span
            last = section.blocks[-1].span if section.blocks else first
            return [(first[0], last[1])]
        chunks: list[Span] = []
        for run in self._runs(text, section, offsets):
            chunks += pack_units(text, run, offsets, self.max_tokens, hard_max_tokens=self.cap)
        return chunks

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
        if block.kind in _PROSE:
            pieces = [(start + a, start + b) for a, b in split_sentences(text[start:end], language=self.language)]
        else:  # tables and code: one line at a time
            pieces = []
            for match in [*_LINE_BREAK.finditer(text, start, end), None]:
                stop = end if match is None else match.start()
                pieces.append(strip_span(text, start, stop))
                start = end if match is None else match.end()
        return [p for p in pieces if p[1] > p[0]]

    def __repr__(self) -> str:
        return f"MarkdownChunker(max_tokens={self.max_tokens}, hard_max_tokens={self.hard_max_tokens})"
