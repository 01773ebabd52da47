"""The ``latechunk`` command line: index a folder, search it, re-index, bad files, settings checks, output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from latechunk.cli import main
from latechunk.cli.output import print_results
from latechunk.pipeline.loading import LoadSettings, load_model
from latechunk.store import Hit, Store

REPO = Path(__file__).resolve().parents[2]

COMET_PAGES = [
    "Comets are small icy bodies that travel around the Sun on long, stretched orbits. "
    "Far from the Sun a comet is a frozen nucleus of ice, dust and rock only a few kilometres across.",
    "When it comes close to the Sun, it warms up and releases gas and dust. "
    "Sunlight and the solar wind push this material into two long tails that point away from the Sun.",
]
TEA = (
    "# Brewing green tea\n\nGreen tea tastes best when the water is not boiling. Let the kettle cool to about "
    "eighty degrees Celsius before pouring.\n\nSteep the leaves for two to three minutes. It turns bitter "
    "when steeped too long or brewed with water that is too hot.\n"
)
TRAINS = (
    "The first steam locomotives ran on railways in England in the early nineteenth century. "
    "A steam locomotive burns coal to boil water, and the steam pushes pistons that turn the driving wheels.\n\n"
    "It needed frequent stops to take on water and coal, so stations grew along every line. "
    "Railways soon carried goods and passengers faster than canals or horse-drawn coaches ever had."
)
PENGUINS = (
    "Emperor penguins breed during the Antarctic winter. The male keeps the single egg warm on his feet "
    "for about two months while the female feeds at sea. It does not eat during that whole time."
)
BROKEN_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nthis is not a real pdf\n"


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page."""
    n = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {n} >>"]
    for i, text in enumerate(pages):
        stream = f"BT /F1 10 Tf 20 720 Td ({text}) Tj ET"
        resources = f"<< /Font << /F1 {3 + 2 * n} 0 R >> >>"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 2000 792] /Contents {4 + 2 * i} 0 R /Resources {resources} >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "comets.pdf").write_bytes(make_pdf(COMET_PAGES))
    (folder / "tea.md").write_text(TEA, encoding="utf-8")
    (folder / "trains.txt").write_text(TRAINS, encoding="utf-8")
    return folder


@pytest.fixture
def cli(capsys):
    """Run ``main`` in-process (sharing the loaded model); returns (exit status, stdout, stderr)."""

    def run(*argv: object) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def search_json(cli, store: Path, query: str, k: int = 5, *options: object) -> list[dict]:
    code, out, err = cli("search", query, "--store", store, "-k", k, "--json", *options)
    assert code == 0, err
    return json.loads(out)


def forward_calls() -> int:
    return load_model(LoadSettings()).forward_calls


def test_index_then_search_finds_the_expected_file_first(cli, docs, tmp_path):
    store = tmp_path / "store"
    code, out, err = cli("index", docs, "--store", store)
    assert code == 0, err
    assert "indexed 3 file(s)" in out

    assert Path(search_json(cli, store, "Why does a comet grow tails near the Sun?")[0]["file"]).name == "comets.pdf"
    assert Path(search_json(cli, store, "How hot should the water be for green tea?")[0]["file"]).name == "tea.md"
    hits = search_json(cli, store, "What made steam engines move?")
    assert Path(hits[0]["file"]).name == "trains.txt"
    for hit in search_json(cli, store, "anything", 50):  # offsets point into the file's text
        path = Path(hit["file"])
        text = "\f".join(COMET_PAGES) if path.suffix == ".pdf" else path.read_text(encoding="utf-8")
        assert text[hit["start"] : hit["end"]] == hit["text"]
        assert text[: hit["start"]].endswith(hit["context_before"])
        assert text[hit["end"] :].startswith(hit["context_after"])


def test_json_output_parses_with_the_documented_keys(cli, docs, tmp_path):
    store = tmp_path / "store"
    assert cli("index", docs, "--store", store)[0] == 0
    hits = search_json(cli, store, "tea leaves", 2)
    assert len(hits) == 2
    keys = {"file", "start", "end", "score", "text", "context_before", "context_after", "meta"}
    assert all(set(hit) == keys for hit in hits)
    assert hits[0]["score"] >= hits[1]["score"]
    assert all(isinstance(hit["score"], float) and -1.0 <= hit["score"] <= 1.0 + 1e-6 for hit in hits)


def test_plain_output_when_piped(cli, docs, tmp_path):
    store = tmp_path / "store"
    assert cli("index", docs, "--store", store)[0] == 0
    code, out, _ = cli("search", "How long should green tea steep?", "--store", store, "-k", 2)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("1. score ") and "tea.md:" in lines[0]
    assert "[" in lines[1] and "]" in lines[1] and "\x1b[" not in out
    assert sum(line.startswith(("1. ", "2. ")) for line in lines) == 2


def test_rich_output_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    hit = Hit("/x/notes.md", 10, 30, 0.75, "the chunk [text]", "before ", " after")
    print_results([hit], stream=stream)
    shown = stream.getvalue()
    assert "\x1b[" in shown  # styled
    assert "notes.md" in shown and "score 0.7500" in shown and "the chunk [text]" in shown


def test_reindex_skips_unchanged_replaces_changed_and_drops_removed(cli, docs, tmp_path):
    store = tmp_path / "store"
    assert cli("index", docs, "--store", store, "--chunk-size", 24)[0] == 0  # small chunks: several per file
    old_chunks = len(search_json(cli, store, "steam locomotive", 50))
    before = forward_calls()
    code, out, _ = cli("index", docs, "--store", store)
    assert code == 0 and "indexed 0 file(s)" in out and "3 unchanged" in out
    assert forward_calls() == before  # nothing re-embedded

    (docs / "trains.txt").write_text(PENGUINS, encoding="utf-8")
    code, out, _ = cli("index", docs, "--store", store)
    assert code == 0 and "indexed 1 file(s)" in out and "2 unchanged" in out
    assert Path(search_json(cli, store, "Which bird keeps its egg warm on its feet?")[0]["file"]).name == "trains.txt"
    hits = search_json(cli, store, "steam locomotive", 50)
    trains = [h for h in hits if h["file"].endswith("trains.txt")]
    assert len(hits) < old_chunks and trains and all("locomotive" not in h["text"] for h in trains)
    assert "".join(h["text"] for h in sorted(trains, key=lambda h: h["start"])).replace(" ", "") == PENGUINS.replace(
        " ", ""
    )

    (docs / "tea.md").unlink()
    code, out, _ = cli("index", docs, "--store", store)
    assert code == 0 and "1 removed" in out
    assert not [h for h in search_json(cli, store, "green tea", 50) if h["file"].endswith("tea.md")]


def test_unreadable_files_are_reported_and_the_rest_indexed(cli, docs, tmp_path):
    (docs / "broken.pdf").write_bytes(BROKEN_PDF)
    (docs / "nul.txt").write_bytes(b"\0\0\0\0")
    (docs / "ignored.docx").write_bytes(b"not a supported type")
    store = tmp_path / "store"
    code, out, err = cli("index", docs, tmp_path / "missing.txt", "--store", store)
    assert code == 0
    assert "indexed 3 file(s)" in out and "3 skipped" in out
    assert "broken.pdf" in err and "nul.txt: no text" in err and "missing.txt: no such file" in err
    assert "ignored.docx" not in err + out
    files = {Path(h["file"]).name for h in search_json(cli, store, "comet tea train", 50)}
    assert files == {"comets.pdf", "tea.md", "trains.txt"}
    code, out, err = cli("index", docs, "--store", store)  # a failed file is tried again, never marked done
    assert "3 unchanged" in out and "broken.pdf" in err


def test_nothing_readable_is_an_error(cli, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(BROKEN_PDF)
    code, _, err = cli("index", folder, "--store", tmp_path / "store")
    assert code == 1 and "no document could be read" in err
    code, _, err = cli("index", tmp_path / "empty-nothing-here", "--store", tmp_path / "store")
    assert code == 1 and "found no documents" in err


def test_dimension_and_model_mismatch_are_refused(cli, docs, tmp_path):
    store = tmp_path / "store"
    assert cli("index", docs, "--store", store)[0] == 0
    code, out, err = cli("search", "comets", "--store", store, "--dimensions", 128)
    assert code == 1 and out == ""
    assert "384-dimensional" in err and "128" in err and "--dimensions" in err
    code, _, err = cli("search", "comets", "--store", store, "--model", "intfloat/e5-small-v2")
    assert code == 1 and "all-MiniLM-L6-v2" in err and "e5-small-v2" in err
    code, _, err = cli("index", docs, "--store", store, "--dimensions", 128)
    assert code == 1 and "384-dimensional" in err
    with Store.open(str(store), create=False) as opened:
        assert opened.settings().dimension == 384

    small = tmp_path / "small"
    assert cli("index", docs, "--store", small, "--dimensions", 128)[0] == 0
    assert len(search_json(cli, small, "comets", 3)) == 3  # the store's 128 dimensions are used
    code, _, err = cli("search", "comets", "--store", small, "--dimensions", 384)
    assert code == 1 and "128-dimensional" in err


def test_search_without_a_store_says_so(cli, tmp_path):
    code, out, err = cli("search", "anything", "--store", tmp_path / "nowhere")
    assert code == 1 and out == "" and "no store at" in err and "latechunk index" in err
    assert not (tmp_path / "nowhere").exists()


def test_readme_quickstart_with_the_installed_command(cli, tmp_path):
    store = tmp_path / "store"
    code, out, err = cli("index", REPO / "examples" / "docs", "--store", store)
    assert code == 0 and "0 skipped" in out, err
    script = Path(sys.executable).with_name("latechunk")
    assert script.exists(), "install the package: pip install -e ."
    query = "Who invented the lighthouse lens, and how is it built?"
    result = subprocess.run(
        [str(script), "search", query, "--store", str(store), "-k", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert [Path(h["file"]).name for h in hits][0] == "lighthouses.txt"
    document = (REPO / "examples" / "docs" / "lighthouses.txt").read_text(encoding="utf-8")
    paragraph_start = document.rfind("\n\n", 0, hits[0]["start"]) + 2
    paragraph_end = document.find("\n\n", hits[0]["end"])
    assert "Fresnel" in document[paragraph_start:paragraph_end]  # the paragraph about the lens


def test_many_small_files_are_embedded_in_few_model_calls(cli, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(60):
        (folder / f"note{i:02d}.txt").write_text(f"Note {i}: the meeting on day {i} moved to room {i + 100}.")
    before = forward_calls()
    code, out, err = cli("index", folder, "--store", tmp_path / "store")
    assert code == 0 and "indexed 60 file(s) (60 chunks)" in out, err
    assert forward_calls() - before <= 3  # one chunk_and_embed call: 60 one-window documents, 32 per batch
    hits = search_json(cli, tmp_path / "store", "Which room was the meeting on day 17 in?", 3)
    assert Path(hits[0]["file"]).name == "note17.txt" and hits[0]["text"].startswith("Note 17:")
