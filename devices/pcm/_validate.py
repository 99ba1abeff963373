"""Validation helpers: every error names the field, its value and what was expected."""

from __future__ import annotations

import math


def finite(owner: str, name: str, value: float) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{owner}.{name}={value!r}: expected a finite number")


def positive(owner: str, name: str, value: float) -> None:
    finite(owner, name, value)
    if value <= 0:
        raise ValueError(f"{owner}.{name}={value!r}: expected a value > 0")


def non_negative(owner: str, name: str, value: float) -> None:
    finite(owner, name, value)
    if value < 0:
        raise ValueError(f"{owner}.{name}={value!r}: expected a value >= 0")


def in_range(owner: str, name: str, value: float, lo: float, hi: float) -> None:
    finite(owner, name, value)
    if not lo <= value <= hi:
        raise ValueError(f"{owner}.{name}={value!r}: expected a value in [{lo}, {hi}]")


def ordered(owner: str, lo_name: str, lo: float, hi_name: str, hi: float) -> None:
    if lo > hi:
        raise ValueError(
            f"{owner}.{lo_name}={lo!r} > {owner}.{hi_name}={hi!r}: expected {lo_name} <= {hi_name}"
        )
