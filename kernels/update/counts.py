"""Pulse counts from a desired change (deterministic or stochastic rounding, mixed-precision
accumulate-and-fire), their application, and pair-based STDP producing a desired change."""

from __future__ import annotations

import math

import numba
import numpy as np

from devices.jit import array_jit, parallel_jit

from ..rng import STREAM_ROUND, key4, next_uniform
from ._pulse import (
    ROWS_PER_BLOCK,
    add_row_totals,
    empty_row_scratch,
    pulse_rows,
    redraw_rows,
)


# Pulse counts from a desired change ------------------------------------------------------
@parallel_jit
def quantize_counts(delta_uS, dw_min_uS, max_pulses, stochastic, seed, step, counts):
    """Pulse counts of a desired change: counts = clip(round(delta / dw_min), -max_pulses,
    max_pulses), rows in parallel.

    Parameters
    ----------
    delta_uS : numpy.ndarray
        (n_in, n_out) float64 desired change of G+ - G-, uS.
    dw_min_uS : float
        Conductance step of one pulse, uS (> 0).
    max_pulses : int
        Cap on the pulses per cell (>= 1).
    stochastic : bool
        Round q = delta / dw_min down, or up with probability q - floor(q), by the first
        uniform of the stream keyed (seed, STREAM_ROUND, step, i n_out + j); else round to
        the nearest integer, halves away from zero.
    seed, step : int
        Key of the rounding stream (>= 0); unused without stochastic rounding.
    counts : numpy.ndarray
        (n_in, n_out) int64, written: the signed pulse counts.
    """
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
    """Mixed-precision accumulate and fire: chi += delta; n = trunc(chi / epsilon), capped
    at +-max_pulses; chi -= n epsilon, so that chi keeps what the pulses did not apply.
    Rows run in parallel.

    Parameters
    ----------
    chi_uS : numpy.ndarray
        (n_in, n_out) float64 digital accumulators, uS, updated in place.
    delta_uS : numpy.ndarray
        (n_in, n_out) float64 desired change of G+ - G-, uS.
    epsilon_uS : float
        Firing threshold, the change credited to one pulse, uS (> 0).
    max_pulses : int
        Cap on the pulses per cell (>= 1).
    counts : numpy.ndarray
        (n_in, n_out) int64, written: the signed pulse counts n.

    References
    ----------
    .. [1] S. R. Nandakumar et al., "Mixed-precision deep learning based on computational
       memory", Front. Neurosci. 14, 406, 2020.
    """
    n_in, n_out = chi_uS.shape
    for i in numba.prange(n_in):
        for j in range(n_out):
            c = chi_uS[i, j] + delta_uS[i, j]
            n = min(max(math.trunc(c / epsilon_uS), -max_pulses), max_pulses)
            counts[i, j] = n
            chi_uS[i, j] = c - n * epsilon_uS


@parallel_jit
def counts_apply(counts, seed, step, plus, minus, phys, pulses_plus, pulses_minus):
    """Fire |counts[i, j]| pulses on cell (i, j): on G+ where counts > 0, on G- where
    counts < 0.

    Blocks of ``ROWS_PER_BLOCK`` rows run in parallel, each in one ``pulse_rows`` call.
    Pulse k of cell (i, j) takes deviate k of the stream keyed (seed, STREAM_PULSE, step,
    i n_out + j); each device written gets a new drift exponent, from the stream keyed
    (seed, STREAM_PULSE, step, (n_in + i) n_out + j).

    Parameters
    ----------
    counts : numpy.ndarray
        (n_in, n_out) int64 signed pulse counts (not modified).
    seed, step : int
        Key of the pulse stream (>= 0).
    plus, minus : DeviceArrays
        (n_in, n_out) state of G+ and G-, updated in place.
    phys : PulsePhysics
        Pulse amplitude, time of the update and device physics.
    pulses_plus, pulses_minus : numpy.ndarray
        (n_in,) int64 SET pulses of each row on G+ and on G- (stuck devices included),
        added to.
    """
    n_in, n_out = counts.shape
    n_blocks = (n_in + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    for block in numba.prange(n_blocks):
        i0 = block * ROWS_PER_BLOCK
        rows = min(ROWS_PER_BLOCK, n_in - i0)
        block_counts = counts[i0 : i0 + rows].ravel().copy()
        scratch = empty_row_scratch(rows * n_out)
        add_row_totals(block_counts, n_out, i0, pulses_plus, pulses_minus)
        pulse_rows(i0, block_counts, i0 * n_out, seed, step, plus, minus, phys, scratch)
        redraw_rows(i0, scratch, (n_in + i0) * n_out, seed, step, plus, minus, phys)


# STDP --------------------------------------------------------------------------------------
@array_jit
def stdp_delta(pre, post, pre_decay, post_decay, a_plus_uS, a_minus_uS, delta_uS):
    """Pair-based STDP with exponential traces, summed over the batch into delta_uS.

    At each step both traces decay (x_pre *= pre_decay, x_post *= post_decay) and the pre
    trace takes the step's pre spikes; a pre spike at i subtracts a_minus x_post[j] (post
    trace without this step's post spikes), a post spike at j adds a_plus x_pre[i]; then the
    post trace takes the step's post spikes. A coincident pair counts once, as potentiation,
    and a pair dt steps apart weighs pre_decay^dt (or post_decay^dt) in either order.
    Work is proportional to spikes x fan-out.

    Parameters
    ----------
    pre : numpy.ndarray
        (T, B, n_in) presynaptic spikes per time step (spike counts, usually 0 or 1).
    post : numpy.ndarray
        (T, B, n_out) postsynaptic spikes per time step.
    pre_decay, post_decay : float
        Factor by which each trace decays per time step, in [0, 1].
    a_plus_uS : float
        Potentiation per unit of pre trace at a post spike, uS.
    a_minus_uS : float
        Depression per unit of post trace at a pre spike, uS.
    delta_uS : numpy.ndarray
        (n_in, n_out) float64 desired change of G+ - G-, uS, added to.

    Returns
    -------
    int
        Trace updates made, (n_in + n_out) per time step and sample: the digital work
        that the energy ledger books.
    """
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
