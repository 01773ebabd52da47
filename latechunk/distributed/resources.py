"""Refusing a Ray job whose model actors can never all start, before any work: the cluster is too small."""

from __future__ import annotations

import math
from collections.abc import Mapping

from latechunk.errors import LateChunkError


class ClusterTooSmallError(LateChunkError):
    """The actors ask for more CPUs or GPUs than the Ray cluster has; the message says what to change."""


def check_resources(workers: int, cpus_per_worker: float, gpus_per_worker: float, cluster: Mapping[str, float]) -> None:
    """Raise ``ClusterTooSmallError`` when ``workers`` actors of ``cpus_per_worker`` CPUs and
    ``gpus_per_worker`` GPUs do not fit in the ``cluster``'s resources (``ray.cluster_resources()``).

    Ray would keep the missing actors pending forever on a cluster that does not grow, and Ray Data would wait
    for them; an autoscaling cluster's nodes that have not started yet do not count.
    """
    for resource, option, each in (
        ("CPU", "--cpus-per-worker", cpus_per_worker),
        ("GPU", "--gpus-per-worker", gpus_per_worker),
    ):
        have, need = float(cluster.get(resource, 0.0)), workers * each
        if need <= have + 1e-9:
            continue
        fits = math.floor(have / each + 1e-9) if each else workers
        share = math.floor(have / workers * 100) / 100
        ways = []
        if fits >= 1:
            ways.append(f"--workers {fits}")
        if share > 0:
            ways.append(f"{option} {share:g} (the {resource}s shared among {workers} workers)")
        if resource == "GPU" and have == 0:
            ways = ["--gpus-per-worker 0 (run the model on the CPUs)"]
        raise ClusterTooSmallError(
            f"{workers} workers × {each:g} {resource} ({option}) need {need:g} {resource}s, but the Ray cluster has "
            f"{have:g}: the model actors could never all start, and the job would wait forever. Use "
            f"{' or '.join(ways)}, or a larger cluster (an autoscaling one: start its nodes first)."
        )
