"""The text work of one group of documents, as a pure function: tokens, chunks, token ranges, the encoder's plan.

``plan_group(job, tokenizer, chunker, settings)`` tokenizes a group's texts in one batch call of the
fast tokenizer (offsets included), chunks them, maps each chunk's characters to its token range,
and plans the encoder's windows and pooling segments, all into compact numpy arrays. Its inputs
and output pickle, and it imports no torch: it runs in the calling thread, in a worker thread, or
in a worker process (``host_workers``), with the same result. Errors name the document
(``documents[3]: ...``); warnings come back as messages for the caller to issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from latechunk.chunkers import Chunker, tokens_in_spans
from latechunk.errors import LateChunkError, naming
from latechunk.inputs import unknown_tokens_message
from latechunk.pipeline.encode_plan import EncodePlan, EncodeRequest, concat_plans, plan_encoding
from latechunk.pipeline.tokenization import SpecialTokens, TokenizedText, tokenize
from latechunk.pipeline.windows import WindowSettings
from latechunk.types import ChunkArrays

JobKind = Literal["chunks", "texts", "tokens"]
"""``chunks``: chunk each text and plan its chunks' pooling (late, or each chunk on its own: naive);
``texts``: each text pooled whole; ``tokens``: tokens and windows only (a chunker that reads vectors)."""


@dataclass(frozen=True)
class PlanSettings:
    """What a group's text work depends on besides the tokenizer and the chunker."""

    special: SpecialTokens
    window: WindowSettings
    pool_special: bool
    unknown_id: int | None


@dataclass(frozen=True)
class GroupJob:
    """One group of texts to plan: ``texts`` are the call's texts ``first`` to ``first + len(texts)``.

    ``what`` names them in errors and warnings (``documents`` gives ``documents[3]``); ``None``:
    texts the caller made itself (naive chunk texts), neither checked nor warned about.
    """

    kind: JobKind
    texts: list[str]
    first: int
    prefix: np.ndarray
    what: str | None = "documents"
    late: bool = True
    indexed: bool = True
    """``False``: ``what`` names a lone text as it is (``text``), without an index."""
    encode: bool = True
    """``False``: chunks only, no encoder plan (``LateChunker.chunk``)."""

    def names(self) -> list[str] | None:
        if self.what is None:
            return None
        if not self.indexed:
            return [self.what] * len(self.texts)
        return [f"{self.what}[{self.first + i}]" for i in range(len(self.texts))]


@dataclass(frozen=True)
class GroupPlan:
    """A group made ready for the model.

    ``rows[i]:rows[i + 1]`` are text ``i``'s rows in the pooled matrix (its chunks; one row for a
    whole text); ``spans``, ``token_counts`` and ``metas`` describe the chunks (none for whole texts).
    """

    first: int
    rows: np.ndarray
    spans: np.ndarray
    token_counts: np.ndarray
    metas: list[list[dict[str, Any]] | None]
    encode: EncodePlan
    warnings: tuple[str, ...] = ()
    tokens: list[TokenizedText] | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        """Texts in the group."""
        return len(self.rows) - 1

    def arrays(self, vectors: np.ndarray) -> list[ChunkArrays]:
        """Each text's chunks with their rows of ``vectors`` (views, no copy)."""
        bounds = self.rows.tolist()
        return [
            ChunkArrays(
                self.spans[a:b, 0],
                self.spans[a:b, 1],
                self.token_counts[a:b],
                vectors[a:b],
                self.metas[i],
            )
            for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
        ]


EMPTY_SPANS = np.zeros((0, 2), dtype=np.int64)


def merge_plans(plans: list[GroupPlan]) -> GroupPlan:
    """One plan of consecutive groups' plans (the model runs them as one)."""
    rows = np.cumsum([0] + [p.rows[-1] for p in plans])
    tokens = None if plans[0].tokens is None else [t for p in plans for t in p.tokens or []]
    return GroupPlan(
        plans[0].first,
        np.concatenate([[0]] + [p.rows[1:] + r for p, r in zip(plans, rows, strict=False)]).astype(np.int64),
        np.concatenate([p.spans for p in plans]),
        np.concatenate([p.token_counts for p in plans]),
        [m for p in plans for m in p.metas],
        concat_plans([p.encode for p in plans]),
        tuple(w for p in plans for w in p.warnings),
        tokens,
    )


def plan_group(job: GroupJob, tokenizer: Any, chunker: Chunker | None, settings: PlanSettings) -> GroupPlan:
    """The plan of one group (see the module's docstring)."""
    tokenized = tokenize_named(tokenizer, job.texts, job.names())
    warnings = _unknown_token_warnings(tokenized, job, settings)
    if job.kind == "texts":
        return _whole_texts_plan(job.first, tokenized, job.prefix, settings, warnings)
    if job.kind == "tokens":
        requests = [EncodeRequest(t.ids, job.prefix, EMPTY_SPANS, settings.pool_special) for t in tokenized]
        encode = plan_encoding(requests, settings.special, settings.window, first_index=job.first, spanless=True)
        empty = np.zeros(len(job.texts) + 1, np.int64)
        return GroupPlan(job.first, empty, EMPTY_SPANS, empty[:0], [None] * len(job.texts), encode, warnings, tokenized)
    if chunker is None:
        raise ValueError("a chunks job needs a chunker")
    names = job.names() or [f"documents[{job.first + i}]" for i in range(len(job.texts))]
    spans, token_spans, metas, counts = [], [], [], []
    for text, tokens, name in zip(job.texts, tokenized, names, strict=True):
        with naming(name):
            chunk_spans, chunk_metas = document_chunks(chunker, text, tokens)
            rows, ranges, kept_metas, warning = chunk_rows(chunk_spans, chunk_metas, tokens, name)
        if warning:
            warnings += (warning,)
        spans.append(rows)
        token_spans.append(ranges)
        metas.append(kept_metas)
        counts.append(len(rows))
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    all_spans = np.concatenate(spans) if spans else EMPTY_SPANS
    all_ranges = np.concatenate(token_spans) if token_spans else EMPTY_SPANS
    if not job.encode:
        encode = plan_encoding([], settings.special, settings.window)
    elif job.late:
        requests = [
            EncodeRequest(t.ids, job.prefix, r, settings.pool_special)
            for t, r in zip(tokenized, token_spans, strict=True)
        ]
        encode = plan_encoding(requests, settings.special, settings.window, first_index=job.first)
    else:  # naive: each chunk's text tokenized and pooled on its own (the documents were checked above)
        texts = [text[a:b] for text, rows in zip(job.texts, spans, strict=True) for a, b in rows.tolist()]
        encode = _whole_texts_plan(job.first, tokenize(tokenizer, texts), job.prefix, settings, ()).encode
    return GroupPlan(job.first, bounds, all_spans, all_ranges[:, 1] - all_ranges[:, 0], metas, encode, warnings)


def document_chunks(chunker: Chunker, text: str, tokens: TokenizedText) -> tuple[list[Any], list[dict[str, Any]]]:
    """The chunker's spans of ``text`` and each chunk's metadata (a Markdown chunk's headings)."""
    if not text.strip():
        return [], []
    pairs = chunker.split_with_meta(text, tokens.offsets)
    return [span for span, _ in pairs], [meta for _, meta in pairs]


def chunk_rows(
    spans: list[Any], metas: list[dict[str, Any]] | None, tokens: TokenizedText, name: str
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]] | None, str | None]:
    """Chunk spans ``(k, 2)``, their token ranges ``(k, 2)`` (from the offsets, computed once), their
    metadata (``None`` when no chunk has any) and a warning, if the text has chunks but no token."""
    rows = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if len(rows) and len(tokens) == 0:
        message = (
            f"{name} has text but no token the model can see (only characters the tokenizer drops); it gives no chunks"
        )
        return EMPTY_SPANS, EMPTY_SPANS, None, message
    first, last = tokens_in_spans(tokens.offsets, rows)
    kept = metas if metas and any(metas) else None
    return rows, np.stack([first, last], axis=1).astype(np.int64).reshape(-1, 2), kept, None


def tokenize_named(tokenizer: Any, texts: list[str], names: list[str] | None) -> list[TokenizedText]:
    """``tokenize`` in one batch call; an error is raised again naming the text it is about."""
    try:
        return tokenize(tokenizer, texts)
    except Exception:
        for name, text in zip(names or [], texts if names else [], strict=True):  # find the failing text
            with naming(name):
                tokenize(tokenizer, [text])
        raise


def whole_text_requests(tokenized: list[TokenizedText], prefix: np.ndarray) -> list[EncodeRequest]:
    """One request per text, pooled whole, special tokens included (what sentence-transformers does)."""
    return [
        EncodeRequest(t.ids, prefix, np.asarray([[0, len(t)]], dtype=np.int64), pool_special=True) for t in tokenized
    ]


def spans_plan(
    tokenizer: Any,
    document: str,
    span_sets: list[list[tuple[int, int]]],
    prefix: np.ndarray,
    settings: PlanSettings,
    pool_special: bool,
    what: str,
) -> GroupPlan:
    """The plan of caller-given span sets of one document (``embed_spans``): one row per span, in order."""
    job = GroupJob("texts", [document], 0, prefix, "document", indexed=False)
    (tokens,) = tokenize_named(tokenizer, [document], job.names())
    warnings = _unknown_token_warnings([tokens], job, settings)
    flat = [span for spans in span_sets for span in spans]
    rows, ranges, _, warning = chunk_rows(flat, None, tokens, what)
    empty = np.flatnonzero(ranges[:, 1] <= ranges[:, 0])
    if warning or len(empty):
        raise LateChunkError(f"{what}[{int(empty[0]) if len(empty) else 0}] covers no token the model can see")
    sizes = tuple(len(spans) for spans in span_sets)
    request = EncodeRequest(tokens.ids, prefix, ranges, pool_special, sizes)
    encode = plan_encoding([request], settings.special, settings.window)
    bounds = np.asarray([0, len(rows)], np.int64)
    return GroupPlan(0, bounds, rows, ranges[:, 1] - ranges[:, 0], [None], encode, warnings)


def _whole_texts_plan(
    first: int, tokenized: list[TokenizedText], prefix: np.ndarray, settings: PlanSettings, warnings: tuple[str, ...]
) -> GroupPlan:
    encode = plan_encoding(whole_text_requests(tokenized, prefix), settings.special, settings.window)
    rows = np.arange(len(tokenized) + 1, dtype=np.int64)
    return GroupPlan(first, rows, EMPTY_SPANS, np.zeros(0, np.int64), [None] * len(tokenized), encode, warnings)


def _unknown_token_warnings(tokenized: list[TokenizedText], job: GroupJob, settings: PlanSettings) -> tuple[str, ...]:
    names = job.names()
    if names is None:
        return ()
    messages = (
        unknown_tokens_message(t.ids, settings.unknown_id, name) for t, name in zip(tokenized, names, strict=True)
    )
    return tuple(m for m in messages if m)
