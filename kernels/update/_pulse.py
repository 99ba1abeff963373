"""The pulse core shared by every update scheme: random-stream ids, the bit count of slot
masks, the application of a row of pulse counts to the device pairs, and the redraw of the
drift exponents of the devices an update wrote."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from devices.jit import scalar_jit
from devices.pcm import DeviceArrays as DeviceArrays  # re-exported by kernels.update
from devices.pcm.physics import (
    ES_A,
    ES_AMP,
    ES_B,
    ES_DW_MIN,
    ES_GAMMA,
    ES_STD,
    ES_STD_ADD,
    ES_STD_SLOPE,
    ES_W_RANGE,
    PULSE_MODEL_EXPSTEP,
    drift_exponent,
    drift_factor,
    one_pulse,
)

from ..rng import STREAM_PULSE, counter_word, key4, next_normal, ziggurat_first, ziggurat_rest

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
ONE = np.uint64(1)


class PulsePhysics(NamedTuple):
    """What a pulse needs besides the device state (from ``devices.pcm.kernel_args``)."""

    amplitude: float  # relative amplitude of the quantized pulse level
    t_s: float  # device time of the update
    g_min_uS: float
    g_max_uS: float
    drift: np.ndarray  # drift parameter vector
    pulse_model: int
    pulse: np.ndarray  # pulse parameter vector


class RowScratch(NamedTuple):
    """Per-row scratch arrays of ``pulse_row`` (n_out entries each)."""

    g: np.ndarray
    h: np.ndarray
    gmax: np.ndarray
    scale: np.ndarray
    keys: np.ndarray  # uint64
    order: np.ndarray  # int64
    touched_p: np.ndarray  # bool: devices of G+ written in this call
    touched_m: np.ndarray


@scalar_jit
def empty_row_scratch(n_out):
    """Fresh scratch for one row: touched flags cleared."""
    return RowScratch(
        np.empty(n_out),
        np.empty(n_out),
        np.empty(n_out),
        np.empty(n_out),
        np.empty(n_out, np.uint64),
        np.empty(n_out, np.int64),
        np.zeros(n_out, np.bool_),
        np.zeros(n_out, np.bool_),
    )


@scalar_jit
def popcount64(v):
    v = v - ((v >> ONE) & _M1)
    v = (v & _M2) + ((v >> np.uint64(2)) & _M2)
    v = (v + (v >> np.uint64(4))) & _M4
    return np.int64((v * _H01) >> np.uint64(56))


@scalar_jit
def expstep_pulses(g, gmax, scale, keys, order, above, c_max, pulse, amplitude, g_min_uS, g_max_uS):
    """The pulses of one row under the exponential-step response, in passes the compiler can
    vectorise. For cell order[idx] and pulse k < c_max while idx < above[k]: the deviate
    ``normal_at(keys[j], k)`` and ``devices.pcm.physics.one_pulse`` with PULSE_MODEL_EXPSTEP,
    the same operations in the same order (tests/naive.py checks this bit for bit), with
    what is constant per call (the weight unit) or per cell (its range in weight units, its
    mean step) computed once, and the one ``exp`` per pulse in a pass of its own so that the
    passes around it vectorise. The exp-step response leaves the pulse history unchanged."""
    n = above[0]
    g_unit = g_max_uS / pulse[ES_W_RANGE]
    two_a = 2.0 * pulse[ES_A]
    b, gamma, amp = pulse[ES_B], pulse[ES_GAMMA], pulse[ES_AMP]
    std, std_add, std_slope = pulse[ES_STD], pulse[ES_STD_ADD], pulse[ES_STD_SLOPE]
    # Cells in pulse-count order, contiguous: the cells still pulsing at k are a prefix.
    gs = np.empty(n)
    w_max_dev = np.empty(n)
    g_hi = np.empty(n)
    dw_step = np.empty(n)
    key = np.empty(n, np.uint64)
    w = np.empty(n)
    e = np.empty(n)
    z = np.empty(n)
    for idx in range(n):
        j = order[idx]
        gs[idx] = g[j]
        g_hi[idx] = gmax[j]
        w_max_dev[idx] = gmax[j] / g_unit
        dw_step[idx] = pulse[ES_DW_MIN] * scale[j]
        key[idx] = keys[j]
    for k in range(c_max):
        m = above[k]
        for idx in range(m):
            x, accepted = ziggurat_first(counter_word(key[idx], k))
            z[idx] = x if accepted else math.nan
        for idx in range(m):
            if z[idx] != z[idx]:  # the rare rejected first attempt
                z[idx] = ziggurat_rest(counter_word(key[idx], k))
        for idx in range(m):
            wi = gs[idx] / g_unit
            w[idx] = wi
            e[idx] = gamma * (two_a * wi / w_max_dev[idx] + b)
        for idx in range(m):
            e[idx] = math.exp(e[idx])
        for idx in range(m):
            y = max(1.0 - amp * e[idx], 0.0)
            dw = dw_step[idx] * y
            dw_std = std * (abs(dw) + std_add + std_slope * abs(w[idx]))
            dg = amplitude * (dw + dw_std * z[idx]) * g_unit
            gs[idx] = min(max(gs[idx] + dg, g_min_uS), g_hi[idx])
    for idx in range(n):
        g[order[idx]] = gs[idx]


@scalar_jit
def pulse_row(i, counts, key_base, seed, step, plus, minus, phys, scratch):
    """Apply |counts[j]| pulses to cell (i, j) of row i: on G+ where counts[j] > 0, on G-
    where counts[j] < 0; each device starts from its drifted conductance at t_s. Pulse k of
    cell j takes the deviate ``normal_at(key, k)`` of the stream state key keyed (seed,
    STREAM_PULSE, step, key_base + j).

    Pulses are applied pulse index by pulse index across the row, so that the independent
    per-cell dependency chains overlap in the processor; the cells are first sorted by
    decreasing pulse count (a counting sort), so that the cells still receiving pulse k are
    a prefix of ``order`` and the inner loop has no unpredictable branch. g, h, gmax, scale
    (float64), keys (uint64) and order (int64) of ``scratch`` (``RowScratch``) are per-row
    arrays of n_out entries; ``plus``/``minus`` are ``DeviceArrays``, ``phys``
    ``PulsePhysics``. Returns (pulses on G+, on G-)."""
    gp, tp, nup, hp, fp, gmaxp, sp = plus
    gm, tm, num, hm, fm, gmaxm, sm = minus
    amplitude, t_s, g_min_uS, g_max_uS, drift, pulse_model, pulse = phys
    g, h, gmax, scale, keys, order, touched_p, touched_m = scratch
    n_out = counts.size
    total_p = 0
    total_m = 0
    c_max = 0
    for j in range(n_out):
        c = counts[j]
        if c == 0:
            continue
        if c > 0:
            total_p += c
            touched_p[j] = True
            ok = fp[i, j] == 0
            g[j] = gp[i, j] * drift_factor(t_s - tp[i, j], nup[i, j], drift)
            h[j] = hp[i, j]
            gmax[j] = gmaxp[i, j]
            scale[j] = sp[i, j]
        else:
            c = -c
            total_m += c
            touched_m[j] = True
            ok = fm[i, j] == 0
            g[j] = gm[i, j] * drift_factor(t_s - tm[i, j], num[i, j], drift)
            h[j] = hm[i, j]
            gmax[j] = gmaxm[i, j]
            scale[j] = sm[i, j]
        if not ok:  # a stuck device receives its pulses without effect
            counts[j] = 0
            continue
        keys[j] = key4(seed, STREAM_PULSE, step, key_base + j)
        c_max = max(c_max, c)
    # above[c]: number of live cells receiving more than c pulses.
    above = np.zeros(c_max + 1, np.int64)
    for j in range(n_out):
        c = abs(counts[j])
        if c > 0:
            above[c - 1] += 1
    for c in range(c_max - 2, -1, -1):
        above[c] += above[c + 1]
    slot = above[1:].copy()  # cells with count c go to order[above[c]:above[c - 1]]
    for j in range(n_out):
        c = abs(counts[j])
        if c > 0:
            order[slot[c - 1]] = j
            slot[c - 1] += 1
    if pulse_model == PULSE_MODEL_EXPSTEP:
        expstep_pulses(
            g, gmax, scale, keys, order, above, c_max, pulse, amplitude, g_min_uS, g_max_uS
        )
    else:
        for k in range(c_max):
            for idx in range(above[k]):
                j = order[idx]
                v = counter_word(keys[j], k)
                x, accepted = ziggurat_first(v)
                z = x if accepted else ziggurat_rest(v)
                g[j], h[j] = one_pulse(
                    pulse_model,
                    pulse,
                    g[j],
                    g_min_uS,
                    gmax[j],
                    g_max_uS,
                    h[j],
                    amplitude,
                    scale[j],
                    z,
                )
    for j in range(n_out):
        if counts[j] > 0:
            gp[i, j] = g[j]
            tp[i, j] = t_s
            hp[i, j] = h[j]
        elif counts[j] < 0:
            gm[i, j] = g[j]
            tm[i, j] = t_s
            hm[i, j] = h[j]
    return total_p, total_m


@scalar_jit
def redraw_exponent(g_prog, nu, fault, i, j, g_max_uS, drift, state):
    if fault[i, j] != 0:
        return state
    z, state = next_normal(state)
    nu[i, j] = drift_exponent(g_prog[i, j] / g_max_uS, drift, z)
    return state


@scalar_jit
def redraw_row(i, touched_p, touched_m, key_base, seed, step, plus, minus, g_max_uS, drift):
    """Draw new drift exponents for the devices of row i written by an update (once per
    update call, from the stream keyed (seed, STREAM_PULSE, step, key_base + j))."""
    gp, nup, fp = plus.g_prog_uS, plus.nu, plus.fault
    gm, num, fm = minus.g_prog_uS, minus.nu, minus.fault
    for j in range(touched_p.size):
        if touched_p[j] or touched_m[j]:
            state = key4(seed, STREAM_PULSE, step, key_base + j)
            if touched_p[j]:
                state = redraw_exponent(gp, nup, fp, i, j, g_max_uS, drift, state)
            if touched_m[j]:
                state = redraw_exponent(gm, num, fm, i, j, g_max_uS, drift, state)
