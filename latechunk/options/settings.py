"""Command-line options derived from ``LateChunkerSettings``: one ``--name`` per setting, and what was given."""

from __future__ import annotations

import argparse
import typing
from collections.abc import Mapping
from typing import Any

from latechunk.options.values import at_least
from latechunk.settings import setting_choices, setting_fields, setting_hints

NO_TASK = "none"
"""What a ``--task`` option says for no task."""
OMITTED = ("token", "show_progress_bar")
"""Settings with no option: the token comes from HF_TOKEN, and each command shows its own progress."""


def add_setting_option(
    group: Any, f: Any, *, default: Any, help_suffix: str = "", extra_chunkers: tuple[str, ...] = ()
) -> None:
    """``--name`` for the ``LateChunkerSettings`` field ``f``: its help, and from its declaration a type (an
    integer of at least its ``minimum``), choices (a ``Literal``, or the chunker names plus ``extra_chunkers``)
    or an on/off flag (a ``bool``)."""
    hint = setting_hints()[f.name]
    help_text = (f.metadata["help"] + help_suffix).replace("%", "%%")
    options: dict[str, Any] = {"dest": f.name, "default": default, "help": help_text}
    allowed = set(typing.get_args(hint)) or {hint}
    if f.name == "chunker":
        from latechunk.chunkers import CHUNKERS

        options["choices"] = sorted(CHUNKERS) + list(extra_chunkers)
    elif setting_choices(f.name) is not None:
        options["choices"] = setting_choices(f.name)
    elif bool in allowed:
        options["action"] = argparse.BooleanOptionalAction
    elif "minimum" in f.metadata:
        options["type"] = at_least(f.metadata["minimum"])
    group.add_argument("--" + f.name.replace("_", "-"), **options)


def add_setting_options(group: Any, names: tuple[str, ...], defaults: Mapping[str, Any] | None = None) -> None:
    """``--name`` for each setting in ``names`` (``add_setting_option``), defaulting to ``defaults[name]`` (else
    ``None``: the Python API's default), which the help shows."""
    defaults = defaults or {}
    for f in setting_fields():
        if f.name in names:
            default = defaults.get(f.name)
            add_setting_option(
                group, f, default=default, help_suffix="" if default is None else f" (default: {default})"
            )


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
