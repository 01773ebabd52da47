"""Known model families: their tasks, instruction prefixes and context windows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from latechunk.types import UnknownTaskError

TASKS = ("retrieval.query", "retrieval.passage", "separation", "classification", "text-matching")

JINA_V3_INSTRUCTIONS = {
    "retrieval.query": "Represent the query for retrieving evidence documents: ",
    "retrieval.passage": "Represent the document for retrieval: ",
    "separation": "",
    "classification": "",
    "text-matching": "",
}


def normalize_task(task: str | None) -> str | None:
    """Accept both spellings of a task name: ``retrieval.query`` and ``retrieval_query``."""
    if task is None:
        return None
    if not isinstance(task, str):
        raise TypeError(f"task must be a string or None, got {type(task).__name__}")
    spelled = task.strip().lower().replace("_", ".")
    return "text-matching" if spelled in ("text.matching", "text-matching") else spelled


@dataclass(frozen=True)
class Family:
    """Settings of one model family.

    ``prefixes`` maps each task the family knows to the instruction prepended once per document
    (empty string: the task exists but has no prefix).
    """

    name: str
    prefixes: dict[str, str] = field(default_factory=dict)
    max_length: int | None = None
    has_task_adapters: bool = False

    def prefix(self, task: str | None) -> str:
        task = normalize_task(task)
        if task is None:
            return ""
        if task not in self.prefixes:
            raise UnknownTaskError(
                f"model family {self.name!r} has no task {task!r}; valid tasks: {', '.join(self.prefixes)} (or None)"
            )
        return self.prefixes[task]

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.prefixes)


_SYMMETRIC = {"retrieval.query": "", "retrieval.passage": ""}

FAMILIES: dict[str, Family] = {
    "jina-embeddings-v3": Family(
        "jina-embeddings-v3", dict(JINA_V3_INSTRUCTIONS), max_length=8192, has_task_adapters=True
    ),
    "jina-embeddings-v2": Family("jina-embeddings-v2", dict(_SYMMETRIC), max_length=8192),
    "nomic-embed-text": Family(
        "nomic-embed-text",
        {
            "retrieval.query": "search_query: ",
            "retrieval.passage": "search_document: ",
            "classification": "classification: ",
            "separation": "clustering: ",
        },
        max_length=8192,
    ),
    "e5": Family(
        "e5",
        {"retrieval.query": "query: ", "retrieval.passage": "passage: ", "text-matching": "query: "},
    ),
    "bge-m3": Family("bge-m3", dict(_SYMMETRIC), max_length=8192),
    "all-minilm": Family("all-minilm", dict(_SYMMETRIC)),
    "generic": Family("generic", dict(_SYMMETRIC)),
}

# (substring of the lower-cased model id or path, family); first match wins.
_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("jina-embeddings-v3", "jina-embeddings-v3"),
    ("jina-embeddings-v2", "jina-embeddings-v2"),
    ("nomic-embed-text", "nomic-embed-text"),
    ("bge-m3", "bge-m3"),
    ("minilm", "all-minilm"),
    ("e5-", "e5"),
)
_MODEL_TYPE_HINTS = {
    "jina_embeddings_v3": "jina-embeddings-v3",
    "nomic_bert": "nomic-embed-text",
}


def detect_family(model_id: str, config: Any) -> Family:
    """Pick the family from the model's config, then from its name; unknown models are generic."""
    base = FAMILIES[_MODEL_TYPE_HINTS.get(getattr(config, "model_type", ""), "generic")]
    if base.name == "generic" and getattr(config, "lora_adaptations", None):
        base = FAMILIES["jina-embeddings-v3"]  # the original layout: model_type "xlm-roberta", task LoRA listed
    if base.name == "generic":
        name = str(model_id).lower()
        for hint, family in _NAME_HINTS:
            if hint in name:
                base = FAMILIES[family]
                break
    instructions = getattr(config, "task_instructions", None)
    if isinstance(instructions, dict) and instructions:
        prefixes = {normalize_task(k) or k: (v or "") for k, v in instructions.items()}
        base = Family(base.name, prefixes, base.max_length, base.has_task_adapters)
    return base
