"""Validation of the parameter dataclasses: each check takes the record and the names of
the fields it applies to; every error names the class, the field, its value and what was
expected."""

from __future__ import annotations

import math


def _each(record, names: tuple[str, ...], ok=None, expected: str = "") -> None:
    """Every field ``names`` of ``record`` is a finite number and, given ``ok``, passes it."""
    owner = type(record).__name__
    for name in names:
        value = getattr(record, name)
        # a bool is an int to Python, but True is not a conductance or a time
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(f"{owner}.{name}={value!r}: expected a finite number")
        if ok is not None and not ok(value):
            raise ValueError(f"{owner}.{name}={value!r}: expected {expected}")


def finite(record, *names: str) -> None:
    _each(record, names)


def positive(record, *names: str) -> None:
    _each(record, names, lambda value: value > 0, "a value > 0")


def non_negative(record, *names: str) -> None:
    _each(record, names, lambda value: value >= 0, "a value >= 0")


def in_range(record, lo: float, hi: float, *names: str) -> None:
    _each(record, names, lambda value: lo <= value <= hi, f"a value in [{lo}, {hi}]")


def ordered(record, lo_name: str, hi_name: str) -> None:
    owner, lo, hi = type(record).__name__, getattr(record, lo_name), getattr(record, hi_name)
    if lo > hi:
        raise ValueError(
            f"{owner}.{lo_name}={lo!r} > {owner}.{hi_name}={hi!r}: expected {lo_name} <= {hi_name}"
        )
