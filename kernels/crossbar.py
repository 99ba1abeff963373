"""In-memory multiply-accumulate on a differential-pair PCM crossbar.

W is proportional to G+ - G-. A MAC first takes a *snapshot* of the tile at device time t
(drifted effective conductance G+_d - G-_d and the per-cell read-noise variance
s+^2 + s-^2, both from ``devices.pcm.physics``), then multiplies any number of input
vectors read at that time. Per-read cell noise summed over a column is Gaussian with
variance sum_i x_i^2 (s+_ij^2 + s-_ij^2), so it is drawn once per output, exactly in
distribution, from a second product instead of one normal per cell.

Outputs are in uS x input units (a current in uA for inputs in volts).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from devices.jit import array_jit, inlined_scalar_jit, parallel_jit

from .events import Events
from .rng import STREAM_MAC_NOISE, fill_normals, key4
from .snapshot import ReadState as ReadState
from .snapshot import Snapshot as Snapshot
from .snapshot import SnapshotCache as SnapshotCache
from .snapshot import flicker_factors as flicker_factors
from .snapshot import take_snapshot as take_snapshot


@inlined_scalar_jit
def _adc_convert(y, half, lsb):
    """Signed ADC of 2 * half levels of width lsb, on [-half lsb, half lsb):
    (value, saturated). No branch, so that a loop of conversions vectorises."""
    code = np.floor(y / lsb + 0.5)  # a float: no int64 round trip
    return min(max(code, -half), half - 1.0) * lsb, (code > half - 1.0) | (code < -half)


@array_jit
def _noise_and_adc(y, noise_var, seed, step, with_noise, adc_bits, adc_range):
    """In place: y[b] += sqrt(noise_var[b]) z[b], z[b, j] = pulse_normal(key_b, j) with key_b
    keyed (seed, STREAM_MAC_NOISE, step, b); then the ADC (adc_bits == 0 leaves raw
    currents). Returns the number of saturated conversions. Serial on purpose: next to BLAS
    calls, whose worker threads keep spinning for a while, a parallel region is starved
    (measured: 10x slower)."""
    batch, n_out = y.shape
    saturated = 0
    half = 2.0 ** (adc_bits - 1)
    lsb = adc_range / half
    z = np.empty(n_out)
    for b in range(batch):
        row = y[b]
        # Branch-free loops, one per stage, so that each vectorises.
        if with_noise:
            fill_normals(key4(seed, STREAM_MAC_NOISE, step, b), z, n_out)
            var_row = noise_var[b]
            for j in range(n_out):
                row[j] += math.sqrt(var_row[j]) * z[j]
        if adc_bits > 0:
            for j in range(n_out):
                row[j], is_saturated = _adc_convert(row[j], half, lsb)
                saturated += is_saturated
    return saturated


@array_jit
def _dac_prepare(x, dac_bits, xq, x2, x2_line_sum):
    """Signed DAC (clip to [-1, 1], round to 2^(bits-1) - 1 levels per sign; dac_bits == 0
    is ideal) into xq, its square into x2 (float32, for the noise product) and the per-line
    sum of squares into x2_line_sum. Returns (number of non-zero (activated) inputs, number
    of NaN or infinite inputs): the input check rides on this pass instead of a pass of its
    own."""
    batch, n = x.shape
    levels = 2.0 ** (dac_bits - 1) - 1.0
    active = 0
    not_finite = 0
    for i in range(n):
        x2_line_sum[i] = 0.0
    for b in range(batch):
        x_row, q_row, sq_row = x[b], xq[b], x2[b]
        # np.floor (a float) rather than math.floor (an int64): the same value, but a loop
        # the compiler vectorises (AVX2 has no vector float -> int64 conversion).
        if dac_bits > 0:
            for i in range(n):
                q_row[i] = np.floor(min(max(x_row[i], -1.0), 1.0) * levels + 0.5) / levels
        else:
            for i in range(n):
                q_row[i] = x_row[i]
        for i in range(n):
            v = q_row[i]
            sq = v * v
            sq_row[i] = sq
            x2_line_sum[i] += sq
            active += v != 0.0
            not_finite += not abs(x_row[i]) < math.inf  # False for NaN too
    return active, not_finite


class _CrossbarLines(NamedTuple):
    """What a MAC reads: effective conductance (n_lines, n_out), read-noise variance and the
    summed conductance of each input line (n_lines,)."""

    g_uS: np.ndarray
    var_uS2: np.ndarray
    line_g_sum_uS: np.ndarray


@parallel_jit
def _spike_mac_kernel(
    spikes,
    lines,
    with_noise,
    seed,
    step,
    adc_bits,
    adc_range,
    y,
    active_rows,
    g_read_uS,
    saturations,
):
    """Event-driven MAC, fused: y[b] = sum of the rows i of g with spikes[b, i] != 0, plus
    read noise of variance the sum of var over the same rows (deviates of row b from the
    stream keyed (seed, STREAM_MAC_NOISE, step, b), as in the dense MAC), then the ADC. Work
    is proportional to spikes x columns plus one scan of the spike matrix. Per sample b:
    active_rows[b] activated rows, g_read_uS[b] conductance read, saturations[b] ADC
    saturations. The outputs are separate arguments on purpose: written through arrays
    unpacked from a tuple, parfor lost the writes of ``saturations`` (measured)."""
    g, var, line_g_sum = lines  # read only: unpacked outside the parallel loop
    batch, n_in = spikes.shape
    n_out = g.shape[1]
    half = 2.0 ** (adc_bits - 1)
    lsb = adc_range / half
    for b in numba.prange(batch):
        acc_var = np.zeros(n_out)
        z = np.empty(n_out)
        for j in range(n_out):
            y[b, j] = 0.0
        count = 0
        g_sum = 0.0
        for i in range(n_in):
            if spikes[b, i] == 0:
                continue
            count += 1
            g_sum += line_g_sum[i]
            for j in range(n_out):
                y[b, j] += g[i, j]
            if with_noise:
                for j in range(n_out):
                    acc_var[j] += var[i, j]
        active_rows[b] = count
        g_read_uS[b] = g_sum
        sat = 0
        if with_noise:
            fill_normals(key4(seed, STREAM_MAC_NOISE, step, b), z, n_out)
        for j in range(n_out):
            v = y[b, j]
            if with_noise:
                v += math.sqrt(acc_var[j]) * z[j]
            if adc_bits > 0:
                v, is_sat = _adc_convert(v, half, lsb)
                sat += is_sat
            y[b, j] = v
        saturations[b] = sat


def _check_converters(dac_bits: int, adc_bits: int, adc_range: float) -> None:
    """dac_bits: 0 (ideal) or 2..24 (signed, 2^(bits-1) - 1 levels per sign);
    adc_bits: 0 (raw currents) or 1..24; adc_range > 0."""
    if not (isinstance(dac_bits, int | np.integer) and (dac_bits == 0 or 2 <= dac_bits <= 24)):
        raise ValueError(f"dac_bits={dac_bits!r}: expected 0 (ideal) or an integer in [2, 24]")
    if not (isinstance(adc_bits, int | np.integer) and 0 <= adc_bits <= 24):
        raise ValueError(f"adc_bits={adc_bits!r}: expected 0 (raw) or an integer in [1, 24]")
    if not (np.isfinite(adc_range) and adc_range > 0):
        raise ValueError(f"adc_range={adc_range!r}: expected a value > 0")


def _check_input(name: str, x: np.ndarray, width: int, finite: bool = True) -> np.ndarray:
    """Shape check, and unless ``finite=False`` (the caller checks on its own pass) a check
    for NaN or infinite values."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"{name}: shape {x.shape}: expected (batch, {width})")
    if finite and not np.all(np.isfinite(x)):
        _not_finite(name)
    return x


def _not_finite(name: str) -> None:
    raise ValueError(f"{name}: contains NaN or infinite values")


class MacScratch:
    """Work arrays of ``mac_dense`` kept from one call to the next (converted inputs, their
    squares, the noise variances), so that a MAC of an unchanged shape allocates only its
    output: a 512 x 128 tile at batch 256 otherwise maps 1.6 MB of fresh memory per call,
    whose page faults cost as much as the read noise. Not for two threads at once."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """The work array ``name`` of ``shape`` and ``dtype`` (uninitialised).

        Parameters
        ----------
        name : str
            What the array holds; one array is kept per name.
        shape : tuple of int
            Its shape.
        dtype : numpy dtype
            Its dtype.

        Returns
        -------
        numpy.ndarray
            The kept array, or a new one (then kept) if the shape or dtype changed.
        """
        arr = self._arrays.get(name)
        if arr is None or arr.shape != tuple(shape) or arr.dtype != np.dtype(dtype):
            arr = self._arrays[name] = np.empty(shape, dtype)
        return arr


def mac_dense(
    x: np.ndarray,
    snap: Snapshot,
    *,
    transpose: bool = False,
    dac_bits: int = 8,
    adc_bits: int = 8,
    adc_range: float = 1.0,
    noise: bool = True,
    seed: int = 0,
    step: int = 0,
    scratch: MacScratch | None = None,
) -> tuple[np.ndarray, Events]:
    """Multiply graded inputs, converted by a DAC, with a tile's conductances.

    y = x_q @ W for x (batch, n_in), or with ``transpose`` inputs on the columns,
    y = d_q @ W.T for d (batch, n_out); plus read noise (one deviate per output, variance
    sum_i x_i^2 (s+_ij^2 + s-_ij^2)), then the ADC.

    Parameters
    ----------
    x : numpy.ndarray
        (batch, n_in) inputs in [-1, 1] (clipped by the DAC), or (batch, n_out) with
        ``transpose``.
    snap : Snapshot
        The tile as read at the device time of the MAC.
    transpose : bool
        Drive the columns and read the rows (backward pass).
    dac_bits : int
        0 (ideal) or 2..24: signed DAC of 2^(bits-1) - 1 levels per sign.
    adc_bits : int
        0 (raw currents) or 1..24.
    adc_range : float
        ADC full scale, +-, uS x input units.
    noise : bool
        Add read noise.
    seed, step : int
        Key of the read-noise stream: sample b draws from (seed, STREAM_MAC_NOISE, step, b).
    scratch : MacScratch, optional
        Work arrays to reuse between calls (a tile keeps one); results do not depend on it.

    Returns
    -------
    y : numpy.ndarray
        (batch, n_out) (or (batch, n_in)) output currents, uS x input units; a new array.
    events : Events
        DAC conversions, row activations, cell reads, conductance read, synaptic MACs, column
        readings and, with an ADC, conversions and saturations.
    """
    _check_converters(dac_bits, adc_bits, adc_range)
    g = snap.g_eff_uS.T if transpose else snap.g_eff_uS
    x = np.ascontiguousarray(_check_input("x", x, g.shape[0], finite=False), dtype=np.float64)
    var = snap.var_uS2.T if transpose else snap.var_uS2
    line_g_sum = snap.col_g_sum_uS if transpose else snap.row_g_sum_uS
    work = MacScratch() if scratch is None else scratch
    xq = work.array("dac_output", x.shape, np.float64)
    x2 = work.array("dac_output_squared", x.shape, np.float32)
    x2_line_sum = work.array("dac_output_squared_line_sum", (x.shape[1],), np.float64)
    n_lines, n_not_finite = _dac_prepare(x, dac_bits, xq, x2, x2_line_sum)
    if n_not_finite:
        _not_finite("x")
    y = xq @ g
    # float32 is ample for a noise amplitude and halves the cost of the second product.
    if noise:
        noise_var = np.matmul(x2, var, out=work.array("noise_var", y.shape, np.float32))
    else:
        noise_var = np.empty((0, 0), np.float32)
    saturated = _noise_and_adc(y, noise_var, seed, step, noise, adc_bits, adc_range)
    n_lines = int(n_lines)
    converted = {} if adc_bits == 0 else {"adc_conversions": y.size, "adc_saturations": saturated}
    return y, Events(
        dac_conversions=x.size,
        row_activations=n_lines,
        cell_reads=2 * n_lines * y.shape[1],
        read_g_sum_uS=float(x2_line_sum @ line_g_sum),
        synaptic_macs=n_lines * y.shape[1],
        column_reads=y.size,
        **converted,
    )


def mac_spikes(
    spikes: np.ndarray,
    snap: Snapshot,
    *,
    transpose: bool = False,
    adc_bits: int = 0,
    adc_range: float = 1.0,
    noise: bool = True,
    seed: int = 0,
    step: int = 0,
) -> tuple[np.ndarray, Events]:
    """Multiply binary spikes with a tile's conductances, event-driven.

    Every spike activates a row; cost is proportional to spikes x columns. Read noise as in
    ``mac_dense``.

    Parameters
    ----------
    spikes : numpy.ndarray
        (batch, n_in) binary spikes (bool or integers; non-zero is a spike), or
        (batch, n_out) with ``transpose``.
    snap : Snapshot
        The tile as read at the device time of the MAC.
    transpose, adc_range, noise, seed, step
        As for ``mac_dense``.
    adc_bits : int
        0 (default: raw currents for neuron membranes) or 1..24.

    Returns
    -------
    y : numpy.ndarray
        (batch, n_out) (or (batch, n_in)) column currents, uS.
    events : Events
        Row activations, cell reads, conductance read, synaptic operations, column readings
        (every column of a sample with an active row) and, with an ADC, conversions and
        saturations.
    """
    _check_converters(0, adc_bits, adc_range)
    g = np.ascontiguousarray(snap.g_eff_uS.T) if transpose else snap.g_eff_uS
    var = np.ascontiguousarray(snap.var_uS2.T) if transpose else snap.var_uS2
    line_g_sum = snap.col_g_sum_uS if transpose else snap.row_g_sum_uS
    spikes = np.ascontiguousarray(_check_input("spikes", spikes, g.shape[0]))
    if spikes.dtype == np.bool_:
        spikes = spikes.view(np.uint8)
    batch, n_out = spikes.shape[0], g.shape[1]
    y = np.empty((batch, n_out))
    active_rows = np.empty(batch, np.int64)
    g_read_uS = np.empty(batch)
    saturations = np.empty(batch, np.int64)
    _spike_mac_kernel(
        spikes,
        _CrossbarLines(g, var, line_g_sum),
        noise,
        seed,
        step,
        adc_bits,
        adc_range,
        y,
        active_rows,
        g_read_uS,
        saturations,
    )
    n_lines = int(active_rows.sum())
    converted = {}
    if adc_bits > 0:
        converted = {"adc_conversions": y.size, "adc_saturations": int(saturations.sum())}
    return y, Events(
        row_activations=n_lines,
        cell_reads=2 * n_lines * n_out,
        read_g_sum_uS=float(g_read_uS.sum()),
        synaptic_ops=n_lines * n_out,
        column_reads=int(np.count_nonzero(active_rows)) * n_out,
        **converted,
    )
