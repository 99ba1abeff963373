"""Recurrent adaptive LIF (ALIF) layer on a crossbar, with e-prop in its end-of-clip form.

One compiled pass runs a batch of clips through time. Per clip b and step t, with per-neuron
decays alpha_j, rho_j and adaptation strengths beta_j (``kernels.neuron_constants``):

    x(t)      = [inputs u(t), sent hidden spikes m(t-1) z(t-1)]     (the tile's rows)
    I_j(t)    = sum_i x_i(t) W_ij + sqrt(sum_i x_i(t)^2 var_ij) xi   (column read + noise)
    I_j(t)    -> ADC (if adc_bits > 0)
    v_j(t)    = alpha_j v_j(t-1) + I_j(t) - b0 z_j(t-1)              (reset by subtraction)
    A_j(t)    = b0 + beta_j a_j(t)                                   (adaptive threshold)
    z_j(t)    = [v_j(t) >= A_j(t)]
    a_j(t+1)  = rho_j a_j(t) + z_j(t)
    y_k(t)    = kappa y_k(t-1) + sum_j m_j(t) z_j(t) Wout_jk (+ read noise, ADC)
    score_k   = mean_t y_k(t)

Inputs u are spikes (0/1) or graded DAC levels; m is the transmission mask (dropout while
training, 1 otherwise): a dropped spike still resets and adapts its own neuron.

e-prop (Bellec et al., Nat. Commun. 11, 3625, 2020, eqs. for ALIF), per synapse i -> j:

    psi_j(t)      = gamma / b0 * max(0, 1 - |v_j(t) - A_j(t)| / (width b0))   (pseudo-derivative)
    zbar_ji(t)    = alpha_j zbar_ji(t-1) + x_i(t)
    e_ji(t)       = psi_j(t) (zbar_ji(t) - beta_j eps_ji(t))
    eps_ji(t+1)   = psi_j(t) zbar_ji(t) + (rho_j - psi_j(t) beta_j) eps_ji(t)
    ebar_ji(t)    = kappa ebar_ji(t-1) + e_ji(t)                      (filtered like y)
    F_ji          = sum_t ebar_ji(t)

With the loss L = CE(softmax(score), label) and output error err_k = p_k - onehot_k, the
e-prop gradient is dL/dW_ji = (1/T) (B err)_j F_ji (B: random or output weights), and the
output weights' exact gradient is dL/dWout_jk = err_k (1/T) sum_t zbar_out_j(t) with
zbar_out the kappa-filtered sent hidden spikes.

The end-of-clip form. F_ji is linear in the presynaptic activity, and everything else in it
belongs to neuron j, so no per-synapse trace is needed. With c(t) = sum_{t'=t..T-1}
kappa^(t'-t) (the output filter's weight of step t in the clip mean) and h_j(t) = c(t)
psi_j(t), a backward recursion per neuron over the clip's stored pseudo-derivatives,

    K_j(T-1) = 0,   K_j(t) = h_j(t+1) + (rho_j - beta_j psi_j(t+1)) K_j(t+1)
    H_j(t)   = h_j(t) - beta_j psi_j(t) K_j(t)
    G_j(T-1) = H_j(T-1),   G_j(t) = H_j(t) + alpha_j G_j(t+1),

gives exactly F_ji = sum_t x_i(t) G_j(t): at the clip's end every row driven at step t adds
x_i(t) G_j(t) to its synapses' sums (event-driven: the same work as the forward reads). It
equals the per-synapse trace form (``tests/naive.py``) to rounding, for LIF and ALIF
neurons, per-neuron decays, graded inputs and dropped spikes. Per neuron and step the chip
keeps one pseudo-derivative; no trace memory grows with the synapse count.

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
from .neuron_constants import neuron_arrays
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


def _geometric_sums(decay: float, steps: int) -> np.ndarray:
    """sums[n] = sum_{m=1..n} decay^m for n = 0..steps."""
    powers = decay ** np.arange(1, steps + 1, dtype=np.float64)
    return np.concatenate([[0.0], np.cumsum(powers)])


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


@array_jit
def _drive_active_rows(
    rows, values, n_rows, weights, variances, with_noise, currents, current_vars
):
    """Column currents of a tile read with rows ``rows[:n_rows]`` driven at the amplitudes
    ``values[:n_rows]`` (1 for a spike, the DAC level of a graded input); both layers read
    their tile this way. Each cell adds amplitude x weight to its column, and amplitude^2 x
    variance to the column's read-noise variance (``with_noise``)."""
    currents[:] = 0.0
    current_vars[:] = 0.0
    for r in range(n_rows):
        i = rows[r]
        x = values[r]
        for j in range(currents.size):
            currents[j] += x * weights[i, j]
        if with_noise:
            x2 = x * x
            for j in range(currents.size):
                current_vars[j] += x2 * variances[i, j]


@array_jit
def _end_of_clip_eligibility(psi, alpha, rho, beta, clip_weight, g_out):
    """Per neuron j, the backward recursion of the end-of-clip e-prop form (module
    docstring) over the clip's stored pseudo-derivatives psi (T, H): G_j(t) into g_out."""
    steps, n_hid = psi.shape
    for j in range(n_hid):
        k_next = 0.0  # K_j(t): the adaptation term's backward sum
        g_next = 0.0  # G_j(t + 1)
        for t in range(steps - 1, -1, -1):
            if t < steps - 1:
                p1 = psi[t + 1, j]
                k_next = clip_weight[t + 1] * p1 + (rho[j] - beta[j] * p1) * k_next
            h = clip_weight[t] * psi[t, j] - beta[j] * psi[t, j] * k_next
            g_next = h + alpha[j] * g_next
            g_out[t, j] = g_next


@parallel_jit
def _alif_eprop_kernel(inputs, transmit, syn, const, neurons, tables, flags, keys, out):
    batch, steps, n_in = inputs.shape
    n_pre, n_hid = syn.w_hidden.shape
    n_out = syn.w_output.shape[1]
    alpha, rho, beta = neurons
    (kappa_sum,) = tables
    with_noise, with_eligibility, with_mask = flags
    seed, call_key = keys
    half = 2.0 ** (const.adc_bits - 1) if const.adc_bits > 0 else 1.0
    lsb = const.adc_range / half
    psi_scale = const.psi_gamma / const.b0
    psi_half_width = const.psi_width * const.b0
    # the output filter's weight of step t in the clip-mean score: sum_{t'>=t} kappa^(t'-t)
    clip_weight = np.empty(steps)
    for t in range(steps):
        clip_weight[t] = 1.0 + kappa_sum[steps - 1 - t]
    # Unpacked outside the parallel loop: numba's parfor lowering does not reliably write
    # through tuple attributes inside it.
    scores_out, traces_out, zbar_out_mean, hidden_counts, counts_out, read_g_out = out
    for b in numba.prange(batch):
        v = np.zeros(n_hid)
        adapt = np.zeros(n_hid)
        z_prev = np.zeros(n_hid, np.uint8)  # transmitted spikes of the previous step
        z = np.zeros(n_hid, np.uint8)
        zbar_out = np.zeros(n_hid)
        y = np.zeros(n_out)
        rows = np.empty(n_pre, np.int64)
        values = np.empty(n_pre)
        current = np.zeros(n_hid)
        current_var = np.zeros(n_hid)
        out_rows = np.empty(n_hid, np.int64)
        out_amplitudes = np.ones(n_hid)  # hidden spikes drive the output rows at amplitude 1
        out_current = np.zeros(n_out)
        out_var = np.zeros(n_out)
        score = np.zeros(n_out)
        zsum = np.zeros(n_hid)
        spike_count = np.zeros(n_hid, np.int64)
        if with_eligibility:
            psi_hist = np.zeros((steps, n_hid))
            sent_hist = np.zeros((steps, n_hid), np.uint8)
        counts = counts_out[b]
        for t in range(steps):
            n_rows = 0
            for i in range(n_in):
                x = inputs[b, t, i]
                if x != 0.0:
                    rows[n_rows] = i
                    values[n_rows] = x
                    read_g_out[b] += x * x * syn.row_g_hidden_uS[i]
                    n_rows += 1
            counts[_COUNT_INPUT_ROWS] += n_rows
            n_input_rows = n_rows
            for k in range(n_hid):
                if z_prev[k] != 0:
                    rows[n_rows] = n_in + k
                    values[n_rows] = 1.0
                    read_g_out[b] += syn.row_g_hidden_uS[n_in + k]
                    n_rows += 1
            counts[_COUNT_RECURRENT_ROWS] += n_rows - n_input_rows
            _drive_active_rows(
                rows, values, n_rows, syn.w_hidden, syn.var_hidden, with_noise, current, current_var
            )
            if n_rows > 0:
                counts[_COUNT_HIDDEN_READ_STEPS] += 1
                noise_state = key4(seed, STREAM_RECURRENT_NOISE, call_key, 2 * (b * steps + t))
                counts[_COUNT_ADC_SATURATIONS] += _column_noise_and_adc(
                    current, current_var, with_noise, const.adc_bits, half, lsb, noise_state
                )
            for j in range(n_hid):
                # the neuron's own spike resets it (reset by subtraction), dropped or not
                v[j] = alpha[j] * v[j] + current[j] - const.b0 * z[j]
                threshold = const.b0 + beta[j] * adapt[j]
                z[j] = 1 if v[j] >= threshold else 0
                adapt[j] = rho[j] * adapt[j] + z[j]
                spike_count[j] += z[j]
                if with_eligibility:
                    psi = _pseudo_derivative(v[j] - threshold, psi_scale, psi_half_width, 1.0)
                    if psi > 0.0:
                        counts[_COUNT_ELIGIBILITY_EVENTS] += 1
                        psi_hist[t, j] = psi
            # what leaves the layer: spikes that survive the transmission mask (dropout)
            n_out_rows = 0
            for j in range(n_hid):
                sent = z[j]
                if with_mask:
                    sent = sent * transmit[b, t, j]
                z_prev[j] = sent
                zbar_out[j] = const.kappa * zbar_out[j] + sent
                zsum[j] += zbar_out[j]
                if sent != 0:
                    out_rows[n_out_rows] = j
                    n_out_rows += 1
                    read_g_out[b] += syn.row_g_output_uS[j]
                if with_eligibility:
                    sent_hist[t, j] = sent
            _drive_active_rows(
                out_rows,
                out_amplitudes,
                n_out_rows,
                syn.w_output,
                syn.var_output,
                with_noise,
                out_current,
                out_var,
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
        for k in range(n_out):
            scores_out[b, k] = score[k] / steps
        for j in range(n_hid):
            zbar_out_mean[b, j] = zsum[j] / steps
            hidden_counts[b, j] = spike_count[j]
        if with_eligibility:
            g = np.empty((steps, n_hid))
            _end_of_clip_eligibility(psi_hist, alpha, rho, beta, clip_weight, g)
            f = traces_out[b]
            f[:, :] = 0.0
            for t in range(steps):
                for i in range(n_in):
                    x = inputs[b, t, i]
                    if x != 0.0:
                        for j in range(n_hid):
                            f[i, j] += x * g[t, j]
                if t > 0:
                    for k in range(n_hid):
                        if sent_hist[t - 1, k] != 0:
                            for j in range(n_hid):
                                f[n_in + k, j] += g[t, j]


def run_alif(
    inputs: np.ndarray,
    synapses: RecurrentSynapses,
    constants: AlifConstants,
    with_noise: bool,
    with_traces: bool,
    seed: int,
    call_key: int,
    transmit: np.ndarray | None = None,
) -> tuple[RecurrentOutputs, Events]:
    """Run clips through the recurrent layer and the output integrators.

    See the module docstring for the equations. Clips run in parallel; the read noise of clip
    b comes from the stream keyed (seed, STREAM_RECURRENT_NOISE, call_key, 2 (b T + t) + layer).

    Parameters
    ----------
    inputs : numpy.ndarray
        (B, T, n_in) input row amplitudes: binary spikes, or graded values (DAC levels,
        weight-unit multipliers) for a graded input layer. A zero leaves its row undriven.
    synapses : RecurrentSynapses
        Effective weights, read-noise variances and row conductances.
    constants : AlifConstants
        Neuron, learning and ADC constants; ``alpha``, ``rho`` and ``beta`` may be (H,)
        arrays (one value per hidden neuron).
    with_noise : bool
        Add read noise to every column read.
    with_traces : bool
        Compute the e-prop eligibility sums F_ji (training), in the end-of-clip form.
    seed, call_key : int
        Key of the read-noise streams (>= 0).
    transmit : numpy.ndarray, optional
        (B, T, H) 0/1 transmission mask of the hidden spikes (dropout during training): a
        masked spike still resets and adapts its own neuron but drives neither the
        recurrent rows nor the output layer. None: every spike is transmitted.

    Returns
    -------
    outputs : RecurrentOutputs
        Scores, eligibility sums, filtered hidden spikes and spike counts.
    events : Events
        Row activations, cell reads, synaptic operations (spike-driven) and MACs (graded
        inputs), DAC conversions (graded inputs), conductance read, input rows, recurrent
        rows, hidden spikes, read steps of both layers, ADC saturations and, with
        eligibility, eligibility events and the end-of-clip accumulator adds (all clips).

    References
    ----------
    .. [1] G. Bellec et al., "A solution to the learning dilemma for recurrent networks of
       spiking neurons", Nat. Commun. 11, 3625, 2020.
    """
    inputs = np.asarray(inputs)
    if inputs.ndim != 3:
        raise ValueError(f"inputs: shape {inputs.shape}: expected (batch, steps, n_in)")
    inputs = np.ascontiguousarray(inputs, dtype=np.float64)
    if not np.isfinite(inputs).all():
        raise ValueError("inputs: contains NaN or infinity")
    batch, steps, n_in = inputs.shape
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
        raise ValueError("inputs: expected at least one time step")
    neurons = neuron_arrays(constants, n_hidden)
    if not 0.0 <= constants.kappa <= 1.0:
        raise ValueError(f"constants.kappa={constants.kappa!r}: expected a decay in [0, 1]")
    if not (constants.b0 > 0 and constants.psi_width > 0 and constants.psi_gamma >= 0):
        raise ValueError(f"constants: expected b0 > 0, psi_width > 0, psi_gamma >= 0: {constants}")
    if constants.adc_bits < 0 or (constants.adc_bits > 0 and not constants.adc_range > 0):
        raise ValueError(
            f"constants.adc_bits={constants.adc_bits!r}, adc_range={constants.adc_range!r}:"
            " expected adc_bits >= 0 and, with an ADC, adc_range > 0"
        )
    if seed < 0 or call_key < 0:
        raise ValueError(f"seed={seed!r}, call_key={call_key!r}: expected integers >= 0")
    if transmit is None:
        mask = np.ones((0, 0, 0), np.uint8)
    else:
        mask = np.asarray(transmit)
        if mask.shape != (batch, steps, n_hidden) or not np.isin(mask, (0, 1)).all():
            raise ValueError(
                f"transmit: shape {mask.shape}: expected a 0/1 mask of shape"
                f" {(batch, steps, n_hidden)}"
            )
        mask = np.ascontiguousarray(mask, dtype=np.uint8)
    syn = RecurrentSynapses(*(np.ascontiguousarray(a, dtype=np.float64) for a in synapses))
    const = AlifConstants(
        0.0,
        0.0,
        0.0,
        *(float(v) for v in constants[3:-2]),
        int(constants.adc_bits),
        float(constants.adc_range),
    )
    kappa_sum = _geometric_sums(const.kappa, steps)
    out = _KernelOutputs.empty(batch, n_pre, n_hidden, n_out, with_traces)
    _alif_eprop_kernel(
        inputs,
        mask,
        syn,
        const,
        neurons,
        (kappa_sum,),
        (bool(with_noise), bool(with_traces), transmit is not None),
        (np.uint64(seed), np.uint64(call_key)),
        out,
    )
    totals = dict(zip(_COUNT_EVENTS, (int(c) for c in out.counts.sum(axis=0)), strict=True))
    if not with_traces:
        del totals["eligibility_events"]  # not counted: no pseudo-derivative
    graded = not np.isin(inputs, (0.0, 1.0)).all()
    input_rows = totals["input_spikes"]
    hidden_rows = input_rows + totals["recurrent_rows"]
    output_rows = totals["hidden_spikes"]
    cells = hidden_rows * n_hidden + output_rows * n_out
    graded_counts = {}
    if graded:  # rows driven through DACs at graded amplitudes: multiply-accumulates
        graded_counts = {
            "dac_conversions": input_rows,
            "synaptic_macs": input_rows * n_hidden,
        }
    if with_traces:  # end of clip: each driven row adds G_j(t) to its synapses' sums
        graded_counts["eligibility_adds"] = hidden_rows * n_hidden
    events = Events(
        row_activations=hidden_rows + output_rows,
        cell_reads=cells,
        read_g_sum_uS=float(out.read_g_uS.sum()),
        synaptic_ops=cells - graded_counts.get("synaptic_macs", 0),
        **totals,
        **graded_counts,
    )
    return RecurrentOutputs(*out[:4]), events
