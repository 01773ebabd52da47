"""How a search result says where its chunk lies: pages and heading path, compactly."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("meta", "shown"),
    [
        ({}, ""),
        ({"headings": []}, ""),
        ({"headings": ["Canals", "Water Supply"]}, "› Canals › Water Supply"),
        ({"page_number": 3, "page_end": 3, "headings": []}, "p. 3"),
        ({"page_number": 3, "page_end": 4, "headings": ["Intro", "Two\nlines"]}, "pp. 3-4 › Intro › Two lines"),
    ],
)
def test_the_location_in_a_result_line_is_compact(meta, shown):
    from latechunk.cli.output import location

    assert location(meta) == shown
