"""Load-time checks of the files Raven writes and reads back.

Every file a run writes and a later command reads (a run's ``chip.npz`` and
``checkpoint.npz``, ``config.json``, ``dataset.json`` and ``training.json``, a feature
cache entry, ``results/<dataset>.json``, the benchmarks' ``projection.json``) is read
through these functions, so that an edited, truncated or foreign file fails at load with
one ``ValueError`` naming the file, the field, what was found and what was expected, and
what to do (``remedy``); never later, deep inside a computation, and never as a
``KeyError`` or ``TypeError`` traceback.

The schema of each file lives with its writer (``raven.chip.store`` for the chip and the
checkpoint, ``raven.features.cache`` for a cache entry, ``raven.runs.folder`` for the run
folder's JSON files); this module holds the checks they share.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+=-]*$")
_KINDS = {"f": "real numbers", "i": "integers", "b": "booleans", "U": "text"}


def _span(lo: float | None, hi: float | None) -> str:
    return f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"


def file_error(path, field: str, found, expected: str, remedy: str = "") -> ValueError:
    """The error for a bad field of a file: ``"{path}: {field}: {found}: expected ...; remedy"``.

    Parameters
    ----------
    path : str or pathlib.Path
        The file (or folder).
    field : str
        The field (a key, an array name, a dotted path into the file).
    found
        What the file holds (shown as given).
    expected : str
        What was expected.
    remedy : str
        What the user can do (appended after a semicolon).

    Returns
    -------
    ValueError
    """
    tail = f"; {remedy}" if remedy else ""
    return ValueError(f"{path}: {field}: {found}: expected {expected}{tail}")


def read_json(path: str | Path, required: tuple[str, ...] = (), remedy: str = "") -> dict:
    """A JSON object read from ``path``, with the keys ``required``.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    required : tuple of str
        Keys the object must have.
    remedy : str
        What the error tells the user to do.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        Naming the file: unreadable, not UTF-8, not JSON, not an object, or missing a key.
    """
    path = Path(path)
    tail = f"; {remedy}" if remedy else ""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: unreadable ({type(err).__name__}: {err}){tail}") from None
    if not isinstance(value, dict):
        raise file_error(path, "top level", type(value).__name__, "a JSON object", remedy)
    missing = [k for k in required if k not in value]
    if missing:
        raise file_error(path, "keys", f"{missing} missing", f"the keys {list(required)}", remedy)
    return value


def check_array(
    path,
    field: str,
    value,
    *,
    kind: str = "f",
    shape: tuple[int | None, ...] | None = None,
    lo: float | None = None,
    hi: float | None = None,
    remedy: str = "",
) -> np.ndarray:
    """``value`` as an array of ``kind`` ("f" real, "i" integer, "b" boolean), of
    ``shape`` (None: any length along that axis), finite and within [lo, hi].

    Parameters
    ----------
    path : str or pathlib.Path
        The file the array comes from (named by the error).
    field : str
        The array's name in the file.
    value : array_like
        The array.
    kind : str
        "f" (real numbers, integers accepted), "i" (integers) or "b" (booleans).
    shape : tuple, optional
        Expected shape; an entry None accepts any length.
    lo, hi : float, optional
        Inclusive bounds of every value.
    remedy : str
        What the error tells the user to do.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        Naming the file and the field.
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise file_error(path, field, type(value).__name__, "an array", remedy) from None
    ok_kinds = {"f": "fiu", "i": "iu", "b": "b"}[kind]
    if arr.dtype.kind not in ok_kinds:
        raise file_error(path, field, f"dtype {arr.dtype}", _KINDS[kind], remedy)
    if shape is not None and (
        arr.ndim != len(shape)
        or any(e is not None and e != s for e, s in zip(shape, arr.shape, strict=True))
    ):
        want = "(" + ", ".join("any" if e is None else str(e) for e in shape) + ")"
        raise file_error(path, field, f"shape {arr.shape}", f"shape {want}", remedy)
    if kind == "b" or arr.size == 0:
        return arr
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr)]
        raise file_error(
            path, field, f"{bad.size} non-finite value(s) such as {bad[0]}", "finite", remedy
        )
    low, high = arr.min(), arr.max()
    if (lo is not None and low < lo) or (hi is not None and high > hi):
        span = _span(lo, hi)
        raise file_error(path, field, f"values in [{low:g}, {high:g}]", f"values in {span}", remedy)
    return arr


def check_number(
    path,
    field: str,
    value,
    *,
    integer: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    remedy: str = "",
) -> float | int:
    """A finite number (an integer with ``integer``; never a boolean) within [lo, hi].

    Parameters
    ----------
    path : str or pathlib.Path
        The file the number comes from.
    field : str
        Its name in the file.
    value
        The number.
    integer : bool
        Require an integer.
    lo, hi : float, optional
        Inclusive bounds.
    remedy : str
        What the error tells the user to do.

    Returns
    -------
    float or int

    Raises
    ------
    ValueError
        Naming the file and the field.
    """
    types = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    what = "an integer" if integer else "a finite number"
    if isinstance(value, bool) or not isinstance(value, types):
        raise file_error(path, field, repr(value), what, remedy)
    if not math.isfinite(value):
        raise file_error(path, field, repr(value), what, remedy)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = _span(lo, hi)
        raise file_error(path, field, repr(value), f"{what} in {span}", remedy)
    return int(value) if integer else float(value)


def check_name(what: str, name) -> str:
    """A user-given name that becomes one path component: letters, digits and ``._+=-``,
    not starting with a dot, so that it cannot leave its output folder.

    Parameters
    ----------
    what : str
        What the name is (shown in the error, e.g. "--name", "sweep name").
    name
        The name.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        Naming ``what`` and the name.
    """
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > 200:
        raise ValueError(
            f"{what}={name!r}: expected a plain name (letters, digits and ._+=-, not"
            " starting with a dot, no '/'): it names a folder inside the output folder"
        )
    return name
