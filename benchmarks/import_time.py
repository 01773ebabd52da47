"""What ``import latechunk`` (or ``--module latechunk.cli``) costs: cumulative import time, modules loaded.

The time is ``python -X importtime``'s cumulative figure for the module.

Compares source trees: each is imported in a fresh interpreter, the trees taking turns, so that load on a
shared machine falls on all of them alike. ``--site`` adds a site-packages folder (numpy and the rest) after
the tree; the tree comes first on the path, so it wins over an installed latechunk.

    site="$(python -c 'import numpy, os; print(os.path.dirname(os.path.dirname(numpy.__file__)))')"
    python benchmarks/import_time.py --runs 30 --site "$site" OLD_TREE .
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = (
    "import sys; sys.path[:0] = {path!r}; import {module}; "
    "print(len(sys.modules), sum(m.startswith('latechunk') for m in sys.modules))"
)


def measure(tree: Path, site: str | None, module: str = "latechunk") -> tuple[int, int, int]:
    """(microseconds to import ``module`` with everything it imports, modules loaded, latechunk modules loaded)."""
    path = [str(tree)] + ([site] if site else [])
    result = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", PROBE.format(path=path, module=module)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    line = next(line for line in result.stderr.splitlines() if line.rstrip().endswith(f"| {module}"))
    modules, ours = map(int, result.stdout.split())
    return int(line.split("|")[1]), modules, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path, help="source trees holding latechunk/")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--site", help="a site-packages folder to add after each tree")
    parser.add_argument("--module", default="latechunk", help="the module to import (default: latechunk)")
    args = parser.parse_args()
    times: dict[Path, list[int]] = {tree: [] for tree in args.trees}
    counts: dict[Path, tuple[int, int]] = {}
    for _ in range(args.runs):
        for tree in args.trees:
            microseconds, modules, ours = measure(tree.resolve(), args.site, args.module)
            times[tree].append(microseconds)
            counts[tree] = (modules, ours)
    print("| tree | median ms | min ms | modules loaded | latechunk modules |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for tree, values in times.items():
        modules, ours = counts[tree]
        print(f"| {tree} | {statistics.median(values) / 1e3:.1f} | {min(values) / 1e3:.1f} | {modules} | {ours} |")


if __name__ == "__main__":
    main()
