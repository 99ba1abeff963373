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
    """What a refresh needs besides the device state (from ``devices.pcm.kernel_args``)."""

    t_s: float  # device time of the refresh
    g_min_uS: float
    g_max_uS: float
    drift: np.ndarray
    read: np.ndarray  # read-noise parameter vector
    prog: np.ndarray  # programming-noise parameter vector
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
def refresh_pairs(upper_frac, lower_frac, seed, step, plus, minus, phys, refreshed, read_g_sum):
    """Refresh pairs whose larger drifted conductance exceeds upper_frac G_max while the
    smaller exceeds lower_frac G_max (aihwkit ``OneSidedUnitCell``): read both (with read
    noise), RESET both, program |G+ - G-| onto the device of its sign. refreshed[i] counts
    the refreshed pairs of row i (each: 2 reads, 2 RESETs, 1 program) and read_g_sum[i] the
    conductance they read (for the read energy). ``plus`` / ``minus``: ``DeviceArrays``;
    ``phys``: ``RefreshPhysics``."""
    gp, tp, nup = plus.g_prog_uS, plus.t_prog_s, plus.nu
    gm, tm, num = minus.g_prog_uS, minus.t_prog_s, minus.nu
    t_s, g_max_uS, drift, read = phys.t_s, phys.g_max_uS, phys.drift, phys.read
    n_in, n_out = gp.shape
    for i in numba.prange(n_in):
        count = 0
        g_read = 0.0
        for j in range(n_out):
            gdp = gp[i, j] * drift_factor(t_s - tp[i, j], nup[i, j], drift)
            gdm = gm[i, j] * drift_factor(t_s - tm[i, j], num[i, j], drift)
            hi = max(gdp, gdm)
            lo = min(gdp, gdm)
            if not (hi > upper_frac * g_max_uS and lo > lower_frac * g_max_uS):
                continue
            count += 1
            g_read += gdp + gdm
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
        read_g_sum[i] = g_read
