"""Counter-based random numbers for parallel kernels.

A random value is a pure function of a key (seed, step, row, column, ...), so results do not
depend on how work is split between threads. Keys are hashed with the splitmix64 finalizer
(Steele, Lea & Flood, OOPSLA 2014); a key seeds a short splitmix64 stream from which the
kernel draws what it needs.

Two ways to draw normals from a key: ``next_normal`` walks a stream by the ziggurat method
(Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000, with the layer index and the value taken
from different bits, Doornik 2005; a rejected draw takes the next words of the same
stream), for kernels that draw a few deviates per key; ``pulse_normal(key, k)`` is the k-th
deviate of the key as a pure function of (key, k), by Box-Muller from words 2 (k // 2) and
2 (k // 2) + 1 of the key's splitmix64 stream (Box & Muller 1958), so that a loop of them
has no serial dependence and no branch and vectorises (``fill_normals`` draws a whole row
so). Both are exact in distribution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from devices.jit import array_jit, inlined_scalar_jit, scalar_jit
from devices.vecmath import float_from_bits, log_positive_normal, sin_cos_quarter

from .keys import CLIP_PASS_KEY as CLIP_PASS_KEY
from .keys import DATA_PASSES as DATA_PASSES
from .keys import MAC_TILE_KEY as MAC_TILE_KEY
from .keys import PASS_SEED_KEY as PASS_SEED_KEY
from .keys import THRESHOLD_KEY as THRESHOLD_KEY
from .keys import UPDATE_TILE_KEY as UPDATE_TILE_KEY
from .keys import KeyLayout as KeyLayout
from .keys import data_pass as data_pass

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11, _S32 = np.uint64(11), np.uint64(32)
_LAYER_MASK = np.uint64(127)
_TWO_POW_53_INV = 1.0 / 9007199254740992.0
_TWO_POW_31_INV = 1.0 / 2147483648.0

# Ziggurat tables for 128 layers (Marsaglia & Tsang 2000) ------------------------------------
ZIG_R = 3.442619855899
_ZIG_V = 9.91256303526217e-3


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = np.zeros(128)  # acceptance bound of |value| (in units of 2^-31) per layer
    w = np.zeros(128)  # scale of a 31-bit signed integer to x per layer
    f = np.zeros(128)  # density at the layer's edge
    dn = tn = ZIG_R
    q = _ZIG_V / math.exp(-0.5 * dn * dn)
    k[0] = dn / q
    w[0] = q
    w[127] = dn
    f[0] = 1.0
    f[127] = math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(_ZIG_V / dn + math.exp(-0.5 * dn * dn)))
        k[i + 1] = dn / tn
        tn = dn
        f[i] = math.exp(-0.5 * dn * dn)
        w[i] = dn
    return k, w, f


ZIG_K, ZIG_W, ZIG_F = _ziggurat_tables()


@scalar_jit
def _mix64(z):
    """splitmix64 finalizer: a bijective avalanche of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@scalar_jit
def key4(seed, stream, step, index):
    """Hash four key fields into one uint64 stream state.

    Parameters
    ----------
    seed : int
        Seed of the run (>= 0).
    stream : int
        A registered stream id (``STREAMS``).
    step : int
        The call's step field (a ``KeyLayout`` key in the system).
    index : int
        The draw's index within the call (sample, cell, ...).

    Returns
    -------
    numpy.uint64
        The splitmix64 stream state of the key.

    References
    ----------
    .. [1] G. L. Steele, D. Lea and C. H. Flood, "Fast splittable pseudorandom number
       generators", OOPSLA 2014.
    """
    h = _mix64(np.uint64(seed) + GOLDEN)
    h = _mix64(h ^ (np.uint64(stream) + GOLDEN))
    h = _mix64(h ^ (np.uint64(step) + GOLDEN))
    return _mix64(h ^ (np.uint64(index) + GOLDEN))


@scalar_jit
def _next_u64(state):
    """(value, new_state) of a splitmix64 stream."""
    state = state + GOLDEN
    return _mix64(state), state


@scalar_jit
def next_uniform(state):
    """The next uniform deviate of a splitmix64 stream.

    Parameters
    ----------
    state : numpy.uint64
        Stream state (from ``key4`` or a previous draw).

    Returns
    -------
    u : float
        Uniform in [0, 1), 53 random bits.
    new_state : numpy.uint64
        The state after the draw.
    """
    v, state = _next_u64(state)
    return float(v >> _S11) * _TWO_POW_53_INV, state


@scalar_jit
def _ziggurat_tail(hz, state):
    """(deviate, new_state): a draw from the tail beyond ZIG_R, on the side of the sign of
    ``hz``, by Marsaglia's exponential method with the uniforms of ``state``; the base layer
    of ``next_normal`` ends here."""
    while True:
        u1, state = next_uniform(state)
        u2, state = next_uniform(state)
        xt = -math.log(1.0 - u1) / ZIG_R
        yt = -math.log(1.0 - u2)
        if yt + yt >= xt * xt:
            return (ZIG_R + xt if hz > 0 else -ZIG_R - xt), state


@scalar_jit
def _under_wedge_density(layer, u, x):
    """The wedge test of a layer above the base: the point at height ``u`` (uniform) over
    ``x`` in the wedge of ``layer`` lies under the normal density."""
    return ZIG_F[layer] + u * (ZIG_F[layer - 1] - ZIG_F[layer]) < math.exp(-0.5 * x * x)


@scalar_jit
def next_normal(state):
    """The next standard normal deviate of a splitmix64 stream, by the ziggurat method.

    Takes a stream state as ``next_uniform`` does and returns (z, new_state), z ~ N(0, 1); a
    rejected attempt takes the next words of the same stream.

    Parameters
    ----------
    state : numpy.uint64
        Stream state.

    Returns
    -------
    tuple of (float, numpy.uint64)
        The deviate and the state after the draw.

    References
    ----------
    .. [1] G. Marsaglia and W. W. Tsang, "The ziggurat method for generating random
       variables", J. Stat. Softw. 5(8), 2000.
    .. [2] J. A. Doornik, "An improved ziggurat method to generate normal random samples",
       University of Oxford, 2005.
    """
    while True:
        v, state = _next_u64(state)
        layer = np.int64(v & _LAYER_MASK)
        # 32 high bits as a signed integer in [-2^31, 2^31): sign and magnitude of the draw
        hz = float(np.int64(v >> _S32) - 2147483648) * _TWO_POW_31_INV
        x = hz * ZIG_W[layer]
        if abs(hz) < ZIG_K[layer]:
            return x, state
        if layer == 0:
            return _ziggurat_tail(hz, state)
        u, state = next_uniform(state)
        if _under_wedge_density(layer, u, x):
            return x, state


@inlined_scalar_jit
def counter_word(key, k):
    """Word k of the splitmix64 stream of a state, without walking the stream.

    Parameters
    ----------
    key : numpy.uint64
        Stream state.
    k : int
        Word index (>= 0).

    Returns
    -------
    numpy.uint64
        The (k + 1)-th output of the stream started at ``key``.
    """
    return _mix64(np.uint64(key) + np.uint64(k + 1) * GOLDEN)


@scalar_jit
def keyed_normal(seed, stream, step, index):
    """One N(0, 1) deviate as a pure function of a key.

    Parameters
    ----------
    seed, stream, step, index : int
        The key fields (see ``key4``).

    Returns
    -------
    float
        The first deviate of the key's stream.
    """
    z, _ = next_normal(key4(seed, stream, step, index))
    return z


# -- The registry of random streams -------------------------------------------------------
# Every stream the project draws from is named here, once. A kernel's key is
# (seed, stream id, step, index): the ``STREAM_*`` constants below are the only stream ids
# the kernels use, and the ``*_KEY`` layouts of ``kernels.keys`` (imported above, so that
# this module is the one entry to randomness) build the step field from named,
# range-checked parts, so that no two draws of a run share a key by accident.


class StreamSpec(NamedTuple):
    """One registered stream of the counter-based generator.

    Attributes
    ----------
    stream_id : int
        The second key field of every draw of the stream (``key4(seed, stream_id, ...)``).
    owner : str
        The module whose kernels draw from it.
    step : str
        What the step field of the key holds.
    index : str
        What the index field of the key holds.
    """

    stream_id: int
    owner: str
    step: str
    index: str


STREAMS: Mapping[str, StreamSpec] = MappingProxyType(
    {
        "mac_noise": StreamSpec(
            1, "kernels.crossbar", "MAC call (MAC_TILE_KEY in a chip)", "sample b"
        ),
        "row_bits": StreamSpec(
            11, "kernels.update", "update call (UPDATE_TILE_KEY)", "sample b x n_in + row i"
        ),
        "col_bits": StreamSpec(
            12, "kernels.update", "update call (UPDATE_TILE_KEY)", "sample b x n_out + column j"
        ),
        "pulse": StreamSpec(
            13,
            "kernels.update",
            "update call (UPDATE_TILE_KEY)",
            "cell (i, j) of pulse round b: (b n_in + i) n_out + j; drift redraws after the rounds",
        ),
        "round": StreamSpec(
            14, "kernels.update", "update call (UPDATE_TILE_KEY)", "cell i x n_out + j"
        ),
        "refresh": StreamSpec(
            15, "kernels.update", "refresh call (UPDATE_TILE_KEY)", "cell i x n_out + j"
        ),
        "threshold": StreamSpec(
            21, "kernels.neurons", "first step + t (THRESHOLD_KEY in a chip)", "sample b"
        ),
        "recurrent_noise": StreamSpec(
            31, "kernels.recurrent", "forward call", "2 (clip b x T + step t) + layer"
        ),
    }
)

STREAM_MAC_NOISE = STREAMS["mac_noise"].stream_id
STREAM_ROW_BITS = STREAMS["row_bits"].stream_id
STREAM_COL_BITS = STREAMS["col_bits"].stream_id
STREAM_PULSE = STREAMS["pulse"].stream_id
STREAM_ROUND = STREAMS["round"].stream_id
STREAM_REFRESH = STREAMS["refresh"].stream_id
STREAM_THRESHOLD = STREAMS["threshold"].stream_id
STREAM_RECURRENT_NOISE = STREAMS["recurrent_noise"].stream_id

# Tags of the numpy Generators the system seeds with ``default_rng([seed, tag, *fields])``
# (``stream_generator``). numpy's SeedSequence ignores trailing zero words and splits an
# integer >= 2^32 into 32-bit words, so a tag must never be what another seeding writes as
# its second word: the clip keys of ``CLIP_PASS_KEY`` are crc32 values of file paths.
GENERATOR_STREAMS: Mapping[str, int] = MappingProxyType(
    {
        "chip_devices": 1,  # device-to-device variability and random feedback of a chip
        "initial_weights": 2,  # the chip's initial weights
        "epoch_order": 3,  # the order of the training clips in an epoch (field: epoch)
        "neuron_constants": 4,  # per-neuron time constants and which neurons adapt
        "dropout": 5,  # hidden spikes dropped in a training pass (field: forward call)
        "ceiling_dropout": 6,  # the software ceiling's dropout masks (raven.baseline.rsnn)
    }
)


def stream_generator(seed: int, name: str, *fields: int) -> np.random.Generator:
    """The numpy Generator of a registered generator stream.

    Parameters
    ----------
    seed : int
        Seed of the run (>= 0).
    name : str
        A key of ``GENERATOR_STREAMS``.
    *fields : int
        Further non-negative integers that select one of the stream's generators (the
        epoch of ``"epoch_order"``).

    Returns
    -------
    numpy.random.Generator
        ``numpy.random.default_rng([seed, GENERATOR_STREAMS[name], *fields])``.
    """
    if name not in GENERATOR_STREAMS:
        raise ValueError(f"stream name={name!r}: expected one of {sorted(GENERATOR_STREAMS)}")
    for label, value in (("seed", seed), *((f"field {k}", v) for k, v in enumerate(fields))):
        if not (isinstance(value, int | np.integer) and value >= 0):
            raise ValueError(f"{name} stream: {label}={value!r}: expected an integer >= 0")
    return np.random.default_rng([int(seed), GENERATOR_STREAMS[name], *map(int, fields)])


# Pulse deviates by the Box-Muller transform -------------------------------------------------
_ONE_BITS = np.uint64(0x3FF0000000000000)
_MANTISSA_MASK = np.uint64(0x000FFFFFFFFFFFFF)
_S10, _S12, _S62 = np.uint64(10), np.uint64(12), np.uint64(62)
_HALF_PI = 0.5 * math.pi


@inlined_scalar_jit
def _box_muller(word_radius, word_angle):
    """Two independent N(0, 1) deviates (r cos t, r sin t) from two random 64-bit words:
    r = sqrt(-2 ln u) with u in (0, 1] from 52 bits of ``word_radius`` (so |z| reaches
    8.49), and t uniform on the circle, its quadrant from the 2 top bits of ``word_angle``
    and its place in the quadrant from the next 52. Only arithmetic (``devices.vecmath``)
    and no branch, so that a loop of these vectorises; exact in distribution up to the
    2^-52 grid of u and t and the last-bit rounding of ln, sqrt, sin and cos."""
    u = 2.0 - float_from_bits((word_radius >> _S12) | _ONE_BITS)
    radius = math.sqrt(-2.0 * log_positive_normal(u))
    place = float_from_bits(((word_angle >> _S10) & _MANTISSA_MASK) | _ONE_BITS) - 1.5
    sin_t, cos_t = sin_cos_quarter(place * _HALF_PI)
    quadrant = word_angle >> _S62
    odd = (quadrant & np.uint64(1)) != 0
    x = -sin_t if odd else cos_t
    y = cos_t if odd else sin_t
    opposite = quadrant >= np.uint64(2)
    x = -x if opposite else x
    y = -y if opposite else y
    return radius * x, radius * y


@inlined_scalar_jit
def pulse_normal_pair(key, pair):
    """The deviates of pulses 2 pair and 2 pair + 1 of stream state ``key``.

    The Box-Muller pair of words 2 pair and 2 pair + 1 of the key's splitmix64 stream (a
    pure function of (key, pair), so any subset of pulses can be drawn in any order).

    Parameters
    ----------
    key : numpy.uint64
        Stream state (``key4``).
    pair : int
        Index of the pair of pulses (>= 0).

    Returns
    -------
    tuple of float
        The N(0, 1) deviates of pulses 2 pair and 2 pair + 1.

    References
    ----------
    G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29, 610 (1958).
    """
    return _box_muller(counter_word(key, 2 * pair), counter_word(key, 2 * pair + 1))


@scalar_jit
def pulse_normal(key, k):
    """The N(0, 1) deviate of pulse k of stream state ``key`` (see ``pulse_normal_pair``).

    Parameters
    ----------
    key : numpy.uint64
        Stream state (``key4``).
    k : int
        Pulse index (>= 0).

    Returns
    -------
    float
        Deviate k of the key's pulse stream.
    """
    z_even, z_odd = pulse_normal_pair(key, k // 2)
    return z_even if k % 2 == 0 else z_odd


@array_jit
def fill_normals(key, out, n):
    """Fill ``out[k] = pulse_normal(key, k)`` for k < n: the Box-Muller deviates of the key,
    a pair at a time, in a loop without branches that the compiler vectorises.

    Parameters
    ----------
    key : numpy.uint64
        Stream state (from ``key4``).
    out : numpy.ndarray
        float64 array of at least n elements, written in place.
    n : int
        Number of deviates.
    """
    for pair in range(n // 2):
        z_even, z_odd = pulse_normal_pair(key, pair)
        out[2 * pair] = z_even
        out[2 * pair + 1] = z_odd
    if n % 2:
        out[n - 1] = pulse_normal_pair(key, n // 2)[0]
