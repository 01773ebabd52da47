"""What both components share: their parameters, derived from ``LateChunkerSettings``, and the engine they build.

Every LateChunker setting is a component parameter with the same name and meaning, except three
that take Haystack's own types: ``device`` (a ``ComponentDevice``), ``token`` (a ``Secret``) and
``progress_bar`` (Haystack's name for ``show_progress_bar``). Values are checked at construction;
the model loads in ``warm_up``.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from haystack import default_from_dict, default_to_dict
from haystack.core.serialization import allow_deserialization_module
from haystack.utils import ComponentDevice, Secret

from latechunk import LateChunker
from latechunk.chunkers import Chunker
from latechunk.chunkers.serialization import chunker_to_dict
from latechunk.errors import SettingsTypeError
from latechunk.settings import Group, LateChunkerSettings, setting_default, setting_fields

# latechunk's own chunkers may appear in a saved pipeline (a chunker instance as a parameter); a chunker
# class from elsewhere needs the user's say-so, as any class does in Haystack
allow_deserialization_module("latechunk.chunkers")

DEFAULT_TOKEN = Secret.from_env_var(["HF_API_TOKEN", "HF_TOKEN"], strict=False)
"""The Hugging Face token the components read by default (none set: no token)."""

HAYSTACK_TYPED = ("device", "token", "show_progress_bar")
"""Settings the components take in Haystack's own form (``device``, ``token``, ``progress_bar``)."""


def torch_device(device: ComponentDevice | None) -> str | None:
    """The PyTorch device string of ``device`` (a device map gives its first usable device); ``None`` stays."""
    if device is None:
        return None
    first = device.first_device
    return None if first is None else first.to_torch_str()


class LateChunkerComponent:
    """Parameters from ``LateChunkerSettings`` (the ``GROUPS`` a component uses), ``to_dict``/``from_dict``,
    and the shared ``LateChunker`` built in ``warm_up``."""

    GROUPS: ClassVar[tuple[Group, ...]] = ()
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    """The component's own defaults where they differ from LateChunker's (the task, the progress bar)."""

    _late_chunker: LateChunker | None = None

    @classmethod
    def setting_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in setting_fields(*cls.GROUPS) if f.name not in HAYSTACK_TYPED)

    def _set_parameters(
        self, device: ComponentDevice | None, token: Secret | None, progress_bar: bool, options: dict[str, Any]
    ) -> None:
        names = self.setting_names()
        unknown = [name for name in options if name not in names]
        if unknown:
            raise SettingsTypeError(
                f"{type(self).__name__} got an unexpected parameter {unknown[0]!r}; parameters: "
                f"device, token, progress_bar, {', '.join(names)}"
            )
        values = {name: options.get(name, self._default(name)) for name in names}
        # check every value now (the model-dependent checks follow in warm_up)
        self._settings = LateChunkerSettings(**values, show_progress_bar=progress_bar)
        for name, value in values.items():
            setattr(self, name, value)
        self.device, self.token, self.progress_bar = device, token, progress_bar

    @classmethod
    def _default(cls, name: str) -> Any:
        return cls.DEFAULTS[name] if name in cls.DEFAULTS else setting_default(name)

    def parameters(self) -> dict[str, Any]:
        """The component's parameters, as its constructor takes them."""
        values = {name: getattr(self, name) for name in self.setting_names()}
        return {"device": self.device, "token": self.token, "progress_bar": self.progress_bar, **values}

    @property
    def late_chunker(self) -> LateChunker | None:
        """The engine behind this component (``None`` until ``warm_up``)."""
        return self._late_chunker

    def warm_up(self) -> None:
        """Load the model (once per process, shared by equal settings; later calls do nothing)."""
        if self._late_chunker is None:
            token = None if self.token is None else self.token.resolve_value()
            self._late_chunker = LateChunker(self._settings.replace(device=torch_device(self.device), token=token))

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component's parameters (a chunker instance as its type and settings)."""
        parameters = self.parameters()
        if isinstance(parameters.get("chunker"), Chunker):
            parameters["chunker"] = chunker_to_dict(parameters["chunker"])
        return default_to_dict(self, **parameters)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """Rebuild the component from ``to_dict``'s output (secrets, device and chunker included)."""
        return default_from_dict(cls, data)


def component_signature(component: type[LateChunkerComponent]) -> inspect.Signature:
    """``__init__(self, *, device, token, progress_bar, <settings>)`` with the component's defaults."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("device", keyword, default=None, annotation="ComponentDevice | None"),
        inspect.Parameter("token", keyword, default=DEFAULT_TOKEN, annotation="Secret | None"),
        inspect.Parameter("progress_bar", keyword, default=component.DEFAULTS["progress_bar"], annotation="bool"),
    ]
    for f in setting_fields(*component.GROUPS):
        if f.name not in HAYSTACK_TYPED:
            default = component._default(f.name)
            parameters.append(inspect.Parameter(f.name, keyword, default=default, annotation=f.type))
    return inspect.Signature(parameters, return_annotation=None)
