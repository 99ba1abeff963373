"""Counter-based random numbers for parallel kernels.

A random value is a pure function of a key (seed, step, row, column, ...), so results do not
depend on how work is split between threads. Keys are hashed with the splitmix64 finalizer
(Steele, Lea & Flood, OOPSLA 2014); a key seeds a short splitmix64 stream from which the
kernel draws what it needs. Normal deviates use the ziggurat method (Marsaglia & Tsang,
J. Stat. Softw. 5(8), 2000) with the layer index and the value taken from different bits
(Doornik 2005), which is exact in distribution and costs one hash on ~99 % of draws.

Two ways to draw normals from a key: ``next_normal`` walks a stream (a rejected draw takes
the next words of the same stream); ``normal_at(key, k)`` is the k-th deviate of the key as
a pure function of (key, k): its first ziggurat attempt uses word k of the key's splitmix64
stream, and the rare rejected attempt (about 1.2 %) finishes in a sub-stream seeded by that
word. Without a serial dependence between deviates, ``fill_normals`` draws a whole row in a
loop that the compiler vectorises (first attempts for every k, then the few rejections).
"""

from __future__ import annotations

import math

import numpy as np

from devices.jit import array_jit, inlined_scalar_jit, scalar_jit
from devices.vecmath import float_from_bits, log_positive_normal, sin_cos_quarter

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
def mix64(z):
    """splitmix64 finalizer: a bijective avalanche of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@scalar_jit
def key4(seed, a, b, c):
    """Hash (seed, a, b, c) of non-negative integers into one uint64 stream state."""
    h = mix64(np.uint64(seed) + GOLDEN)
    h = mix64(h ^ (np.uint64(a) + GOLDEN))
    h = mix64(h ^ (np.uint64(b) + GOLDEN))
    return mix64(h ^ (np.uint64(c) + GOLDEN))


@scalar_jit
def next_u64(state):
    """(value, new_state) of a splitmix64 stream."""
    state = state + GOLDEN
    return mix64(state), state


@scalar_jit
def next_uniform(state):
    """(u in [0, 1), new_state), 53 random bits."""
    v, state = next_u64(state)
    return float(v >> _S11) * _TWO_POW_53_INV, state


@scalar_jit
def next_normal(state):
    """(z ~ N(0, 1), new_state) by the ziggurat method."""
    while True:
        v, state = next_u64(state)
        layer = np.int64(v & _LAYER_MASK)
        # 32 high bits as a signed integer in [-2^31, 2^31): sign and magnitude of the draw
        hz = float(np.int64(v >> _S32) - 2147483648) * _TWO_POW_31_INV
        x = hz * ZIG_W[layer]
        if abs(hz) < ZIG_K[layer]:
            return x, state
        if layer == 0:  # the tail beyond R, by Marsaglia's exponential method
            while True:
                u1, state = next_uniform(state)
                u2, state = next_uniform(state)
                xt = -math.log(1.0 - u1) / ZIG_R
                yt = -math.log(1.0 - u2)
                if yt + yt >= xt * xt:
                    break
            return (ZIG_R + xt if hz > 0 else -ZIG_R - xt), state
        u, state = next_uniform(state)
        if ZIG_F[layer] + u * (ZIG_F[layer - 1] - ZIG_F[layer]) < math.exp(-0.5 * x * x):
            return x, state


_SUBSTREAM = np.uint64(0xD1B54A32D192ED03)  # seeds the sub-stream of a rejected attempt


@inlined_scalar_jit
def counter_word(key, k):
    """Word k (k >= 0) of the splitmix64 stream of state ``key``, without walking it."""
    return mix64(np.uint64(key) + np.uint64(k + 1) * GOLDEN)


@inlined_scalar_jit
def ziggurat_first(v):
    """The first ziggurat attempt from one 64-bit word: (x, accepted). Branch-free so that a
    loop of first attempts vectorises; x is the deviate whenever ``accepted``."""
    layer = np.int64(v & _LAYER_MASK)
    hz = float(np.int32(np.int64(v >> _S32) - 2147483648)) * _TWO_POW_31_INV
    return hz * ZIG_W[layer], abs(hz) < ZIG_K[layer]


@scalar_jit
def ziggurat_rest(v):
    """The ziggurat after the first attempt from word v was not accepted at once: the tail
    (base layer) or the wedge test of that attempt, and if the wedge rejects, a fresh draw;
    the uniforms come from the sub-stream seeded by v."""
    layer = np.int64(v & _LAYER_MASK)
    hz = float(np.int32(np.int64(v >> _S32) - 2147483648)) * _TWO_POW_31_INV
    x = hz * ZIG_W[layer]
    state = mix64(v ^ _SUBSTREAM)
    if layer == 0:
        while True:
            u1, state = next_uniform(state)
            u2, state = next_uniform(state)
            xt = -math.log(1.0 - u1) / ZIG_R
            yt = -math.log(1.0 - u2)
            if yt + yt >= xt * xt:
                return ZIG_R + xt if hz > 0 else -ZIG_R - xt
    u, state = next_uniform(state)
    if ZIG_F[layer] + u * (ZIG_F[layer - 1] - ZIG_F[layer]) < math.exp(-0.5 * x * x):
        return x
    z, _ = next_normal(state)
    return z


@scalar_jit
def normal_at(key, k):
    """The k-th N(0, 1) deviate of stream state ``key`` (a pure function of (key, k))."""
    v = counter_word(key, k)
    x, accepted = ziggurat_first(v)
    return x if accepted else ziggurat_rest(v)


@array_jit
def fill_normals(key, out, n):
    """out[k] = normal_at(key, k) for k < n. First attempts for all k in one vectorisable
    loop (a rejection leaves NaN), then the rare rejections one by one."""
    for k in range(n):
        x, accepted = ziggurat_first(counter_word(key, k))
        out[k] = x if accepted else math.nan
    for k in range(n):
        if out[k] != out[k]:
            out[k] = ziggurat_rest(counter_word(key, k))


@scalar_jit
def keyed_normal(seed, a, b, c):
    """One N(0, 1) deviate as a pure function of (seed, a, b, c)."""
    z, _ = next_normal(key4(seed, a, b, c))
    return z


@scalar_jit
def keyed_uniform(seed, a, b, c):
    u, _ = next_uniform(key4(seed, a, b, c))
    return u


# Pulse deviates by the Box-Muller transform -------------------------------------------------
_ONE_BITS = np.uint64(0x3FF0000000000000)
_MANTISSA_MASK = np.uint64(0x000FFFFFFFFFFFFF)
_S10, _S12, _S62 = np.uint64(10), np.uint64(12), np.uint64(62)
_HALF_PI = 0.5 * math.pi


@inlined_scalar_jit
def box_muller(word_radius, word_angle):
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
    """The deviates of pulses 2 pair and 2 pair + 1 of stream state ``key``: the Box-Muller
    pair of words 2 pair and 2 pair + 1 of the key's splitmix64 stream (a pure function of
    (key, pair), so any subset of pulses can be drawn in any order)."""
    return box_muller(counter_word(key, 2 * pair), counter_word(key, 2 * pair + 1))


@scalar_jit
def pulse_normal(key, k):
    """The N(0, 1) deviate of pulse k (k >= 0) of stream state ``key``."""
    z_even, z_odd = pulse_normal_pair(key, k // 2)
    return z_even if k % 2 == 0 else z_odd
