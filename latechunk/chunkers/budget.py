"""One check for every chunker's token budget (``max_tokens``) and sentence cap (``hard_max_tokens``)."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.errors import SettingsError, SettingsTypeError


class DefaultCap(int):
    """The default ``hard_max_tokens``, an ``int`` like any other, except that it rises to ``max_tokens``
    when the budget is larger (an explicit cap below the budget is an error)."""

    def __repr__(self) -> str:
        return int.__repr__(self)


SENTENCE_CAP_TOKENS: int = DefaultCap(256)
"""Default ``hard_max_tokens``: a sentence up to this long (or up to ``max_tokens``, when that is larger)
is never cut (README: whole sentences)."""


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


def check_budget(max_tokens: Any, hard_max_tokens: Any, *, max_optional: bool = True) -> tuple[int | None, int | None]:
    """``(max_tokens, hard_max_tokens)`` checked as every chunker checks them, at construction.

    Each is a positive integer (``max_tokens`` may be ``None`` when ``max_optional``; ``hard_max_tokens``
    ``None`` means "cut every unit over the budget"); a cap below the budget is refused, except the
    default cap (``SENTENCE_CAP_TOKENS``), which becomes the budget when the budget is larger.
    Raises ``SettingsTypeError`` for a wrong type and ``SettingsError`` for a wrong value, both naming
    the parameter (and both ``ValueError``).
    """
    budget = check_tokens("max_tokens", max_tokens, optional=max_optional)
    if isinstance(hard_max_tokens, DefaultCap):
        return budget, hard_max_tokens if budget is None or budget <= hard_max_tokens else budget
    cap = check_tokens("hard_max_tokens", hard_max_tokens, optional=True)
    if cap is not None and budget is not None and cap < budget:
        raise SettingsError(
            f"hard_max_tokens must be at least max_tokens ({budget}), got {cap}: it is the length up to which "
            "a sentence over the budget is kept whole"
        )
    return budget, cap


def renamed_budget(owner: str, old_name: str, old_value: Any, max_tokens: Any) -> Any:
    """``max_tokens``, or the value given under its former name ``old_name`` (with a ``DeprecationWarning``).

    Giving both is a ``TypeError`` unless ``max_tokens`` is left at its default.
    """
    if old_value is None:
        return max_tokens
    warnings.warn(
        f"{owner}({old_name}=...) is deprecated; pass max_tokens, the budget's name in every chunker",
        DeprecationWarning,
        stacklevel=3,
    )
    if max_tokens != DEFAULT_CHUNK_TOKENS and max_tokens != old_value:
        raise TypeError(f"{owner} got max_tokens={max_tokens!r} and {old_name}={old_value!r}; pass max_tokens only")
    return old_value
