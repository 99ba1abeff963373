"""Argument checks of the estimator's inputs: each returns the checked value or raises a
``ValueError`` that names the argument, what it got and what was expected."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..config.tables import MAX_T_AFTER_S, RavenConfig
from ..features.cache import MAX_FEATURE


def _not_an_array(name: str, value, expected: str) -> ValueError:
    return ValueError(f"{name}: {type(value).__name__}: expected {expected}")


def check_features(name: str, features, cfg: RavenConfig, copies_allowed: bool) -> np.ndarray:
    """Features as the pipeline makes them: real numbers, finite, (n, frames, coefficients)
    or, for training, (copies, n, frames, coefficients); or, as scikit-learn passes samples,
    (n, frames x coefficients) flattened maps.

    Parameters
    ----------
    name : str
        The argument, for the error message.
    features : array_like
        The features given.
    cfg : RavenConfig
        Sets the frames and coefficients of a clip.
    copies_allowed : bool
        Whether a 4-D array of augmented copies is accepted (training).

    Returns
    -------
    numpy.ndarray
        A 4-D view (copies, n, frames, coefficients).
    """
    frames, coeffs = cfg.features.n_frames, cfg.features.n_coefficients
    expected = (
        f"(n_clips, {frames}, {coeffs}) MFCC frames x coefficients"
        f" (or (n_clips, {frames * coeffs}) flattened)"
    ) + (f" or (copies, n_clips, {frames}, {coeffs}) augmented copies" if copies_allowed else "")
    arr = check_real(name, features, expected)
    if arr.ndim == 2 and arr.shape[1] == frames * coeffs:
        arr = arr.reshape(arr.shape[0], frames, coeffs)
    ndims = (3, 4) if copies_allowed else (3,)
    if arr.ndim not in ndims or arr.shape[-2:] != (frames, coeffs):
        raise ValueError(
            f"{name}: shape {arr.shape}: expected {expected} (features.n_mfcc and the clip"
            " length of the configuration set the last two)"
        )
    arr4 = arr if arr.ndim == 4 else arr[None]
    if arr4.shape[0] == 0 or arr4.shape[1] == 0:
        raise ValueError(f"{name}: shape {arr.shape}: expected at least one clip")
    bad = ~np.isfinite(arr4)
    if bad.any():
        clip = int(np.argwhere(bad)[0][1])
        raise ValueError(
            f"{name}: {int(bad.sum())} NaN or infinite value(s) (first in clip {clip}):"
            " expected finite features"
        )
    huge = np.abs(arr4) > MAX_FEATURE
    if huge.any():
        clip = int(np.argwhere(huge)[0][1])
        raise ValueError(
            f"{name}: {int(huge.sum())} value(s) such as {float(arr4[huge][0]):g} (first in"
            f" clip {clip}): expected MFCC features, of magnitude <= {MAX_FEATURE:g}"
        )
    return arr4


def check_real(name: str, features, expected: str = "") -> np.ndarray:
    """A dense array of real numbers (not sparse, complex, boolean or strings).

    Parameters
    ----------
    name : str
        The argument, for the error message.
    features : array_like
        The array given.
    expected : str
        The shape expected, for the error message.

    Returns
    -------
    numpy.ndarray
    """
    if hasattr(features, "tocsr"):  # a scipy sparse matrix or array
        raise _not_an_array(
            name, features, f"a dense array {expected}: sparse input is not supported"
        )
    try:
        arr = np.asarray(features)
    except (TypeError, ValueError):
        raise _not_an_array(name, features, f"an array {expected}") from None
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        complex_note = "Complex data not supported; " if arr.dtype.kind == "c" else ""
        raise ValueError(
            f"{name}: dtype {arr.dtype}: {complex_note}expected real numbers {expected}"
        )
    return arr


def check_indices(name: str, values, n: int, what: str) -> np.ndarray:
    """A (n,) array of integers (not booleans).

    Parameters
    ----------
    name : str
        The argument, for the error message.
    values : array_like
        The values given.
    n : int
        The expected length (one per clip).
    what : str
        What the integers are, for the error message.

    Returns
    -------
    numpy.ndarray
        int64.
    """
    arr = np.asarray(values)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: dtype {arr.dtype}: expected integer {what}")
    if arr.shape != (n,):
        raise ValueError(f"{name}: shape {arr.shape}: expected ({n},), one per clip of features")
    return arr.astype(np.int64, copy=False)


def check_keys(name: str, clip_keys, n: int) -> np.ndarray:
    """Clip keys: (n,) integers, by default 0 .. n - 1.

    Parameters
    ----------
    name : str
        The argument, for the error message.
    clip_keys : array_like or None
        The keys given.
    n : int
        The number of clips.

    Returns
    -------
    numpy.ndarray
        int64.
    """
    if clip_keys is None:
        return np.arange(n, dtype=np.int64)
    return check_indices(name, clip_keys, n, "clip keys")


def check_range(name: str, labels: np.ndarray, classes: tuple) -> None:
    """Refuse class indices outside [0, len(classes)).

    Parameters
    ----------
    name : str
        The argument, for the error message.
    labels : numpy.ndarray
        Integer class indices.
    classes : tuple
        The classes.
    """
    bad = np.flatnonzero((labels < 0) | (labels >= len(classes)))
    if bad.size:
        k = int(bad[0])
        raise ValueError(
            f"{name}: value {int(labels[k])} at clip {k} is out of range: expected class"
            f" indices in [0, {len(classes)}) (classes {list(classes)})"
        )


def check_targets(name: str, targets) -> np.ndarray:
    """Targets that are class labels: a 1-D array of integers or strings, not None,
    booleans or real numbers (a regression target).

    Parameters
    ----------
    name : str
        The argument, for the error message.
    targets : array_like
        The targets given to ``fit``.

    Returns
    -------
    numpy.ndarray
    """
    if targets is None:
        raise ValueError(
            f"{name}: None: the spotter requires y to be passed, but the target y is None;"
            " expected a class label per clip"
        )
    targets = np.asarray(targets)
    if targets.ndim != 1:
        raise ValueError(f"{name}: shape {targets.shape}: expected one class label per clip")
    kind = targets.dtype.kind
    ok = kind in "iuU" or (kind == "O" and all(isinstance(t, str) for t in targets.tolist()))
    if not ok:
        raise ValueError(
            f"{name}: dtype {targets.dtype}: Unknown label type: expected class labels"
            " (integers or strings)"
        )
    return targets


def check_time(t_after_s) -> float:
    """A finite device time > 0 s, at most ``MAX_T_AFTER_S``.

    Parameters
    ----------
    t_after_s : float
        The time given.

    Returns
    -------
    float
    """
    expected = f"a finite time > 0 s and <= {MAX_T_AFTER_S:g} s (the device models' range)"
    if isinstance(t_after_s, bool) or not isinstance(t_after_s, (int, float, np.number)):
        raise ValueError(f"t_after_s={t_after_s!r}: expected {expected}")
    if not (math.isfinite(t_after_s) and 0 < t_after_s <= MAX_T_AFTER_S):
        raise ValueError(f"t_after_s={t_after_s!r}: expected {expected}")
    return float(t_after_s)


def check_flag(name: str, value) -> bool:
    """True or False, nothing else.

    Parameters
    ----------
    name : str
        The argument, for the error message.
    value : bool
        The value given.

    Returns
    -------
    bool
    """
    if not isinstance(value, bool):
        raise ValueError(f"{name}={value!r}: expected True or False")
    return value


def check_count(name: str, value, optional: bool = True) -> int | None:
    """An integer >= 1 (or None when ``optional``).

    Parameters
    ----------
    name : str
        The argument, for the error message.
    value : int or None
        The value given.
    optional : bool
        Whether None is accepted.

    Returns
    -------
    int or None
    """
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r}: expected an integer >= 1")
    return int(value)


# The metadata ``KeywordSpotter.save`` writes besides the chip's own.
_SAVED_KEYS = frozenset({"training_state", "scaler", "t_train_end_s", "training_data", "classes"})


def check_save(path, extra, reserved: frozenset[str], folder: bool = False) -> None:
    """Where a spotter is saved (a file name, not a folder; with ``folder``, a checkpoint
    folder, not a file) and the metadata a caller adds: a dict whose keys are neither
    ``reserved`` (the chip file's own) nor the spotter's (scaler, training state), which
    it would replace, making the file unloadable or silently other classes.

    Parameters
    ----------
    path : str or pathlib.Path
        The destination file (or folder, with ``folder``).
    extra : dict or None
        The metadata given.
    reserved : frozenset of str
        The keys the chip file writes itself.
    folder : bool
        ``path`` is a checkpoint folder.
    """
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"checkpoint_dir={str(path)!r}: a file: expected a folder")
    if not folder and path.is_dir():
        raise ValueError(f"path={str(path)!r}: a folder: expected a file name (.npz)")
    if extra is not None and not isinstance(extra, dict):
        raise ValueError(f"extra: {type(extra).__name__}: expected a dict")
    clash = sorted((reserved | _SAVED_KEYS) & set(extra or {}))
    if clash:
        raise ValueError(
            f"extra: key(s) {clash} are the saved spotter's own metadata (configuration,"
            " labels, scaler, training state): expected other names"
        )
