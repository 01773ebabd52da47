"""jina-embeddings-v3 task adapters on transformers 5.x without remote code, on tiny synthetic checkpoints."""

from __future__ import annotations

import shutil
import sys
from itertools import combinations

import numpy as np
import pytest
import torch

from latechunk import LateChunker
from latechunk.pipeline.adapters import MergedLoraSwitcher, PeftTaskSwitcher, load_with_task_adapters
from latechunk.pipeline.adapters.original import native_names
from latechunk.types import LateChunkError, UnknownTaskError

from . import jina_checkpoints as jc

TEXTS = ["what is late chunking?", "Berlin is the capital of Germany. Paris is the capital of France."]
ALL_TASKS = (None, *jc.TASKS)
ATOL = 2e-5


@pytest.fixture(scope="module")
def tiny():
    return jc.make_weights(seed=0)


@pytest.fixture(scope="module")
def folders(tiny, tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")  # no "jina" in the path: detection must come from the files
    return {"original": jc.write_original(tiny, root / "original"), "hf": jc.write_hf(tiny, root / "hf")}


@pytest.fixture(scope="module")
def chunkers(folders):
    return {layout: LateChunker(str(folder), chunk_size=8) for layout, folder in folders.items()}


@pytest.fixture(scope="module")
def references(tiny):
    return {task: jc.reference_embeddings(tiny, TEXTS, task) for task in ALL_TASKS}


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_layouts_load_natively_with_their_switcher(chunkers, layout):
    loaded = chunkers[layout].loaded
    assert type(loaded.model).__name__ == "JinaEmbeddingsV3Model"
    assert loaded.family.name == "jina-embeddings-v3"
    expected = MergedLoraSwitcher if layout == "original" else PeftTaskSwitcher
    assert isinstance(loaded.task_switcher, expected)
    assert loaded.task_switcher.tasks == jc.TASKS


@pytest.mark.parametrize("task", ALL_TASKS)
@pytest.mark.parametrize("layout", ["original", "hf"])
def test_each_task_matches_the_lora_formula(chunkers, references, layout, task):
    got = chunkers[layout].embed(TEXTS, task=task)
    np.testing.assert_allclose(got, references[task], atol=ATOL)


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_tasks_give_different_vectors(chunkers, layout):
    vectors = {task: chunkers[layout].embed(TEXTS, task=task) for task in ALL_TASKS}
    for a, b in combinations(ALL_TASKS, 2):
        assert np.abs(vectors[a] - vectors[b]).max() > 1e-2, (a, b)


@pytest.mark.parametrize("task", ALL_TASKS)
def test_both_layouts_give_the_same_vectors(chunkers, task):
    document = " ".join(jc.CORPUS[3:6])
    original = [c.embedding for c in chunkers["original"].chunk_and_embed(document, task=task)]
    hf = [c.embedding for c in chunkers["hf"].chunk_and_embed(document, task=task)]
    assert len(original) == len(hf) > 1
    np.testing.assert_allclose(np.stack(original), np.stack(hf), atol=ATOL)


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_interleaved_tasks_match_separate_calls(chunkers, references, layout):
    chunker = chunkers[layout]
    order = ["retrieval.query", "retrieval.passage", None, "retrieval.query", "text-matching", None]
    for task in order:  # queries, passages and untasked texts one after another on the one shared model
        np.testing.assert_allclose(chunker.embed(TEXTS, task=task), references[task], atol=ATOL)
        np.testing.assert_allclose(chunker.embed(TEXTS[1], task=task), references[task][1], atol=ATOL)


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_both_spellings_of_a_task(chunkers, layout):
    chunker = chunkers[layout]
    for underscored, dotted in (("retrieval_query", "retrieval.query"), ("text_matching", "text-matching")):
        np.testing.assert_array_equal(chunker.embed(TEXTS, task=underscored), chunker.embed(TEXTS, task=dotted))


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_late_chunking_prepends_the_instruction_once(chunkers, references, layout, monkeypatch):
    chunker = chunkers[layout]
    seen = []
    forward = chunker.loaded.model.forward
    monkeypatch.setattr(chunker.loaded.model, "forward", lambda **kw: seen.append(kw["input_ids"]) or forward(**kw))
    document = " ".join(jc.CORPUS[3:6])
    chunks = chunker.chunk_and_embed(document, task="retrieval.query")
    assert len(chunks) > 1 and len(seen) == 1
    ids = seen[0][0].tolist()
    prefix = chunker.tokenizer(jc.INSTRUCTIONS["retrieval.query"].rstrip(), add_special_tokens=False)["input_ids"]
    starts = [i for i in range(len(ids)) if ids[i : i + len(prefix)] == prefix]
    assert starts == [1]  # right after <s>, once for the whole document
    (whole,) = chunker.embed_spans(TEXTS[1], [(0, len(TEXTS[1]))], task="retrieval.query")
    np.testing.assert_allclose(whole.embedding, references["retrieval.query"][1], atol=ATOL)


def test_no_task_restores_the_base_weights_exactly(tiny, folders):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(folders["original"])
    model, switcher = load_with_task_adapters(str(folders["original"]), config, {"dtype": torch.bfloat16})
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert all(torch.equal(before[k], tiny.base[k].bfloat16()) for k in tiny.base)
    for task in (*jc.TASKS, "retrieval.query"):
        switcher.set_task(task)
        changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
        assert "embeddings.word_embeddings.weight" in changed and "layers.1.self_attn.v_proj.weight" in changed
    switcher.set_task(None)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_merged_task_weights_follow_the_formula(tiny, folders):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(folders["original"])
    model, switcher = load_with_task_adapters(str(folders["original"]), config, {"dtype": torch.float32})
    switcher.set_task("separation")
    expected = jc.merged_state_dict(tiny, "separation")
    state = model.state_dict()
    for name, value in expected.items():
        torch.testing.assert_close(state[name], value, atol=1e-6, rtol=1e-6, msg=name)


def test_merged_switching_survives_moving_the_model(tiny, folders):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(folders["original"])
    model, switcher = load_with_task_adapters(str(folders["original"]), config, {"dtype": torch.float32})
    switcher.set_task("separation")  # base copies and factors now live with the float32 weights
    model.to(torch.float64)  # what loading.py's model.to(device) does to the parameters, here on CPU
    switcher.set_task("classification")
    state = model.state_dict()
    for name, value in jc.merged_state_dict(tiny, "classification").items():
        assert state[name].dtype == torch.float64
        torch.testing.assert_close(state[name].float(), value, atol=1e-6, rtol=1e-6, msg=name)
    switcher.set_task(None)
    assert all(torch.equal(model.state_dict()[k].float(), v) for k, v in tiny.base.items())


def test_peft_adapters_leave_the_base_weights_untouched(tiny, chunkers):
    chunker = chunkers["hf"]
    chunker.embed(TEXTS, task="classification")
    state = chunker.model.state_dict()
    for name, value in tiny.base.items():
        module, param = name.rsplit(".", 1)
        wrapped = f"{module}.base_layer.{param}"  # PEFT wraps every adapted module
        assert torch.equal(state[wrapped] if wrapped in state else state[name], value), name


def test_missing_adapters_raise_instead_of_returning_base_vectors(tiny, folders, references, tmp_path):
    partial = tmp_path / "hf-partial"
    shutil.copytree(folders["hf"], partial, ignore=shutil.ignore_patterns("retrieval_passage", "separation"))
    assert not (partial / "separation").exists()
    chunker = LateChunker(str(partial))
    np.testing.assert_allclose(chunker.embed(TEXTS, task="retrieval.query"), references["retrieval.query"], atol=ATOL)
    with pytest.raises(LateChunkError, match="no PEFT adapter for task 'separation'"):
        chunker.embed(TEXTS, task="separation")

    bare = tmp_path / "hf-bare"
    shutil.copytree(folders["hf"], bare, ignore=shutil.ignore_patterns(*jc.ADAPTER_FOLDERS))
    chunker = LateChunker(str(bare))
    assert chunker.loaded.task_switcher is None
    np.testing.assert_allclose(chunker.embed(TEXTS), references[None], atol=ATOL)
    with pytest.raises(LateChunkError, match="task adapters"):
        chunker.embed(TEXTS, task="retrieval.passage")


def test_original_config_without_lora_weights_raises(folders, tmp_path):
    broken = tmp_path / "original-no-weights"
    shutil.copytree(folders["original"], broken, ignore=shutil.ignore_patterns("*.safetensors"))
    with pytest.raises(LateChunkError, match="lora_adaptations"):
        LateChunker(str(broken))


def test_unknown_task_raises(chunkers):
    with pytest.raises(UnknownTaskError):
        chunkers["original"].embed(TEXTS, task="summarization")
    with pytest.raises(UnknownTaskError):
        chunkers["original"].loaded.task_switcher.set_task("summarization")
    with pytest.raises(UnknownTaskError):
        chunkers["hf"].loaded.task_switcher.set_task("summarization")


def test_peft_missing_gives_a_helpful_import_error(folders, monkeypatch):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(folders["hf"])
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(ImportError, match=r'pip install "latechunk\[peft\]"'):
        load_with_task_adapters(str(folders["hf"]), config, {})


@pytest.mark.parametrize(
    ("original", "native"),
    [
        ("roberta.emb_ln.weight", ["embeddings.LayerNorm.weight"]),
        ("roberta.embeddings.word_embeddings", ["embeddings.word_embeddings"]),
        ("roberta.encoder.layers.7.mixer.out_proj.bias", ["layers.7.self_attn.o_proj.bias"]),
        ("roberta.encoder.layers.7.norm1.weight", ["layers.7.post_attention_layernorm.weight"]),
        ("roberta.encoder.layers.7.norm2.bias", ["layers.7.post_mlp_layernorm.bias"]),
        ("roberta.encoder.layers.7.mlp.fc2.weight", ["layers.7.mlp.fc2.weight"]),
        (
            "roberta.encoder.layers.7.mixer.Wqkv",
            ["layers.7.self_attn.q_proj", "layers.7.self_attn.k_proj", "layers.7.self_attn.v_proj"],
        ),
    ],
)
def test_original_names_map_to_native_names(original, native):
    assert native_names(original) == native
