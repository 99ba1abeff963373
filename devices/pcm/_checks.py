"""Argument checks of the functional core: each returns the checked value or raises a
ValueError that names the argument, its value and what was expected."""

from __future__ import annotations

import functools
import math

import numpy as np

from .kernel_args import KernelArgs, kernel_args
from .params import PCMParams
from .state import _ARRAY_DTYPES, PCMState, _shape_tuple


def check_state(state: PCMState, what: str) -> tuple[tuple[int, ...], float]:
    """(shape, write clock) of ``state``; an error names the operation ``what`` and the field."""
    if not isinstance(state, PCMState):
        raise ValueError(f"{what}: state={state!r}: expected a PCMState (see pcm.init)")
    try:
        shape = _shape_tuple(state.shape)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: state.shape={state.shape!r}: expected a tuple of ints") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"{what}: state.shape={shape!r}: expected non-negative dimensions")
    n = math.prod(shape)
    for name, dtype in _ARRAY_DTYPES.items():
        arr = getattr(state, name)
        if not isinstance(arr, np.ndarray) or arr.shape != (n,) or arr.dtype != dtype:
            raise ValueError(
                f"{what}: state.{name}: {type(arr).__name__}"
                f" {getattr(arr, 'shape', '')} {getattr(arr, 'dtype', '')}: expected a flat"
                f" {np.dtype(dtype).name} array of {n} entries (state.shape {shape})"
            )
    try:
        clock = float(state.t_last_write_s)
    except (TypeError, ValueError):
        clock = math.nan
    if not math.isfinite(clock):
        raise ValueError(
            f"{what}: state.t_last_write_s={state.t_last_write_s!r}: expected a finite time in s"
        )
    return shape, clock


def generator(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` if it is a Generator: the core takes no seeds, which would repeat deviates."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{name}={rng!r}: expected a numpy.random.Generator (np.random.default_rng(seed));"
            " a seed would repeat the same deviates at every call"
        )
    return rng


def check_params(params) -> KernelArgs:
    """The kernel arguments of ``params`` if it is a ``PCMParams``."""
    if not isinstance(params, PCMParams):
        raise ValueError(f"params={params!r}: expected a PCMParams (see pcm.preset)")
    return _cached_kernel_args(params)


@functools.lru_cache(maxsize=32)
def _cached_kernel_args(params: PCMParams) -> KernelArgs:
    # Parameters are frozen, so their kernel arguments can be kept: this saves about
    # 5 us per call of the functional core. The arrays never leave this package's loops,
    # which only read them.
    return kernel_args(params)


def finite_time(t_s, name: str) -> float:
    """``t_s`` as a finite float (not a bool, not text)."""
    if isinstance(t_s, bool | str | bytes):
        raise ValueError(f"{name}={t_s!r}: expected a finite time in s")
    try:
        t = float(t_s)
    except (TypeError, ValueError):
        t = math.nan
    if not math.isfinite(t):
        raise ValueError(f"{name}={t_s!r}: expected a finite time in s")
    return t


def check_time(state: PCMState, t_s, what: str) -> tuple[tuple[int, ...], float]:
    """(shape, t) of a valid ``state`` and a finite ``t_s`` not before its latest write."""
    shape, clock = check_state(state, what)
    t = finite_time(t_s, f"{what}: t_s")
    if t < clock:
        raise ValueError(
            f"{what}: t_s={t!r} is earlier than the latest write at {clock!r} s;"
            " device time only moves forward"
        )
    return shape, t


def per_device(values, name: str, dtype, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` broadcast to ``shape`` and flattened, as a contiguous ``dtype`` array."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={values!r}: expected an array of one value per device") from None
    if arr.shape != shape:
        try:
            arr = np.broadcast_to(arr, shape)
        except ValueError:
            raise ValueError(
                f"{name}: shape {np.shape(values)} does not broadcast to the array shape {shape}"
            ) from None
    if dtype is bool and arr.dtype != bool:
        raise ValueError(f"{name}: dtype {arr.dtype}: expected a boolean mask")
    # Numbers are numbers: text ("10"), complex values and booleans are not coerced.
    if dtype is not bool and (arr.dtype == bool or arr.dtype.kind not in "iuf"):
        raise ValueError(f"{name}: dtype {arr.dtype}: expected real numbers")
    if np.issubdtype(np.dtype(dtype), np.integer) and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: dtype {arr.dtype}: expected integers")
    try:
        return np.ascontiguousarray(arr.reshape(-1), dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: dtype {arr.dtype}: expected numbers") from None


def mask_of(mask, shape: tuple[int, ...]) -> np.ndarray:
    """A flat boolean selection; None selects every device."""
    if mask is None:
        return np.ones(math.prod(shape), dtype=bool)
    return per_device(mask, "mask", bool, shape)


def targets(g_target_uS, shape: tuple[int, ...], params: PCMParams) -> np.ndarray:
    """Flat target conductances, finite and within the preset's range."""
    target = per_device(g_target_uS, "g_target_uS", np.float64, shape)
    lo, hi = params.g_min_uS, params.g_max_uS
    bad = ~np.isfinite(target) | (target < lo) | (target > hi)
    if bad.any():
        raise ValueError(
            f"g_target_uS: {int(bad.sum())} value(s) such as {float(target[bad][0])!r} uS:"
            f" expected finite targets in [g_min_uS={lo}, g_max_uS={hi}]"
            f" of preset {params.name!r}"
        )
    return target


# Populations larger than this are refused up front: a mistyped count (3e9 devices) would
# otherwise run for minutes and end in a MemoryError (each device holds 7 float arrays).
MAX_DEVICES = 100_000_000


def shape_of(shape) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints, each >= 0; never a float or a bool) as a
    tuple, of at most ``MAX_DEVICES`` devices."""
    items = (shape,) if isinstance(shape, int | np.integer) else shape
    try:
        items = tuple(items)
    except TypeError:
        raise ValueError(f"shape={shape!r}: expected an int or a tuple of ints") from None
    if not all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in items):
        raise ValueError(f"shape={shape!r}: expected an int or a tuple of ints")
    dims = tuple(int(s) for s in items)
    if any(s < 0 for s in dims):
        raise ValueError(f"shape={shape!r}: expected non-negative dimensions")
    if math.prod(dims) > MAX_DEVICES:
        raise ValueError(f"shape={shape!r}: expected at most {MAX_DEVICES} devices")
    return dims


def readable(state: PCMState, what: str) -> None:
    """A state whose conductances and drift exponents can be read: finite, >= 0 (a state
    edited or restored with NaN or negative values would read as NaN)."""
    for name in ("g_prog_uS", "nu", "g_max_uS"):
        arr = getattr(state, name)
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            raise ValueError(
                f"{what}: state.{name}: {int(bad.sum())} value(s) such as {arr[bad][0]!r}:"
                " expected finite values >= 0"
            )
