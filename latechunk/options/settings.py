"""Command-line options derived from ``LateChunkerSettings``: one ``--name`` per setting, and what was given."""

from __future__ import annotations

import argparse
import typing
from typing import Any

from latechunk.chunkers import CHUNKERS
from latechunk.defaults import MERGE_RULES
from latechunk.options.values import nonnegative_int, positive_int
from latechunk.settings import LateChunkerSettings, setting_fields

NO_TASK = "none"
"""What a ``--task`` option says for no task."""
OMITTED = ("token", "show_progress_bar")
"""Settings with no option: the token comes from HF_TOKEN, and each command shows its own progress."""


def add_setting_option(
    group: Any, f: Any, *, default: Any, help_suffix: str = "", extra_chunkers: tuple[str, ...] = ()
) -> None:
    """``--name`` for the ``LateChunkerSettings`` field ``f``: its help, and a type, choices or on/off flag
    from its annotation; ``extra_chunkers`` are further choices of ``--chunker``."""
    hint = typing.get_type_hints(LateChunkerSettings)[f.name]
    help_text = (f.metadata["help"] + help_suffix).replace("%", "%%")
    options: dict[str, Any] = {"dest": f.name, "default": default, "help": help_text}
    allowed = set(typing.get_args(hint)) or {hint}
    if f.name == "chunker":
        options["choices"] = sorted(CHUNKERS) + list(extra_chunkers)
    elif f.name == "merge":
        options["choices"] = MERGE_RULES
    elif bool in allowed:
        options["action"] = argparse.BooleanOptionalAction
    elif int in allowed:
        options["type"] = nonnegative_int if f.name == "overlap" else positive_int
    group.add_argument("--" + f.name.replace("_", "-"), **options)


def task_option(raw: str | None, default: str | None) -> str | None:
    """The task a ``--task`` value names: ``default`` when left out, ``None`` for ``none``."""
    if raw is None:
        return default
    return None if raw.strip().lower() == NO_TASK else raw


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gave (options left out are absent)."""
    given = {f.name: getattr(args, f.name, None) for f in setting_fields() if f.name not in OMITTED}
    given = {name: value for name, value in given.items() if value is not None}
    if "task" in given:
        given["task"] = task_option(given["task"], None)
    return given
