"""Task switching by merging one task's LoRA deltas into the weights in place.

A merged model runs at the speed of the base model. The first switch to a task keeps a copy of
every adapted base weight (on the weight's device); each switch starts again from that copy, so
switching back to no task gives the base weights bit for bit, in any dtype.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from latechunk.errors import CheckpointError, UnknownTaskError
from latechunk.pipeline.families import normalize_task

_ROWS = 16384  # rows merged at once: bounds the float32 scratch of a 250k-row embedding table


@dataclass
class LoraFactors:
    """One adapted weight: ``weight = base + scaling * left[task] @ right[task]``.

    ``left`` is ``(tasks, rows, rank)`` and ``right`` ``(tasks, rank, cols)``, both float32; the
    weight is read from ``module`` at every switch, so moving the model keeps this working.
    """

    module: nn.Module
    left: torch.Tensor
    right: torch.Tensor
    _base: torch.Tensor | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        rows, cols = self.module.weight.shape
        tasks, _, rank = self.left.shape
        if self.left.shape[1] != rows or tuple(self.right.shape) != (tasks, rank, cols):
            raise CheckpointError(
                f"LoRA factors {tuple(self.left.shape)} @ {tuple(self.right.shape)} do not fit a weight of "
                f"shape {tuple(self.module.weight.shape)}"
            )

    @torch.no_grad()
    def apply(self, index: int | None, scaling: float) -> None:
        """Set the weight to the base weight plus task ``index``'s delta (``None``: the base weight)."""
        weight = self.module.weight
        if self._base is None:
            if index is None:
                return  # never changed: already the base weight
            self._base = weight.detach().clone()
        if self._base.device != weight.device:
            self._base = self._base.to(weight.device)
        if index is None:
            weight.copy_(self._base)
            return
        if self.left.device != weight.device:
            self.left, self.right = self.left.to(weight.device), self.right.to(weight.device)
        left, right = self.left[index], self.right[index]
        for start in range(0, weight.shape[0], _ROWS):
            rows = slice(start, start + _ROWS)
            merged = torch.addmm(self._base[rows].float(), left[rows], right, alpha=scaling)
            weight[rows].copy_(merged)


class MergedLoraSwitcher:
    """Selects a task by merging its LoRA deltas (task index = position in ``tasks``) into the model."""

    def __init__(self, tasks: Sequence[str], factors: Sequence[LoraFactors], scaling: float) -> None:
        self.tasks = tuple(str(normalize_task(t)) for t in tasks)
        self.factors = list(factors)
        self.scaling = float(scaling)
        self.active: str | None = None
        self._clean = True  # the weights hold exactly ``active``'s merge
        for item in self.factors:
            if len(item.left) != len(self.tasks):
                raise CheckpointError(f"LoRA factors hold {len(item.left)} tasks, expected {len(self.tasks)}")

    def check(self, task: str | None) -> str | None:
        """The task's normalised name, or ``UnknownTaskError`` when no adapter serves it."""
        name = normalize_task(task)
        if name is not None and name not in self.tasks:
            raise UnknownTaskError(f"no LoRA adapter for task {name!r}; adapters: {', '.join(self.tasks)}")
        return name

    def set_task(self, task: str | None) -> None:
        """Merge ``task``'s adapter into the weights (``None``: restore the base weights)."""
        name = self.check(task)
        if self._clean and name == self.active:
            return
        index = None if name is None else self.tasks.index(name)
        self._clean = False  # a failure half-way must not let the next switch be skipped
        for item in self.factors:
            item.apply(index, self.scaling)
        self.active, self._clean = name, True

    def __repr__(self) -> str:
        return f"MergedLoraSwitcher(tasks={self.tasks}, weights={len(self.factors)}, active={self.active!r})"
