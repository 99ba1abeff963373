"""Typed results as JSON records: the fields a frozen dataclass writes (its optional fields
only when set) and the check of a record read back (no field missing, none unknown)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping


def required_fields(cls: type) -> tuple[str, ...]:
    """The fields of a dataclass without a default, in their order.

    Parameters
    ----------
    cls : type
        A dataclass.

    Returns
    -------
    tuple of str
        Their names.
    """
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )


def record_of(result) -> dict:
    """A dataclass instance as a dict in its field order; an optional field (default None)
    that is None is left out, as the record it types left the key out.

    Parameters
    ----------
    result : dataclass instance
        The typed result.

    Returns
    -------
    dict
        Field name to value (values as they are: nested records are the caller's to convert).
    """
    out = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if value is None and f.default is None:
            continue
        out[f.name] = value
    return out


def check_record(cls: type, record) -> dict:
    """Check that ``record`` holds every required field of ``cls`` and no other key.

    Parameters
    ----------
    cls : type
        The dataclass the record is read into.
    record : mapping
        The record (a JSON object).

    Returns
    -------
    dict
        A shallow copy of the record.

    Raises
    ------
    ValueError
        Not a mapping, a required field missing or a key that is no field, named.
    """
    name = cls.__name__
    if not isinstance(record, Mapping):
        raise ValueError(f"{name}: expected a mapping of its fields, got {type(record).__name__}")
    fields = [f.name for f in dataclasses.fields(cls)]
    if missing := [k for k in required_fields(cls) if k not in record]:
        raise ValueError(f"{name}: missing field(s) {', '.join(map(repr, missing))}")
    if unknown := [k for k in record if k not in fields]:
        raise ValueError(
            f"{name}: unknown field(s) {', '.join(map(repr, unknown))}; expected fields of"
            f" {name}: {', '.join(fields)}"
        )
    return dict(record)
