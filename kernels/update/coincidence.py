"""Stochastic pulse coincidence (aihwkit's bit-line scheme): per sample, BL pulse slots;
row i fires in a slot with probability min(1, B |x_i|), column j with min(1, A |d_j|); a cell
gets one pulse per coincidence, on G+ if x_i d_j > 0 else on G-."""

from __future__ import annotations

import numba
import numpy as np

from devices.jit import parallel_jit

from ..rng import key4, next_uniform
from ._pulse import (
    ONE,
    ROWS_PER_BLOCK,
    add_row_totals,
    empty_row_scratch,
    popcount64,
    pulse_rows,
    redraw_rows,
)


# Stochastic pulse coincidence ----------------------------------------------------------------
@parallel_jit
def pulse_masks(values, prob_scale, bl, seed, step, stream, masks):
    """The slot masks of one side of a coincidence update: line i of sample b fires in each
    of the bl[b] slots independently with probability p = min(1, prob_scale[b] |values[b, i]|).

    Samples run in parallel. Slot k of line i of sample b compares uniform k of the stream
    keyed (seed, stream, step, b n + i) with p; a line with p = 0 draws nothing.

    Parameters
    ----------
    values : numpy.ndarray
        (batch, n) float64 signals of the side: x for the rows, d for the columns.
    prob_scale : numpy.ndarray
        (batch,) float64 firing probability per unit of |values|, by sample (B_b for the
        rows, A_b for the columns: ``coincidence_probabilities``).
    bl : numpy.ndarray
        (batch,) int64 pulse slots of each sample, 1 to 64.
    seed, step : int
        Key of the stream (>= 0).
    stream : int
        ``kernels.rng.STREAM_ROW_BITS`` for the rows, ``STREAM_COL_BITS`` for the columns.
    masks : numpy.ndarray
        (batch, n) uint64, written: bit k of masks[b, i] is set when line i fires in slot
        k of sample b; bits from bl[b] up are 0.
    """
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
                        m |= ONE << np.uint64(k)
            masks[b, i] = m


@parallel_jit
def coincidence_apply(
    x_masks, d_masks, x, d, seed, step, plus, minus, phys, pulses_plus, pulses_minus
):
    """Apply the coincidences of the slot masks, sample after sample: cell (i, j) receives
    one pulse per slot in which row i and column j both fire, popcount(x_masks[b, i] &
    d_masks[b, j]) for sample b, on G+ where x[b, i] d[b, j] > 0 and on G- otherwise.

    Rows are independent: blocks of ``ROWS_PER_BLOCK`` rows run in parallel, each block's
    pulses in one ``pulse_rows`` call per sample (longer loops than one row's). Pulse k of
    cell (i, j) in sample b takes deviate k of the stream keyed (seed, STREAM_PULSE, step,
    (b n_in + i) n_out + j); each device written gets one new drift exponent per call, from
    the stream keyed (seed, STREAM_PULSE, step, (batch n_in + i) n_out + j).

    Parameters
    ----------
    x_masks : numpy.ndarray
        (batch, n_in) uint64 slot masks of the rows (``pulse_masks``).
    d_masks : numpy.ndarray
        (batch, n_out) uint64 slot masks of the columns.
    x : numpy.ndarray
        (batch, n_in) float64 row signals: only their signs are read.
    d : numpy.ndarray
        (batch, n_out) float64 column signals: only their signs are read.
    seed, step, plus, minus, phys, pulses_plus, pulses_minus
        Pulse stream key, device state (updated in place), pulse physics and per-row pulse
        totals (added to), as for ``counts_apply``.

    References
    ----------
    .. [1] T. Gokmen and Y. Vlasov, "Acceleration of deep neural network training with
       resistive cross-point devices", Front. Neurosci. 10, 333, 2016.
    """
    batch, n_in = x_masks.shape
    n_out = d_masks.shape[1]
    n_blocks = (n_in + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    for block in numba.prange(n_blocks):
        i0 = block * ROWS_PER_BLOCK
        rows = min(ROWS_PER_BLOCK, n_in - i0)
        counts = np.zeros(rows * n_out, np.int64)
        scratch = empty_row_scratch(rows * n_out)
        for b in range(batch):
            any_row = False
            for r in range(rows):
                xm = x_masks[b, i0 + r]
                any_row = any_row or xm != 0
                x_positive = x[b, i0 + r] > 0
                for j in range(n_out):
                    c = popcount64(xm & d_masks[b, j])
                    counts[r * n_out + j] = c if x_positive == (d[b, j] > 0) else -c
            if not any_row:
                continue
            add_row_totals(counts, n_out, i0, pulses_plus, pulses_minus)
            key_base = (b * n_in + i0) * n_out
            pulse_rows(i0, counts, key_base, seed, step, plus, minus, phys, scratch)
        redraw_rows(i0, scratch, (batch * n_in + i0) * n_out, seed, step, plus, minus, phys)


def coincidence_probabilities(
    x: np.ndarray,
    d: np.ndarray,
    lr_uS: float,
    dw_min_uS: float,
    bl_max: int,
    update_management: bool = True,
    bl_management: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample slot count and firing-probability scales of a coincidence update
    (aihwkit's update and bit-line management).

    With bit-line management BL_b = min(bl_max, ceil(lr |x_b|max |d_b|max / dw_min)), else
    BL_b = bl_max. With k = sqrt(lr / (dw_min BL_b)) and update management, rows fire with
    B_b = k sqrt(|d_b|max / |x_b|max) and columns with A_b = k sqrt(|x_b|max / |d_b|max)
    (else both k), so that the expected change of a cell,
    BL_b dw_min min(1, B_b |x_i|) min(1, A_b |d_j|), is lr |x_i d_j| until a probability
    clips. A sample whose x or d is all zero gets one slot and scales 0 (no pulses).

    Parameters
    ----------
    x, d : numpy.ndarray
        (batch, n_in) row and (batch, n_out) column signals: their largest magnitudes per
        sample are read.
    lr_uS : float
        Learning rate, uS per unit of x d (> 0).
    dw_min_uS : float
        Mean conductance step of one pulse, uS (> 0).
    bl_max : int
        Pulse slots per sample at most, 1 to 64.
    update_management : bool
        Balance the row and column probabilities (default True).
    bl_management : bool
        Use fewer slots for samples with a small change (default True).

    Returns
    -------
    bl : numpy.ndarray
        (batch,) int64 slots per sample, 1 to bl_max.
    row_scale : numpy.ndarray
        (batch,) B_b, row firing probability per unit of |x|.
    col_scale : numpy.ndarray
        (batch,) A_b, column firing probability per unit of |d|.

    References
    ----------
    .. [1] T. Gokmen and Y. Vlasov, "Acceleration of deep neural network training with
       resistive cross-point devices", Front. Neurosci. 10, 333, 2016.
    """
    x_max = np.abs(x).max(axis=1)
    d_max = np.abs(d).max(axis=1)
    live = (x_max > 0) & (d_max > 0)
    if bl_management:
        need = np.ceil(lr_uS * x_max * d_max / dw_min_uS)
        bl = np.clip(np.where(live, need, 1), 1, bl_max).astype(np.int64)
    else:
        bl = np.full(x.shape[0], bl_max, dtype=np.int64)
    k = np.sqrt(lr_uS / (dw_min_uS * bl))
    if update_management:
        ratio = np.sqrt(np.where(live, d_max / np.where(live, x_max, 1.0), 1.0))
        row_scale = np.where(live, k * ratio, 0.0)
        col_scale = np.where(live, k / np.where(live, ratio, 1.0), 0.0)
    else:
        row_scale = np.where(live, k, 0.0)
        col_scale = np.where(live, k, 0.0)
    return bl, row_scale, col_scale
