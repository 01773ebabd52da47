"""Scoring rankings and the ``latechunk eval`` command end to end."""

import json

import numpy as np
import pytest

from latechunk.eval.data import Corpus, Document, Query
from latechunk.eval.runner import ChunkIndex, score


def test_score_on_a_hand_made_index():
    corpus = Corpus(
        [Document("d0", "x" * 100), Document("d1", "y" * 100)],
        [Query("q", "?", "d1", [(10, 30)])],
    )
    # chunks: d0 [0,50) [50,100); d1 [0,20) [20,60) [60,100); the query is closest to d0's first chunk,
    # then to d1 [60,100) (not relevant), then d1 [0,20) (relevant), ...
    index = ChunkIndex(
        doc_of=np.array([0, 0, 1, 1, 1]),
        spans=np.array([[0, 50], [50, 100], [0, 20], [20, 60], [60, 100]]),
        vectors=np.array([[1.0, 0], [0, 1.0], [0.8, 0.6], [0.6, 0.8], [0.9, 0.1]]),
    )
    result = score(index, corpus, np.array([[1.0, 0.0]]), k=10)
    # ranking: chunk0 (1.0), chunk4 (0.9), chunk2 (0.8), chunk3 (0.6), chunk1 (0): relevant = chunks 2 and 3
    dcg = 1 / np.log2(4) + 1 / np.log2(5)
    assert result["span_ndcg@10"] == pytest.approx(dcg / (1 + 1 / np.log2(3)))
    assert result["span_recall@10"] == pytest.approx(1.0)
    # documents by best chunk: d0 (1.0) then d1 (0.9): the gold document is second
    assert result["doc_ndcg@10"] == pytest.approx(1 / np.log2(3))
    assert result["queries"] == 1


def test_eval_command_writes_table_json_and_plot(tmp_path, minilm_path):
    from latechunk.eval.command import main

    meeting = {
        "meeting_transcripts": [
            {"speaker": "A", "content": "We need to pick a colour for the remote ."},
            {"speaker": "B", "content": "I vote for yellow , it stands out ."},
            {"speaker": "A", "content": "The budget is twelve euros per unit ."},
            {"speaker": "C", "content": "That leaves no money for a display ."},
        ],
        "specific_query_list": [
            {"query": "Which colour did B want?", "answer": "", "relevant_text_span": [["1", "1"]]},
            {"query": "What is the budget?", "answer": "", "relevant_text_span": [["2", "3"]]},
        ],
    }
    data = tmp_path / "val"
    data.mkdir()
    (data / "M1.json").write_text(json.dumps(meeting))
    out = tmp_path / "out"
    code = main(
        [str(data), "--model", minilm_path, "--chunk-sizes", "8,16", "--max-lengths", "16,32", "--out", str(out)]
    )
    assert code == 0
    rows = json.loads((out / "results.json").read_text())
    assert {(r["mode"], r["max_length"] if r["mode"] == "late" else None, r["chunk_size"]) for r in rows} == {
        ("naive", None, 8),
        ("naive", None, 16),
        ("late", 16, 8),
        ("late", 16, 16),
        ("late", 32, 8),
        ("late", 32, 16),
    }
    assert all(0.0 <= r["span_ndcg@10"] <= 1.0 and r["queries"] == 2 for r in rows)
    assert (out / "results.md").read_text().startswith("| mode |")
    assert (out / "ndcg_vs_chunk_size.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
