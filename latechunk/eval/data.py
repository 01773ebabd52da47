"""Evaluation data: QMSum meeting folders and a generic JSONL format."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from latechunk.types import Span


@dataclass
class Document:
    id: str
    text: str


@dataclass
class Query:
    """A query with its gold document and, optionally, gold character spans in that document."""

    id: str
    text: str
    doc_id: str | None = None
    spans: list[Span] = field(default_factory=list)


@dataclass
class Corpus:
    documents: list[Document]
    queries: list[Query]


def meeting_text(turns: list[dict]) -> tuple[str, list[Span]]:
    """One line per turn, ``"speaker: content"``; returns the text and each turn's character range."""
    lines = [f"{t['speaker']}: {t['content']}" for t in turns]
    ranges: list[Span] = []
    position = 0
    for line in lines:
        ranges.append((position, position + len(line)))
        position += len(line) + 1
    return "\n".join(lines), ranges


def load_qmsum(folder: str | Path, limit: int | None = None) -> Corpus:
    """Meetings of a QMSum split folder (``*.json``); the specific queries with their turn spans."""
    paths = sorted(Path(folder).glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"no QMSum *.json meeting files in {folder}")
    documents, queries = [], []
    for path in paths[:limit]:
        meeting = json.loads(path.read_text(encoding="utf-8"))
        text, turns = meeting_text(meeting["meeting_transcripts"])
        documents.append(Document(path.stem, text))
        for i, item in enumerate(meeting.get("specific_query_list", [])):
            spans = []
            for first, last in item["relevant_text_span"]:
                a, b = int(first), min(int(last), len(turns) - 1)
                if a <= b:
                    spans.append((turns[a][0], turns[b][1]))
            queries.append(Query(f"{path.stem}/{i}", item["query"], path.stem, spans))
    return Corpus(documents, queries)


def load_jsonl(documents_path: str | Path, queries_path: str | Path) -> Corpus:
    """Documents ``{"id", "text"}`` and queries ``{"id"?, "query", "doc_id"?, "spans"?: [[start, end], ...]}``."""
    documents = [Document(str(d["id"]), d["text"]) for d in _read_jsonl(documents_path)]
    known = {d.id for d in documents}
    queries = []
    for i, q in enumerate(_read_jsonl(queries_path)):
        doc_id = None if q.get("doc_id") is None else str(q["doc_id"])
        if doc_id is not None and doc_id not in known:
            raise ValueError(f"query {i} names unknown document {doc_id!r}")
        spans = [(int(s), int(e)) for s, e in q.get("spans", [])]
        if spans and doc_id is None:
            raise ValueError(f"query {i} has gold spans but no doc_id")
        queries.append(Query(str(q.get("id", i)), q["query"], doc_id, spans))
    return Corpus(documents, queries)


def _read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
