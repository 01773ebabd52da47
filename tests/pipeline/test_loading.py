"""Loading a model: no per-tensor progress bar on stderr."""

from __future__ import annotations

import pytest

from latechunk.pipeline import loading

pytestmark = pytest.mark.integration


def test_loading_weights_shows_no_progress_bar(minilm_path, capfd):
    loading._load(loading.LoadSettings(model=minilm_path, device="cpu"))  # uncached: the weights really load
    assert "Loading weights" not in capfd.readouterr().err
