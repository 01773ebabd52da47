"""Ray stays out of the core: ``import latechunk`` and the command line's parser never load it."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.integration
def test_core_does_not_import_ray():
    code = (
        "import sys, latechunk, latechunk.cli; from latechunk.late_chunker import LateChunker; "
        "latechunk.cli.build_parser(); print('ray' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
