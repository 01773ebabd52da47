"""Finding documents under the paths a user gives: files named, and supported files in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from latechunk.documents.reading import SUPPORTED_SUFFIXES


@dataclass
class Found:
    """The documents found under the given paths, the folders searched, and the paths rejected."""

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


class _Walk:
    """One recursive walk: symbolic links followed only to targets inside the given folders (or anywhere with
    ``follow_links``); broken links, links that lead outside and link loops are reported, never silently lost."""

    def __init__(self, found: Found, follow_links: bool) -> None:
        self.found = found
        self.follow_links = follow_links
        self.seen: set[Path] = set()  # resolved paths of files taken
        self.visited: set[Path] = set()  # resolved folders walked

    def add(self, file: Path) -> None:
        real = file.resolve()
        if real not in self.seen:
            self.seen.add(real)
            self.found.files.append(file)

    def folder(self, folder: Path) -> None:
        real = folder.resolve()
        if real in self.visited:
            return
        self.visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            self.found.problems.append((folder, f"cannot list folder: {error.strerror or error}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders
            path = folder / entry.name
            if entry.is_symlink():
                self.link(path)
            elif entry.is_dir():
                self.folder(path)
            elif path.suffix.lower() in SUPPORTED_SUFFIXES and entry.is_file():
                self.add(path)

    def link(self, path: Path) -> None:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # missing target, or a loop of links
            self.found.problems.append((path, f"broken symbolic link (to {os.readlink(path)})"))
            return
        if not self.follow_links and not _inside(target, self.found.folders):
            kind = "folder" if target.is_dir() else "file"
            self.found.problems.append(
                (path, f"symbolic link to the {kind} {target} outside the indexed folders (--follow-links takes it)")
            )
        elif target.is_dir():
            self.folder(path)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES or target.suffix.lower() in SUPPORTED_SUFFIXES:
            self.add(path)


def find_documents(paths: Iterable[str | Path], *, follow_links: bool = False) -> Found:
    """Supported files given directly or found (recursively, hidden entries skipped) in folders.

    Paths are made absolute; each file appears once (by its resolved path), in a stable (sorted) order.
    Inside folders, symbolic links are followed only to targets inside the given folders unless
    ``follow_links``; every link not followed is in ``problems``. A file named directly is always read.
    """
    found = Found()
    given = [Path(p).expanduser() for p in paths]
    for path in given:
        if path.is_dir():
            found.folders.append(path.resolve())
    walk = _Walk(found, follow_links)
    for path in given:
        if path.is_dir():
            walk.folder(path.resolve())
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                walk.add(path.absolute())
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                found.problems.append((path.absolute(), f"unsupported file type (supported: {kinds})"))
        elif path.is_symlink():
            found.problems.append((path.absolute(), f"broken symbolic link (to {os.readlink(path)})"))
        else:
            found.problems.append((path.absolute(), "no such file or folder"))
    return found
