"""No import circle in latechunk: neither between modules nor between its top-level subpackages (lazy imports
inside functions count too). import-linter's contracts in pyproject.toml hold the layers; this holds the rest."""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp", reason="import-linter (the test extra) installs grimp")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


@pytest.fixture(scope="module")
def module_edges() -> dict[str, set[str]]:
    graph = grimp.build_graph("latechunk", cache_dir=None)
    return {m: set(graph.find_modules_directly_imported_by(m)) & graph.modules for m in graph.modules}


def test_no_module_imports_itself_through_others(module_edges):
    assert not _cycles(module_edges)


def test_no_two_subpackages_import_each_other(module_edges):
    tops: dict[str, set[str]] = {}
    for module, imported in module_edges.items():
        tops.setdefault(_top(module), set()).update(_top(m) for m in imported if _top(m) != _top(module))
    for imported in list(tops.values()):
        for top in imported:
            tops.setdefault(top, set())
    assert not _cycles(tops)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
