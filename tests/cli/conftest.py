"""Command-line tests search in-process unless a test asks for the background query process."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def no_background_process(monkeypatch):
    monkeypatch.setenv("LATECHUNK_NO_DAEMON", "1")
