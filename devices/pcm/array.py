"""``PCMArray``: a convenience wrapper over the functional core (``devices.pcm.core``).

It holds a ``PCMState``, the ``numpy.random.Generator`` every operation draws from and the
events accumulated so far, and calls the functional core: the same seed gives the same
arrays as calling ``pcm.init``, ``pcm.program``, ... with that generator.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import _checks, core
from .events import EnergyTotals, OpCounts, device_energy
from .params import PCMParams
from .state import PCMState, _shape_tuple


def _as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise ValueError(f"rng={rng!r}: expected a numpy.random.Generator, an int seed or None")


class PCMArray:
    """An array of PCM devices with its state, random generator and event counters.

    A new array is RESET at ``t_start_s``. Conductances are in uS, absolute device time in
    s; device time only moves forward: an operation at time t requires t >= the time of
    the latest write (``t_last_write_s``).

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the array (any number of dimensions).
    params : PCMParams
        Device parameters (``pcm.preset(name)``).
    rng : numpy.random.Generator, int or None, optional
        The generator every operation draws from, or a seed for one.
    t_start_s : float, default 0.0
        Device time of the delivery RESET, in s.

    Attributes
    ----------
    state : PCMState
        The live state. Each operation of this class replaces it by the new state the
        functional core returns; the crossbar kernels (``kernels.tile``) write its arrays
        in place and then call ``book``. Use ``state.copy()`` to keep a value.
    counts : OpCounts
        Events of every operation so far (``energy`` prices them).
    params : PCMParams
    rng : numpy.random.Generator
    last_verify_uS : numpy.ndarray
        Last verify reads of ``program_and_verify`` (set by it).

    See Also
    --------
    devices.pcm.core : The functions this class calls (``pcm.init``, ``pcm.program``, ...).
    """

    def __init__(
        self,
        shape: int | tuple[int, ...],
        params: PCMParams,
        rng: np.random.Generator | int | None = None,
        t_start_s: float = 0.0,
    ):
        self.rng = _as_generator(rng)
        self.state: PCMState = core.init(shape, params, self.rng, t_start_s)
        self.params = params
        self.counts = OpCounts()

    # -- views -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the array."""
        return _shape_tuple(self.state.shape)

    @property
    def size(self) -> int:
        """Number of devices."""
        return self.state.size

    @property
    def energy(self) -> EnergyTotals:
        """Energy and busy time of every operation so far (``device_energy(counts)``)."""
        return device_energy(self.counts, self.params)

    @property
    def energy_J(self) -> float:
        """Total device energy so far, in J."""
        return self.energy.total_J

    @property
    def nu(self) -> np.ndarray:
        """Drift exponent of every device (kept until the device is written again)."""
        return self.state.nu.reshape(self.shape)

    @property
    def g_prog_uS(self) -> np.ndarray:
        """Conductance of every device at the end of its last write, in uS."""
        return self.state.g_prog_uS.reshape(self.shape)

    @property
    def faults(self) -> np.ndarray:
        """Fault code of every device (0 healthy; see ``PCMState``)."""
        return self.state.fault.reshape(self.shape)

    @property
    def t_last_write_s(self) -> float:
        """Device time of the latest write, in s (the state's write clock; settable to
        restore a saved array)."""
        return float(self.state.t_last_write_s)

    @t_last_write_s.setter
    def t_last_write_s(self, t_s: float) -> None:
        self.state = replace(self.state, t_last_write_s=_checks.finite_time(t_s, "t_last_write_s"))

    def check_time(self, t_s: float, what: str) -> float:
        """``t_s`` as a float if it is finite and not before the latest write.

        Parameters
        ----------
        t_s : float
            Absolute device time, in s.
        what : str
            The operation, named in the error.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            Naming ``what`` and ``t_s``.
        """
        return _checks.check_time(self.state, t_s, what)[1]

    # -- operations --------------------------------------------------------------------
    def program(self, g_target_uS, t_s: float, mask=None) -> None:
        """One-shot programming (see ``pcm.program``).

        Parameters
        ----------
        g_target_uS : array_like of float
            Targets in uS, broadcastable to ``shape``.
        t_s : float
            Absolute device time, in s.
        mask : array_like of bool, optional
            Devices to program; default all.
        """
        self.state, events = core.program(self.state, g_target_uS, t_s, self.params, self.rng, mask)
        self.counts += events

    def read(self, t_s: float, noise: bool = True, *, verify: bool = False) -> np.ndarray:
        """Read every device (see ``pcm.read``).

        Parameters
        ----------
        t_s : float
            Absolute device time, in s.
        noise : bool, default True
            Add read noise (False: the drifted conductance).
        verify : bool, default False
            Count the reads as verify reads.

        Returns
        -------
        numpy.ndarray of float64, shape ``shape``
            Conductances in uS.
        """
        g, events = core.read(self.state, t_s, self.params, self.rng, noise, verify=verify)
        self.counts += events
        return g

    def apply_pulses(self, n_pulses, t_s: float, amplitude_level=-1) -> None:
        """Partial-SET pulses (see ``pcm.pulse``).

        Parameters
        ----------
        n_pulses : array_like of int
            Pulses per device (>= 0), broadcastable to ``shape``.
        t_s : float
            Absolute device time, in s.
        amplitude_level : int or array_like of int, default -1
            Index into ``params.amplitude_levels``; -1 is the nominal pulse.
        """
        self.state, events = core.pulse(
            self.state, n_pulses, t_s, self.params, self.rng, amplitude_level
        )
        self.counts += events

    def reset(self, mask, t_s: float) -> None:
        """RESET (see ``pcm.reset``).

        Parameters
        ----------
        mask : array_like of bool or None
            Devices to RESET; None selects all.
        t_s : float
            Absolute device time, in s.
        """
        self.state, events = core.reset(self.state, mask, t_s, self.params, self.rng)
        self.counts += events

    def program_and_verify(
        self, g_target_uS, t_s: float, tolerance_uS: float, max_iterations: int = 10, mask=None
    ) -> np.ndarray:
        """Program, verify-read and reprogram the devices out of ``tolerance_uS``, at most
        ``max_iterations`` times (see ``pcm.program_and_verify``).

        Parameters
        ----------
        g_target_uS, t_s, mask
            As for ``program``.
        tolerance_uS : float
            Accepted |verify read - target|, in uS (> 0).
        max_iterations : int, default 10
            Most programming pulses per device.

        Returns
        -------
        numpy.ndarray of int64
            Programming pulses each device used (0 where not selected); the last verify
            reads are in ``last_verify_uS``.
        """
        self.state, events, pulses, last = core.program_and_verify(
            self.state, g_target_uS, t_s, tolerance_uS, self.params, self.rng, max_iterations, mask
        )
        self.counts += events
        self.last_verify_uS = last
        return pulses

    def conductance_uS(self, t_s: float) -> np.ndarray:
        """Noise-free drifted conductance, for inspection: not a device read, so neither
        counted nor charged (see ``pcm.conductance_uS``).

        Parameters
        ----------
        t_s : float
            Absolute device time, in s.

        Returns
        -------
        numpy.ndarray of float64, shape ``shape``
            G_d in uS.
        """
        return core.conductance_uS(self.state, t_s, self.params)

    # -- writes performed by compiled kernels ------------------------------------------
    def book(self, events: OpCounts, t_s: float) -> None:
        """Add ``events`` of writes performed in place on ``state`` (by the crossbar
        kernels) and move the write clock to ``t_s``.

        Parameters
        ----------
        events : OpCounts
            What the writes did.
        t_s : float
            Device time of the writes, in s; not before the latest write.
        """
        if not isinstance(events, OpCounts):
            raise ValueError(f"events={events!r}: expected an OpCounts")
        t = self.check_time(t_s, "book")
        self.counts += events
        self.state = replace(self.state, t_last_write_s=t)
