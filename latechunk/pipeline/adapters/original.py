"""The original jina-embeddings-v3 checkpoint (``XLMRobertaLoRA``) loaded into transformers' native model.

The checkpoint stores every adapted weight as ``<module>.parametrizations.weight.original`` with
stacked adapters ``<module>.parametrizations.weight.0.lora_A`` / ``lora_B`` (leading dimension: one
entry per task of ``lora_adaptations``). Linear layers: ``A (T, r, in)``, ``B (T, out, r)``,
``W + s * B[t] @ A[t]``; embeddings: ``A (T, vocab, r)``, ``B (T, r, dim)``, ``E + s * A[t] @ B[t]``;
``s = lora_alpha / lora_rank``. ``mixer.Wqkv`` rows are q, k, v in that order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latechunk.errors import CheckpointError
from latechunk.pipeline.adapters.merged import LoraFactors, MergedLoraSwitcher
from latechunk.pipeline.adapters.names import task_order

_PREFIX = "roberta."
_ORIGINAL = ".parametrizations.weight.original"
_LORA = re.compile(r"^(?P<module>.+)\.parametrizations\.weight\.0\.lora_(?P<part>[AB])$")
_RENAMES = (
    (re.compile(r"^emb_ln(?=\.|$)"), "embeddings.LayerNorm"),
    (re.compile(r"^encoder\.layers\."), "layers."),
    (re.compile(r"\.mixer\.out_proj(?=\.|$)"), ".self_attn.o_proj"),
    (re.compile(r"\.norm1(?=\.|$)"), ".post_attention_layernorm"),
    (re.compile(r"\.norm2(?=\.|$)"), ".post_mlp_layernorm"),
)
_QKV = re.compile(r"\.mixer\.Wqkv(?=\.|$)")
_CONFIG_FIELDS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "max_position_embeddings",
    "type_vocab_size",
    "layer_norm_eps",
    "initializer_range",
    "pad_token_id",
    "bos_token_id",
    "eos_token_id",
)


def is_original_layout(names: list[str]) -> bool:
    """Whether tensor names are those of the original checkpoint (stacked LoRA parametrizations)."""
    return any(_LORA.match(name) for name in names)


def native_names(name: str) -> list[str]:
    """The native module or parameter name(s) of an original one; ``mixer.Wqkv`` gives q, k and v."""
    name = name.removeprefix(_PREFIX)
    for pattern, replacement in _RENAMES:
        name = pattern.sub(replacement, name)
    if _QKV.search(name):
        return [_QKV.sub(f".self_attn.{part}_proj", name) for part in "qkv"]
    return [name]


def native_config(config: Any):
    """A ``JinaEmbeddingsV3Config`` with the original config's sizes and rotary base."""
    from transformers import JinaEmbeddingsV3Config

    values = {key: getattr(config, key) for key in _CONFIG_FIELDS if getattr(config, key, None) is not None}
    theta = getattr(config, "rotary_emb_base", None) or JinaEmbeddingsV3Config.default_theta
    values["rope_parameters"] = {"rope_type": "default", "rope_theta": float(theta)}
    return JinaEmbeddingsV3Config(**values)


def read_checkpoint(files: list[Path]) -> tuple[dict[str, torch.Tensor], dict[str, dict[str, torch.Tensor]]]:
    """Base tensors under native names, and the stacked LoRA tensors ``{original module: {"A": .., "B": ..}}``."""
    from safetensors import safe_open

    base: dict[str, torch.Tensor] = {}
    lora: dict[str, dict[str, torch.Tensor]] = {}
    for file in files:
        with safe_open(str(file), framework="pt") as handle:
            for key in handle.keys():
                match = _LORA.match(key)
                if match:
                    lora.setdefault(match["module"], {})[match["part"]] = handle.get_tensor(key)
                    continue
                name = key[: -len(_ORIGINAL)] + ".weight" if key.endswith(_ORIGINAL) else key
                targets = native_names(name)
                tensor = handle.get_tensor(key)
                parts = tensor.chunk(len(targets), dim=0) if len(targets) > 1 else (tensor,)
                base.update(zip(targets, parts, strict=True))
    return base, lora


def lora_factors(model: nn.Module, lora: dict[str, dict[str, torch.Tensor]], tasks: int) -> list[LoraFactors]:
    """One ``LoraFactors`` per adapted native weight (modules the native model lacks are skipped)."""
    modules = dict(model.named_modules())
    factors = []
    for module_name, parts in sorted(lora.items()):
        if set(parts) != {"A", "B"}:
            raise CheckpointError(f"checkpoint has an incomplete LoRA pair for {module_name!r}")
        a, b = parts["A"].float(), parts["B"].float()
        if len(a) != tasks or len(b) != tasks:
            raise CheckpointError(f"LoRA of {module_name!r} holds {len(a)} tasks, the config lists {tasks}")
        targets = native_names(module_name)
        if not all(t in modules for t in targets):
            continue
        if isinstance(modules[targets[0]], nn.Embedding):
            pairs = [(a, b)]  # E + s * A[t] @ B[t]
        else:
            pairs = [(left, a) for left in b.chunk(len(targets), dim=1)]  # W + s * B[t] @ A[t]
        for target, (left, right) in zip(targets, pairs, strict=True):
            factors.append(LoraFactors(modules[target], left.contiguous(), right.contiguous()))
    return factors


def load_original(files: list[Path], config: Any, options: dict[str, Any]) -> tuple[nn.Module, MergedLoraSwitcher]:
    """The native model with the checkpoint's base weights, and a switcher that merges each task's deltas."""
    from transformers import JinaEmbeddingsV3Model

    base, lora = read_checkpoint(files)
    model, info = JinaEmbeddingsV3Model.from_pretrained(
        None,
        config=native_config(config),
        state_dict=base,
        output_loading_info=True,
        **{key: options[key] for key in ("dtype", "attn_implementation") if key in options},
    )
    missing = sorted(k for k in info["missing_keys"] if not k.startswith("pooler."))
    if missing:
        raise CheckpointError(f"the checkpoint lacks weights of the native model: {', '.join(missing[:5])}")
    tasks = task_order(config)
    factors = lora_factors(model, lora, len(tasks))
    if not factors:
        raise CheckpointError("the checkpoint's LoRA tensors match no layer of the native model")
    rank = factors[0].left.shape[-1]
    scaling = float(getattr(config, "lora_alpha", 1) or 1) / float(getattr(config, "lora_rank", rank) or rank)
    return model, MergedLoraSwitcher(tasks, factors, scaling)
