"""No import circle in latechunk: neither between modules nor between its top-level subpackages (lazy imports
inside functions count too). import-linter's contracts in pyproject.toml hold the layers; this holds the rest,
with grimp's own graph queries."""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp", reason="import-linter (the test extra) installs grimp")


def _graph():
    return grimp.build_graph("latechunk", cache_dir=None)


def modules_in_cycles(graph) -> list[str]:
    """Modules that import a module which imports them back, directly or through others."""
    return sorted(
        {
            module
            for module in graph.modules
            for imported in graph.find_modules_directly_imported_by(module)
            if graph.chain_exists(importer=imported, imported=module)
        }
    )


def test_no_module_imports_itself_through_others():
    assert not modules_in_cycles(_graph())


def test_no_two_subpackages_import_each_other():
    # the imports whose removal would leave latechunk's children (each with its descendants) acyclic: none
    assert not _graph().nominate_cycle_breakers("latechunk")


def test_both_checks_find_an_added_cycle():
    graph = _graph()
    graph.add_import(importer="latechunk.errors", imported="latechunk.cli.search")
    assert "latechunk.errors" in modules_in_cycles(graph)
    assert graph.nominate_cycle_breakers("latechunk")
