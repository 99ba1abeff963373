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
                        m |= ONE << np.uint64(k)
            masks[b, i] = m


@parallel_jit
def coincidence_apply(
    x_masks, d_masks, x, d, seed, step, plus, minus, phys, pulses_plus, pulses_minus
):
    """Apply the coincidences of the slot masks, sample after sample. Rows are independent:
    blocks of ROWS_PER_BLOCK rows run in parallel, each block's pulses in one
    ``pulse_rows`` call per sample (longer loops than one row's); per-row pulse totals are
    added to pulses_plus / pulses_minus (``plus`` / ``minus``: ``DeviceArrays``;
    ``phys``: ``PulsePhysics``)."""
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
