"""Slow, obvious reference versions of every kernel: plain Python loops, one cell at a time.

They call the same scalar device physics (``devices.pcm.physics``) and the same
counter-based random streams (``kernels.rng``) as the kernels, so in noise-free mode (and,
for the pulse updates, even with noise) a kernel must reproduce them exactly: what is
tested is the kernels' indexing, ordering, sign conventions and bookkeeping, not the
physics. The physics itself is checked against independent plain-numpy oracles in
``tests/devices/test_pcm_oracles.py``.
"""

from __future__ import annotations

import math

import numpy as np

from devices.pcm import physics as ph
from kernels import rng as krng
from kernels import update as ku


def _key(*fields):
    """The stream state for a key, as a uint64 (numba hands uint64 back as a Python int)."""
    return np.uint64(krng.key4(*fields))


# -- crossbar ------------------------------------------------------------------------------
def snapshot(plus, minus, t_s, args, with_drift=True):
    """plus/minus: (g_prog, t_prog, nu) 2-D arrays. Returns g_eff, var, row sums, col sums."""
    gp, tp, nup = plus
    gm, tm, num = minus
    n_in, n_out = gp.shape
    g_eff = np.zeros((n_in, n_out))
    var = np.zeros((n_in, n_out))
    g_tot = np.zeros((n_in, n_out))
    for i, j in np.ndindex(n_in, n_out):
        pair = []
        for g, t, nu in ((gp, tp, nup), (gm, tm, num)):
            ts = t_s - t[i, j]
            gd = g[i, j] * ph.drift_factor(ts, nu[i, j], args.drift) if with_drift else g[i, j]
            sd = ph.read_noise_std_uS(gd, g[i, j], args.g_max_uS, ts, args.drift, args.read)
            pair.append((gd, sd))
        g_eff[i, j] = pair[0][0] - pair[1][0]
        var[i, j] = pair[0][1] ** 2 + pair[1][1] ** 2
        g_tot[i, j] = pair[0][0] + pair[1][0]
    return g_eff, var, g_tot.sum(axis=1), g_tot.sum(axis=0)


def dac(v, bits):
    if bits == 0:
        return v
    levels = 2.0 ** (bits - 1) - 1.0
    return math.floor(min(max(v, -1.0), 1.0) * levels + 0.5) / levels


def adc(y, bits, y_range):
    """Returns (value, saturated)."""
    if bits == 0:
        return y, False
    half = 2 ** (bits - 1)
    lsb = y_range / half
    code = math.floor(y / lsb + 0.5)
    if code > half - 1:
        return (half - 1) * lsb, True
    if code < -half:
        return -half * lsb, True
    return code * lsb, False


def mac(x, g_eff, dac_bits, adc_bits, adc_range):
    """Noise-free y[b, j] = ADC(sum_i DAC(x[b, i]) g_eff[i, j]); returns (y, saturations)."""
    batch, n_in = x.shape
    n_out = g_eff.shape[1]
    y = np.zeros((batch, n_out))
    saturated = 0
    for b, j in np.ndindex(batch, n_out):
        acc = 0.0
        for i in range(n_in):
            acc += dac(x[b, i], dac_bits) * g_eff[i, j]
        y[b, j], sat = adc(acc, adc_bits, adc_range)
        saturated += sat
    return y, saturated


# -- pulse updates -------------------------------------------------------------------------
def pulse_masks(values, prob_scale, bl, seed, step, stream):
    batch, n = values.shape
    masks = np.zeros((batch, n), dtype=np.uint64)
    for b, i in np.ndindex(batch, n):
        p = min(1.0, prob_scale[b] * abs(values[b, i]))
        if p <= 0:
            continue
        state = _key(seed, stream, step, b * n + i)
        m = 0
        for k in range(bl[b]):
            u, state = krng.next_uniform(np.uint64(state))
            if u < p:
                m |= 1 << k
        masks[b, i] = m
    return masks


def apply_cell_pulses(dev, i, j, n, key, seed, step, amplitude, t_s, args):
    """n pulses on device (i, j) of dev = dict of 2-D state arrays; pulse k takes the
    deviate ``pulse_normal(state, k)`` of the stream state keyed by ``key``."""
    if dev["fault"][i, j] != 0:
        return
    g = dev["g_prog"][i, j] * ph.drift_factor(
        t_s - dev["t_prog"][i, j], dev["nu"][i, j], args.drift
    )
    h = dev["history"][i, j]
    state = _key(seed, ku.STREAM_PULSE, step, key)
    for k in range(n):
        z = krng.pulse_normal(state, k)
        g, h = ph.one_pulse(
            args.pulse_model,
            args.pulse,
            g,
            args.g_min_uS,
            dev["g_max"][i, j],
            args.g_max_uS,
            h,
            amplitude,
            dev["step_scale"][i, j],
            z,
        )
    dev["g_prog"][i, j] = g
    dev["t_prog"][i, j] = t_s
    dev["history"][i, j] = h


def redraw(devs_touched, i, j, key, seed, step, args):
    state = _key(seed, ku.STREAM_PULSE, step, key)
    for dev in devs_touched:
        if dev["fault"][i, j] != 0:
            continue
        z, state = krng.next_normal(np.uint64(state))
        dev["nu"][i, j] = ph.drift_exponent(dev["g_prog"][i, j] / args.g_max_uS, args.drift, z)


def coincidence(x, d, x_masks, d_masks, plus, minus, seed, step, amplitude, t_s, args):
    batch, n_in = x.shape
    n_out = d.shape[1]
    touched = {}
    n_plus = n_minus = 0
    for b, i in np.ndindex(batch, n_in):
        for j in range(n_out):
            c = bin(int(x_masks[b, i]) & int(d_masks[b, j])).count("1")
            if c == 0:
                continue
            dev = plus if (x[b, i] > 0) == (d[b, j] > 0) else minus
            apply_cell_pulses(
                dev, i, j, c, (b * n_in + i) * n_out + j, seed, step, amplitude, t_s, args
            )
            touched.setdefault((i, j), set()).add(id(dev))
            if dev is plus:
                n_plus += c
            else:
                n_minus += c
    for (i, j), devs in touched.items():
        order = [dev for dev in (plus, minus) if id(dev) in devs]
        redraw(order, i, j, (batch * n_in + i) * n_out + j, seed, step, args)
    return n_plus, n_minus


def counts_apply(counts, plus, minus, seed, step, amplitude, t_s, args):
    n_in, n_out = counts.shape
    n_plus = n_minus = 0
    for i, j in np.ndindex(n_in, n_out):
        c = int(counts[i, j])
        if c == 0:
            continue
        dev = plus if c > 0 else minus
        apply_cell_pulses(dev, i, j, abs(c), i * n_out + j, seed, step, amplitude, t_s, args)
        redraw([dev], i, j, (n_in + i) * n_out + j, seed, step, args)
        if c > 0:
            n_plus += c
        else:
            n_minus -= c
    return n_plus, n_minus


def quantize_counts(delta, dw_min, max_pulses, stochastic, seed, step):
    n_in, n_out = delta.shape
    counts = np.zeros((n_in, n_out), dtype=np.int64)
    for i, j in np.ndindex(n_in, n_out):
        q = delta[i, j] / dw_min
        if stochastic:
            u, _ = krng.next_uniform(_key(seed, ku.STREAM_ROUND, step, i * n_out + j))
            n = math.floor(q) + (1 if u < q - math.floor(q) else 0)
        else:
            n = math.floor(abs(q) + 0.5) * (1 if q >= 0 else -1)
        counts[i, j] = min(max(n, -max_pulses), max_pulses)
    return counts


def accumulate_and_fire(chi, delta, epsilon, max_pulses):
    chi = chi.copy()
    counts = np.zeros(chi.shape, dtype=np.int64)
    for i, j in np.ndindex(chi.shape):
        c = chi[i, j] + delta[i, j]
        n = min(max(math.trunc(c / epsilon), -max_pulses), max_pulses)
        counts[i, j] = n
        chi[i, j] = c - n * epsilon
    return chi, counts


def stdp_delta(pre, post, pre_decay, post_decay, a_plus, a_minus):
    steps, batch, n_in = pre.shape
    n_out = post.shape[2]
    delta = np.zeros((n_in, n_out))
    for b in range(batch):
        x_pre = [0.0] * n_in
        x_post = [0.0] * n_out
        for t in range(steps):
            x_pre = [x_pre[i] * pre_decay + pre[t, b, i] for i in range(n_in)]
            x_post = [x_post[j] * post_decay for j in range(n_out)]
            for i in range(n_in):
                for j in range(n_out):
                    if pre[t, b, i]:
                        delta[i, j] -= a_minus * x_post[j]
            for i in range(n_in):
                for j in range(n_out):
                    if post[t, b, j]:
                        delta[i, j] += a_plus * x_pre[i]
            x_post = [x_post[j] + post[t, b, j] for j in range(n_out)]
    return delta


# -- neurons -------------------------------------------------------------------------------
def lif(currents, v, i_syn, refr, trace, p, seed, step0):
    steps, batch, n = currents.shape
    v, i_syn, refr, trace = v.copy(), i_syn.copy(), refr.copy(), trace.copy()
    spikes = np.zeros(currents.shape, dtype=np.uint8)
    for b, t in np.ndindex(batch, steps):
        state = _key(seed, krng.STREAM_THRESHOLD, step0 + t, b)
        for k in range(n):
            i_syn[b, k] = p.syn_decay * i_syn[b, k] + currents[t, b, k]
            fired = 0
            if refr[b, k] > 0:
                refr[b, k] -= 1
                v[b, k] = p.v_reset
            else:
                v[b, k] = p.v_decay * v[b, k] + i_syn[b, k]
                threshold = p.theta
                if p.threshold_noise_std > 0:
                    z, state = krng.next_normal(np.uint64(state))
                    threshold += p.threshold_noise_std * z
                if v[b, k] >= threshold:
                    fired = 1
                    v[b, k] = p.v_reset
                    refr[b, k] = p.refractory_steps
            trace[b, k] = p.trace_decay * trace[b, k] + fired
            spikes[t, b, k] = fired
    return spikes, v, i_syn, refr, trace


def refresh(plus, minus, upper_frac, lower_frac, seed, step, t_s, args):
    """Returns the number of refreshed pairs; updates the device dicts."""
    n_in, n_out = plus["g_prog"].shape
    count = 0
    for i, j in np.ndindex(n_in, n_out):
        drifted = []
        for dev in (plus, minus):
            ts = t_s - dev["t_prog"][i, j]
            drifted.append(dev["g_prog"][i, j] * ph.drift_factor(ts, dev["nu"][i, j], args.drift))
        if not (
            max(drifted) > upper_frac * args.g_max_uS and min(drifted) > lower_frac * args.g_max_uS
        ):
            continue
        count += 1
        state = _key(seed, ku.STREAM_REFRESH, step, i * n_out + j)
        reads = []
        for dev, gd in zip((plus, minus), drifted, strict=True):
            z, state = krng.next_normal(np.uint64(state))
            ts = t_s - dev["t_prog"][i, j]
            sd = ph.read_noise_std_uS(
                gd, dev["g_prog"][i, j], args.g_max_uS, ts, args.drift, args.read
            )
            reads.append(ph.read_conductance_uS(gd, sd, z))
        diff = reads[0] - reads[1]
        for dev, target in ((plus, max(diff, 0.0)), (minus, max(-diff, 0.0))):
            z_reset, state = krng.next_normal(np.uint64(state))
            z_prog, state = krng.next_normal(np.uint64(state))
            z_nu, state = krng.next_normal(np.uint64(state))
            if dev["fault"][i, j] != 0:
                continue
            if target > 0:
                target = min(max(target, args.g_min_uS), dev["g_max"][i, j])
                dev["g_prog"][i, j] = ph.programmed_conductance_uS(
                    target, args.g_min_uS, dev["g_max"][i, j], args.g_max_uS, args.prog, z_prog
                )
                dev["history"][i, j] = 0.0
                dev["nu"][i, j] = ph.drift_exponent(target / args.g_max_uS, args.drift, z_nu)
            else:
                g = ph.reset_conductance_uS(
                    args.reset_mean_uS,
                    args.reset_std_uS,
                    args.g_min_uS,
                    dev["g_max"][i, j],
                    z_reset,
                )
                dev["g_prog"][i, j] = g
                dev["history"][i, j] = 1.0
                dev["nu"][i, j] = ph.drift_exponent(g / args.g_max_uS, args.drift, z_nu)
            dev["t_prog"][i, j] = t_s
    return count


# -- recurrent ALIF layer with e-prop (kernels.recurrent) -----------------------------------
def alif_eprop(spikes, syn, c, transmit=None):
    """Noise-free reference of ``kernels.recurrent.run_alif`` in the per-synapse trace form
    of e-prop: every eligibility trace of every synapse (with its postsynaptic neuron's own
    decays) is updated at every step, straight from Bellec et al.'s equations. ``spikes``
    may be graded; ``c.alpha``, ``c.rho`` and ``c.beta`` scalars or per-neuron arrays;
    ``transmit`` an optional (B, T, H) 0/1 mask of the hidden spikes that leave a neuron.
    Returns scores, trace sums F (B, n_pre, n_hid), zbar_out_mean, spike counts per neuron
    and the event counts of all clips by name (``kernels.events``)."""
    batch, steps, _ = spikes.shape
    alpha_j = np.broadcast_to(np.asarray(c.alpha, float), (syn.w_hidden.shape[1],))
    rho_j = np.broadcast_to(np.asarray(c.rho, float), alpha_j.shape)
    beta_j = np.broadcast_to(np.asarray(c.beta, float), alpha_j.shape)
    n_pre, n_hid = syn.w_hidden.shape
    n_out = syn.w_output.shape[1]
    scores = np.zeros((batch, n_out))
    traces = np.zeros((batch, n_pre, n_hid))
    zbar_out_mean = np.zeros((batch, n_hid))
    spike_counts = np.zeros((batch, n_hid), np.int64)
    counts = np.zeros((batch, 7), np.int64)
    read_g_uS = 0.0
    half = 2.0 ** (c.adc_bits - 1)
    lsb = c.adc_range / half if c.adc_bits else 0.0

    def adc(value):
        if c.adc_bits == 0:
            return value
        code = math.floor(value / lsb + 0.5)
        if code > half - 1 or code < -half:
            counts[b, 6] += 1
        return min(max(code, -half), half - 1) * lsb

    def crossbar_read(active, w, row_g_uS, read_steps):
        """Column currents of the rows driven at amplitudes ``active`` through the ADC; a
        read step is counted (counter ``read_steps``) when a row is driven."""
        nonlocal read_g_uS
        current = np.zeros(w.shape[1])
        read_g_uS += float((active**2 * row_g_uS).sum())
        if active.any():
            counts[b, read_steps] += 1
            for j in range(w.shape[1]):
                current[j] = adc(
                    sum(active[i] * w[i, j] for i in range(w.shape[0]) if active[i] != 0)
                )
        return current

    for b in range(batch):
        v = np.zeros(n_hid)
        a = np.zeros(n_hid)
        z_own = np.zeros(n_hid)  # the neuron's own spike of the step before (its reset)
        z_prev = np.zeros(n_hid)  # the transmitted spikes of the step before
        zbar = np.zeros((n_pre, n_hid))  # presynaptic trace, filtered by neuron j's alpha
        eps = np.zeros((n_pre, n_hid))
        ebar = np.zeros((n_pre, n_hid))
        zbar_out = np.zeros(n_hid)
        y = np.zeros(n_out)
        for t in range(steps):
            x = np.concatenate([spikes[b, t].astype(float), z_prev])
            counts[b, 0] += int(np.count_nonzero(spikes[b, t]))
            counts[b, 1] += int(z_prev.sum())
            zbar = alpha_j[None, :] * zbar + x[:, None]
            current = crossbar_read(x, syn.w_hidden, syn.row_g_hidden_uS, 4)
            z = np.zeros(n_hid)
            for j in range(n_hid):
                v[j] = alpha_j[j] * v[j] + current[j] - c.b0 * z_own[j]
                threshold = c.b0 + beta_j[j] * a[j]
                z[j] = 1.0 if v[j] >= threshold else 0.0
                a[j] = rho_j[j] * a[j] + z[j]
                psi = (
                    c.psi_gamma / c.b0 * max(0.0, 1 - abs(v[j] - threshold) / (c.psi_width * c.b0))
                )
                counts[b, 3] += psi > 0
                for i in range(n_pre):
                    e = psi * (zbar[i, j] - beta_j[j] * eps[i, j])
                    eps[i, j] = psi * zbar[i, j] + (rho_j[j] - psi * beta_j[j]) * eps[i, j]
                    ebar[i, j] = c.kappa * ebar[i, j] + e
                    traces[b, i, j] += ebar[i, j]
            sent = z if transmit is None else z * transmit[b, t]
            out_current = crossbar_read(sent, syn.w_output, syn.row_g_output_uS, 5)
            zbar_out = c.kappa * zbar_out + sent
            zbar_out_mean[b] += zbar_out / steps
            y = c.kappa * y + out_current
            scores[b] += y / steps
            counts[b, 2] += int(sent.sum())
            spike_counts[b] += z.astype(np.int64)
            z_own = z
            z_prev = sent
    names = (
        "input_spikes",
        "recurrent_rows",
        "hidden_spikes",
        "eligibility_events",
        "hidden_read_steps",
        "output_read_steps",
        "adc_saturations",
    )
    totals = {name: int(counts[:, k].sum()) for k, name in enumerate(names)}
    return scores, traces, zbar_out_mean, spike_counts, {**totals, "read_g_sum_uS": read_g_uS}


# -- recurrent ALIF layer trained by BPTT (kernels.alif_bptt) -------------------------------
def alif_bptt_forward(drive, w_rec, c):
    """float64 loops over clips, steps and neurons, straight from the equations of
    ``raven.baseline.rsnn``: drive (B, T, H) -> spikes z, pseudo-derivatives psi and
    x = v - A, each (T, B, H)."""
    batch, steps, n_hid = drive.shape
    z_all = np.zeros((steps, batch, n_hid))
    psi_all = np.zeros((steps, batch, n_hid))
    gap_all = np.zeros((steps, batch, n_hid))
    for b in range(batch):
        v = np.zeros(n_hid)
        a = np.zeros(n_hid)
        z_prev = np.zeros(n_hid)
        for t in range(steps):
            z = np.zeros(n_hid)
            for j in range(n_hid):
                recurrent = sum(z_prev[k] * w_rec[k, j] for k in range(n_hid))
                v[j] = c.alpha * v[j] + drive[b, t, j] + recurrent - c.b0 * z_prev[j]
                gap = v[j] - (c.b0 + c.beta * a[j])
                z[j] = 1.0 if gap >= 0 else 0.0
                psi = c.psi_gamma / c.b0 * max(0.0, 1 - abs(gap) / (c.psi_width * c.b0))
                z_all[t, b, j], psi_all[t, b, j], gap_all[t, b, j] = z[j], psi, gap
                a[j] = c.rho * a[j] + z[j]
            z_prev = z
    return z_all, psi_all, gap_all


def alif_bptt_gradients(drive, w_rec, c, grad_z):
    """dL/ddrive (B, T, H) and dL/dR (H, H) of L = sum_t grad_z(t) . z(t), by forward-mode
    differentiation (tangents carried forward in time, not the backward recursion): every
    drive entry of a clip and every recurrent weight is a parameter whose tangent runs
    through the linearised steps, dz = psi dx, with the reset b0 z(t-1) held constant."""
    batch, steps, n_hid = drive.shape
    z_all, psi_all, _ = alif_bptt_forward(drive, w_rec, c)
    n_drive = steps * n_hid
    n_params = n_drive + n_hid * n_hid  # drive[b, t, j] at t * H + j, then R[k, j]
    grad_drive = np.zeros(drive.shape)
    grad_w_rec = np.zeros((n_hid, n_hid))
    for b in range(batch):
        tv = np.zeros((n_params, n_hid))
        ta = np.zeros((n_params, n_hid))
        tz_prev = np.zeros((n_params, n_hid))
        z_prev = np.zeros(n_hid)
        dloss = np.zeros(n_params)
        for t in range(steps):
            tv = c.alpha * tv + tz_prev @ w_rec
            for j in range(n_hid):
                tv[t * n_hid + j, j] += 1.0
                for k in range(n_hid):
                    tv[n_drive + k * n_hid + j, j] += z_prev[k]
            tz = psi_all[t, b] * (tv - c.beta * ta)
            dloss += tz @ grad_z[t, b]
            ta = c.rho * ta + tz
            tz_prev, z_prev = tz, z_all[t, b]
        grad_drive[b] = dloss[:n_drive].reshape(steps, n_hid)
        grad_w_rec += dloss[n_drive:].reshape(n_hid, n_hid)
    return grad_drive, grad_w_rec


def alif_bptt_gain_forward(drive, w_rec, c, transmit=None):
    """``alif_bptt_forward`` with per-neuron alpha, rho and beta (``c``'s fields scalars or
    (H,) arrays) and transmission gains m (B, T, H) (None: 1): spike z_j(t) resets and
    adapts neuron j, m_j(t) z_j(t) reaches the recurrent rows at t+1. Returns z, psi, x and
    the transmitted spikes m z, each (T, B, H)."""
    from kernels.neuron_constants import neuron_arrays

    batch, steps, n_hid = drive.shape
    alpha, rho, beta = neuron_arrays(c, n_hid)
    gain = np.ones(drive.shape) if transmit is None else np.asarray(transmit, np.float64)
    z_all, psi_all, gap_all = (np.zeros((steps, batch, n_hid)) for _ in range(3))
    for b in range(batch):
        v = np.zeros(n_hid)
        a = np.zeros(n_hid)
        z_prev = np.zeros(n_hid)
        sent_prev = np.zeros(n_hid)
        for t in range(steps):
            z = np.zeros(n_hid)
            for j in range(n_hid):
                recurrent = sum(sent_prev[k] * w_rec[k, j] for k in range(n_hid))
                v[j] = alpha[j] * v[j] + drive[b, t, j] + recurrent - c.b0 * z_prev[j]
                gap = v[j] - (c.b0 + beta[j] * a[j])
                z[j] = 1.0 if gap >= 0 else 0.0
                psi = c.psi_gamma / c.b0 * max(0.0, 1 - abs(gap) / (c.psi_width * c.b0))
                z_all[t, b, j], psi_all[t, b, j], gap_all[t, b, j] = z[j], psi, gap
                a[j] = rho[j] * a[j] + z[j]
            z_prev = z
            sent_prev = gain[b, t] * z
    return z_all, psi_all, gap_all, z_all * gain.transpose(1, 0, 2)


def alif_bptt_gain_gradients(drive, w_rec, c, grad_sent, transmit=None):
    """dL/ddrive (B, T, H) and dL/dR (H, H) of L = sum_t grad_sent(t) . m(t) z(t) through
    ``alif_bptt_gain_forward``, by forward-mode differentiation as
    ``alif_bptt_gradients`` (reset held constant, dz = psi dx)."""
    from kernels.neuron_constants import neuron_arrays

    batch, steps, n_hid = drive.shape
    alpha, rho, beta = neuron_arrays(c, n_hid)
    gain = np.ones(drive.shape) if transmit is None else np.asarray(transmit, np.float64)
    _, psi_all, _, sent_all = alif_bptt_gain_forward(drive, w_rec, c, transmit)
    n_drive = steps * n_hid
    n_params = n_drive + n_hid * n_hid  # drive[b, t, j] at t * H + j, then R[k, j]
    grad_drive = np.zeros(drive.shape)
    grad_w_rec = np.zeros((n_hid, n_hid))
    for b in range(batch):
        tv = np.zeros((n_params, n_hid))
        ta = np.zeros((n_params, n_hid))
        t_sent_prev = np.zeros((n_params, n_hid))  # tangent of m(t-1) z(t-1)
        sent_prev = np.zeros(n_hid)
        dloss = np.zeros(n_params)
        for t in range(steps):
            tv = alpha * tv + t_sent_prev @ w_rec
            for j in range(n_hid):
                tv[t * n_hid + j, j] += 1.0
                for k in range(n_hid):
                    tv[n_drive + k * n_hid + j, j] += sent_prev[k]
            tz = psi_all[t, b] * (tv - beta * ta)
            dloss += (gain[b, t] * tz) @ grad_sent[t, b]
            ta = rho * ta + tz
            t_sent_prev, sent_prev = gain[b, t] * tz, sent_all[t, b]
        grad_drive[b] = dloss[:n_drive].reshape(steps, n_hid)
        grad_w_rec += dloss[n_drive:].reshape(n_hid, n_hid)
    return grad_drive, grad_w_rec
