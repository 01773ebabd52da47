"""The background query process's socket names one installation, whatever interpreter file started the search."""

from __future__ import annotations

import shutil
import sys

from latechunk.cli import daemon_client


def test_the_socket_is_the_same_for_every_interpreter_file_of_one_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(daemon_client.RUNTIME_VARIABLE, str(tmp_path / "run"))
    first = daemon_client.socket_path()
    copy = tmp_path / "venv" / "bin" / "python3"  # a venv made with --copies: python and python3 are two files
    copy.parent.mkdir(parents=True)
    shutil.copy(sys.executable, copy)
    monkeypatch.setattr(sys, "executable", str(copy))
    assert daemon_client.socket_path() == first
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "another-environment"))
    assert daemon_client.socket_path() != first  # another environment is another installation
