"""The state of a population of PCM devices, as a value the caller holds.

``PCMState`` is what the functional core (``devices.pcm.core``) takes in and gives out:
seven per-device arrays, the population's shape and its write clock. ``DeviceArrays`` is
the same seven arrays as a ``NamedTuple``, the one bundle compiled code receives (the
array loops of ``devices.pcm._ops`` and the crossbar kernels of ``kernels.update``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

FAULT_NONE = 0
FAULT_STUCK_G_MIN = 1
FAULT_STUCK_G_MAX = 2
FAULT_STUCK_RANDOM = 3

# The per-device arrays, in the order of ``DeviceArrays`` (compiled code unpacks it by
# position), with the dtype each has: the one list of them (``DeviceArrays`` is made from
# it, ``PCMState`` holds the same arrays under the same names).
_ARRAY_DTYPES = {
    "g_prog_uS": np.float64,
    "t_prog_s": np.float64,
    "nu": np.float64,
    "history": np.float64,
    "fault": np.int8,
    "g_max_uS": np.float64,
    "step_scale": np.float64,
}
# The arrays a write changes (the others are fixed when the population is made).
_WRITTEN_ARRAYS = ("g_prog_uS", "t_prog_s", "nu", "history")


DeviceArrays = NamedTuple("DeviceArrays", [(name, np.ndarray) for name in _ARRAY_DTYPES])
DeviceArrays.__doc__ = """The per-device arrays of a population, bundled for compiled code.

Numba compiles one version of a function per layout, so the same bundle carries the
flat (n,) arrays of ``devices.pcm`` and the (n_in, n_out) views of a crossbar tile
(``kernels.tile``). Compiled code may unpack it by position: the field order is fixed.

Parameters
----------
g_prog_uS : numpy.ndarray of float64
    Conductance at the end of the last write, in uS.
t_prog_s : numpy.ndarray of float64
    Absolute device time of the last write, in s.
nu : numpy.ndarray of float64
    Drift exponent drawn at the last write (dimensionless, >= 0).
history : numpy.ndarray of float64
    Partial-SET pulse-history term P of Nandakumar et al. (2018), 1 after a RESET.
fault : numpy.ndarray of int8
    0 healthy, 1 stuck at G_min, 2 stuck at G_max,dev, 3 stuck at a random value.
g_max_uS : numpy.ndarray of float64
    The device's own maximum conductance G_max,dev after device-to-device spread, in uS.
step_scale : numpy.ndarray of float64
    The device's fixed pulse-step factor (device-to-device spread of the step).
"""


@dataclass(eq=False)
class PCMState:
    """Per-device state of a PCM population plus its write clock.

    Build one with ``pcm.init``; the functions of the functional core (``pcm.program``,
    ``pcm.pulse``, ``pcm.reset``, ``pcm.program_and_verify``) return a new state and never
    change the one they are given. A returned state shares the arrays that writes never
    change (``fault``, ``g_max_uS``, ``step_scale``) with its input: treat them as
    read-only. ``PCMArray.state`` is the live state of an array, which the crossbar kernels
    update in place; take ``copy()`` to keep a value of it.

    Parameters
    ----------
    g_prog_uS : numpy.ndarray of float64, shape (n,)
        Conductance at the end of the last write, in uS (before drift).
    t_prog_s : numpy.ndarray of float64, shape (n,)
        Absolute device time of the last write, in s.
    nu : numpy.ndarray of float64, shape (n,)
        Drift exponent drawn at the last write, kept until the next write (Joshi et al.
        2020; Le Gallo and Sebastian 2020).
    history : numpy.ndarray of float64, shape (n,)
        Partial-SET pulse-history term P (Nandakumar et al. 2018): 1 after a RESET, 0 after
        a one-shot program, multiplied by exp(-1/2.6) by every pulse.
    fault : numpy.ndarray of int8, shape (n,)
        ``FAULT_NONE`` (0), ``FAULT_STUCK_G_MIN`` (1), ``FAULT_STUCK_G_MAX`` (2) or
        ``FAULT_STUCK_RANDOM`` (3); a stuck device ignores every write.
    g_max_uS : numpy.ndarray of float64, shape (n,)
        The device's own maximum conductance G_max,dev, in uS.
    step_scale : numpy.ndarray of float64, shape (n,)
        The device's fixed pulse-step factor.
    shape : tuple of int
        Shape of the population; the arrays are flat, n = prod(shape) entries in C order.
    t_last_write_s : float
        The write clock: absolute device time of the latest write to any device, in s.
        An operation at time t requires t >= t_last_write_s (device time only moves
        forward).

    Notes
    -----
    The arrays are flat, one entry per device, so that compiled loops see one layout
    whatever the population's shape; ``device_arrays(shape)`` gives shaped views.
    """

    g_prog_uS: np.ndarray
    t_prog_s: np.ndarray
    nu: np.ndarray
    history: np.ndarray
    fault: np.ndarray
    g_max_uS: np.ndarray
    step_scale: np.ndarray
    shape: tuple[int, ...]
    t_last_write_s: float

    @property
    def size(self) -> int:
        """Number of devices, prod(shape)."""
        return math.prod(_shape_tuple(self.shape))

    def device_arrays(self, shape: tuple[int, ...] | None = None) -> DeviceArrays:
        """The seven per-device arrays as a ``DeviceArrays`` bundle of views.

        Parameters
        ----------
        shape : tuple of int, optional
            Shape of the views (default: flat, one entry per device). Writes through the
            views change this state.

        Returns
        -------
        DeviceArrays
        """
        if shape is None:
            return DeviceArrays(*(getattr(self, name) for name in _ARRAY_DTYPES))
        return DeviceArrays(*(getattr(self, name).reshape(shape) for name in _ARRAY_DTYPES))

    def copy(self) -> PCMState:
        """A deep copy.

        Returns
        -------
        PCMState
            Every array copied, so that nothing is shared with this state.
        """
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _ARRAY_DTYPES:
            out[name] = out[name].copy()
        return PCMState(**out)


def _shape_tuple(shape) -> tuple[int, ...]:
    """``shape`` as a tuple of ints (a state restored from a file may hold an array)."""
    return tuple(int(s) for s in np.asarray(shape, dtype=np.int64).reshape(-1))
