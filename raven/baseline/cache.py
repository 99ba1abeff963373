"""On-disk cache of baseline results, so that a second run on the same data does not retrain.

A result is stored under a key made of everything it depends on: family, width, the
training configuration, a fingerprint of the data arrays, the source of the baseline
modules and the energy prices. Files are written atomically (a temporary file, then
os.replace), so an interrupted run leaves either the old file or the new one; a file that
cannot be read or does not match its key is reported and recomputed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._util.atomic import atomic_write
from .results import RESULT_KEYS, BaselineResult

# Bump when the layout of a cached file changes.
SCHEMA = 1
_SOURCES = ("cache.py", "counting.py", "models.py", "rsnn.py", "sweep.py", "train.py")


def source_files() -> list[Path]:
    """The files whose source a cached result's key covers: the baseline modules and the
    kernels the software ceiling trains through (its BPTT passes and neuron constants).

    Returns
    -------
    list of pathlib.Path
        The baseline modules of ``_SOURCES``, then ``kernels/alif_bptt.py`` and
        ``kernels/recurrent.py``.
    """
    from kernels import alif_bptt, recurrent

    here = Path(__file__).parent
    return [here / name for name in _SOURCES] + [
        Path(alif_bptt.__file__),
        Path(recurrent.__file__),
    ]


class CacheWarning(RuntimeWarning):
    """A cached result could not be used and is recomputed."""


def array_fingerprint(arrays: dict[str, np.ndarray]) -> str:
    """sha256 over each array's name, dtype, shape and bytes (C order), in name order.

    Parameters
    ----------
    arrays : dict of str to numpy.ndarray
        The arrays a result depends on.

    Returns
    -------
    str
        Hexadecimal digest.
    """
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def _hash_sources() -> str:
    h = hashlib.sha256()
    for path in source_files():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


# Hashed once, when the modules are imported: the key must describe the code that runs,
# not a file edited while a sweep is under way.
_CODE_VERSION = _hash_sources()


def code_version() -> str:
    """sha256 of the source of ``source_files()`` as imported: an edit to the models, the
    counting, the training loops or the ceiling's kernels invalidates every cached result.

    Returns
    -------
    str
        Hexadecimal digest, computed once when the module is imported.
    """
    return _CODE_VERSION


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


class ResultCache:
    """JSON results in ``directory``, one file per key, named ``<label>-<digest>.json``.

    Parameters
    ----------
    directory : str or pathlib.Path
        Folder of the cache (created on the first store).
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def path(self, label: str, key: dict) -> Path:
        """The file of a result.

        Parameters
        ----------
        label : str
            Start of the file name (``dnn-36``).
        key : dict
            Everything the result depends on (JSON-serialisable).

        Returns
        -------
        pathlib.Path
            ``<directory>/<label>-<first 24 hex digits of the key's sha256>.json``.
        """
        return self.directory / f"{label}-{_digest(key)[:24]}.json"

    def load(self, label: str, key: dict, required: tuple[str, ...] = ()) -> dict | None:
        """The cached result, or None when there is none.

        A file that is unreadable, holds another key or lacks a ``required`` field is reported
        (CacheWarning) and ignored.

        Parameters
        ----------
        label : str
            Start of the file name.
        key : dict
            The result's key; must equal the stored one.
        required : tuple of str
            Fields the stored result must have.

        Returns
        -------
        dict or None
            The stored result, or None.
        """
        path = self.path(label, key)
        if not path.is_file():
            return None
        try:
            stored = json.loads(path.read_text())
            problem = None
            if not isinstance(stored, dict) or not isinstance(stored.get("result"), dict):
                problem = "expected an object with a 'result' object"
            elif stored.get("key") != key:
                problem = "its key does not match the requested one"
            elif missing := [k for k in required if k not in stored["result"]]:
                problem = f"result lacks {missing}"
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            problem = f"unreadable ({err})"
        if problem:
            warnings.warn(f"baseline cache {path}: {problem}; recomputing", CacheWarning, 2)
            return None
        return stored["result"]

    def load_result(self, label: str, key: dict) -> BaselineResult | None:
        """The cached baseline result, or None when there is none.

        A file that ``load`` refuses, or whose result is not a ``BaselineResult`` record, is
        reported (CacheWarning) and ignored.

        Parameters
        ----------
        label : str
            Start of the file name.
        key : dict
            The result's key; must equal the stored one.

        Returns
        -------
        BaselineResult or None
            The stored result with ``from_cache`` True, or None.
        """
        stored = self.load(label, key, RESULT_KEYS)
        if stored is None:
            return None
        try:
            return dataclasses.replace(BaselineResult.from_dict(stored), from_cache=True)
        except ValueError as err:
            path = self.path(label, key)
            warnings.warn(f"baseline cache {path}: {err}; recomputing", CacheWarning, 2)
            return None

    def store(self, label: str, key: dict, result: dict) -> Path:
        """Write a result under its key, atomically.

        Parameters
        ----------
        label : str
            Start of the file name.
        key : dict
            The result's key, stored beside it.
        result : dict
            The JSON-serialisable result.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(label, key)
        atomic_write(path, json.dumps({"key": key, "result": result}, indent=1))
        return path


def cached_baseline(
    cache_dir: str | Path | None,
    label: str,
    key: Callable[[], dict],
    compute: Callable[[], BaselineResult],
) -> BaselineResult:
    """``compute()`` through the cache in ``cache_dir``, or computed when it is None.

    The cache holds ``BaselineResult.to_dict`` records; one that lacks a field of
    ``RESULT_KEYS`` or is not a result is reported (CacheWarning) and recomputed.

    Parameters
    ----------
    cache_dir : str or pathlib.Path or None
        The cache's folder; None: no cache.
    label : str
        Start of the file name (``dnn-36``).
    key : callable
        Gives the key, everything the result depends on (called only with a cache).
    compute : callable
        Gives the result when it is not in the cache.

    Returns
    -------
    BaselineResult
        The result, its ``from_cache`` saying whether it was read from the cache.
    """
    if cache_dir is None:
        return dataclasses.replace(compute(), from_cache=False)
    cache, stored_key = ResultCache(cache_dir), key()
    found = cache.load_result(label, stored_key)
    if found is not None:
        return found
    result = compute()
    cache.store(label, stored_key, result.to_dict())
    return dataclasses.replace(result, from_cache=False)
