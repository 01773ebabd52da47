"""Command-line options derived from LateChunkerSettings, shared by every command."""

from __future__ import annotations

import argparse

import pytest

from latechunk.options import OMITTED, add_setting_options, given_settings, task_option
from latechunk.settings import setting_fields


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_setting_options(parser, tuple(f.name for f in setting_fields() if f.name not in OMITTED))
    return parser


@pytest.mark.parametrize(("raw", "task"), [(None, "retrieval.query"), ("none", None), (" None ", None), ("x", "x")])
def test_none_means_no_task_and_left_out_the_default(raw, task):
    assert task_option(raw, "retrieval.query") == task


def test_only_the_settings_given_are_given():
    args = _parser().parse_args(["--merge", "center", "--overlap", "0", "--task", "none", "--no-repeat-prefix"])
    assert given_settings(args) == {"merge": "center", "overlap": 0, "task": None, "repeat_prefix": False}


@pytest.mark.parametrize(
    "argv",
    [["--overlap", "-1"], ["--chunk-size", "0"], ["--merge", "sum"], ["--chunker", "words"], ["--dimensions", "x"]],
)
def test_values_the_settings_refuse_are_refused_by_argparse(argv, capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(argv)
    assert argv[0] in capsys.readouterr().err
