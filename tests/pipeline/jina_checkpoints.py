"""Tiny jina-embeddings-v3 checkpoints in both layouts, written from the same random weights.

The names and shapes follow the released checkpoints, scaled down (hidden 32, 2 layers, 4 heads,
a vocabulary trained here). The reference vectors come straight from the LoRA formula of the
original checkpoint, on a plain native model, independently of latechunk's loader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..tiny_models import train_xlmr_style_tokenizer

TASKS = ("retrieval.query", "retrieval.passage", "separation", "classification", "text-matching")
ADAPTER_FOLDERS = ("retrieval_query", "retrieval_passage", "separation", "classification", "text_matching")
INSTRUCTIONS = {
    "retrieval.query": "Represent the query for retrieving evidence documents: ",
    "retrieval.passage": "Represent the document for retrieval: ",
    "separation": "",
    "classification": "",
    "text-matching": "",
}
RANK, ALPHA = 4, 1
SCALING = ALPHA / RANK
HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS = 32, 2, 4, 64, 514
EMBEDDINGS = ("embeddings.word_embeddings", "embeddings.token_type_embeddings")
# original -> native name of the other adapted linear layers in each encoder layer
LINEARS = (("mixer.out_proj", "self_attn.o_proj"), ("mlp.fc1", "mlp.fc1"), ("mlp.fc2", "mlp.fc2"))

CORPUS = [
    "Late chunking embeds a whole document once and pools token vectors inside each chunk.",
    "Represent the query for retrieving evidence documents: what is late chunking?",
    "Represent the document for retrieval: the Eiffel Tower is in Paris.",
    "Berlin is the capital of Germany. Paris is the capital of France.",
    "The quick brown fox jumps over the lazy dog while the cat sleeps.",
    "Rotary position embeddings let the model read long inputs of many tokens.",
    "Task adapters change the embedding for queries, passages, classification and matching.",
]


@dataclass
class TinyJina:
    """Random weights of a tiny jina-embeddings-v3 in both namings.

    ``base`` uses the native model's names; ``lora`` maps each original module name (without the
    ``roberta.`` prefix) to its stacked ``(lora_A, lora_B)`` with a leading task dimension.
    """

    config: object
    tokenizer: object
    base: dict[str, torch.Tensor]
    lora: dict[str, tuple[torch.Tensor, torch.Tensor]]


def train_tokenizer():
    """A small BPE tokenizer with XLM-R's special tokens (<s>=0, <pad>=1, </s>=2, <unk>=3)."""
    return train_xlmr_style_tokenizer(CORPUS, vocab_size=300, model_max_length=POSITIONS - 2)


def make_weights(seed: int = 0) -> TinyJina:
    """Random base weights (native names) and random non-zero adapters for five tasks."""
    from transformers import JinaEmbeddingsV3Config, JinaEmbeddingsV3Model

    tokenizer = train_tokenizer()
    config = JinaEmbeddingsV3Config(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE,
        max_position_embeddings=POSITIONS,
        type_vocab_size=1,
    )
    generator = torch.Generator().manual_seed(seed)
    shapes = {k: v.shape for k, v in JinaEmbeddingsV3Model(config).state_dict().items()}
    base = {}
    for name, shape in shapes.items():
        noise = torch.randn(shape, generator=generator)
        base[name] = 1.0 + 0.1 * noise if "LayerNorm" in name or "layernorm" in name else 0.2 * noise
    lora = {}
    for module, (rows, cols) in _adapted_shapes(config).items():
        if module in EMBEDDINGS:  # A (T, vocab, r), B (T, r, dim)
            a, b = torch.randn(5, rows, RANK, generator=generator), torch.randn(5, RANK, cols, generator=generator)
        else:  # A (T, r, in), B (T, out, r)
            a, b = torch.randn(5, RANK, cols, generator=generator), torch.randn(5, rows, RANK, generator=generator)
        lora[module] = (0.5 * a, 0.5 * b)
    return TinyJina(config, tokenizer, base, lora)


def _adapted_shapes(config) -> dict[str, tuple[int, int]]:
    """Original module name -> weight shape (rows, cols) of every adapted module."""
    shapes = {
        "embeddings.word_embeddings": (config.vocab_size, HIDDEN),
        "embeddings.token_type_embeddings": (config.type_vocab_size, HIDDEN),
        "pooler.dense": (HIDDEN, HIDDEN),
    }
    for i in range(LAYERS):
        shapes[f"encoder.layers.{i}.mixer.Wqkv"] = (3 * HIDDEN, HIDDEN)
        shapes[f"encoder.layers.{i}.mixer.out_proj"] = (HIDDEN, HIDDEN)
        shapes[f"encoder.layers.{i}.mlp.fc1"] = (INTERMEDIATE, HIDDEN)
        shapes[f"encoder.layers.{i}.mlp.fc2"] = (HIDDEN, INTERMEDIATE)
    return shapes


def _original_base(tiny: TinyJina) -> dict[str, torch.Tensor]:
    """The base weights under the original checkpoint's names (adapted weights as parametrizations)."""
    b = tiny.base
    out = {
        "emb_ln.weight": b["embeddings.LayerNorm.weight"],
        "emb_ln.bias": b["embeddings.LayerNorm.bias"],
        "pooler.dense.bias": b["pooler.dense.bias"],
    }
    adapted = {module: b[f"{module}.weight"] for module in EMBEDDINGS}
    adapted["pooler.dense"] = b["pooler.dense.weight"]
    for i in range(LAYERS):
        old, new = f"encoder.layers.{i}", f"layers.{i}"
        qkv = [f"{new}.self_attn.{p}_proj" for p in "qkv"]
        adapted[f"{old}.mixer.Wqkv"] = torch.cat([b[f"{name}.weight"] for name in qkv])
        out[f"{old}.mixer.Wqkv.bias"] = torch.cat([b[f"{name}.bias"] for name in qkv])
        for original, native in LINEARS:
            adapted[f"{old}.{original}"] = b[f"{new}.{native}.weight"]
            out[f"{old}.{original}.bias"] = b[f"{new}.{native}.bias"]
        for original, native in (("norm1", "post_attention_layernorm"), ("norm2", "post_mlp_layernorm")):
            out[f"{old}.{original}.weight"] = b[f"{new}.{native}.weight"]
            out[f"{old}.{original}.bias"] = b[f"{new}.{native}.bias"]
    for module, weight in adapted.items():
        out[f"{module}.parametrizations.weight.original"] = weight
        a, lora_b = tiny.lora[module]
        out[f"{module}.parametrizations.weight.0.lora_A"] = a
        out[f"{module}.parametrizations.weight.0.lora_B"] = lora_b
    return {f"roberta.{k}": v.contiguous() for k, v in out.items()}


def write_original(tiny: TinyJina, folder: Path) -> Path:
    """The original layout: ``XLMRobertaLoRA`` config and one safetensors file with stacked adapters."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["XLMRobertaLoRA"],
        "auto_map": {
            "AutoConfig": "jinaai/xlm-roberta-flash-implementation--configuration_xlm_roberta.XLMRobertaFlashConfig",
            "AutoModel": "jinaai/xlm-roberta-flash-implementation--modeling_lora.XLMRobertaLoRA",
        },
        "model_type": "xlm-roberta",
        "vocab_size": tiny.config.vocab_size,
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "hidden_act": "gelu",
        "max_position_embeddings": POSITIONS,
        "type_vocab_size": 1,
        "layer_norm_eps": 1e-5,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "position_embedding_type": "rotary",
        "rotary_emb_base": 20000.0,
        "use_flash_attn": True,
        "load_trained_adapters": True,
        "lora_adaptations": list(TASKS),
        "lora_rank": RANK,
        "lora_alpha": ALPHA,
        "lora_dropout_p": 0.0,
        "lora_main_params_trainable": False,
        "task_instructions": INSTRUCTIONS,
        "torch_dtype": "float32",
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    save_file(_original_base(tiny), str(folder / "model.safetensors"))
    tiny.tokenizer.save_pretrained(folder)
    return folder


def write_hf(tiny: TinyJina, folder: Path, tasks: tuple[str, ...] = TASKS) -> Path:
    """The -hf layout: native weights and one PEFT adapter folder per task (underscored names)."""
    from transformers import JinaEmbeddingsV3Model

    model = JinaEmbeddingsV3Model(tiny.config)
    model.load_state_dict(tiny.base)
    model.save_pretrained(folder)
    tiny.tokenizer.save_pretrained(folder)
    for task in tasks:
        _write_peft_adapter(tiny, task, folder / ADAPTER_FOLDERS[TASKS.index(task)])
    return folder


def _write_peft_adapter(tiny: TinyJina, task: str, folder: Path) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import JinaEmbeddingsV3Model

    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "fc1", "fc2", "word_embeddings", "token_type_embeddings"]
    lora_config = LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0, target_modules=targets)
    peft_model = get_peft_model(JinaEmbeddingsV3Model(tiny.config), lora_config)
    params = dict(peft_model.named_parameters())
    t = TASKS.index(task)

    def put(native: str, kind: str, value: torch.Tensor) -> None:
        suffix = {"A": "lora_A.default.weight", "B": "lora_B.default.weight"}.get(kind, kind)
        params[f"base_model.model.{native}.{suffix}"].data.copy_(value)

    for module in EMBEDDINGS:  # PEFT stores an embedding's delta as (B @ A).T: A (r, vocab), B (dim, r)
        a, b = tiny.lora[module]
        put(module, "lora_embedding_A.default", a[t].T)
        put(module, "lora_embedding_B.default", b[t].T)
    for i in range(LAYERS):
        a, b = tiny.lora[f"encoder.layers.{i}.mixer.Wqkv"]
        for part, rows in zip("qkv", b[t].chunk(3), strict=True):
            put(f"layers.{i}.self_attn.{part}_proj", "A", a[t])
            put(f"layers.{i}.self_attn.{part}_proj", "B", rows)
        for original, native in LINEARS:
            a, b = tiny.lora[f"encoder.layers.{i}.{original}"]
            put(f"layers.{i}.{native}", "A", a[t])
            put(f"layers.{i}.{native}", "B", b[t])
    peft_model.save_pretrained(folder)


def merged_state_dict(tiny: TinyJina, task: str | None) -> dict[str, torch.Tensor]:
    """Native weights with ``task``'s adapter merged by the formula (``None``: the base weights)."""
    state = {k: v.clone() for k, v in tiny.base.items()}
    if task is None:
        return state
    t = TASKS.index(task)
    for module, (a, b) in tiny.lora.items():
        if module in EMBEDDINGS:
            state[f"{module}.weight"] += SCALING * a[t] @ b[t]  # E + s * A[t] @ B[t]
            continue
        delta = SCALING * b[t] @ a[t]  # W + s * B[t] @ A[t]
        if module.endswith("mixer.Wqkv"):
            layer = module.replace("encoder.layers", "layers").removesuffix(".mixer.Wqkv")
            for part, rows in zip("qkv", delta.chunk(3), strict=True):
                state[f"{layer}.self_attn.{part}_proj.weight"] += rows
            continue
        native = module.replace("encoder.layers", "layers").replace("mixer.out_proj", "self_attn.o_proj")
        state[f"{native}.weight"] += delta
    return state


def reference_embeddings(tiny: TinyJina, texts: list[str], task: str | None) -> np.ndarray:
    """Mean-pooled, L2-normalised vectors of ``prefix + text`` from a plain native model with merged weights."""
    from transformers import JinaEmbeddingsV3Model

    model = JinaEmbeddingsV3Model(tiny.config).eval()
    model.load_state_dict(merged_state_dict(tiny, task))
    prefix = INSTRUCTIONS[task] if task else ""
    vectors = []
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([tiny.tokenizer(prefix + text)["input_ids"]])
            hidden = model(input_ids=ids).last_hidden_state[0].mean(dim=0)
            vectors.append(torch.nn.functional.normalize(hidden, dim=0).numpy())
    return np.stack(vectors)
