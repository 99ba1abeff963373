"""A tile as read at one device time: drifted effective conductances, read-noise variances
and conductance sums (``take_snapshot``), and the cache that reuses them while the device
state and the device time are unchanged (``SnapshotCache``)."""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from devices.jit import array_jit, parallel_jit
from devices.pcm.physics import drift_factor, flicker_factor, read_noise_std_given_flicker_uS


class ReadState(NamedTuple):
    """What a read of one polarity depends on: (n_in, n_out) views of its device state, in
    the order of ``devices.pcm.PCMState``.

    Attributes
    ----------
    g_prog_uS : numpy.ndarray
        Programmed conductance, uS.
    t_prog_s : numpy.ndarray
        Device time of the end of the last programming, s.
    nu : numpy.ndarray
        Drift exponent of each device.
    """

    g_prog_uS: np.ndarray
    t_prog_s: np.ndarray
    nu: np.ndarray


class Snapshot(NamedTuple):
    """A tile as read at one device time.

    Attributes
    ----------
    g_eff_uS : numpy.ndarray
        (n_in, n_out) drifted effective conductance G+_d - G-_d, uS.
    var_uS2 : numpy.ndarray
        (n_in, n_out) read-noise variance of the pair, uS^2; float32 because it only sets a
        noise amplitude.
    row_g_sum_uS, col_g_sum_uS : numpy.ndarray
        (n_in,) and (n_out,) sums of G+_d + G-_d, uS: they set the read energy.
    t_s : float
        Device time of the read, s.
    """

    g_eff_uS: np.ndarray
    var_uS2: np.ndarray
    row_g_sum_uS: np.ndarray
    col_g_sum_uS: np.ndarray
    t_s: float


@parallel_jit
def _flicker_kernel(g_prog_plus_uS, g_prog_minus_uS, g_max_uS, read, q_plus, q_minus):
    """Fill q_plus and q_minus with the ``flicker_factor`` of every device."""
    n_in, n_out = q_plus.shape
    for i in numba.prange(n_in):
        for j in range(n_out):
            q_plus[i, j] = flicker_factor(g_prog_plus_uS[i, j], g_max_uS, read)
            q_minus[i, j] = flicker_factor(g_prog_minus_uS[i, j], g_max_uS, read)


def flicker_factors(
    g_prog_plus_uS: np.ndarray, g_prog_minus_uS: np.ndarray, g_max_uS: float, read
) -> tuple[np.ndarray, np.ndarray]:
    """The 1/f noise factors of a tile's devices, ``devices.pcm.physics.flicker_factor``:
    they change only when a device is written, so a tile keeps them while device time
    moves (``SnapshotCache``).

    Parameters
    ----------
    g_prog_plus_uS, g_prog_minus_uS : numpy.ndarray
        (n_in, n_out) programmed conductances of G+ and G-, uS.
    g_max_uS : float
        Nominal maximum conductance of the preset, uS.
    read : numpy.ndarray
        Read-noise constants of ``devices.pcm.kernel_args``.

    Returns
    -------
    q_plus, q_minus : numpy.ndarray
        (n_in, n_out) Q_s of each device (dimensionless).
    """
    q_plus = np.empty(np.shape(g_prog_plus_uS))
    q_minus = np.empty(np.shape(g_prog_minus_uS))
    _flicker_kernel(g_prog_plus_uS, g_prog_minus_uS, g_max_uS, read, q_plus, q_minus)
    return q_plus, q_minus


@parallel_jit
def _snapshot_kernel(
    plus, minus, flicker, t_s, drift, read, with_drift, g_eff_uS, var_uS2, g_sum_uS
):
    """Fill g_eff_uS (G+_d - G-_d), var_uS2 (s+^2 + s-^2) and g_sum_uS (G+_d + G-_d), all
    (n_in, n_out), from the ``ReadState`` and the flicker factors of each polarity."""
    # Unpacked outside the parallel loop (see kernels.recurrent).
    g_prog_plus_uS, t_prog_plus_s, nu_plus = plus
    g_prog_minus_uS, t_prog_minus_s, nu_minus = minus
    q_plus, q_minus = flicker
    n_in, n_out = g_eff_uS.shape
    for i in numba.prange(n_in):
        for j in range(n_out):
            age_plus_s = t_s - t_prog_plus_s[i, j]
            age_minus_s = t_s - t_prog_minus_s[i, j]
            if with_drift:
                g_plus_uS = g_prog_plus_uS[i, j] * drift_factor(age_plus_s, nu_plus[i, j], drift)
                g_minus_uS = g_prog_minus_uS[i, j] * drift_factor(
                    age_minus_s, nu_minus[i, j], drift
                )
            else:
                g_plus_uS = g_prog_plus_uS[i, j]
                g_minus_uS = g_prog_minus_uS[i, j]
            g_eff_uS[i, j] = g_plus_uS - g_minus_uS
            std_plus_uS = read_noise_std_given_flicker_uS(
                g_plus_uS, q_plus[i, j], age_plus_s, drift, read
            )
            std_minus_uS = read_noise_std_given_flicker_uS(
                g_minus_uS, q_minus[i, j], age_minus_s, drift, read
            )
            var_uS2[i, j] = std_plus_uS * std_plus_uS + std_minus_uS * std_minus_uS
            g_sum_uS[i, j] = g_plus_uS + g_minus_uS


def take_snapshot(
    plus: ReadState,
    minus: ReadState,
    t_s: float,
    g_max_uS: float,
    drift,
    read,
    with_drift: bool = True,
    flicker: tuple[np.ndarray, np.ndarray] | None = None,
) -> Snapshot:
    """Read a tile's two polarities at device time ``t_s``.

    Parameters
    ----------
    plus, minus : ReadState
        (g_prog_uS, t_prog_s, nu) of G+ and G-, each (n_in, n_out).
    t_s : float
        Device time of the read, s.
    g_max_uS : float
        Nominal maximum conductance of the preset, uS.
    drift, read : tuple
        Drift and read-noise constants of ``devices.pcm.kernel_args``.
    with_drift : bool
        Apply drift from each device's programming time to ``t_s`` (default True).
    flicker : tuple of numpy.ndarray, optional
        ``flicker_factors`` of this state (computed here if not given).

    Returns
    -------
    Snapshot
        Effective conductance, read-noise variance and conductance sums at ``t_s``.
    """
    plus, minus = ReadState(*plus), ReadState(*minus)
    if flicker is None:
        flicker = flicker_factors(plus.g_prog_uS, minus.g_prog_uS, g_max_uS, read)
    shape = plus.g_prog_uS.shape
    g_eff_uS = np.empty(shape)
    var_uS2 = np.empty(shape, dtype=np.float32)
    g_sum_uS = np.empty(shape)
    _snapshot_kernel(
        plus,
        minus,
        tuple(flicker),
        float(t_s),
        drift,
        read,
        bool(with_drift),
        g_eff_uS,
        var_uS2,
        g_sum_uS,
    )
    return Snapshot(g_eff_uS, var_uS2, g_sum_uS.sum(axis=1), g_sum_uS.sum(axis=0), float(t_s))


@array_jit
def _same_arrays(a, b):
    """True if the 2-D float arrays of tuples a and b are equal element by element (NaN
    never equals), scanning until the first difference."""
    for k in range(len(a)):
        x, y = a[k], b[k]
        if x.shape != y.shape:
            return False
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                if x[i, j] != y[i, j]:
                    return False
    return True


class SnapshotCache:
    """The last snapshot of a tile, reused while neither the device time nor the state it
    was read from has changed.

    A snapshot depends only on (G_prog, t_prog, nu) of both devices and on t_s, so the cache
    keeps a copy of those six arrays and compares them with the current state on every call
    (one scan, a fraction of the cost of a snapshot); nothing relies on writers announcing
    their writes, so a state edited by hand is noticed too. The cached arrays are read-only.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._state: tuple = ()
        self._snap: Snapshot | None = None
        self._flicker: tuple | None = None

    def get(
        self, state: tuple, t_s: float, with_drift: bool, compute, flicker_of_state
    ) -> Snapshot:
        """The snapshot of ``state`` at ``t_s``: the cached one if it applies, else a fresh one,
        which reuses the cached flicker factors while neither G_prog has changed.

        Parameters
        ----------
        state : tuple of numpy.ndarray
            The six arrays a snapshot depends on: ``ReadState`` of G+, then of G-.
        t_s : float
            Device time of the read, s.
        with_drift : bool
            Whether the snapshot applies drift.
        compute : callable
            Takes a fresh snapshot, given the ``flicker_factors`` of ``state``.
        flicker_of_state : callable
            Computes the ``flicker_factors`` of ``state`` (no arguments).

        Returns
        -------
        Snapshot
            With read-only arrays.
        """
        key = (float(t_s), bool(with_drift))
        if self._snap is not None and key == self._key and _same_arrays(self._state, state):
            return self._snap
        programmed = (state[0], state[3])  # G_prog of G+ and of G-
        reusable = self._flicker is not None and _same_arrays(
            (self._state[0], self._state[3]), programmed
        )
        flicker = self._flicker if reusable else flicker_of_state()
        snap = compute(flicker)
        for arr in (*snap[:4], *flicker):
            arr.setflags(write=False)
        self._keep_state(state)
        self._key, self._snap, self._flicker = key, snap, flicker
        return snap

    def _keep_state(self, state: tuple) -> None:
        """Copy ``state`` into the kept arrays (new ones only if a shape or dtype changed: a
        fresh 3 MB copy per snapshot cost as much in page faults as a quarter of the
        snapshot)."""
        same_layout = len(self._state) == len(state) and all(
            kept.shape == a.shape and kept.dtype == a.dtype
            for kept, a in zip(self._state, state, strict=True)
        )
        if not same_layout:
            self._state = tuple(np.array(a, copy=True) for a in state)
            return
        for kept, a in zip(self._state, state, strict=True):
            np.copyto(kept, a)
