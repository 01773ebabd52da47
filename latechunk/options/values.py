"""argparse value types shared by the commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def positive_int(value: str) -> int:
    """An argparse type: an integer of at least 1."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def nonnegative_int(value: str) -> int:
    """An argparse type: an integer of at least 0."""
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return number


def at_least(minimum: int) -> Callable[[str], int]:
    """The argparse type of an integer of at least ``minimum`` (0: ``nonnegative_int``, 1: ``positive_int``)."""
    if minimum == 0:
        return nonnegative_int
    if minimum == 1:
        return positive_int
    raise ValueError(f"no option type for integers of at least {minimum}")
