"""How a run on Ray is spread (``latechunk index --ray``): typed options, and their command-line options."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields

from latechunk.defaults import DEFAULT_BATCH_DOCUMENTS
from latechunk.options.values import positive_int


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide to run: ``address`` ``auto`` (the running cluster, else a local one) or a cluster's."""

    address: str = "auto"
    workers: int = 1
    gpus_per_worker: float | None = None
    """GPUs per actor; ``None``: 1 when the cluster has GPUs, else 0."""
    cpus_per_worker: float = 1.0
    batch_docs: int = DEFAULT_BATCH_DOCUMENTS


RAY_OPTIONS = {
    "workers": (positive_int, "model actors"),
    "gpus_per_worker": (float, "GPUs per actor (default: 1 when the cluster has GPUs, else 0)"),
    "cpus_per_worker": (float, "CPUs per actor"),
    "batch_docs": (positive_int, "documents per actor call"),
}
"""The options besides ``--ray``: their type and help; their defaults are ``RayOptions``'s."""


def add_ray_options(parser: argparse.ArgumentParser) -> None:
    """``--ray ADDRESS`` and ``--workers``, ``--gpus-per-worker``, ``--cpus-per-worker``, ``--batch-docs``."""
    group = parser.add_argument_group('distributed (needs pip install "latechunk[distributed]")')
    group.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on Ray: 'auto' (the running cluster, else a local one) or a cluster address (ray://host:10001)",
    )
    defaults = {f.name: f.default for f in fields(RayOptions)}
    for name, (kind, text) in RAY_OPTIONS.items():
        shown = "" if defaults[name] is None else " (default: %(default)s)"
        group.add_argument("--" + name.replace("_", "-"), type=kind, default=defaults[name], help=text + shown)


def ray_options(args: argparse.Namespace) -> RayOptions | None:
    """The Ray options the command line gave; ``None`` without ``--ray``."""
    if args.ray is None:
        return None
    return RayOptions(address=args.ray, **{name: getattr(args, name) for name in RAY_OPTIONS})
