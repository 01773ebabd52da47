"""Model families: tasks, prefixes and detection."""

from types import SimpleNamespace

import pytest

from latechunk import UnknownTaskError
from latechunk.pipeline.families import FAMILIES, detect_family, normalize_task


@pytest.mark.parametrize(
    ("spelled", "expected"),
    [
        ("retrieval.query", "retrieval.query"),
        ("retrieval_passage", "retrieval.passage"),
        ("text_matching", "text-matching"),
        ("Text-Matching", "text-matching"),
        (None, None),
    ],
)
def test_both_spellings_of_task_names(spelled, expected):
    assert normalize_task(spelled) == expected


@pytest.mark.parametrize(
    ("name", "model_type", "family"),
    [
        ("jinaai/jina-embeddings-v3", "xlm-roberta", "jina-embeddings-v3"),
        ("some/folder", "jina_embeddings_v3", "jina-embeddings-v3"),
        ("jinaai/jina-embeddings-v2-base-en", "bert", "jina-embeddings-v2"),
        ("nomic-ai/nomic-embed-text-v1.5", "nomic_bert", "nomic-embed-text"),
        ("intfloat/multilingual-e5-large", "xlm-roberta", "e5"),
        ("BAAI/bge-m3", "xlm-roberta", "bge-m3"),
        ("sentence-transformers/all-MiniLM-L6-v2", "bert", "all-minilm"),
        ("someone/other-encoder", "bert", "generic"),
    ],
)
def test_detect_family(name, model_type, family):
    assert detect_family(name, SimpleNamespace(model_type=model_type)).name == family


def test_prefixes_of_known_families():
    assert FAMILIES["e5"].prefix("retrieval.query") == "query: "
    assert FAMILIES["e5"].prefix("retrieval_passage") == "passage: "
    assert FAMILIES["nomic-embed-text"].prefix("retrieval.query") == "search_query: "
    assert FAMILIES["nomic-embed-text"].prefix("retrieval.passage") == "search_document: "
    v3 = FAMILIES["jina-embeddings-v3"]
    assert v3.prefix("retrieval.query") == "Represent the query for retrieving evidence documents: "
    assert v3.prefix("retrieval.passage") == "Represent the document for retrieval: "
    assert v3.prefix("separation") == "" and v3.prefix(None) == ""


def test_unknown_task_lists_the_valid_ones():
    with pytest.raises(UnknownTaskError, match="retrieval.query.*retrieval.passage"):
        FAMILIES["all-minilm"].prefix("classification")


def test_config_task_instructions_override_the_table():
    config = SimpleNamespace(model_type="jina_embeddings_v3", task_instructions={"retrieval.query": "Q: ", "x_y": ""})
    family = detect_family("local", config)
    assert family.prefix("retrieval.query") == "Q: " and "x.y" in family.tasks
