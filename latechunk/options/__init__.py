"""Command-line building shared by every command (``latechunk index/search/serve/eval``), below the doors:
options derived from ``LateChunkerSettings``, value types, and the error a command reports."""

from __future__ import annotations

from latechunk.options.errors import CommandError
from latechunk.options.settings import OMITTED, add_setting_option, given_settings, task_option
from latechunk.options.values import nonnegative_int, positive_int

__all__ = [
    "OMITTED",
    "CommandError",
    "add_setting_option",
    "given_settings",
    "nonnegative_int",
    "positive_int",
    "task_option",
]
