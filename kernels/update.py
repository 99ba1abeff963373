"""On-chip weight updates as programming pulses on a differential pair (G+, G-).

A desired change of W (proportional to G+ - G-) never becomes a float write: it becomes an
integer number of partial-SET pulses on G+ (to increase W) or on G- (to decrease it), each
pulse applied through the device pulse model of ``devices.pcm.physics`` (state dependent,
noisy, at a quantized amplitude). Schemes:

- stochastic pulse coincidence (aihwkit's bit-line scheme): per sample, BL pulse slots;
  row i fires in a slot with probability min(1, B |x_i|), column j with min(1, A |d_j|);
  a cell gets one pulse per coincidence, on G+ if x_i d_j > 0 else on G-;
- deterministic quantized pulses: round (or stochastically round) the desired change to a
  capped pulse count;
- mixed precision (Nandakumar et al., Front. Neurosci. 2020): a digital accumulator chi per
  synapse; pulses fire when |chi| >= epsilon and chi is decremented by what was applied;
- pair-based STDP producing a desired change that either of the two above turns into pulses;
- refresh of saturated pairs: read both, RESET both, reprogram the difference.

A tile's device state is two sets of 2-D arrays (one per polarity), as in
``devices.pcm.PCMState``; ``kernels.tile`` packs them. Random numbers are counter-based:
the pulses of cell (i, j) for sample b come from the stream keyed (seed, stream, step, ...),
so results do not depend on the number of threads.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from devices.jit import array_jit, parallel_jit, scalar_jit
from devices.pcm.physics import (
    drift_exponent,
    drift_factor,
    one_pulse,
    programmed_conductance_uS,
    read_conductance_uS,
    read_noise_std_uS,
    reset_conductance_uS,
)

from .rng import counter_word, key4, next_normal, next_uniform, ziggurat_first, ziggurat_rest

STREAM_ROW_BITS = 11
STREAM_COL_BITS = 12
STREAM_PULSE = 13
STREAM_ROUND = 14
STREAM_REFRESH = 15

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_ONE = np.uint64(1)


@scalar_jit
def popcount64(v):
    v = v - ((v >> _ONE) & _M1)
    v = (v & _M2) + ((v >> np.uint64(2)) & _M2)
    v = (v + (v >> np.uint64(4))) & _M4
    return np.int64((v * _H01) >> np.uint64(56))


@scalar_jit
def pulse_row(
    i,
    counts,
    key_base,
    seed,
    step,
    gp,
    tp,
    nup,
    hp,
    fp,
    gmaxp,
    sp,
    gm,
    tm,
    num,
    hm,
    fm,
    gmaxm,
    sm,
    amplitude,
    t_s,
    g_min_uS,
    g_max_uS,
    drift,
    pulse_model,
    pulse,
    g,
    h,
    gmax,
    scale,
    keys,
    order,
    touched_p,
    touched_m,
):
    """Apply |counts[j]| pulses to cell (i, j) of row i: on G+ where counts[j] > 0, on G-
    where counts[j] < 0; each device starts from its drifted conductance at t_s. Pulse k of
    cell j takes the deviate ``normal_at(key, k)`` of the stream state key keyed (seed,
    STREAM_PULSE, step, key_base + j).

    Pulses are applied pulse index by pulse index across the row, so that the independent
    per-cell dependency chains overlap in the processor; the cells are first sorted by
    decreasing pulse count (a counting sort), so that the cells still receiving pulse k are
    a prefix of ``order`` and the inner loop has no unpredictable branch. g, h, gmax, scale
    (float64), keys (uint64) and order (int64) are per-row scratch arrays of n_out entries.
    Returns (pulses on G+, on G-)."""
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
def redraw_row(
    i, touched_p, touched_m, key_base, seed, step, gp, nup, fp, gm, num, fm, g_max_uS, drift
):
    """Draw new drift exponents for the devices of row i written by an update (once per
    update call, from the stream keyed (seed, STREAM_PULSE, step, key_base + j))."""
    for j in range(touched_p.size):
        if touched_p[j] or touched_m[j]:
            state = key4(seed, STREAM_PULSE, step, key_base + j)
            if touched_p[j]:
                state = redraw_exponent(gp, nup, fp, i, j, g_max_uS, drift, state)
            if touched_m[j]:
                state = redraw_exponent(gm, num, fm, i, j, g_max_uS, drift, state)


# Stochastic pulse coincidence ----------------------------------------------------------------
@parallel_jit
def pulse_masks(values, prob_scale, bl, seed, step, stream, masks):
    """masks[b, i]: bit k set with probability min(1, prob_scale[b] |values[b, i]|) for the
    bl[b] slots of sample b."""
    batch, n = values.shape
    for b in numba.prange(batch):
        for i in range(n):
            p = min(1.0, prob_scale[b] * abs(values[b, i]))
            m = np.uint64(0)
            if p > 0.0:
                state = key4(seed, stream, step, b * n + i)
                for k in range(bl[b]):
                    u, state = next_uniform(state)
                    if u < p:
                        m |= _ONE << np.uint64(k)
            masks[b, i] = m


@parallel_jit
def coincidence_apply(
    x_masks,
    d_masks,
    x,
    d,
    seed,
    step,
    gp,
    tp,
    nup,
    hp,
    fp,
    gmaxp,
    sp,
    gm,
    tm,
    num,
    hm,
    fm,
    gmaxm,
    sm,
    amplitude,
    t_s,
    g_min_uS,
    g_max_uS,
    drift,
    pulse_model,
    pulse,
    pulses_plus,
    pulses_minus,
):
    """Apply the coincidences of the slot masks, sample after sample. Rows are independent,
    so they run in parallel; per-row pulse totals go to pulses_plus / pulses_minus."""
    batch, n_in = x_masks.shape
    n_out = d_masks.shape[1]
    for i in numba.prange(n_in):
        counts = np.zeros(n_out, np.int64)
        g = np.empty(n_out)
        h = np.empty(n_out)
        gmax = np.empty(n_out)
        scale = np.empty(n_out)
        keys = np.empty(n_out, np.uint64)
        order = np.empty(n_out, np.int64)
        touched_p = np.zeros(n_out, np.bool_)
        touched_m = np.zeros(n_out, np.bool_)
        total_p = 0
        total_m = 0
        for b in range(batch):
            xm = x_masks[b, i]
            if xm == 0:
                continue
            x_positive = x[b, i] > 0
            for j in range(n_out):
                c = popcount64(xm & d_masks[b, j])
                counts[j] = c if x_positive == (d[b, j] > 0) else -c
            n_p, n_m = pulse_row(
                i,
                counts,
                (b * n_in + i) * n_out,
                seed,
                step,
                gp,
                tp,
                nup,
                hp,
                fp,
                gmaxp,
                sp,
                gm,
                tm,
                num,
                hm,
                fm,
                gmaxm,
                sm,
                amplitude,
                t_s,
                g_min_uS,
                g_max_uS,
                drift,
                pulse_model,
                pulse,
                g,
                h,
                gmax,
                scale,
                keys,
                order,
                touched_p,
                touched_m,
            )
            total_p += n_p
            total_m += n_m
        redraw_row(
            i,
            touched_p,
            touched_m,
            (batch * n_in + i) * n_out,
            seed,
            step,
            gp,
            nup,
            fp,
            gm,
            num,
            fm,
            g_max_uS,
            drift,
        )
        pulses_plus[i] = total_p
        pulses_minus[i] = total_m


def coincidence_probabilities(
    x: np.ndarray,
    d: np.ndarray,
    lr: float,
    dw_min_uS: float,
    bl_max: int,
    update_management: bool = True,
    bl_management: bool = True,
):
    """Per-sample slot count and firing-probability scales (aihwkit's update and bit-line
    management): BL_b = min(bl_max, ceil(lr |x|max |d|max / dw_min)); with
    k = sqrt(lr / (dw_min BL_b)), B_b = k sqrt(|d|max / |x|max) for rows and
    A_b = k sqrt(|x|max / |d|max) for columns, so that the expected change of a cell is
    BL_b dw_min min(1, B_b |x_i|) min(1, A_b |d_j|) = lr |x_i d_j| until a probability clips."""
    x_max = np.abs(x).max(axis=1)
    d_max = np.abs(d).max(axis=1)
    live = (x_max > 0) & (d_max > 0)
    if bl_management:
        need = np.ceil(lr * x_max * d_max / dw_min_uS)
        bl = np.clip(np.where(live, need, 1), 1, bl_max).astype(np.int64)
    else:
        bl = np.full(x.shape[0], bl_max, dtype=np.int64)
    k = np.sqrt(lr / (dw_min_uS * bl))
    if update_management:
        ratio = np.sqrt(np.where(live, d_max / np.where(live, x_max, 1.0), 1.0))
        row_scale = np.where(live, k * ratio, 0.0)
        col_scale = np.where(live, k / np.where(live, ratio, 1.0), 0.0)
    else:
        row_scale = np.where(live, k, 0.0)
        col_scale = np.where(live, k, 0.0)
    return bl, row_scale, col_scale


# Pulse counts from a desired change ------------------------------------------------------
@parallel_jit
def quantize_counts(delta_uS, dw_min_uS, max_pulses, stochastic, seed, step, counts):
    """counts = clip(round(delta / dw_min), -max, max); stochastic rounding rounds up with
    probability equal to the fractional part (keyed by (seed, step, i, j))."""
    n_in, n_out = delta_uS.shape
    for i in numba.prange(n_in):
        for j in range(n_out):
            q = delta_uS[i, j] / dw_min_uS
            if stochastic:
                fl = math.floor(q)
                u, _ = next_uniform(key4(seed, STREAM_ROUND, step, i * n_out + j))
                n = fl + (1.0 if u < q - fl else 0.0)
            else:
                n = math.floor(abs(q) + 0.5) * (1.0 if q >= 0 else -1.0)
            counts[i, j] = np.int64(min(max(n, -max_pulses), max_pulses))


@parallel_jit
def accumulate_and_fire(chi_uS, delta_uS, epsilon_uS, max_pulses, counts):
    """Mixed precision: chi += delta; n = trunc(chi / epsilon) capped at max_pulses;
    chi -= n epsilon. Returns nothing; counts receives n (signed)."""
    n_in, n_out = chi_uS.shape
    for i in numba.prange(n_in):
        for j in range(n_out):
            c = chi_uS[i, j] + delta_uS[i, j]
            n = min(max(math.trunc(c / epsilon_uS), -max_pulses), max_pulses)
            counts[i, j] = n
            chi_uS[i, j] = c - n * epsilon_uS


@parallel_jit
def counts_apply(
    counts,
    seed,
    step,
    gp,
    tp,
    nup,
    hp,
    fp,
    gmaxp,
    sp,
    gm,
    tm,
    num,
    hm,
    fm,
    gmaxm,
    sm,
    amplitude,
    t_s,
    g_min_uS,
    g_max_uS,
    drift,
    pulse_model,
    pulse,
    pulses_plus,
    pulses_minus,
):
    """|counts[i, j]| pulses on G+ where counts > 0, on G- where counts < 0."""
    n_in, n_out = counts.shape
    for i in numba.prange(n_in):
        row = counts[i].copy()
        touched_p = np.zeros(n_out, np.bool_)
        touched_m = np.zeros(n_out, np.bool_)
        pulses_plus[i], pulses_minus[i] = pulse_row(
            i,
            row,
            i * n_out,
            seed,
            step,
            gp,
            tp,
            nup,
            hp,
            fp,
            gmaxp,
            sp,
            gm,
            tm,
            num,
            hm,
            fm,
            gmaxm,
            sm,
            amplitude,
            t_s,
            g_min_uS,
            g_max_uS,
            drift,
            pulse_model,
            pulse,
            np.empty(n_out),
            np.empty(n_out),
            np.empty(n_out),
            np.empty(n_out),
            np.empty(n_out, np.uint64),
            np.empty(n_out, np.int64),
            touched_p,
            touched_m,
        )
        redraw_row(
            i,
            touched_p,
            touched_m,
            (n_in + i) * n_out,
            seed,
            step,
            gp,
            nup,
            fp,
            gm,
            num,
            fm,
            g_max_uS,
            drift,
        )


# STDP --------------------------------------------------------------------------------------
@array_jit
def stdp_delta(pre, post, pre_decay, post_decay, a_plus_uS, a_minus_uS, delta_uS):
    """Pair-based STDP with exponential traces over spike trains pre (T, B, n_in) and post
    (T, B, n_out), summed over the batch into delta_uS (n_in, n_out):
    at each step both traces decay (x_pre *= pre_decay, x_post *= post_decay) and the pre
    trace takes the step's pre spikes; a pre spike at i subtracts a_minus x_post[j] (post
    trace without this step's post spikes), a post spike at j adds a_plus x_pre[i]; then the
    post trace takes the step's post spikes. A coincident pair counts once, as potentiation,
    and a pair dt steps apart weighs pre_decay^dt (or post_decay^dt) in either order.
    Work is proportional to spikes x fan-out. Returns the number of trace updates."""
    steps, batch, n_in = pre.shape
    n_out = post.shape[2]
    trace_ops = 0
    for b in range(batch):
        x_pre = np.zeros(n_in)
        x_post = np.zeros(n_out)
        for t in range(steps):
            for i in range(n_in):
                x_pre[i] = x_pre[i] * pre_decay + pre[t, b, i]
            for j in range(n_out):
                x_post[j] *= post_decay
            for i in range(n_in):
                if pre[t, b, i] != 0:
                    for j in range(n_out):
                        delta_uS[i, j] -= a_minus_uS * x_post[j]
            for j in range(n_out):
                if post[t, b, j] != 0:
                    for i in range(n_in):
                        delta_uS[i, j] += a_plus_uS * x_pre[i]
            for j in range(n_out):
                x_post[j] += post[t, b, j]
            trace_ops += n_in + n_out
    return trace_ops


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
