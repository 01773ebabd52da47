"""Whole sentences or cut ones: span nDCG@10 of sentence-chunking policies (late chunking, MiniLM).

Policies, all at the same ``--size`` token budget and all pooled from one late pass per document
(``embed_span_sets``):

* ``spacy-cut``: the old default exactly (spaCy's sentencizer, sentences packed to the budget, a
  longer sentence cut on token boundaries, headings not treated apart; needs the ``spacy`` extra,
  which the ``test`` extra includes);
* ``cut``: the same with sentencex's sentences (``hard_max_tokens=None``);
* ``whole-<cap>``: sentences packed to the budget, a longer sentence kept whole up to ``cap``
  tokens (``SentenceChunker(chunk_size=size, hard_max_tokens=cap)``);
* ``score-cut-return-sentences``: the ``cut`` chunks are scored, and each is handed back widened
  to the whole sentences it touches (duplicates dropped, first rank kept);
* ``markdown`` (Markdown corpus only): ``MarkdownChunker(chunk_size=size)``.

Reported per policy: span nDCG@10 and Recall@10 (a returned span is relevant when it overlaps a
gold span), document nDCG@10, the average tokens of a returned span, and the share of returned
spans that end inside a sentence (a sentence split in two). Span nDCG/Recall@10 are also given
with each sentence read once: a returned span whose sentences all came earlier in the list (the
second half of a cut sentence) is skipped, so a policy gains nothing by showing a sentence twice.

    HF_HUB_OFFLINE=1 python benchmarks/whole_sentences.py --qmsum ../shared/data/qmsum/val --limit 12 \\
        --markdown benchmarks/data/markdown_qa --out benchmarks/results/whole_sentences.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from latechunk import LateChunker
from latechunk.chunkers import MarkdownChunker, SentenceChunker, split_sentences, token_counts
from latechunk.chunkers.grouping import pack_units
from latechunk.chunkers.segmentation import default_nlp
from latechunk.eval.data import Corpus, Document, Query, load_qmsum
from latechunk.eval.metrics import ndcg_at_k, overlaps_any, recall_at_k
from latechunk.pipeline.tokenization import tokenize
from latechunk.types import Span

CAPS = (64, 128, 256)
SMALLER_BUDGETS = (16, 24)  # whole sentences packed to a smaller budget: about the old average size


def load_markdown_qa(folder: str | Path) -> Corpus:
    """``*.md`` documents and ``queries.jsonl`` rows ``{"id", "query", "doc", "answer"}``.

    ``answer`` is a verbatim piece of the document (each occurs once); its span is the gold span.
    """
    folder = Path(folder)
    paths = [p for p in sorted(folder.glob("*.md")) if p.name != "README.md"]
    documents = [Document(p.stem, p.read_text(encoding="utf-8")) for p in paths]
    texts = {d.id: d.text for d in documents}
    queries = []
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = texts[row["doc"]]
        start = text.find(row["answer"])
        if start < 0 or text.find(row["answer"], start + 1) >= 0:
            raise ValueError(f"answer of {row['id']} must occur exactly once in {row['doc']}")
        queries.append(Query(row["id"], row["query"], row["doc"], [(start, start + len(row["answer"]))]))
    return Corpus(documents, queries)


def widen_to_sentences(spans: list[Span], sentences: list[Span], offsets: np.ndarray, cap: int) -> list[Span]:
    """Each span grown to the start of the first and the end of the last sentence it overlaps.

    A span whose widening would hold more than ``cap`` tokens (a sentence over the cap) stays as it is.
    """
    starts = np.asarray([s for s, _ in sentences])
    ends = np.asarray([e for _, e in sentences])
    widened = []
    for start, end in spans:
        first = int(np.searchsorted(ends, start, side="right"))
        last = int(np.searchsorted(starts, end, side="left")) - 1
        wide = (min(start, int(starts[first])), max(end, int(ends[last])))
        widened.append(wide if token_counts(offsets, [wide])[0] <= cap else (start, end))
    return widened


def sentences_of(spans: list[Span], sentences: list[Span]) -> list[frozenset[int]]:
    """For each span, the indices of the sentences it overlaps."""
    starts = np.asarray([s for s, _ in sentences])
    ends = np.asarray([e for _, e in sentences])
    first = np.searchsorted(ends, [s for s, _ in spans], side="right")
    last = np.searchsorted(starts, [e for _, e in spans], side="left")
    return [frozenset(range(int(a), int(b))) for a, b in zip(first, last, strict=True)]


def mid_sentence_share(spans: list[Span], sentences: list[Span]) -> float:
    """Share of spans whose end falls strictly inside a sentence."""
    ends = {e for _, e in sentences}
    inside = [e not in ends for _, e in spans]
    return float(np.mean(inside)) if inside else 0.0


def score(
    corpus: Corpus,
    queries: np.ndarray,
    scored: list[list[Span]],
    vectors: list[np.ndarray],
    returned: list[list[Span]],
    sentences: list[list[Span]],
    k: int = 10,
) -> dict[str, float]:
    """Rank scored spans by cosine; hand back ``returned[d][i]`` for each, first occurrence only.

    Besides span nDCG/Recall@10 over the units handed back, the same with each sentence read once:
    a unit all of whose sentences an earlier unit of the list already showed is skipped (two halves
    of one sentence count once, as a reader sees them), the next unit taking its place.
    """
    doc_of = np.concatenate([np.full(len(v), d) for d, v in enumerate(vectors)])
    index = [(d, i) for d, spans in enumerate(scored) for i in range(len(spans))]
    sims = queries @ np.concatenate(vectors).T
    position = {doc.id: d for d, doc in enumerate(corpus.documents)}
    span_ndcg, span_recall, doc_ndcg, once_ndcg, once_recall = [], [], [], [], []
    sentence_sets = [sentences_of(r, s) for r, s in zip(returned, sentences, strict=True)]
    for q, query in enumerate(corpus.queries):
        gold = position[query.doc_id]
        order = np.argsort(-sims[q], kind="stable")
        seen_docs: list[int] = []
        for j in order:
            if doc_of[j] not in seen_docs:
                seen_docs.append(int(doc_of[j]))
        doc_ndcg.append(ndcg_at_k([float(d == gold) for d in seen_docs], 1, k))
        relevant_units = {s for s in set(returned[gold]) if overlaps_any(s, query.spans)}
        ranked: list[float] = []
        shown: set[tuple[int, Span]] = set()
        for j in order:
            d, i = index[j]
            unit = (d, returned[d][i])
            if unit in shown:
                continue
            shown.add(unit)
            ranked.append(float(d == gold and unit[1] in relevant_units))
            if len(ranked) == k:
                break
        span_ndcg.append(ndcg_at_k(ranked, len(relevant_units), k))
        span_recall.append(recall_at_k(ranked, len(relevant_units), k))
        read: dict[int, set[int]] = {}
        ranked_once: list[float] = []
        for j in order:
            d, i = index[j]
            unit_sentences = sentence_sets[d][i]
            if unit_sentences <= read.setdefault(d, set()):
                continue
            read[d] |= unit_sentences
            ranked_once.append(float(d == gold and returned[d][i] in relevant_units))
            if len(ranked_once) == k:
                break
        once_ndcg.append(ndcg_at_k(ranked_once, len(relevant_units), k))
        once_recall.append(recall_at_k(ranked_once, len(relevant_units), k))
    return {
        "per_query_span_ndcg": [round(float(x), 5) for x in span_ndcg],
        "span_ndcg@10": round(float(np.mean(span_ndcg)), 4),
        "span_recall@10": round(float(np.mean(span_recall)), 4),
        "doc_ndcg@10": round(float(np.mean(doc_ndcg)), 4),
        "per_query_once_ndcg": [round(float(x), 5) for x in once_ndcg],
        "span_ndcg@10_each_sentence_once": round(float(np.mean(once_ndcg)), 4),
        "span_recall@10_each_sentence_once": round(float(np.mean(once_recall)), 4),
        "queries": len(span_ndcg),
    }


def policies(size: int, markdown: bool) -> dict[str, Callable[[str, np.ndarray], list[Span]]]:
    chosen: dict[str, Callable[[str, np.ndarray], list[Span]]] = {
        "spacy-cut": lambda text, offsets: pack_units(text, split_sentences(text, default_nlp()), offsets, size),
        "cut": SentenceChunker(chunk_size=size, hard_max_tokens=None).split,
    }
    for cap in CAPS:
        chosen[f"whole-{cap}"] = SentenceChunker(chunk_size=size, hard_max_tokens=cap).split
    for smaller in SMALLER_BUDGETS:
        chosen[f"whole-256-pack-{smaller}"] = SentenceChunker(chunk_size=smaller, hard_max_tokens=256).split
    if markdown:
        chosen["markdown"] = MarkdownChunker(chunk_size=size).split
    return chosen


def run(lc: LateChunker, name: str, corpus: Corpus, size: int, markdown: bool) -> list[dict]:
    texts = [d.text for d in corpus.documents]
    offsets = [t.offsets for t in tokenize(lc.tokenizer, texts)]
    sentences = [split_sentences(t) for t in texts]
    chosen = policies(size, markdown)
    span_sets = {p: [split(t, o) for t, o in zip(texts, offsets, strict=True)] for p, split in chosen.items()}
    started = time.perf_counter()
    pooled: dict[str, list[np.ndarray]] = {p: [] for p in span_sets}
    for d, text in enumerate(texts):
        sets = lc.embed_span_sets(text, [span_sets[p][d] for p in span_sets], task="retrieval.passage")
        for p, chunks in zip(span_sets, sets, strict=True):
            pooled[p].append(np.stack([c.embedding for c in chunks]))
    encode_s = time.perf_counter() - started
    queries = lc.embed([q.text for q in corpus.queries], task="retrieval.query")
    rows = []
    plans = [(p, p, span_sets[p]) for p in span_sets]
    widened = [
        widen_to_sentences(s, sent, o, 256) for s, sent, o in zip(span_sets["cut"], sentences, offsets, strict=True)
    ]
    plans.append(("score-cut-return-sentences", "cut", widened))
    for label, scored_by, returned in plans:
        scored = span_sets[scored_by]
        counts = np.concatenate(
            [token_counts(o, list(dict.fromkeys(r))) for o, r in zip(offsets, returned, strict=True)]
        )
        mid = np.mean([mid_sentence_share(r, s) for r, s in zip(returned, sentences, strict=True)])
        rows.append(
            {
                "corpus": name,
                "policy": label,
                "size": size,
                **score(corpus, queries, scored, pooled[scored_by], returned, sentences),
                "returned_avg_tokens": round(float(counts.mean()), 1),
                "returned_max_tokens": int(counts.max()),
                "mid_sentence_ends": round(float(mid), 4),
                "documents": len(texts),
                "encode_s": round(encode_s, 1),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qmsum", default="../shared/data/qmsum/val")
    parser.add_argument("--limit", type=int, default=12, help="QMSum meetings (sorted by file name)")
    parser.add_argument("--markdown", default="benchmarks/data/markdown_qa")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--skip-qmsum", action="store_true")
    parser.add_argument("--out", default="benchmarks/results/whole_sentences.jsonl")
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lc = LateChunker(show_progress_bar=False)
    corpora = [("markdown", load_markdown_qa(args.markdown), True)]
    if not args.skip_qmsum:
        corpora.append(("qmsum-val", load_qmsum(args.qmsum, args.limit), False))
    for name, corpus, markdown in corpora:
        rows = run(lc, name, corpus, args.size, markdown)
        base = np.asarray(rows[0]["per_query_span_ndcg"])
        base_once = np.asarray(rows[0]["per_query_once_ndcg"])
        for row in rows:
            row["vs_old_default_ci95"] = paired_bootstrap(np.asarray(row["per_query_span_ndcg"]) - base)
            row["once_vs_old_default_ci95"] = paired_bootstrap(np.asarray(row["per_query_once_ndcg"]) - base_once)
            print(json.dumps({k: v for k, v in row.items() if not k.startswith("per_query")}), flush=True)
            with out.open("a") as handle:
                handle.write(json.dumps(row) + "\n")


def paired_bootstrap(differences: np.ndarray, rounds: int = 10_000, seed: int = 0) -> list[float]:
    """95 % interval of the mean per-query difference (resampling queries)."""
    rng = np.random.default_rng(seed)
    means = differences[rng.integers(0, len(differences), (rounds, len(differences)))].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


if __name__ == "__main__":
    main()
