"""Turning the Haystack-style settings of the components into a ``LateChunker``."""

from __future__ import annotations

from typing import Any

from haystack import default_from_dict, default_to_dict
from haystack.utils import ComponentDevice, Secret

from latechunk import LateChunker

DEFAULT_TOKEN = Secret.from_env_var(["HF_API_TOKEN", "HF_TOKEN"], strict=False)
"""The Hugging Face token the components read by default (none set: no token)."""


def torch_device(device: ComponentDevice | None) -> str | None:
    """The PyTorch device string of ``device`` (a device map gives its first usable device); ``None`` stays."""
    if device is None:
        return None
    first = device.first_device
    return None if first is None else first.to_torch_str()


def build_late_chunker(*, device: ComponentDevice | None, token: Secret | None, **settings: Any) -> LateChunker:
    """A ``LateChunker`` for these settings; the model itself is loaded once per process and shared."""
    return LateChunker(
        device=torch_device(device),
        token=None if token is None else token.resolve_value(),
        **settings,
    )


class LateChunkerSettings:
    """Plumbing both components share: the attributes named in ``SETTINGS`` build the ``LateChunker``
    (in ``warm_up``) and are what ``to_dict`` writes and ``from_dict`` reads."""

    SETTINGS: tuple[str, ...] = ()
    _late_chunker: LateChunker | None = None

    def settings(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SETTINGS}

    @property
    def late_chunker(self) -> LateChunker | None:
        """The engine behind this component (``None`` until ``warm_up``)."""
        return self._late_chunker

    def warm_up(self) -> None:
        """Load the model (once; later calls do nothing)."""
        if self._late_chunker is None:
            settings = self.settings()
            settings["show_progress_bar"] = settings.pop("progress_bar")
            self._late_chunker = build_late_chunker(**settings)

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component's settings."""
        return default_to_dict(self, **self.settings())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """Rebuild the component from ``to_dict``'s output (secrets and device included)."""
        return default_from_dict(cls, data)
