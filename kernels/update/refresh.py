"""Refresh of saturated pairs: read both devices, RESET both, reprogram the difference."""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from devices.jit import parallel_jit, scalar_jit
from devices.pcm.physics import (
    drift_exponent,
    drift_factor,
    programmed_conductance_uS,
    read_conductance_uS,
    read_noise_std_uS,
    reset_conductance_uS,
)

from ..rng import STREAM_REFRESH, key4, next_normal


class RefreshPhysics(NamedTuple):
    """What a refresh needs besides the device state (from ``devices.pcm.kernel_args``).

    Attributes
    ----------
    t_s : float
        Device time of the refresh, s: the time of its reads and of the rewrites.
    g_min_uS, g_max_uS : float
        Minimum and nominal maximum conductance, uS.
    drift : numpy.ndarray
        Drift coefficients, ``KernelArgs.drift``.
    read : numpy.ndarray
        Read-noise coefficients, ``KernelArgs.read``.
    prog : numpy.ndarray
        Programming-noise coefficients, ``KernelArgs.prog``.
    reset_mean_uS, reset_std_uS : float
        Conductance distribution after a RESET, uS.
    """

    t_s: float
    g_min_uS: float
    g_max_uS: float
    drift: np.ndarray
    read: np.ndarray
    prog: np.ndarray
    reset_mean_uS: float
    reset_std_uS: float


# Refresh ----
@scalar_jit
def _rewrite_device(dev, i, j, target_uS, phys, state):
    """RESET device (i, j) of ``dev`` (``DeviceArrays``), then program it to target_uS
    (one-shot, with programming noise) unless the target is 0; the target is clipped to the
    device's own range [g_min_uS, its G_max] and so is the programmed conductance. Draws its
    three deviates even for a stuck device, so the streams of the other devices do not
    depend on faults. Returns the stream state."""
    g, t, nu, h, f, gmx = dev.g_prog_uS, dev.t_prog_s, dev.nu, dev.history, dev.fault, dev.g_max_uS
    z_reset, state = next_normal(state)
    z_prog, state = next_normal(state)
    z_nu, state = next_normal(state)
    if f[i, j] != 0:
        return state
    if target_uS > 0.0:
        target = min(max(target_uS, phys.g_min_uS), gmx[i, j])
        g[i, j] = programmed_conductance_uS(
            target, phys.g_min_uS, gmx[i, j], phys.g_max_uS, phys.prog, z_prog
        )
        h[i, j] = 0.0
        nu[i, j] = drift_exponent(target / phys.g_max_uS, phys.drift, z_nu)
    else:
        g[i, j] = reset_conductance_uS(
            phys.reset_mean_uS, phys.reset_std_uS, phys.g_min_uS, gmx[i, j], z_reset
        )
        h[i, j] = 1.0
        nu[i, j] = drift_exponent(g[i, j] / phys.g_max_uS, phys.drift, z_nu)
    t[i, j] = phys.t_s
    return state


@parallel_jit
def refresh_pairs(upper_frac, lower_frac, seed, step, plus, minus, phys, refreshed, read_g_sum_uS):
    """Refresh the pairs that have drifted towards saturation: read both devices, RESET
    both, program |G+ - G-| onto the device of its sign (aihwkit ``OneSidedUnitCell``).

    A pair (i, j) is refreshed when its larger drifted conductance exceeds upper_frac G_max
    while the smaller exceeds lower_frac G_max: 2 reads (with read noise), 2 RESETs and the
    program of the read difference. Rows run in parallel; pair (i, j) draws from the stream
    keyed (seed, STREAM_REFRESH, step, i n_out + j): its two read deviates, then three
    deviates for the rewrite of G+ and three for that of G-, drawn even for a stuck device
    (left unchanged), so that a fault of G+ does not shift the draws of G-.

    Parameters
    ----------
    upper_frac, lower_frac : float
        Thresholds of the larger and the smaller drifted conductance, as fractions of the
        nominal G_max (0 <= lower_frac <= upper_frac <= 1).
    seed, step : int
        Key of the refresh stream (>= 0).
    plus, minus : DeviceArrays
        (n_in, n_out) state of G+ and G-, rewritten in place.
    phys : RefreshPhysics
        Time of the refresh and the device physics.
    refreshed : numpy.ndarray
        (n_in,) int64, written: the number of pairs refreshed in row i.
    read_g_sum_uS : numpy.ndarray
        (n_in,) float64, written: the sum of the drifted conductances G+_d + G-_d of the
        pairs refreshed in row i, uS (what the energy of their reads depends on).
    """
    gp, tp, nup = plus.g_prog_uS, plus.t_prog_s, plus.nu
    gm, tm, num = minus.g_prog_uS, minus.t_prog_s, minus.nu
    t_s, g_max_uS, drift, read = phys.t_s, phys.g_max_uS, phys.drift, phys.read
    n_in, n_out = gp.shape
    for i in numba.prange(n_in):
        count = 0
        g_read_uS = 0.0
        for j in range(n_out):
            gdp = gp[i, j] * drift_factor(t_s - tp[i, j], nup[i, j], drift)
            gdm = gm[i, j] * drift_factor(t_s - tm[i, j], num[i, j], drift)
            hi = max(gdp, gdm)
            lo = min(gdp, gdm)
            if not (hi > upper_frac * g_max_uS and lo > lower_frac * g_max_uS):
                continue
            count += 1
            g_read_uS += gdp + gdm
            state = key4(seed, STREAM_REFRESH, step, i * n_out + j)
            z, state = next_normal(state)
            rp = read_conductance_uS(
                gdp, read_noise_std_uS(gdp, gp[i, j], g_max_uS, t_s - tp[i, j], drift, read), z
            )
            z, state = next_normal(state)
            rm = read_conductance_uS(
                gdm, read_noise_std_uS(gdm, gm[i, j], g_max_uS, t_s - tm[i, j], drift, read), z
            )
            diff = rp - rm
            state = _rewrite_device(plus, i, j, diff if diff > 0 else 0.0, phys, state)
            state = _rewrite_device(minus, i, j, -diff if diff < 0 else 0.0, phys, state)
        refreshed[i] = count
        read_g_sum_uS[i] = g_read_uS
