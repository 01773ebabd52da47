"""Semantic chunks: cut where consecutive sentences of the late-chunking pass are least alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from latechunk.chunkers.base import Chunker, TokenOffsets, require_offsets, tokens_in_spans
from latechunk.chunkers.budget import NOT_GIVEN, RenamedAttribute, check_budget, renamed_budget
from latechunk.chunkers.grouping import packable_units
from latechunk.chunkers.segmentation import split_sentences
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.types import Span


class SemanticChunker(Chunker):
    """Cuts a document at its weakest sentence transitions, read off the late-chunking forward pass.

    Each sentence (one longer than ``chunk_size`` is first cut on token boundaries) gets the mean
    of its token vectors from the same forward pass that late chunking pools from, so finding
    the boundaries costs no second model call. A chunk longer than ``chunk_size`` (at first, the
    whole document) is cut at the gap between consecutive sentences whose cosine similarity is
    lowest, and so on until every chunk fits. The cuts thus fall where the topic moves most,
    and their number follows from the token budget, not from a similarity threshold that would
    depend on the model and the corpus.

    Args:
        chunk_size: token budget per chunk, counted with the model's tokenizer (default
            ``DEFAULT_CHUNK_TOKENS``, 32, as for every chunker).
        min_tokens: a cut that would leave fewer tokens than this on one side is taken only
            when no other gap can bring a chunk under ``chunk_size`` (default: a quarter of
            ``chunk_size``), so one-word replies do not become chunks of their own.
        threshold_percentile: also cut a chunk that fits the budget where its weakest gap is
            below this percentile (0-100) of the document's consecutive-sentence similarities
            (``None``: cut only as the budget requires).
        nlp: a spaCy pipeline that sets sentence boundaries (default: sentencex's rules, see
            ``latechunk.chunkers.segmentation``; spaCy is the ``spacy`` extra).
        max_tokens: the budget's former name; still works, and warns (``DeprecationWarning``).
    """

    needs_token_offsets = True
    needs_token_vectors = True
    deprecated_parameters = ("max_tokens",)
    max_tokens = RenamedAttribute()

    def __init__(
        self,
        chunk_size: int = DEFAULT_CHUNK_TOKENS,
        min_tokens: int | None = None,
        threshold_percentile: float | None = None,
        nlp: Any | None = None,
        *,
        max_tokens: int = NOT_GIVEN,
    ) -> None:
        chunk_size = renamed_budget(type(self).__name__, chunk_size, max_tokens=max_tokens)
        chunk_size = check_budget(chunk_size, None, size_optional=False)[0]
        if min_tokens is not None and min_tokens < 0:
            raise ValueError(f"min_tokens must be non-negative, got {min_tokens}")
        if threshold_percentile is not None and not 0 <= threshold_percentile <= 100:
            raise ValueError(f"threshold_percentile must be between 0 and 100, got {threshold_percentile}")
        self.chunk_size = chunk_size
        self.min_tokens = chunk_size // 4 if min_tokens is None else min_tokens
        self.threshold_percentile = threshold_percentile
        self.nlp = nlp

    def split(self, text: str, token_offsets: TokenOffsets | None = None) -> list[Span]:
        raise ValueError(
            "SemanticChunker places boundaries by the model's token vectors; use it through "
            "LateChunker(chunker='semantic') or call split_with_vectors(text, token_offsets, token_vectors)"
        )

    def split_with_vectors(self, text: str, token_offsets: TokenOffsets, token_vectors: Any) -> list[Span]:
        offsets = require_offsets(self, token_offsets)
        if len(token_vectors) != len(offsets):
            raise ValueError(f"got {len(token_vectors)} token vectors for {len(offsets)} token offsets")
        units = split_sentences(text, self.nlp)
        if not units:
            return []
        units = packable_units(text, units, offsets, self.chunk_size)
        first, last = tokens_in_spans(offsets, np.asarray(units, dtype=np.int64))
        similarity = sentence_similarities(token_vectors, first, last)
        threshold = None
        if self.threshold_percentile is not None and len(similarity):
            threshold = float(np.percentile(similarity, self.threshold_percentile))
        groups = cut_at_weakest_gaps(similarity, first, last, self.chunk_size, self.min_tokens, threshold)
        return [(units[i][0], units[j - 1][1]) for i, j in groups]

    def __repr__(self) -> str:
        return (
            f"SemanticChunker(chunk_size={self.chunk_size}, min_tokens={self.min_tokens}, "
            f"threshold_percentile={self.threshold_percentile})"
        )


def sentence_similarities(token_vectors: Any, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Cosine similarity of each pair of consecutive units, from the sums of their token vectors.

    Unit ``u`` holds tokens ``[first[u], last[u])``. The sums are one ``embedding_bag`` on the
    vectors' device, as the engine pools (deterministic on every device); only ``n - 1`` numbers
    come back.
    """
    import torch

    if len(first) < 2:
        return np.zeros(0, dtype=np.float64)
    units = torch.nn.functional.normalize(_unit_sums(torch.as_tensor(token_vectors), first, last), dim=1)
    return (units[:-1] * units[1:]).sum(dim=1).double().cpu().numpy()


def _unit_sums(vectors: Any, first: np.ndarray, last: np.ndarray) -> Any:
    """Float32 sums of ``vectors[first[u]:last[u]]`` for each unit (an empty range gives zeros)."""
    import torch

    first, last = np.asarray(first, dtype=np.int64), np.asarray(last, dtype=np.int64)
    lengths = last - first
    offsets = np.cumsum(lengths) - lengths
    tokens = np.repeat(first - offsets, lengths) + np.arange(int(lengths.sum()))
    device = vectors.device
    return torch.nn.functional.embedding_bag(
        torch.from_numpy(tokens).to(device), vectors.float(), torch.from_numpy(offsets).to(device), mode="sum"
    )


def cut_at_weakest_gaps(
    similarity: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    chunk_size: int,
    min_tokens: int,
    threshold: float | None = None,
) -> list[tuple[int, int]]:
    """Unit ranges ``[i, j)`` of the chunks: each over-budget range is cut at its weakest gap.

    ``similarity[k]`` belongs to the gap between units ``k`` and ``k + 1``; a range's token count
    is ``last[j - 1] - first[i]``. A range within budget is also cut when its weakest gap (among
    those leaving ``min_tokens`` on both sides) is below ``threshold``.
    """
    groups: list[tuple[int, int]] = []
    stack = [(0, len(first))] if len(first) else []
    while stack:
        i, j = stack.pop()
        over_budget = bool(last[j - 1] - first[i] > chunk_size)
        cut = None
        if j - i > 1 and (over_budget or threshold is not None):
            cut = _weakest_gap(similarity, first, last, i, j, min_tokens, force=over_budget)
            if cut is not None and not over_budget and not similarity[cut - 1] < threshold:
                cut = None
        if cut is None:
            groups.append((i, j))
        else:
            stack += [(cut, j), (i, cut)]
    return groups


def _weakest_gap(
    similarity: np.ndarray, first: np.ndarray, last: np.ndarray, i: int, j: int, min_tokens: int, force: bool
) -> int | None:
    """The unit ``k`` in ``(i, j)`` to cut before: lowest similarity, then the most even split.

    Gaps leaving under ``min_tokens`` tokens on a side count only when ``force`` and no other exists.
    """
    cuts = np.arange(i + 1, j)
    left = last[cuts - 1] - first[i]
    right = last[j - 1] - first[cuts]
    allowed = (left >= min_tokens) & (right >= min_tokens)
    if not allowed.any():
        if not force:
            return None
        allowed[:] = True
    cuts, balance = cuts[allowed], np.abs(left - right)[allowed]
    return int(cuts[np.lexsort((balance, similarity[cuts - 1]))[0]])
