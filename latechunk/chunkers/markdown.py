"""Markdown chunks: sections under their headings, split at blocks, with the heading path as metadata."""

from __future__ import annotations

from latechunk.chunkers.base import strip_span
from latechunk.chunkers.structured import LINE_BREAK, Block, Section, StructuredChunker

_PROSE = frozenset({"paragraph", "list_item", "blockquote", "html_block"})


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
    line_starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]
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
            sections[-1].blocks.append(Block(span, prose=kind in _PROSE))
    return [s for s in sections if s.heading is not None or s.blocks]


class MarkdownChunker(StructuredChunker):
    """Splits Markdown at headings, list items, tables and code blocks, parsed by markdown-it-py.

    Heading titles in the metadata are as written (inline markup kept). Offsets index the
    original text. Packing as in ``StructuredChunker``.
    """

    def sections(self, text: str) -> list[Section]:
        return parse_sections(text)

    def __repr__(self) -> str:
        return f"MarkdownChunker(chunk_size={self.chunk_size}, hard_max_tokens={self.hard_max_tokens})"
