"""A pool of model actors that the cluster cannot hold is refused before any work, saying what to change."""

from __future__ import annotations

import pytest

from latechunk.distributed.resources import ClusterTooSmallError, check_resources


@pytest.mark.parametrize(
    ("workers", "cpus", "gpus", "cluster"),
    [
        (2, 1.0, 0.0, {"CPU": 2.0}),
        (8, 1.0, 0.0, {"CPU": 8.0}),
        (3, 0.5, 0.0, {"CPU": 2.0}),
        (2, 1.0, 0.5, {"CPU": 4, "GPU": 1}),
    ],
)
def test_pools_that_fit_pass(workers, cpus, gpus, cluster):
    check_resources(workers, cpus, gpus, cluster)


@pytest.mark.parametrize(
    ("workers", "cpus", "gpus", "cluster", "needles"),
    [
        (3, 1.0, 0.0, {"CPU": 2.0}, ["need 3 CPUs", "has 2", "--workers 2", "--cpus-per-worker 0.66"]),
        (1, 4.0, 0.0, {"CPU": 2.0}, ["need 4 CPUs", "--cpus-per-worker 2"]),
        (2, 1.0, 1.0, {"CPU": 8.0, "GPU": 1.0}, ["need 2 GPUs", "--workers 1", "--gpus-per-worker 0.5"]),
        (1, 1.0, 1.0, {"CPU": 8.0}, ["need 1 GPUs", "has 0", "--gpus-per-worker 0"]),
    ],
)
def test_pools_that_cannot_start_are_refused(workers, cpus, gpus, cluster, needles):
    with pytest.raises(ClusterTooSmallError) as error:
        check_resources(workers, cpus, gpus, cluster)
    for needle in needles:
        assert needle in str(error.value)
