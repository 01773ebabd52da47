"""Loading QMSum meetings and generic JSONL data."""

import json

import pytest

from latechunk.eval.data import load_jsonl, load_qmsum, meeting_text


def _meeting(turns, queries):
    return {
        "meeting_transcripts": [{"speaker": s, "content": c} for s, c in turns],
        "specific_query_list": [
            {"query": q, "answer": "", "relevant_text_span": [[str(a), str(b)] for a, b in spans]}
            for q, spans in queries
        ],
        "general_query_list": [{"query": "Summarize the whole meeting", "answer": ""}],
        "topic_list": [],
    }


@pytest.fixture
def two_meetings(tmp_path):
    (tmp_path / "A1.json").write_text(
        json.dumps(
            _meeting(
                [("Ann", "Hello ."), ("Bob", "We chose the red one ."), ("Ann", "Fine .")],
                [("What colour?", [(1, 1)]), ("Greeting and end?", [(0, 0), (2, 2)])],
            )
        )
    )
    (tmp_path / "B2.json").write_text(json.dumps(_meeting([("Cy", "Budget is low .")], [("Budget?", [(0, 0)])])))
    return tmp_path


def test_meeting_text_gives_turn_ranges():
    text, ranges = meeting_text([{"speaker": "A", "content": "x y"}, {"speaker": "B", "content": "z"}])
    assert text == "A: x y\nB: z"
    assert [text[s:e] for s, e in ranges] == ["A: x y", "B: z"]


def test_qmsum_loader_on_two_meetings(two_meetings):
    corpus = load_qmsum(two_meetings)
    assert [d.id for d in corpus.documents] == ["A1", "B2"]
    assert [q.text for q in corpus.queries] == ["What colour?", "Greeting and end?", "Budget?"]
    first = corpus.documents[0].text
    colour = corpus.queries[0]
    assert colour.doc_id == "A1"
    assert [first[s:e] for s, e in colour.spans] == ["Bob: We chose the red one ."]
    assert [first[s:e] for s, e in corpus.queries[1].spans] == ["Ann: Hello .", "Ann: Fine ."]
    assert load_qmsum(two_meetings, limit=1).documents[0].id == "A1"
    assert len(load_qmsum(two_meetings, limit=1).documents) == 1


def test_qmsum_loader_turn_range_spans_several_turns(tmp_path):
    (tmp_path / "M.json").write_text(
        json.dumps(_meeting([("A", "one ."), ("B", "two ."), ("C", "three .")], [("q", [(0, 1)])]))
    )
    corpus = load_qmsum(tmp_path)
    ((start, end),) = corpus.queries[0].spans
    assert corpus.documents[0].text[start:end] == "A: one .\nB: two ."


def test_qmsum_loader_rejects_an_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_qmsum(tmp_path)


def test_jsonl_loader(tmp_path):
    docs, queries = tmp_path / "d.jsonl", tmp_path / "q.jsonl"
    docs.write_text('{"id": "a", "text": "Alpha beta."}\n{"id": 2, "text": "Gamma."}\n')
    queries.write_text(
        '{"query": "beta?", "doc_id": "a", "spans": [[6, 11]]}\n{"id": "x", "query": "gamma?", "doc_id": 2}\n'
    )
    corpus = load_jsonl(docs, queries)
    assert [d.id for d in corpus.documents] == ["a", "2"]
    assert corpus.queries[0].spans == [(6, 11)] and corpus.queries[1].doc_id == "2"
    queries.write_text('{"query": "?", "doc_id": "nope"}\n')
    with pytest.raises(ValueError, match="unknown document"):
        load_jsonl(docs, queries)
