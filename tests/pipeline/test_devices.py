"""Host arrays reach the device unchanged (on the CPU without a copy)."""

from __future__ import annotations

import numpy as np
import torch

from latechunk.pipeline.devices import to_device


def test_to_device_on_the_cpu_shares_the_array_and_keeps_its_values():
    array = np.arange(12, dtype=np.int64)
    tensor = to_device(array, torch.device("cpu"))
    assert tensor.dtype == torch.int64 and tensor.tolist() == list(range(12))
    array[0] = 99
    assert int(tensor[0]) == 99  # no copy


def test_to_device_takes_strided_arrays():
    array = np.arange(20, dtype=np.float64).reshape(4, 5)[:, 1]
    assert to_device(array, torch.device("cpu")).tolist() == [1.0, 6.0, 11.0, 16.0]


def test_to_device_casts_on_the_host_before_the_copy():
    weights = np.array([0.5, 1.0, 2.0], dtype=np.float64)  # float64 never reaches a device (MPS has none)
    tensor = to_device(weights, torch.device("cpu"), torch.float32)
    assert tensor.dtype == torch.float32 and tensor.tolist() == [0.5, 1.0, 2.0]
