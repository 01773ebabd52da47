"""Host arrays reach the device unchanged (on the CPU without a copy); batches sized by the device."""

from __future__ import annotations

import numpy as np
import torch

from latechunk.pipeline.devices import activation_bytes_per_token, batch_limits, to_device


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


class _Config:
    def __init__(self, hidden: int, inner: int, heads: int) -> None:
        self.hidden_size, self.intermediate_size, self.num_attention_heads = hidden, inner, heads


class _Model(torch.nn.Module):
    def __init__(self, hidden: int, inner: int, heads: int, dtype: torch.dtype) -> None:
        super().__init__()
        self.config = _Config(hidden, inner, heads)
        self.weight = torch.nn.Parameter(torch.zeros(1, dtype=dtype))


def test_batch_limits_off_cuda_are_the_settings_or_32_and_16384():
    model = _Model(384, 1536, 12, torch.float32)
    assert batch_limits(None, None, model, torch.device("cpu"), 256) == (32, 16384)
    assert batch_limits(8, 1000, model, torch.device("cpu"), 256) == (8, 1000)
    assert batch_limits(None, 4096, model, torch.device("mps"), 256) == (32, 4096)


def test_batch_limits_on_cuda_follow_the_free_memory_and_the_model(monkeypatch):
    free = {"bytes": 139 * 2**30}
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (free["bytes"], 141 * 2**30))
    cuda = torch.device("cuda")
    minilm = _Model(384, 1536, 12, torch.bfloat16)
    assert batch_limits(None, None, minilm, cuda, 256) == (2048, 131072)  # plenty of memory: the cap
    assert batch_limits(64, None, minilm, cuda, 256) == (64, 131072)
    assert batch_limits(None, 20000, minilm, cuda, 256) == (312, 20000)
    jina = _Model(1024, 4096, 16, torch.bfloat16)
    per_token = activation_bytes_per_token(jina, 8192)
    assert per_token == 2 * (12 * 1024 + 2 * 4096 + 16 * 8192)
    free["bytes"] = 8 * 2**30  # a quarter of it holds about 7,000 tokens: one window of 8192 at least
    assert batch_limits(None, None, jina, cuda, 8192) == (128, 8192)
    free["bytes"] = 60 * 2**30  # 15 GiB: 53k tokens fit, rounded down to a power of two
    assert batch_limits(None, None, jina, cuda, 8192) == (512, 32768)
