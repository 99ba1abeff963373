"""The pulse core shared by every update scheme: random-stream ids, the bit count of slot
masks, the application of a row of pulse counts to the device pairs, and the redraw of the
drift exponents of the devices an update wrote."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from devices.jit import inlined_scalar_jit, scalar_jit
from devices.pcm import DeviceArrays as DeviceArrays  # re-exported by kernels.update
from devices.pcm.physics import (
    PULSE_MODEL_EXPSTEP,
    clip_conductance_uS,
    drift_exponent,
    drift_factor,
    expstep_cell,
    expstep_exponent,
    expstep_increment_given_exp_uS,
    expstep_shape,
    one_pulse,
)
from devices.vecmath import exp

from ..rng import STREAM_PULSE, key4, next_normal, pulse_normal_pair

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
ONE = np.uint64(1)


class PulsePhysics(NamedTuple):
    """What a pulse needs besides the device state (from ``devices.pcm.kernel_args``).

    Attributes
    ----------
    amplitude : float
        Relative amplitude of the quantized pulse level, in (0, 1] (1 is the nominal pulse).
    t_s : float
        Device time of the update, s: each device is pulsed from its drifted conductance at
        this time, which becomes its programming time.
    g_min_uS, g_max_uS : float
        Minimum and nominal maximum conductance, uS.
    drift : numpy.ndarray
        Drift coefficients, ``KernelArgs.drift``.
    pulse_model : int
        ``devices.pcm.physics.PULSE_MODEL_NANDAKUMAR`` or ``PULSE_MODEL_EXPSTEP``.
    pulse : numpy.ndarray
        Pulse-response coefficients, ``KernelArgs.pulse``.
    """

    amplitude: float
    t_s: float
    g_min_uS: float
    g_max_uS: float
    drift: np.ndarray
    pulse_model: int
    pulse: np.ndarray


class RowScratch(NamedTuple):
    """Scratch arrays of ``pulse_rows`` for a block of rows, one entry per cell of the
    block unless said otherwise; the ``sorted_`` arrays and ``cell`` hold the pulsed cells
    in pulse-count order."""

    g: np.ndarray
    h: np.ndarray
    gmax: np.ndarray
    scale: np.ndarray
    keys: np.ndarray  # uint64
    order: np.ndarray  # int64
    touched_p: np.ndarray  # bool: devices of G+ written in this call
    touched_m: np.ndarray
    above: np.ndarray  # int64, MAX_SORTED_COUNT + 1: cells with more than c pulses
    slot: np.ndarray  # int64, MAX_SORTED_COUNT + 1: next place of a cell with c pulses
    sorted_g: np.ndarray
    sorted_g_hi: np.ndarray
    sorted_keys: np.ndarray  # uint64
    cell: np.ndarray  # (5, cells): devices.pcm.physics.expstep_cell coefficients
    z_even: np.ndarray  # deviates of pulse 2 p of the current pulse pair p
    z_odd: np.ndarray  # ... and of pulse 2 p + 1
    exp_value: np.ndarray


# Pulse counts up to this size are sorted in the scratch (coincidence counts are at most
# 64); a block with more pulses on one cell sorts in arrays of its own.
MAX_SORTED_COUNT = 64
# Rows whose pulses one pulse_rows call applies together: longer loops, fewer calls
# (measured on 512 x 128: blocks of 8 to 64 rows about 10 % faster than single rows).
ROWS_PER_BLOCK = 16


@scalar_jit
def empty_row_scratch(n_cells):
    """Fresh scratch for a block of n_cells cells: touched flags cleared."""
    return RowScratch(
        np.empty(n_cells),
        np.empty(n_cells),
        np.empty(n_cells),
        np.empty(n_cells),
        np.empty(n_cells, np.uint64),
        np.empty(n_cells, np.int64),
        np.zeros(n_cells, np.bool_),
        np.zeros(n_cells, np.bool_),
        np.empty(MAX_SORTED_COUNT + 1, np.int64),
        np.empty(MAX_SORTED_COUNT + 1, np.int64),
        np.empty(n_cells),
        np.empty(n_cells),
        np.empty(n_cells, np.uint64),
        np.empty((5, n_cells)),
        np.empty(n_cells),
        np.empty(n_cells),
        np.empty(n_cells),
    )


@scalar_jit
def popcount64(v):
    v = v - ((v >> ONE) & _M1)
    v = (v & _M2) + ((v >> np.uint64(2)) & _M2)
    v = (v + (v >> np.uint64(4))) & _M4
    return np.int64((v * _H01) >> np.uint64(56))


@scalar_jit
def sort_by_pulse_count(counts, c_max, scratch):
    """Counting sort of the cells with counts[j] != 0 by decreasing |counts[j]| into
    scratch.order; returns ``above``, above[c] = number of cells with more than c pulses, so
    that the cells receiving pulse k are order[:above[k]]."""
    if c_max <= MAX_SORTED_COUNT:
        above = scratch.above[: c_max + 1]
        slot = scratch.slot[: c_max + 1]
        above[:] = 0
    else:
        above = np.zeros(c_max + 1, np.int64)
        slot = np.empty(c_max + 1, np.int64)
    for j in range(counts.size):
        c = abs(counts[j])
        if c > 0:
            above[c - 1] += 1
    for c in range(c_max - 2, -1, -1):
        above[c] += above[c + 1]
    slot[:c_max] = above[1:]  # cells with count c go to order[above[c]:above[c - 1]]
    order = scratch.order
    for j in range(counts.size):
        c = abs(counts[j])
        if c > 0:
            order[slot[c - 1]] = j
            slot[c - 1] += 1
    return above


@inlined_scalar_jit
def pair_normals(sorted_keys, pair, m, z_even, z_odd):
    """z_even[idx], z_odd[idx] = the deviates of pulses 2 pair and 2 pair + 1 of the cell
    in place idx < m: ``kernels.rng.pulse_normal_pair``, in one loop that vectorises."""
    for idx in range(m):
        z_even[idx], z_odd[idx] = pulse_normal_pair(sorted_keys[idx], pair)


@inlined_scalar_jit
def expstep_pulse_pass(shape, scratch, m, z, g_min_uS):
    """One exp-step pulse on each of the first m sorted cells, with deviates z: the exps
    in one loop and the rest in another, both vectorised; the same operations as
    ``devices.pcm.physics.one_pulse`` (tests/naive.py checks this bit for bit)."""
    g, g_hi, cell, e = scratch.sorted_g, scratch.sorted_g_hi, scratch.cell, scratch.exp_value
    for idx in range(m):
        e[idx] = exp(expstep_exponent((cell[0, idx], cell[1, idx]), g[idx]))
    for idx in range(m):
        coefficients = (cell[0, idx], cell[1, idx], cell[2, idx], cell[3, idx], cell[4, idx])
        dg = expstep_increment_given_exp_uS(shape, coefficients, g[idx], e[idx], z[idx])
        g[idx] = clip_conductance_uS(g[idx] + dg, g_min_uS, g_hi[idx])


@scalar_jit
def expstep_pulses(n, above, c_max, phys, scratch):
    """The pulses of the n sorted cells of a block under the exponential-step response,
    pulse pair by pulse pair: the pair's deviates, then pulse 2 p on the cells that receive
    it, then pulse 2 p + 1. Per-cell coefficients (``expstep_cell``) are computed once per
    call. The exp-step response leaves the pulse history unchanged."""
    order, g, gmax, scale = scratch.order, scratch.g, scratch.gmax, scratch.scale
    pulse = phys.pulse
    for idx in range(n):
        j = order[idx]
        scratch.sorted_g[idx] = g[j]
        scratch.sorted_g_hi[idx] = gmax[j]
        scratch.sorted_keys[idx] = scratch.keys[j]
        coefficients = expstep_cell(pulse, gmax[j], phys.g_max_uS, phys.amplitude, scale[j])
        for f in range(5):
            scratch.cell[f, idx] = coefficients[f]
    shape = expstep_shape(pulse)
    for pair in range((c_max + 1) // 2):
        m_even = above[2 * pair]
        m_odd = above[2 * pair + 1] if 2 * pair + 1 < c_max else 0
        pair_normals(scratch.sorted_keys, pair, m_even, scratch.z_even, scratch.z_odd)
        expstep_pulse_pass(shape, scratch, m_even, scratch.z_even, phys.g_min_uS)
        expstep_pulse_pass(shape, scratch, m_odd, scratch.z_odd, phys.g_min_uS)
    for idx in range(n):
        g[order[idx]] = scratch.sorted_g[idx]


@scalar_jit
def general_pulses(n, above, c_max, phys, scratch):
    """The pulses of the n sorted cells of a block through ``devices.pcm.physics.one_pulse``
    (any pulse model), pulse pair by pulse pair."""
    order, g, h, gmax, scale = scratch.order, scratch.g, scratch.h, scratch.gmax, scratch.scale
    for idx in range(n):
        scratch.sorted_keys[idx] = scratch.keys[order[idx]]
    for pair in range((c_max + 1) // 2):
        m_even = above[2 * pair]
        m_odd = above[2 * pair + 1] if 2 * pair + 1 < c_max else 0
        pair_normals(scratch.sorted_keys, pair, m_even, scratch.z_even, scratch.z_odd)
        for m, z in ((m_even, scratch.z_even), (m_odd, scratch.z_odd)):
            for idx in range(m):
                j = order[idx]
                g[j], h[j] = one_pulse(
                    phys.pulse_model,
                    phys.pulse,
                    g[j],
                    phys.g_min_uS,
                    gmax[j],
                    phys.g_max_uS,
                    h[j],
                    phys.amplitude,
                    scale[j],
                    z[idx],
                )


@scalar_jit
def pulse_rows(i0, counts, key_base, seed, step, plus, minus, phys, scratch):
    """Apply |counts[q]| pulses to cell q of the block of rows from i0 (cell q is device
    (i0 + q // n_out, q % n_out), so counts holds whole rows): on G+ where counts[q] > 0,
    on G- where counts[q] < 0; each device starts from its drifted conductance at t_s.
    Pulse k of cell q takes the deviate ``pulse_normal(key, k)`` of the stream state keyed
    (seed, STREAM_PULSE, step, key_base + q). Stuck devices get their counts set to 0.

    Pulses are applied pulse index by pulse index across the block, so that the independent
    per-cell dependency chains overlap in the processor and the loops are long; the cells
    are first sorted by decreasing pulse count (a counting sort), so that the cells still
    receiving pulse k are a prefix and the inner loops have no unpredictable branch.
    ``scratch`` is a ``RowScratch`` of at least counts.size cells; ``plus``/``minus`` are
    ``DeviceArrays``, ``phys`` ``PulsePhysics``."""
    gp, tp, nup, hp, fp, gmaxp, sp = plus
    gm, tm, num, hm, fm, gmaxm, sm = minus
    t_s, drift = phys.t_s, phys.drift
    g, h, gmax, scale, keys = scratch.g, scratch.h, scratch.gmax, scratch.scale, scratch.keys
    touched_p, touched_m = scratch.touched_p, scratch.touched_m
    n_out = gp.shape[1]
    c_max = 0
    for r in range(counts.size // n_out):
        i = i0 + r
        for j in range(n_out):
            q = r * n_out + j
            c = counts[q]
            if c == 0:
                continue
            # The G+ and G- gathers are written out twice on purpose: sharing them through
            # a helper made this loop 1.8x slower.
            if c > 0:
                touched_p[q] = True
                ok = fp[i, j] == 0
                g[q] = gp[i, j] * drift_factor(t_s - tp[i, j], nup[i, j], drift)
                h[q] = hp[i, j]
                gmax[q] = gmaxp[i, j]
                scale[q] = sp[i, j]
            else:
                c = -c
                touched_m[q] = True
                ok = fm[i, j] == 0
                g[q] = gm[i, j] * drift_factor(t_s - tm[i, j], num[i, j], drift)
                h[q] = hm[i, j]
                gmax[q] = gmaxm[i, j]
                scale[q] = sm[i, j]
            if not ok:  # a stuck device receives its pulses without effect
                counts[q] = 0
                continue
            keys[q] = key4(seed, STREAM_PULSE, step, key_base + q)
            c_max = max(c_max, c)
    if c_max > 0:
        above = sort_by_pulse_count(counts, c_max, scratch)
        if phys.pulse_model == PULSE_MODEL_EXPSTEP:
            expstep_pulses(above[0], above, c_max, phys, scratch)
        else:
            general_pulses(above[0], above, c_max, phys, scratch)
    for r in range(counts.size // n_out):
        i = i0 + r
        for j in range(n_out):
            q = r * n_out + j
            if counts[q] > 0:
                gp[i, j] = g[q]
                tp[i, j] = t_s
                hp[i, j] = h[q]
            elif counts[q] < 0:
                gm[i, j] = g[q]
                tm[i, j] = t_s
                hm[i, j] = h[q]


@scalar_jit
def add_row_totals(counts, n_out, i0, pulses_plus, pulses_minus):
    """Add the pulses in counts, whole rows of n_out cells from row i0, to the per-row
    totals: positive counts to pulses_plus[i], negative ones to pulses_minus[i]."""
    for r in range(counts.size // n_out):
        n_plus = 0
        n_minus = 0
        for j in range(n_out):
            c = counts[r * n_out + j]
            n_plus += max(c, 0)
            n_minus += max(-c, 0)
        pulses_plus[i0 + r] += n_plus
        pulses_minus[i0 + r] += n_minus


@scalar_jit
def redraw_exponent(g_prog, nu, fault, i, j, g_max_uS, drift, state):
    if fault[i, j] != 0:
        return state
    z, state = next_normal(state)
    nu[i, j] = drift_exponent(g_prog[i, j] / g_max_uS, drift, z)
    return state


@scalar_jit
def redraw_rows(i0, scratch, key_base, seed, step, plus, minus, phys):
    """Draw new drift exponents for the devices of the block of rows from i0 that the
    ``pulse_rows`` calls with this ``scratch`` wrote (cell q = device (i0 + q // n_out,
    q % n_out); once per update call, from the stream keyed (seed, STREAM_PULSE, step,
    key_base + q))."""
    touched_p, touched_m = scratch.touched_p, scratch.touched_m
    g_max_uS, drift = phys.g_max_uS, phys.drift
    gp, nup, fp = plus.g_prog_uS, plus.nu, plus.fault
    gm, num, fm = minus.g_prog_uS, minus.nu, minus.fault
    n_out = gp.shape[1]
    for q in range(touched_p.size):
        if touched_p[q] or touched_m[q]:
            i, j = i0 + q // n_out, q % n_out
            state = key4(seed, STREAM_PULSE, step, key_base + q)
            if touched_p[q]:
                state = redraw_exponent(gp, nup, fp, i, j, g_max_uS, drift, state)
            if touched_m[q]:
                state = redraw_exponent(gm, num, fm, i, j, g_max_uS, drift, state)
