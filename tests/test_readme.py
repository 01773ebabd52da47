"""Every code block of the README and of docs/*.md runs as written, so the guides cannot drift from the code.

How a fenced block is treated, decided by its language and by an HTML comment on the lines just above it:

- ``python`` blocks run in a fresh interpreter, ``bash`` blocks in bash (``-e -o pipefail``), one after
  another in the order of their page, in a temporary folder holding a copy of ``examples/``, with
  ``HF_HUB_OFFLINE=1``: a page is followed as a reader follows it, so a block sees the files the blocks
  above it wrote.
- ``<!-- not-run: REASON -->``: the block is not run; its test is skipped with the reason (a reason is
  required). Used for installs, GPUs, models only the Hub has, servers the test cannot start.
- ``<!-- run-without-pip: REASON -->``: a bash block whose ``pip`` commands are replaced by a no-op (the
  test's environment has the packages); everything else in it runs.
- ``<!-- output -->`` before a ``text`` block: what the runnable block above it prints on stdout. Each
  line shown must appear in that output, in order; numbers with a decimal point may differ by 0.002.
- ``text`` blocks without a marker are illustrations, not code. Any other language is refused, so that
  no code escapes the test.

A block that talks to ``localhost:8080`` gets a real ``latechunk serve`` on a free port instead: the
page's own ``latechunk serve ...`` line is started in the background with that port, and the block runs
with the port substituted. Each page's background query process (``latechunk search``) is private to the
test and stopped after the page.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
RUNNABLE = ("python", "bash")
ILLUSTRATION = "text"
MARKER = re.compile(r"^<!--\s*(not-run|run-without-pip|output)\s*(?::\s*(.*?))?\s*-->$")
FENCE = re.compile(r"^```(\S*)\s*$")
DOCUMENTED_PORT = "8080"
BLOCK_TIMEOUT_S = 300
PAGE_WORKERS = 2  # pages run side by side (each block is its own process), blocks of a page in order


@dataclass
class Block:
    page: Path
    line: int
    language: str
    code: str
    marker: str | None = None
    reason: str | None = None
    expected: str | None = None  # the <!-- output --> block that follows
    index: int = 0  # among the page's runnable blocks

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass
class Page:
    path: Path
    blocks: list[Block] = field(default_factory=list)  # in page order, every language
    errors: list[str] = field(default_factory=list)

    @property
    def runnable(self) -> list[Block]:
        return [b for b in self.blocks if b.language in RUNNABLE]


def parse(path: Path) -> Page:
    """The fenced blocks of a Markdown page with their markers; malformed markers become ``errors``."""
    page = Page(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    pending: tuple[str, str | None, int] | None = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        marker = MARKER.match(line)
        fence = FENCE.match(lines[i])
        if marker:
            pending = (marker.group(1), marker.group(2), i + 1)
        elif line.startswith("<!--") and re.search(r"not.?run|output|pip", line):
            page.errors.append(f"{path.name}:{i + 1}: unknown marker {line!r}")
        elif fence:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
            if end is None:
                page.errors.append(f"{path.name}:{i + 1}: unclosed code block")
                break
            block = Block(path, i + 1, fence.group(1), "\n".join(lines[i + 1 : end]) + "\n")
            if pending:
                block.marker, block.reason = pending[0], pending[1]
            attach(page, block)
            pending = None
            i = end
        elif line and pending:
            page.errors.append(f"{path.name}:{pending[2]}: a marker must stand right above a code block")
            pending = None
        i += 1
    for index, block in enumerate(page.runnable):
        block.index = index
    return page


def attach(page: Page, block: Block) -> None:
    """Add ``block`` to ``page``, checking its language and marker (an output block joins the block above)."""
    where = f"{page.path.name}:{block.line}"
    if block.language not in (*RUNNABLE, ILLUSTRATION):
        page.errors.append(f"{where}: language {block.language!r}; use python, bash or text")
    if block.marker in ("not-run", "run-without-pip") and not block.reason:
        page.errors.append(f"{where}: {block.marker} needs a reason")
    if block.marker == "run-without-pip" and not re.search(r"\bpip install\b", block.code):
        page.errors.append(f"{where}: run-without-pip on a block without pip install")
    if block.marker is None and block.language == "bash" and re.search(r"\bpip install\b", block.code):
        page.errors.append(f"{where}: a pip install block needs a not-run or run-without-pip marker")
    if block.marker == "output":
        runnable = [b for b in page.blocks if b.language in RUNNABLE]
        if block.language != ILLUSTRATION or not runnable or runnable[-1].marker == "not-run":
            page.errors.append(f"{where}: an output block is a text block after a block that runs")
        elif page.blocks[-1] is not runnable[-1] or runnable[-1].expected is not None:
            page.errors.append(f"{where}: an output block must follow its block directly")
        else:
            runnable[-1].expected = block.code
    page.blocks.append(block)


PARSED = [parse(path) for path in PAGES]
BLOCKS = [block for page in PARSED for block in page.runnable]


# --------------------------------------------------------------------------------------------- checks


def test_every_block_has_a_language_a_well_formed_marker_and_python_that_compiles():
    errors = [error for page in PARSED for error in page.errors]
    for block in BLOCKS:
        if block.language == "python":
            try:
                compile(block.code, block.name, "exec")
            except SyntaxError as error:
                errors.append(f"{block.name}: {error}")
    assert not errors, "\n".join(errors)
    assert len(BLOCKS) >= 20  # the parser found the pages' code


def test_the_readme_stays_a_short_guide():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 450


def anchors(text: str) -> set[str]:
    """GitHub's anchors of a page's headings."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    headings = re.findall(r"^#+\s+(.*)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_relative_links_lead_to_files_and_headings_that_exist():
    broken = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for link in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", link):
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.name}: {link} (no such file)")
            elif anchor and target.suffix == ".md" and anchor not in anchors(target.read_text(encoding="utf-8")):
                broken.append(f"{page.name}: {link} (no such heading)")
    assert not broken, "\n".join(broken)


def test_the_extras_table_lists_what_pyproject_installs():
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11 reads pyproject.toml")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.M)
    table = {name: {p.strip() for p in packages.split(",")} for name, packages in rows if name in extras}
    assert set(table) == set(extras)
    for name, requirements in extras.items():
        names = {re.match(r"[A-Za-z0-9_.\-]+(\[[^]]*\])?", r).group(0) for r in requirements}
        if name == "test":  # latechunk[every other extra], then the test tools
            [ours] = [n for n in names if n.startswith("latechunk[")]
            assert set(ours[len("latechunk[") : -1].split(",")) == set(extras) - {"test"}, ours
            names = {"all of the above"} | (names - {ours})
        assert table[name] == names, name


def test_the_settings_table_lists_every_setting():
    from latechunk.settings import setting_names

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `(\w+)` \|", text, flags=re.M)
    assert [name for name in listed if name in setting_names()] == list(setting_names())


# ------------------------------------------------------------------------------------------ running


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A ``latechunk serve`` started from a page's own command line, on a free port."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str]) -> None:
        self.port = str(free_port())
        command = command.replace(DOCUMENTED_PORT, self.port)
        self.log = (cwd / f"serve-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"], cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 180
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"{command} did not start: {(cwd / self.log.name).read_text()[-2000:]}")
            time.sleep(0.2)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Servers:
    """The servers the pages start, one per command line, shared by the pages; stopped at the end."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: dict[str, Server] = {}

    def port(self, command: str, folder: Path, env: dict[str, str]) -> str:
        with self.lock:
            if command not in self.running:
                self.running[command] = Server(command, folder, env)
            return self.running[command].port

    def stop(self) -> None:
        for server in self.running.values():
            server.stop()


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


class PageRun:
    """One page's blocks, run in order in one folder (a block may use what an earlier one wrote)."""

    def __init__(self, page: Page, folder: Path, servers: Servers) -> None:
        self.page = page
        self.folder = folder
        shutil.copytree(ROOT / "examples", folder / "examples", ignore=shutil.ignore_patterns("__pycache__"))
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_VERBOSITY": "error",
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "LATECHUNK_RUNTIME_DIR": str(folder / "run"),  # this page's own background query process
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("LATECHUNK_NO_DAEMON", None)
        self.results: dict[int, Result] = {}
        self.servers = servers
        self.lock = threading.Lock()

    def result(self, block: Block) -> Result:
        """``block``'s result, running it (and the page's blocks above it) unless done already."""
        with self.lock:
            for earlier in self.page.runnable[: block.index + 1]:
                if earlier.index not in self.results and earlier.marker != "not-run":
                    self.results[earlier.index] = self.run(earlier)
            return self.results.get(block.index)

    def run(self, block: Block) -> Result:
        code = block.code
        if f"localhost:{DOCUMENTED_PORT}" in code:
            code = self.with_server(code)
        if block.language == "python":
            command = [sys.executable, "-c", code]
        else:
            if block.marker == "run-without-pip":
                code = 'pip() { echo "(test: pip $* not run)" >&2; }\n' + code
            command = ["bash", "-e", "-o", "pipefail", "-c", code]
        done = subprocess.run(
            command, cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def with_server(self, code: str) -> str:
        """Start the server the page's ``latechunk serve`` line describes; the block's code for its port."""
        port = self.servers.port(serve_command(self.page), self.folder, self.env)
        lines = [line for line in code.splitlines() if not line.startswith("latechunk serve")]
        return "\n".join(lines).replace(f"localhost:{DOCUMENTED_PORT}", f"localhost:{port}") + "\n"

    def close(self) -> None:
        subprocess.run(
            ["latechunk", "search", "--stop"], cwd=self.folder, env=self.env, capture_output=True, timeout=60
        )


def serve_command(page: Page) -> str:
    """The ``latechunk serve`` command a page runs (else the README's), without ``&`` and comment."""
    for source in (page, PARSED[0]):
        for block in source.runnable:
            for line in block.code.splitlines():
                if line.startswith("latechunk serve") and block.marker != "not-run":
                    return line.split("#")[0].strip().rstrip("&").strip()
    raise AssertionError(f"{page.path.name}: a block calls localhost:{DOCUMENTED_PORT} but no page starts a server")


def estimated_cost(page: Page) -> int:
    """Blocks to run, a Ray block counting four (each starts a Ray instance): costly pages start first."""
    return sum(4 if "ray" in b.code else 1 for b in page.runnable if b.marker != "not-run")


@pytest.fixture(scope="module")
def page_runs(request, tmp_path_factory):
    """Each page with a selected block, run in the background, ``PAGE_WORKERS`` pages at a time."""
    selected = [
        item.callspec.params["block"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_block_runs_as_written"
    ]
    last: dict[Path, Block] = {}
    for block in selected:
        if block.marker != "not-run" and (block.page not in last or block.index > last[block.page].index):
            last[block.page] = block
    servers = Servers()
    runs = {
        page.path: PageRun(page, tmp_path_factory.mktemp(page.path.stem), servers)
        for page in PARSED
        if page.path in last
    }
    pool = ThreadPoolExecutor(PAGE_WORKERS)
    for path in sorted(runs, key=lambda path: -estimated_cost(runs[path].page)):
        pool.submit(runs[path].result, last[path])
    try:
        yield runs
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for run in runs.values():
            run.close()
        servers.stop()


NUMBER = re.compile(r"-?\d+\.\d+")


def same_line(expected: str, actual: str) -> bool:
    """Equal text, and equal numbers up to 0.002 where they have a decimal point."""
    if NUMBER.split(expected) != NUMBER.split(actual):
        return False
    pairs = zip(NUMBER.findall(expected), NUMBER.findall(actual), strict=True)
    return all(abs(float(a) - float(b)) <= 0.002 for a, b in pairs)


def missing_lines(expected: str, actual: str) -> list[str]:
    """The lines of ``expected`` not found in ``actual`` in order (empty when all are there)."""
    lines = [line.rstrip() for line in actual.splitlines()]
    position, missing = 0, []
    for wanted in (line.rstrip() for line in expected.splitlines() if line.strip()):
        found = next((i for i in range(position, len(lines)) if same_line(wanted, lines[i])), None)
        if found is None:
            missing.append(wanted)
        else:
            position = found + 1
    return missing


@pytest.mark.integration
@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_block_runs_as_written(block: Block, page_runs):
    if block.marker == "not-run":
        pytest.skip(f"not run ({block.name}): {block.reason}")
    result = page_runs[block.page].result(block)
    output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"{block.name} failed:\n{block.code}\n{output}"
    if block.expected is not None:
        missing = missing_lines(block.expected, result.stdout)
        assert not missing, f"{block.name} printed:\n{result.stdout}\nwithout these lines:\n" + "\n".join(missing)


def test_output_matching_allows_small_float_differences_only():
    assert same_line(" 0.656  0.621  'Berlin'", " 0.657  0.620  'Berlin'")
    assert not same_line(" 0.656  0.621  'Berlin'", " 0.666  0.621  'Berlin'")
    assert not same_line("indexed 4 file(s)", "indexed 5 file(s)")
    assert missing_lines("a 1.000\n\nc", "a 1.001\nb\nc\n") == []
    assert missing_lines("c\na", "a\nc\n") == ["a"]
