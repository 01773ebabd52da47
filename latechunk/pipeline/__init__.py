"""Model loading, tokenization with offsets, windowed encoding and span pooling."""

from latechunk.pipeline.encoder import Encoder, EncodeRequest, WindowSettings
from latechunk.pipeline.families import FAMILIES, TASKS, Family, detect_family, normalize_task
from latechunk.pipeline.loading import DEFAULT_MODEL, LoadedModel, LoadSettings, load_model
from latechunk.pipeline.tokenization import TokenizedText, tokenize
from latechunk.pipeline.windows import MERGE_RULES, Window, plan_windows

__all__ = [
    "DEFAULT_MODEL",
    "FAMILIES",
    "MERGE_RULES",
    "TASKS",
    "EncodeRequest",
    "Encoder",
    "Family",
    "LoadSettings",
    "LoadedModel",
    "TokenizedText",
    "Window",
    "WindowSettings",
    "detect_family",
    "load_model",
    "normalize_task",
    "plan_windows",
    "tokenize",
]
