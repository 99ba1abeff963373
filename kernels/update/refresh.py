"""Refresh of saturated pairs: read both devices, RESET both, reprogram the difference."""

from __future__ import annotations

import numba

from devices.jit import parallel_jit, scalar_jit
from devices.pcm.physics import (
    drift_exponent,
    drift_factor,
    programmed_conductance_uS,
    read_conductance_uS,
    read_noise_std_uS,
    reset_conductance_uS,
)

from ..rng import key4, next_normal
from ._pulse import STREAM_REFRESH


# Refresh ----
@scalar_jit
def rewrite_device(
    g,
    t,
    nu,
    h,
    f,
    gmx,
    i,
    j,
    target_uS,
    t_s,
    g_min_uS,
    g_max_uS,
    drift,
    prog,
    reset_mean_uS,
    reset_std_uS,
    state,
):
    """RESET device (i, j), then program it to target_uS (one-shot, with programming noise)
    unless the target is 0; the target is clipped to the device's own range [g_min_uS,
    gmx[i, j]] and so is the programmed conductance. Draws its three deviates even for a
    stuck device, so the streams of the other devices do not depend on faults. Returns the
    stream state."""
    z_reset, state = next_normal(state)
    z_prog, state = next_normal(state)
    z_nu, state = next_normal(state)
    if f[i, j] != 0:
        return state
    if target_uS > 0.0:
        target = min(max(target_uS, g_min_uS), gmx[i, j])
        g[i, j] = programmed_conductance_uS(target, g_min_uS, gmx[i, j], g_max_uS, prog, z_prog)
        h[i, j] = 0.0
        nu[i, j] = drift_exponent(target / g_max_uS, drift, z_nu)
    else:
        g[i, j] = reset_conductance_uS(reset_mean_uS, reset_std_uS, g_min_uS, gmx[i, j], z_reset)
        h[i, j] = 1.0
        nu[i, j] = drift_exponent(g[i, j] / g_max_uS, drift, z_nu)
    t[i, j] = t_s
    return state


@parallel_jit
def refresh_pairs(
    upper_frac,
    lower_frac,
    seed,
    step,
    gp,
    tp,
    nup,
    hp,
    fp,
    gmaxp,
    gm,
    tm,
    num,
    hm,
    fm,
    gmaxm,
    t_s,
    g_min_uS,
    g_max_uS,
    drift,
    read,
    prog,
    reset_mean_uS,
    reset_std_uS,
    refreshed,
    read_g_sum,
):
    """Refresh pairs whose larger drifted conductance exceeds upper_frac G_max while the
    smaller exceeds lower_frac G_max (aihwkit ``OneSidedUnitCell``): read both (with read
    noise), RESET both, program |G+ - G-| onto the device of its sign. refreshed[i] counts
    the refreshed pairs of row i (each: 2 reads, 2 RESETs, 1 program) and read_g_sum[i] the
    conductance they read (for the read energy)."""
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
            state = rewrite_device(
                gp,
                tp,
                nup,
                hp,
                fp,
                gmaxp,
                i,
                j,
                diff if diff > 0 else 0.0,
                t_s,
                g_min_uS,
                g_max_uS,
                drift,
                prog,
                reset_mean_uS,
                reset_std_uS,
                state,
            )
            state = rewrite_device(
                gm,
                tm,
                num,
                hm,
                fm,
                gmaxm,
                i,
                j,
                -diff if diff < 0 else 0.0,
                t_s,
                g_min_uS,
                g_max_uS,
                drift,
                prog,
                reset_mean_uS,
                reset_std_uS,
                state,
            )
        refreshed[i] = count
        read_g_sum[i] = g_read
