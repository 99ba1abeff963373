"""One declarative validation path for the configuration dataclasses.

A configuration dataclass declares, per field, its type (the annotation) and its
constraints (``setting(default, ge=..., choices=...)``), and calls ``validate(self)`` first
thing in ``__post_init__``; cross-field rules follow it with ``check(...)``. The same
checks then run whichever way the object is made: TOML files, sweep values, ``config.json``
of a run, or the Python API. See ``raven.config.tables`` for how to add a new table.

Types, from the annotation (``from __future__ import annotations`` is fine):
- ``bool``: ``True``/``False`` only (not 0/1, not the string "false");
- ``int``: an integer, not a bool (numpy integers are converted to ``int``);
- ``float``: a finite int or float, not a bool or string (stored as ``float``);
- ``str``; ``pathlib.Path`` (a string is converted);
- ``tuple[X, ...]``: a list or tuple of X (stored as a tuple); constraints apply to every
  element, ``min_len`` to the length;
- ``X | None``: None or an X; constraints apply to the X;
- a nested configuration dataclass: an instance of it; ``dict``: a table.

An error is a ``ConfigError`` (a ``ValueError``) whose message names the table, the field,
the value and what was expected: ``training.epochs=True: expected an integer >= 1, got bool``.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A configuration value that is not allowed; the message names the table, the field,
    the value and what was expected (``training.epochs=0: expected an integer >= 1``).

    Parameters
    ----------
    table : str
        The TOML table ("" for the top level).
    name : str
        The field.
    value : Any
        The value given.
    expected : str
        What the field accepts.
    """

    def __init__(self, table: str, name: str, value: Any, expected: str):
        self.table, self.field, self.value, self.expected = table, name, value, expected
        where = f"{table}.{name}" if table else name
        super().__init__(f"{where}={value!r}: expected {expected}")


def check(table: str, name: str, ok: bool, value: Any, expected: str) -> None:
    """A cross-field rule (or any rule a declaration cannot express).

    Parameters
    ----------
    table : str
        The TOML table ("" for the top level).
    name : str
        The field the error names.
    ok : bool
        Whether the rule holds.
    value : Any
        The value the error reports.
    expected : str
        What the field accepts, in words.

    Raises
    ------
    ConfigError
        When ``ok`` is false.
    """
    if not ok:
        raise ConfigError(table, name, value, expected)


@dataclass(frozen=True, slots=True)
class Rule:
    """Constraints on a field's value (on every element for tuples).

    Attributes
    ----------
    ge, gt, le, lt : float or None
        Bounds: value >= ge, > gt, <= le, < lt (None: no bound).
    choices : tuple or None
        The allowed values; when given, the bounds are not checked.
    min_len : int or None
        Least length of a tuple field.
    """

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple | None = None
    min_len: int | None = None

    def ok(self, v) -> bool:
        """Whether one value satisfies the choices or the bounds (not ``min_len``).

        Parameters
        ----------
        v : Any
            The value (one element of a tuple field).

        Returns
        -------
        bool
            True when it is among the choices, or within every bound.
        """
        if self.choices is not None:
            return v in self.choices
        return not (
            (self.ge is not None and not v >= self.ge)
            or (self.gt is not None and not v > self.gt)
            or (self.le is not None and not v <= self.le)
            or (self.lt is not None and not v < self.lt)
        )

    def describe(self) -> str:
        """The constraint in words: "one of 'a', 'b'", "in [0, 1)", ">= 1"; "" without one.

        Returns
        -------
        str
            The description used in error messages.
        """
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lower = [(op, b) for op, b in ((">=", self.ge), (">", self.gt)) if b is not None]
        upper = [(op, b) for op, b in (("<=", self.le), ("<", self.lt)) if b is not None]
        if lower and upper:
            (lo_op, lo), (hi_op, hi) = lower[0], upper[0]
            left, right = "[" if lo_op == ">=" else "(", "]" if hi_op == "<=" else ")"
            return f"in {left}{lo:g}, {hi:g}{right}"
        return " ".join(f"{op} {b:g}" for op, b in lower + upper)


def setting(
    default: Any = dataclasses.MISSING,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: tuple | None = None,
    min_len: int | None = None,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field with declared constraints, checked by ``validate``.

    Parameters
    ----------
    default : Any
        The field's default (omit for a required field).
    ge, gt, le, lt : float or None
        Bounds on the value (on every element of a tuple).
    choices : tuple or None
        The allowed values.
    min_len : int or None
        Least length of a tuple field.
    default_factory : callable
        Makes the default (instead of ``default``).

    Returns
    -------
    dataclasses.Field
        A field whose metadata holds its ``Rule`` under "rule".
    """
    rule = Rule(ge, gt, le, lt, tuple(choices) if choices is not None else None, min_len)
    return dataclasses.field(
        default=default, default_factory=default_factory, metadata={"rule": rule}
    )


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


_NO = object()  # marker: the value does not conform


def _conform(tp: Any, value: Any) -> Any:
    """``value`` normalised to ``tp``, or ``_NO``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arm in typing.get_args(tp):
            out = _conform(arm, value)
            if out is not _NO:
                return out
        return _NO
    if tp is type(None):
        return None if value is None else _NO
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            return _NO
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        out = [_conform(item, v) if item is not None else v for v in value]
        return _NO if any(v is _NO for v in out) else tuple(out)
    if tp is bool:
        return bool(value) if isinstance(value, bool | np.bool_) else _NO
    if isinstance(value, bool | np.bool_):
        return _NO  # a bool is never a number here
    if tp is int:
        return int(value) if isinstance(value, int | np.integer) else _NO
    if tp is float:
        if isinstance(value, int | float | np.integer | np.floating) and math.isfinite(value):
            return float(value)
        return _NO
    if tp is Path:
        return Path(value) if isinstance(value, str | Path) else _NO
    if origin is dict or tp is dict:
        return value if isinstance(value, dict) else _NO
    if isinstance(tp, type):
        return value if isinstance(value, tp) else _NO
    return value  # Any or an annotation this module does not know: accepted as is


_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def describe(tp: Any, rule: Rule | None = None) -> str:
    """What a field accepts, in words: 'an integer >= 1', 'None or a number > 0'.

    Parameters
    ----------
    tp : Any
        The field's annotation (resolved type).
    rule : Rule or None
        Its declared constraints.

    Returns
    -------
    str
        The description used in error messages.
    """
    cond = rule.describe() if rule is not None else ""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(tp) if a is not type(None)]
        text = " or ".join(describe(a, rule) for a in arms)
        return f"None or {text}" if len(arms) < len(typing.get_args(tp)) else text
    if origin is tuple:
        item = typing.get_args(tp)[0]
        size = "a non-empty list" if rule is not None and rule.min_len else "a list"
        word = {int: "integers", float: "numbers", str: "strings", bool: "booleans"}.get(
            item, getattr(item, "__name__", str(item))
        )
        return f"{size} of {word}" + (f" {cond}" if cond else "")
    if rule is not None and rule.choices is not None:
        return cond
    name = _NAMES.get(tp) or (f"a {tp.__name__}" if isinstance(tp, type) else str(tp))
    return f"{name} {cond}" if cond else name


def validate(obj: Any, table: str | None = None) -> None:
    """Check every field of the dataclass ``obj`` against its annotation and declared rule,
    storing normalised values (int -> float for float fields, lists -> tuples).

    Parameters
    ----------
    obj : Any
        A configuration dataclass instance (frozen ones are updated in place).
    table : str or None
        The table named in errors; None: the class's ``TABLE`` attribute (or its name).

    Raises
    ------
    ConfigError
        The first field whose value does not conform to its type or rule.
    """
    cls = type(obj)
    table = table or getattr(cls, "TABLE", cls.__name__)
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints.get(f.name, Any)
        rule = f.metadata.get("rule")
        value = getattr(obj, f.name)
        norm = _conform(tp, value)
        if norm is _NO:
            expected = f"{describe(tp, rule)}, got {type(value).__name__}"
            raise ConfigError(table, f.name, value, expected)
        if rule is not None and norm is not None:
            items = norm if isinstance(norm, tuple) else (norm,)
            if rule.min_len is not None and isinstance(norm, tuple) and len(norm) < rule.min_len:
                raise ConfigError(table, f.name, value, describe(tp, rule))
            if not all(rule.ok(v) for v in items):
                raise ConfigError(table, f.name, value, describe(tp, rule))
        if norm is not value:
            object.__setattr__(obj, f.name, norm)
