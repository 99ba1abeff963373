"""Typed results as JSON records: the fields a frozen dataclass writes (its optional fields
only when set) and the check of a record read back (no field missing, none unknown)."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence


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
    hints = typing.get_type_hints(cls)
    for key, value in record.items():
        if not _conforms(value, hints[key]):
            raise ValueError(
                f"{name}: field {key!r} is {value!r}; expected {_describe(hints[key])}"
            )
    return dict(record)


def _conforms(value, hint) -> bool:
    """Whether a JSON value can stand for a field of type ``hint``. Numbers: an int field
    takes a whole number (not a bool), a float field any number; a tuple field takes a JSON
    array; a dataclass field its record (a mapping) or an instance; a hint not listed here
    is not checked."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_conforms(value, arg) for arg in typing.get_args(hint))
    origin, args = typing.get_origin(hint) or hint, typing.get_args(hint)
    if hint is type(None):
        return value is None
    if origin is bool:
        return isinstance(value, bool)
    if origin is int:  # a whole number (a count computed in floats is one too)
        whole = isinstance(value, float) and value.is_integer()
        return (isinstance(value, int) and not isinstance(value, bool)) or whole
    if origin is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if origin is str:
        return isinstance(value, str)
    if origin is dict:
        return isinstance(value, Mapping)
    if origin is tuple:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            return False
        return not args or all(_conforms(item, args[0]) for item in value)
    if dataclasses.is_dataclass(origin):
        return isinstance(value, Mapping | origin)
    return True


def _describe(hint) -> str:
    """A type hint as an error message names it: "int", "tuple of dict", "float or None"."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return " or ".join(_describe(arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return "None"
    origin, args = typing.get_origin(hint) or hint, typing.get_args(hint)
    if origin is tuple and args:
        return f"tuple of {_describe(args[0])}"
    return getattr(origin, "__name__", str(hint))


class JsonRecord:
    """Base of the typed results whose record is their fields: ``to_dict`` writes them in
    order (optional ones only when set), ``from_dict`` checks and reads them back. A result
    whose record nests other typed results overrides both."""

    __slots__ = ()

    def to_dict(self) -> dict:
        """The result as its JSON record.

        Returns
        -------
        dict
            Every field in order, the optional ones (default None) only when set.
        """
        return record_of(self)

    @classmethod
    def from_dict(cls, record):
        """The result of a record written by ``to_dict``.

        Parameters
        ----------
        record : dict
            The record.

        Returns
        -------
        JsonRecord
            An instance of the class it is called on.

        Raises
        ------
        ValueError
            A field missing, a key that is no field, or a field of the wrong type, named.
        """
        return cls(**check_record(cls, record))
