"""The engine's orchestrations: documents in, chunk arrays out, through one group runner.

A call's texts are cut into groups; the host work of each group (``planning``) is done ahead of the
model by ``host_workers`` and comes back as arrays; the group runner runs each plan through the
encoder, finishes its vectors (Matryoshka truncation, normalisation) and hands them out as
``ChunkArrays`` (no Python object per chunk). Two orchestrations use it:

- pooled spans (late chunking): a group's chunk spans are pooled from the windows that run it;
- vector-reading chunkers (semantic): a group's token vectors go to the chunker, whose spans are
  pooled from the same vectors, with no second forward pass.

Naive chunking is one path: each chunk's text embedded on its own, like ``embed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from latechunk.chunkers import Chunker
from latechunk.errors import naming, warn
from latechunk.pipeline.encode_plan import EncodeRequest
from latechunk.pipeline.encoder import Encoder
from latechunk.pipeline.host_workers import HostWork
from latechunk.pipeline.planning import EMPTY_SPANS, GroupJob, GroupPlan, JobKind, chunk_rows, spans_plan
from latechunk.pipeline.pooling import finish
from latechunk.types import ChunkArrays

CHARS_PER_TOKEN = 4
"""Characters per model token, to size a call's progress bar before its later groups are tokenized."""
MERGE_TOKENS_PER_BATCH = 4
"""Groups planned already are run together up to this many batches' worth of tokens (few large runs
keep a GPU busy; a group waits for none)."""


class Engine:
    """Chunks and embeds through one model: groups planned by ``host``, run by ``encoder``."""

    def __init__(self, encoder: Encoder, host: HostWork, chunker: Chunker, dim: int, normalize: bool) -> None:
        self.encoder = encoder
        self.host = host
        self.chunker = chunker
        self.dim = dim
        self.normalize = normalize

    @property
    def settings(self) -> Any:
        return self.host.settings

    # ------------------------------------------------------------------ calls
    def chunk_arrays(
        self, texts: list[str], prefix: np.ndarray, task: str | None, late: bool, dimensions: int | None
    ) -> list[ChunkArrays]:
        """Each text's chunks and vectors (late chunking, or naive with ``late=False``)."""
        if self.chunker.needs_token_vectors:
            return self._chunk_by_vectors(texts, prefix, task, late, dimensions)
        result: list[ChunkArrays] = []
        for plan, vectors in self._run_groups("chunks", texts, prefix, task, dimensions, late=late):
            result.extend(plan.arrays(vectors))
        return result

    def embed_texts(
        self, texts: list[str], prefix: np.ndarray, task: str | None, dimensions: int | None, what: str | None
    ) -> np.ndarray:
        """Each text mean-pooled on its own; ``what`` names the texts in warnings and errors (``None``: no check)."""
        matrices = [v for _, v in self._run_groups("texts", texts, prefix, task, dimensions, what=what)]
        return np.concatenate(matrices) if matrices else np.zeros((0, dimensions or self.dim), np.float32)

    def embed_spans(
        self,
        document: str,
        span_sets: list[list[tuple[int, int]]],
        prefix: np.ndarray,
        task: str | None,
        dimensions: int | None,
        pool_special: bool,
        what: str,
    ) -> ChunkArrays:
        """Caller-given spans of one document (every set's spans, one row each), from one forward pass."""
        plan = spans_plan(self.host.tokenizer, document, span_sets, prefix, self.settings, pool_special, what)
        for message in plan.warnings:
            warn(message)
        (arrays,) = plan.arrays(self._finish(self.encoder.run_plan(plan.encode, task), dimensions))
        return arrays

    def boundaries(self, text: str, name: str) -> ChunkArrays:
        """The chunks of one text, without a forward pass (a chunker that needs no vectors): ``(k, 0)`` vectors."""
        plan = self.host.plan(GroupJob("chunks", [text], 0, EMPTY_SPANS[:0, 0], name, indexed=False, encode=False))
        for message in plan.warnings:
            warn(message)
        (arrays,) = plan.arrays(np.zeros((len(plan.spans), 0), np.float32))
        return arrays

    # ------------------------------------------------------------------ the group runner
    def _run_groups(
        self,
        kind: JobKind,
        texts: list[str],
        prefix: np.ndarray,
        task: str | None,
        dimensions: int | None,
        *,
        late: bool = True,
        what: str | None = "documents",
        execute: Callable[[GroupPlan, bool], np.ndarray] | None = None,
    ) -> Iterator[tuple[GroupPlan, np.ndarray]]:
        """Each group's plan and finished vectors, in order; later groups are planned while the model runs.

        Several groups share one progress bar, counting documents, shown by the call's size (its
        tokens estimated at ``CHARS_PER_TOKEN`` characters each, since later groups are not tokenized yet).
        """
        sizes = [len(text) for text in texts]
        groups = self.host.groups(sizes)
        jobs = [GroupJob(kind, texts[g.start : g.stop], g.start, prefix, what, late) for g in groups]
        several = len(jobs) > 1
        shown = several and self.encoder.shows_progress(sum(sizes) // CHARS_PER_TOKEN)
        run = execute or (lambda plan, own_bar: self.encoder.run_plan(plan.encode, task, own_progress_bar=own_bar))
        try:
            with (
                tqdm(total=len(texts), unit="doc", desc="encoding", disable=not shown) as progress,
                closing(
                    self.host.plans(jobs, merge_tokens=MERGE_TOKENS_PER_BATCH * self.encoder.max_batch_tokens)
                ) as plans,
            ):
                for plan in plans:
                    for message in plan.warnings:
                        warn(message)
                    vectors = run(plan, not several)
                    progress.update(plan.count)
                    yield plan, self._finish(vectors, dimensions)
        except KeyboardInterrupt:
            self.host.interrupt()
            raise

    def _finish(self, pooled: torch.Tensor | None, dimensions: int | None) -> np.ndarray:
        """Truncate and normalise the pooled ``(spans, dim)`` matrix in place, as float32 numpy."""
        if pooled is None or len(pooled) == 0:
            return np.zeros((0, dimensions or self.dim), np.float32)
        return finish(pooled, dimensions, self.normalize, in_place=True)

    # ------------------------------------------------------------------ chunkers that read token vectors
    def _chunk_by_vectors(
        self, texts: list[str], prefix: np.ndarray, task: str | None, late: bool, dimensions: int | None
    ) -> list[ChunkArrays]:
        """Chunk and late-embed with boundaries the chunker reads off the same forward pass.

        Phase one gives each document's token vectors; the chunker turns them into spans; phase two
        pools those spans from the same vectors. No second model call. Naive: the chunks' texts are
        then embedded each on its own (``embed_texts``).
        """
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per text: spans, token counts, vectors
        pool = late

        def execute(plan: GroupPlan, own_bar: bool) -> torch.Tensor | None:
            pooled = []
            requests = plan.encode
            content_start = len(self.settings.special.lead) + len(prefix)
            for index, vectors in self.encoder.plan_vectors(requests, task, own_progress_bar=own_bar):
                number = plan.first + index
                text, tokens = texts[number], plan.tokens[index]
                content = vectors[content_start : content_start + len(tokens)]
                name = f"documents[{number}]"
                with naming(name):
                    spans = self.chunker.split_with_vectors(text, tokens.offsets, content) if text.strip() else []
                    rows, ranges, _, warning = chunk_rows(spans, None, tokens, name)
                if warning:
                    warn(warning)
                found.append((rows, ranges[:, 1] - ranges[:, 0], ranges))
                if pool:
                    request = EncodeRequest(tokens.ids, prefix, ranges, self.settings.pool_special)
                    pooled.append(self.encoder.pool_sequence(request, vectors, number))
            return torch.cat(pooled) if pooled else None

        matrices = [v for _, v in self._run_groups("tokens", texts, prefix, task, dimensions, execute=execute)]
        if late:
            vectors = np.concatenate(matrices) if matrices else np.zeros((0, dimensions or self.dim), np.float32)
        else:
            chunk_texts = [texts[i][a:b] for i, (rows, _, _) in enumerate(found) for a, b in rows.tolist()]
            vectors = self.embed_texts(chunk_texts, prefix, task, dimensions, what=None)
        bounds = np.cumsum([0] + [len(rows) for rows, _, _ in found]).tolist()
        return [
            ChunkArrays(rows[:, 0], rows[:, 1], counts, vectors[a:b], None)
            for (rows, counts, _), a, b in zip(found, bounds[:-1], bounds[1:], strict=True)
        ]
