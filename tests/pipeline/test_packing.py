"""Packed (padding-free) batches: the layout helpers, and the refusal for attention that would mix sequences.

The packed forward itself needs flash-attention on a GPU and is not run here.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latechunk import LateChunker
from latechunk.errors import SettingsError
from latechunk.pipeline.packing import pack, unpack


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=8))
def test_unpack_puts_every_packed_token_where_the_padded_batch_has_it(lengths):
    rng = np.random.default_rng(len(lengths))
    sequences = [rng.integers(5, 100, n) for n in lengths]
    batch = pack(sequences)
    assert batch.ids.shape == batch.positions.shape == (1, sum(lengths))
    assert batch.cu_seq_lens.tolist() == np.concatenate([[0], np.cumsum(lengths)]).tolist()
    assert batch.longest == max(lengths)
    hidden = torch.randn(1, sum(lengths), 3)
    padded = unpack(hidden, batch, torch.from_numpy(batch.padded_index))
    assert padded.shape == (len(lengths), max(lengths), 3)
    for row, (n, start) in enumerate(zip(lengths, batch.cu_seq_lens[:-1], strict=True)):
        assert batch.ids[0, start : start + n].tolist() == sequences[row].tolist()
        assert batch.positions[0, start : start + n].tolist() == list(range(n))
        assert torch.equal(padded[row, :n], hidden[0, start : start + n])
        assert not padded[row, n:].any()


def test_packing_is_refused_for_attention_that_would_mix_the_sequences(minilm_path):
    with pytest.raises(SettingsError, match="pack_sequences needs attn_implementation flash_attention_2"):
        LateChunker(minilm_path, device="cpu", pack_sequences=True)
    assert LateChunker(minilm_path, device="cpu").encoder.packed is False


def test_packing_is_refused_for_models_whose_positions_do_not_restart_at_zero(tiny_jina_path):
    # XLM-RoBERTa-style models count positions from padding_idx + 1: packed positions from 0 would be wrong
    with pytest.raises(SettingsError, match="pack_sequences supports bert models so far"):
        LateChunker(tiny_jina_path, device="cpu", pack_sequences=True)
