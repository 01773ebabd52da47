"""One check for every chunker's token budget (``chunk_size``) and sentence cap (``hard_max_tokens``)."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.errors import SettingsError, SettingsTypeError


class DefaultCap(int):
    """The default ``hard_max_tokens``, an ``int`` like any other, except that it rises to ``chunk_size``
    when the budget is larger (an explicit cap below the budget is an error)."""

    def __repr__(self) -> str:
        return int.__repr__(self)


SENTENCE_CAP_TOKENS: int = DefaultCap(256)
"""Default ``hard_max_tokens``: a sentence up to this long (or up to ``chunk_size``, when that is larger)
is never cut (README: whole sentences)."""


class _NotGiven:
    """The default of a deprecated alias: the argument was left out (``None`` is a budget of its own)."""

    def __repr__(self) -> str:
        return "<not given>"


NOT_GIVEN: Any = _NotGiven()
"""Default of the budget's former names (``max_tokens``, ``tokens_per_chunk``) in a chunker's signature."""


def check_tokens(name: str, value: Any, *, optional: bool) -> int | None:
    """``value`` as a token count of at least 1 (``None`` passes if ``optional``); else an error naming ``name``."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # numpy integers are Integral
        expected = "a positive integer or None" if optional else "a positive integer"
        raise SettingsTypeError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return int(value)


def check_budget(chunk_size: Any, hard_max_tokens: Any, *, size_optional: bool = True) -> tuple[int | None, int | None]:
    """``(chunk_size, hard_max_tokens)`` checked as every chunker checks them, at construction.

    Each is a positive integer (``chunk_size`` may be ``None`` when ``size_optional``; ``hard_max_tokens``
    ``None`` means "cut every unit over the budget"); a cap below the budget is refused, except the
    default cap (``SENTENCE_CAP_TOKENS``), which becomes the budget when the budget is larger.
    Raises ``SettingsTypeError`` for a wrong type and ``SettingsError`` for a wrong value, both naming
    the parameter (and both ``ValueError``).
    """
    budget = check_tokens("chunk_size", chunk_size, optional=size_optional)
    if isinstance(hard_max_tokens, DefaultCap):
        return budget, hard_max_tokens if budget is None or budget <= hard_max_tokens else budget
    cap = check_tokens("hard_max_tokens", hard_max_tokens, optional=True)
    if cap is not None and budget is not None and cap < budget:
        raise SettingsError(
            f"hard_max_tokens must be at least chunk_size ({budget}), got {cap}: it is the length up to which "
            "a sentence over the budget is kept whole"
        )
    return budget, cap


def renamed_budget(owner: str, chunk_size: Any, **former: Any) -> Any:
    """``chunk_size``, or the value given under one of its former names (``max_tokens=``, ``tokens_per_chunk=``),
    with a ``DeprecationWarning`` naming ``chunk_size``; a former name left at ``NOT_GIVEN`` was not given.

    Giving a former name and ``chunk_size`` (or two former names) with different values is a ``TypeError``;
    ``chunk_size`` left at its default (``DEFAULT_CHUNK_TOKENS``) counts as not given.
    """
    given = {name: value for name, value in former.items() if value is not NOT_GIVEN}
    if not given:
        return chunk_size
    names = ", ".join(f"{name}=..." for name in given)
    warnings.warn(
        f"{owner}({names}) is deprecated; pass chunk_size, the budget's name in every chunker and in LateChunker",
        DeprecationWarning,
        stacklevel=3,
    )
    values = list(given.values())
    if chunk_size != DEFAULT_CHUNK_TOKENS:
        given = {"chunk_size": chunk_size, **given}
    if any(value != values[0] for value in given.values()):
        passed = ", ".join(f"{name}={value!r}" for name, value in given.items())
        raise TypeError(f"{owner} got {passed}; pass chunk_size only")
    return values[0]


class RenamedAttribute:
    """A former name of the ``chunk_size`` attribute: read-only, and reading it warns (``DeprecationWarning``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        warnings.warn(
            f"{type(instance).__name__}.{self.name} is deprecated; read chunk_size",
            DeprecationWarning,
            stacklevel=2,
        )
        return instance.chunk_size

    def __set__(self, instance: Any, value: Any) -> None:
        raise AttributeError(
            f"{type(instance).__name__}.{self.name} is a deprecated, read-only name of chunk_size; "
            "build a new chunker with chunk_size=..."
        )
