"""Recurrent adaptive LIF (ALIF) layer on a crossbar, with e-prop eligibility traces.

One compiled pass runs a batch of clips through time. Per clip b and step t:

    x(t)      = [input spikes s(t), hidden spikes z(t-1)]           (the tile's rows)
    I_j(t)    = sum_i x_i(t) W_ij + sqrt(sum_i x_i(t) var_ij) xi     (column read + noise)
    I_j(t)    -> ADC (if adc_bits > 0)
    v_j(t)    = alpha v_j(t-1) + I_j(t) - b0 z_j(t-1)                (reset by subtraction)
    A_j(t)    = b0 + beta a_j(t)                                     (adaptive threshold)
    z_j(t)    = [v_j(t) >= A_j(t)]
    a_j(t+1)  = rho a_j(t) + z_j(t)
    y_k(t)    = kappa y_k(t-1) + sum_j z_j(t) Wout_jk (+ read noise, ADC)
    score_k   = mean_t y_k(t)

e-prop (Bellec et al., Nat. Commun. 11, 3625, 2020, eqs. for ALIF), per synapse i -> j:

    psi_j(t)      = gamma / b0 * max(0, 1 - |v_j(t) - A_j(t)| / (width b0))   (pseudo-derivative)
    zbar_i(t)     = alpha zbar_i(t-1) + x_i(t)
    e_ji(t)       = psi_j(t) (zbar_i(t) - beta eps_ji(t))
    eps_ji(t+1)   = psi_j(t) zbar_i(t) + (rho - psi_j(t) beta) eps_ji(t)
    ebar_ji(t)    = kappa ebar_ji(t-1) + e_ji(t)                      (filtered like y)
    F_ji          = sum_t ebar_ji(t)

With the loss L = CE(softmax(score), label) and output error err_k = p_k - onehot_k, the
e-prop gradient is dL/dW_ji = (1/T) (B err)_j F_ji (B: random or output weights), and the
output weights' exact gradient is dL/dWout_jk = err_k (1/T) sum_t zbar_out_j(t) with
zbar_out the kappa-filtered hidden spikes. Traces change only at steps where psi_j(t) > 0
(an "eligibility event"); in between they decay geometrically, so they are updated lazily,
per postsynaptic neuron, at its next event and at the end of the clip. The synapse work is
therefore proportional to eligibility events x fan-in, which is what the ledger counts.

Read-noise deviates of clip b come from the stream keyed (seed, STREAM_RECURRENT_NOISE,
call_key, 2 (b T + t) + layer), so results do not depend on the thread count.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from devices.jit import array_jit, inlined_scalar_jit, parallel_jit

from .crossbar import _adc_convert
from .events import Events
from .rng import STREAM_RECURRENT_NOISE, key4, next_normal

# Columns of the kernel's per-clip counts, named as the events they become.
_COUNT_EVENTS = (
    "input_spikes",  # input spikes driving hidden-tile rows
    "recurrent_rows",  # hidden spikes driving hidden-tile rows (one step later)
    "hidden_spikes",  # hidden spikes (each also drives an output-tile row)
    "eligibility_events",  # (neuron, step) pairs with psi > 0
    "hidden_read_steps",  # steps in which the hidden tile was read (any row active)
    "output_read_steps",  # steps in which the output tile was read
    "adc_saturations",
)
(
    _COUNT_INPUT_ROWS,
    _COUNT_RECURRENT_ROWS,
    _COUNT_HIDDEN_SPIKES,
    _COUNT_ELIGIBILITY_EVENTS,
    _COUNT_HIDDEN_READ_STEPS,
    _COUNT_OUTPUT_READ_STEPS,
    _COUNT_ADC_SATURATIONS,
) = range(len(_COUNT_EVENTS))


class AlifConstants(NamedTuple):
    """Per-step neuron and learning constants of ``run_alif`` (dimensionless, weight units).

    Attributes
    ----------
    alpha : float
        Membrane decay exp(-dt / tau_m), in [0, 1].
    rho : float
        Adaptation decay exp(-dt / tau_a), in [0, 1].
    beta : float
        Threshold increase per unit of adaptation (0: plain LIF).
    b0 : float
        Base threshold (> 0).
    kappa : float
        Output integrator decay exp(-dt / tau_out), in [0, 1].
    psi_gamma : float
        Pseudo-derivative height (dampening factor).
    psi_width : float
        Pseudo-derivative half width, in units of b0.
    adc_bits : int
        0: no conversion (ideal).
    adc_range : float
        Full scale of the ADC, +-, weight units.
    """

    alpha: float
    rho: float
    beta: float
    b0: float
    kappa: float
    psi_gamma: float
    psi_width: float
    adc_bits: int
    adc_range: float


class RecurrentSynapses(NamedTuple):
    """The synapses ``run_alif`` reads.

    Attributes
    ----------
    w_hidden : numpy.ndarray
        (n_in + n_hidden, n_hidden) effective weights of the hidden tile (rows: inputs, then
        hidden neurons), weight units.
    var_hidden : numpy.ndarray
        Same shape: read-noise variances, weight units squared.
    row_g_hidden_uS : numpy.ndarray
        (n_in + n_hidden,) summed conductance of each row, uS (read energy).
    w_output : numpy.ndarray
        (n_hidden, n_out) effective weights of the output tile.
    var_output : numpy.ndarray
        Same shape: read-noise variances.
    row_g_output_uS : numpy.ndarray
        (n_hidden,) summed conductance of each output-tile row, uS.
    """

    w_hidden: np.ndarray
    var_hidden: np.ndarray
    row_g_hidden_uS: np.ndarray
    w_output: np.ndarray
    var_output: np.ndarray
    row_g_output_uS: np.ndarray


class RecurrentOutputs(NamedTuple):
    """What ``run_alif`` computes besides its events.

    Attributes
    ----------
    scores : numpy.ndarray
        (B, n_out) mean output over time.
    trace_sums : numpy.ndarray
        (B, n_in + n_hidden, n_hidden) F_ji; (B, 0, 0) without traces.
    zbar_out_mean : numpy.ndarray
        (B, n_hidden) (1/T) sum_t of the kappa-filtered hidden spikes.
    hidden_counts : numpy.ndarray
        (B, n_hidden) spikes per neuron.
    """

    scores: np.ndarray
    trace_sums: np.ndarray
    zbar_out_mean: np.ndarray
    hidden_counts: np.ndarray


class _KernelOutputs(NamedTuple):
    """The arrays the kernel writes: the outputs, then per clip its counts (B, 7) in the
    order of ``_COUNT_EVENTS`` and its read conductance (B,), uS."""

    scores: np.ndarray
    trace_sums: np.ndarray
    zbar_out_mean: np.ndarray
    hidden_counts: np.ndarray
    counts: np.ndarray
    read_g_uS: np.ndarray

    @classmethod
    def empty(cls, batch: int, n_pre: int, n_hidden: int, n_out: int, with_traces: bool):
        traces = np.empty((batch, n_pre, n_hidden) if with_traces else (batch, 0, 0))
        return cls(
            np.empty((batch, n_out)),
            traces,
            np.empty((batch, n_hidden)),
            np.empty((batch, n_hidden), np.int64),
            np.zeros((batch, len(_COUNT_EVENTS)), np.int64),
            np.zeros(batch),
        )


@inlined_scalar_jit
def _pseudo_derivative(gap, psi_scale, psi_half_width, one):
    """The pseudo-derivative dz/dx of an ALIF spike at x = v - A (module docstring), for the
    chip's e-prop and for the BPTT of ``kernels.alif_bptt``.

    Parameters
    ----------
    gap : float
        x = v - A, weight units.
    psi_scale : float
        gamma / b0, per weight unit.
    psi_half_width : float
        width b0, weight units.
    one : float
        1 in the dtype of the computation (a float literal would promote float32
        arithmetic to float64).

    Returns
    -------
    float
        psi_scale max(0, 1 - |x| / psi_half_width), per weight unit.
    """
    return psi_scale * max(one - abs(gap) / psi_half_width, one - one)


def _geometric_sums(decay: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """powers[n] = decay^n and sums[n] = sum_{m=1..n} decay^m for n = 0..steps."""
    powers = decay ** np.arange(steps + 1, dtype=np.float64)
    sums = np.concatenate([[0.0], np.cumsum(powers[1:])])
    return powers, sums


@array_jit
def _sum_active_rows(rows, n_rows, weights, variances, with_noise, currents, current_vars):
    """Column currents of a tile read with the rows ``rows[:n_rows]`` active, summed in row
    order into ``currents`` (and, ``with_noise``, their read-noise variances into
    ``current_vars``); both layers read their tile this way."""
    currents[:] = 0.0
    current_vars[:] = 0.0
    for r in range(n_rows):
        i = rows[r]
        for j in range(currents.size):
            currents[j] += weights[i, j]
        if with_noise:
            for j in range(currents.size):
                current_vars[j] += variances[i, j]


@array_jit
def _column_noise_and_adc(currents, variances, with_noise, adc_bits, half, lsb, noise_state):
    """In place, for one tile read: add to each column current its read noise (sqrt of its
    variance times a deviate of ``noise_state``, drawn in column order), then convert it
    through the ADC (``adc_bits == 0``: raw currents). Both layers read their tile this way.
    Returns the number of saturated conversions."""
    saturations = 0
    for j in range(currents.size):
        c = currents[j]
        if with_noise:
            xi, noise_state = next_normal(noise_state)
            c += math.sqrt(variances[j]) * xi
        if adc_bits > 0:
            c, saturated = _adc_convert(c, half, lsb)
            saturations += saturated
        currents[j] = c
    return saturations


@parallel_jit
def _alif_eprop_kernel(spikes, syn, const, tables, with_noise, with_traces, seed, call_key, out):
    batch, steps, n_in = spikes.shape
    n_pre, n_hid = syn.w_hidden.shape
    n_out = syn.w_output.shape[1]
    kappa_pow, kappa_sum, rho_pow = tables
    half = 2.0 ** (const.adc_bits - 1) if const.adc_bits > 0 else 1.0
    lsb = const.adc_range / half
    psi_scale = const.psi_gamma / const.b0
    psi_half_width = const.psi_width * const.b0
    # Unpacked outside the parallel loop: numba's parfor lowering does not reliably write
    # through tuple attributes inside it.
    scores_out, traces_out, zbar_out_mean, hidden_counts, counts_out, read_g_out = out
    for b in numba.prange(batch):
        # neuron, trace and integrator state
        v = np.zeros(n_hid)
        adapt = np.zeros(n_hid)
        z_prev = np.zeros(n_hid, np.uint8)
        z = np.zeros(n_hid, np.uint8)
        zbar = np.zeros(n_pre)
        zbar_out = np.zeros(n_hid)
        y = np.zeros(n_out)
        # each tile's read: its active rows, column currents and their read-noise variances
        rows = np.empty(n_pre, np.int64)
        current = np.zeros(n_hid)
        current_var = np.zeros(n_hid)
        out_rows = np.empty(n_hid, np.int64)
        out_current = np.zeros(n_out)
        out_var = np.zeros(n_out)
        # sums over the clip
        score = np.zeros(n_out)
        zsum = np.zeros(n_hid)
        spike_count = np.zeros(n_hid, np.int64)
        if with_traces:
            ebar = np.zeros((n_hid, n_pre))
            eps = np.zeros((n_hid, n_pre))
            last = np.full(n_hid, -1, np.int64)
            fsum = np.zeros((n_hid, n_pre))
        counts = counts_out[b]
        for t in range(steps):
            # rows of the hidden tile active at this step
            n_rows = 0
            for i in range(n_in):
                if spikes[b, t, i] != 0:
                    rows[n_rows] = i
                    n_rows += 1
            counts[_COUNT_INPUT_ROWS] += n_rows
            n_input_rows = n_rows
            for k in range(n_hid):
                if z_prev[k] != 0:
                    rows[n_rows] = n_in + k
                    n_rows += 1
            counts[_COUNT_RECURRENT_ROWS] += n_rows - n_input_rows
            # presynaptic traces (every row, active or not: they decay)
            for i in range(n_pre):
                zbar[i] *= const.alpha
            for r in range(n_rows):
                zbar[rows[r]] += 1.0
            # column currents
            for r in range(n_rows):
                read_g_out[b] += syn.row_g_hidden_uS[rows[r]]
            _sum_active_rows(
                rows, n_rows, syn.w_hidden, syn.var_hidden, with_noise, current, current_var
            )
            if n_rows > 0:
                counts[_COUNT_HIDDEN_READ_STEPS] += 1
                noise_state = key4(seed, STREAM_RECURRENT_NOISE, call_key, 2 * (b * steps + t))
                counts[_COUNT_ADC_SATURATIONS] += _column_noise_and_adc(
                    current, current_var, with_noise, const.adc_bits, half, lsb, noise_state
                )
            # neurons
            for j in range(n_hid):
                v[j] = const.alpha * v[j] + current[j] - const.b0 * z_prev[j]
                threshold = const.b0 + const.beta * adapt[j]
                z[j] = 1 if v[j] >= threshold else 0
                adapt[j] = const.rho * adapt[j] + z[j]
                spike_count[j] += z[j]
                if with_traces:
                    psi = _pseudo_derivative(v[j] - threshold, psi_scale, psi_half_width, 1.0)
                    if psi > 0.0:
                        counts[_COUNT_ELIGIBILITY_EVENTS] += 1
                        gap = t - last[j]
                        e_decay = kappa_pow[gap]
                        e_sum = kappa_sum[gap - 1]
                        a_decay = rho_pow[gap - 1]
                        for i in range(n_pre):
                            fsum[j, i] += ebar[j, i] * e_sum
                            ep = eps[j, i] * a_decay
                            e = psi * (zbar[i] - const.beta * ep)
                            eps[j, i] = psi * zbar[i] + (const.rho - psi * const.beta) * ep
                            ebar[j, i] = ebar[j, i] * e_decay + e
                            fsum[j, i] += ebar[j, i]
                        last[j] = t
            # output integrators
            n_out_rows = 0
            for j in range(n_hid):
                zbar_out[j] = const.kappa * zbar_out[j] + z[j]
                zsum[j] += zbar_out[j]
                if z[j] != 0:
                    out_rows[n_out_rows] = j
                    n_out_rows += 1
                    read_g_out[b] += syn.row_g_output_uS[j]
            _sum_active_rows(
                out_rows, n_out_rows, syn.w_output, syn.var_output, with_noise, out_current, out_var
            )
            if n_out_rows > 0:
                counts[_COUNT_OUTPUT_READ_STEPS] += 1
                noise_state = key4(seed, STREAM_RECURRENT_NOISE, call_key, 2 * (b * steps + t) + 1)
                counts[_COUNT_ADC_SATURATIONS] += _column_noise_and_adc(
                    out_current, out_var, with_noise, const.adc_bits, half, lsb, noise_state
                )
            for k in range(n_out):
                y[k] = const.kappa * y[k] + out_current[k]
                score[k] += y[k]
            counts[_COUNT_HIDDEN_SPIKES] += n_out_rows
            for j in range(n_hid):
                z_prev[j] = z[j]
        for k in range(n_out):
            scores_out[b, k] = score[k] / steps
        for j in range(n_hid):
            zbar_out_mean[b, j] = zsum[j] / steps
            hidden_counts[b, j] = spike_count[j]
        if with_traces:
            for j in range(n_hid):
                tail = kappa_sum[steps - 1 - last[j]]
                for i in range(n_pre):
                    traces_out[b, i, j] = fsum[j, i] + ebar[j, i] * tail


def run_alif(
    spikes: np.ndarray,
    synapses: RecurrentSynapses,
    constants: AlifConstants,
    with_noise: bool,
    with_traces: bool,
    seed: int,
    call_key: int,
) -> tuple[RecurrentOutputs, Events]:
    """Run clips of binary input spikes through the recurrent layer and the output integrators.

    See the module docstring for the equations. Clips run in parallel; the read noise of clip
    b comes from the stream keyed (seed, STREAM_RECURRENT_NOISE, call_key, 2 (b T + t) + layer).

    Parameters
    ----------
    spikes : numpy.ndarray
        (B, T, n_in) binary input spikes.
    synapses : RecurrentSynapses
        Effective weights, read-noise variances and row conductances.
    constants : AlifConstants
        Neuron, learning and ADC constants.
    with_noise : bool
        Add read noise to every column read.
    with_traces : bool
        Compute the e-prop eligibility trace sums (training).
    seed, call_key : int
        Key of the read-noise streams (>= 0).

    Returns
    -------
    outputs : RecurrentOutputs
        Scores, trace sums, filtered hidden spikes and spike counts.
    events : Events
        Row activations, cell reads, synaptic operations, conductance read, input spikes,
        recurrent rows, hidden spikes, read steps of both layers, ADC saturations and, with
        traces, eligibility events (all clips).

    References
    ----------
    .. [1] G. Bellec et al., "A solution to the learning dilemma for recurrent networks of
       spiking neurons", Nat. Commun. 11, 3625, 2020.
    """
    spikes = np.ascontiguousarray(spikes, dtype=np.uint8)
    if spikes.ndim != 3:
        raise ValueError(f"spikes: shape {spikes.shape}: expected (batch, steps, n_in)")
    batch, steps, n_in = spikes.shape
    n_pre, n_hidden = synapses.w_hidden.shape
    n_out = synapses.w_output.shape[1]
    expected = {
        "w_hidden": (n_in + n_hidden, n_hidden),
        "var_hidden": (n_in + n_hidden, n_hidden),
        "row_g_hidden_uS": (n_in + n_hidden,),
        "w_output": (n_hidden, n_out),
        "var_output": (n_hidden, n_out),
        "row_g_output_uS": (n_hidden,),
    }
    for name, shape in expected.items():
        value = getattr(synapses, name)
        if value.shape != shape:
            raise ValueError(f"synapses.{name}: shape {value.shape}: expected {shape}")
        if not np.isfinite(value).all():
            raise ValueError(f"synapses.{name}: contains NaN or infinity")
    if steps < 1:
        raise ValueError("spikes: expected at least one time step")
    for name in ("alpha", "rho", "kappa"):
        value = getattr(constants, name)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"constants.{name}={value!r}: expected a decay in [0, 1]")
    if not (constants.b0 > 0 and constants.psi_width > 0 and constants.psi_gamma >= 0):
        raise ValueError(f"constants: expected b0 > 0, psi_width > 0, psi_gamma >= 0: {constants}")
    if constants.beta < 0:
        raise ValueError(f"constants.beta={constants.beta!r}: expected >= 0")
    if constants.adc_bits < 0 or (constants.adc_bits > 0 and not constants.adc_range > 0):
        raise ValueError(
            f"constants.adc_bits={constants.adc_bits!r}, adc_range={constants.adc_range!r}:"
            " expected adc_bits >= 0 and, with an ADC, adc_range > 0"
        )
    if seed < 0 or call_key < 0:
        raise ValueError(f"seed={seed!r}, call_key={call_key!r}: expected integers >= 0")
    syn = RecurrentSynapses(*(np.ascontiguousarray(a, dtype=np.float64) for a in synapses))
    const = AlifConstants(
        *(float(v) for v in constants[:-2]), int(constants.adc_bits), float(constants.adc_range)
    )
    kappa_pow, kappa_sum = _geometric_sums(const.kappa, steps)
    rho_pow, _ = _geometric_sums(const.rho, steps)
    out = _KernelOutputs.empty(batch, n_pre, n_hidden, n_out, with_traces)
    _alif_eprop_kernel(
        spikes,
        syn,
        const,
        (kappa_pow, kappa_sum, rho_pow),
        bool(with_noise),
        bool(with_traces),
        np.uint64(seed),
        np.uint64(call_key),
        out,
    )
    totals = dict(zip(_COUNT_EVENTS, (int(c) for c in out.counts.sum(axis=0)), strict=True))
    if not with_traces:
        del totals["eligibility_events"]  # not counted: no traces, no pseudo-derivative
    hidden_rows = totals["input_spikes"] + totals["recurrent_rows"]
    output_rows = totals["hidden_spikes"]
    cells = hidden_rows * n_hidden + output_rows * n_out
    events = Events(
        row_activations=hidden_rows + output_rows,
        cell_reads=cells,
        read_g_sum_uS=float(out.read_g_uS.sum()),
        synaptic_ops=cells,
        **totals,
    )
    return RecurrentOutputs(*out[:4]), events
