"""Settings are declared once, checked at construction, and every error names the user's parameter."""

from __future__ import annotations

import inspect

import pytest

from latechunk import LateChunker
from latechunk.errors import LateChunkError, SettingsError, SettingsTypeError
from latechunk.settings import LateChunkerSettings, setting_fields, setting_names

BAD_VALUES = [
    ("chunk_size", 0, SettingsError),
    ("chunk_size", -3, SettingsError),
    ("chunk_size", 2.5, SettingsTypeError),
    ("chunk_size", True, SettingsTypeError),
    ("chunk_size", "32", SettingsTypeError),
    ("overlap", -1, SettingsError),
    ("overlap", 1.5, SettingsTypeError),
    ("batch_size", 0, SettingsError),
    ("max_batch_tokens", 0, SettingsError),
    ("merge", "bogus", SettingsError),
    ("dimensions", 0, SettingsError),
    ("max_length", "256", SettingsTypeError),
    ("normalize_embeddings", "yes", SettingsTypeError),
    ("chunker", "words", SettingsError),
    ("chunker", 3, SettingsTypeError),
    ("task", 5, SettingsTypeError),
    ("text_workers", -1, SettingsError),
    ("text_workers", 0.5, SettingsTypeError),
    ("pack_sequences", "yes", SettingsTypeError),
]


@pytest.mark.parametrize(("name", "value", "error"), BAD_VALUES)
def test_bad_values_raise_at_construction_naming_the_parameter(minilm_path, name, value, error):
    with pytest.raises(error, match=name) as raised:
        LateChunker(minilm_path, **{name: value})
    assert isinstance(raised.value, LateChunkError)
    expected_builtin = TypeError if error is SettingsTypeError else ValueError
    assert isinstance(raised.value, expected_builtin)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"overlap": 256}, "overlap must be smaller than the window's room"),  # the default window is 256
        ({"max_length": 64, "overlap": 62}, "overlap must be smaller"),
        ({"max_length": 600}, "max_length must be between"),
        ({"dimensions": 385}, "dimensions must be between 1 and the model's size 384"),
        ({"task": "summarization"}, "summarization"),
        ({"dtype": "float8"}, "dtype must be one of"),
        ({"device": "gpu:x"}, "device 'gpu:x'"),
    ],
)
def test_model_dependent_checks_also_run_at_construction(minilm_path, options, match):
    with pytest.raises(SettingsError, match=match):
        LateChunker(minilm_path, **options)


def test_a_chunk_size_error_names_chunk_size_not_the_chunkers_inner_name(minilm_path):
    with pytest.raises(SettingsError) as raised:
        LateChunker(minilm_path, chunker="tokens", chunk_size=0)
    assert "chunk_size" in str(raised.value) and "tokens_per_chunk" not in str(raised.value)


def test_an_unknown_setting_is_a_type_error_naming_it(minilm_path):
    with pytest.raises(SettingsTypeError, match="'chunksize'"):
        LateChunker(minilm_path, chunksize=32)


def test_per_call_values_are_checked_too(minilm):
    with pytest.raises(SettingsTypeError, match="dimensions"):
        minilm.embed("x", dimensions="32")
    with pytest.raises(SettingsError, match="dimensions"):
        minilm.embed("x", dimensions=1000)


def test_the_signature_is_the_settings(minilm_path):
    parameters = inspect.signature(LateChunker).parameters
    assert list(parameters) == list(setting_names())
    for f in setting_fields():
        assert parameters[f.name].default == f.default
    settings = LateChunkerSettings(model=minilm_path, chunk_size=16, merge="center")
    chunker = LateChunker(settings)
    assert chunker.settings is settings and chunker.window.merge == "center"
    assert LateChunker(settings, chunk_size=20).settings.chunk_size == 20


def test_every_setting_reaches_every_integration():
    from haystack_integrations.components.embedders.latechunk import (
        LateChunkingDocumentEmbedder,
        LateChunkingTextEmbedder,
    )
    from latechunk.components.llamaindex import LateChunkingEmbedding, LateChunkingNodeParser

    haystack_names = {"device": "device", "token": "token", "show_progress_bar": "progress_bar"}
    document = inspect.signature(LateChunkingDocumentEmbedder.__init__).parameters
    text = inspect.signature(LateChunkingTextEmbedder.__init__).parameters
    parser, embedding = LateChunkingNodeParser.model_fields, LateChunkingEmbedding.model_fields
    for f in setting_fields():
        assert haystack_names.get(f.name, f.name) in document, f.name
        llama = "model_name" if f.name == "model" else f.name
        assert llama in parser, f.name
        if f.metadata["group"] != "chunking":
            assert haystack_names.get(f.name, f.name) in text, f.name
            assert llama in embedding, f.name


def test_components_check_their_settings_at_construction():
    from haystack_integrations.components.embedders.latechunk import LateChunkingDocumentEmbedder

    for name, value, error in BAD_VALUES:
        with pytest.raises(error, match=name):
            LateChunkingDocumentEmbedder(**{name: value})
    with pytest.raises(SettingsError, match="overlap"):
        LateChunkingDocumentEmbedder(max_length=64, overlap=64)
    with pytest.raises(SettingsTypeError, match="'chunksize'"):
        LateChunkingDocumentEmbedder(chunksize=3)


def test_llamaindex_classes_check_their_settings_at_construction(minilm_path):
    from latechunk.components.llamaindex import LateChunkingNodeParser

    for name, value, error in BAD_VALUES:
        with pytest.raises(error, match=name):
            LateChunkingNodeParser(model_name=minilm_path, **{name: value})


def test_haystack_parameters_round_trip_including_a_chunker_instance(minilm_path):
    from haystack_integrations.components.embedders.latechunk import LateChunkingDocumentEmbedder
    from latechunk.chunkers import SentenceChunker

    embedder = LateChunkingDocumentEmbedder(
        model=minilm_path, chunker=SentenceChunker(chunk_size=20, overlap=1), overlap=32, merge="center"
    )
    again = LateChunkingDocumentEmbedder.from_dict(embedder.to_dict())
    assert isinstance(again.chunker, SentenceChunker)
    assert (again.chunker.chunk_size, again.chunker.overlap) == (20, 1)
    assert (again.overlap, again.merge, again.pool_special_tokens) == (32, "center", True)
    assert again.to_dict() == embedder.to_dict()
