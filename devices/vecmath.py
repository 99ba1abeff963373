"""Elementary functions written as plain arithmetic, so that compiled loops vectorise them.

Without a vector math library numba compiles ``math.exp`` and ``math.log`` to one libm call
per element, which stops a loop from being vectorised. The functions here use only
additions, multiplications, fused multiply-adds, comparisons and bit operations on float64,
which the compiler turns into AVX2 instructions when they sit in a loop. Each is the same
function wherever it is called, so a scalar reference and a vectorised kernel that both
call it agree bit for bit. Accuracy against libm is tested in ``tests/devices/test_vecmath.py``.

With ``NUMBA_DISABLE_JIT=1`` the pure-Python fallbacks of the three primitives below give
the same bits as the compiled versions.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload

from .jit import inlined_scalar_jit

_F64 = ir.DoubleType()


# Primitives: division, bit casts and the fused multiply-add --------------------------------
def float_from_bits(bits):
    """The float64 whose IEEE-754 bit pattern is the 64-bit integer ``bits``.

    Parameters
    ----------
    bits : int or numpy.uint64
        A 64-bit pattern (compiled code: a 64-bit integer).

    Returns
    -------
    float
        The float64 with that bit pattern.
    """
    return struct.unpack("<d", struct.pack("<Q", int(bits) & 0xFFFFFFFFFFFFFFFF))[0]


def bits_from_float(x):
    """The IEEE-754 bit pattern of the float64 ``x``, as an unsigned 64-bit integer.

    Parameters
    ----------
    x : float
        Any float64, NaN and infinities included.

    Returns
    -------
    numpy.uint64
        Its bit pattern.
    """
    return np.uint64(struct.unpack("<Q", struct.pack("<d", float(x)))[0])


def fma(a, b, c):
    """a * b + c with one rounding (exact rational arithmetic in the interpreted fallback).

    Parameters
    ----------
    a, b, c : float
        Operands (integers are converted to float64).

    Returns
    -------
    float
        a * b + c rounded once to float64 (the hardware fused multiply-add when compiled).
    """
    fa, fb, fc = float(a), float(b), float(c)
    if not all(math.isfinite(v) for v in (fa, fb, fc)):
        return fa * fb + fc
    exact = Fraction(fa) * Fraction(fb) + Fraction(fc)
    if exact == 0:
        return fa * fb + fc  # the sign of a zero result
    try:
        return float(exact)
    except OverflowError:
        return fa * fb + fc


def divide(a, b):
    """a / b by IEEE-754 rules (inf or NaN for b = 0), without the zero-divisor check that
    compiled code otherwise adds to a division (a branch that stops vectorisation).

    Parameters
    ----------
    a, b : float
        Dividend and divisor (integers are converted to float64).

    Returns
    -------
    float
        a / b correctly rounded; +-inf for a nonzero a over a zero b (signed by both), NaN
        for 0 / 0 or a NaN operand.
    """
    fa, fb = float(a), float(b)
    if fb == 0.0:
        return (
            math.nan
            if fa == 0.0 or fa != fa
            else math.copysign(math.inf, fa) * math.copysign(1.0, fb)
        )
    return fa / fb


@intrinsic
def _divide(typingctx, a, b):
    def codegen(context, builder, signature, args):
        return builder.fdiv(args[0], args[1])

    return types.float64(types.float64, types.float64), codegen


@intrinsic
def _float_from_bits(typingctx, bits):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], _F64)

    return types.float64(bits), codegen


@intrinsic
def _bits_from_float(typingctx, x):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(_F64, [_F64, _F64, _F64])
        fn = builder.module.declare_intrinsic("llvm.fma", [_F64], fnty)
        return builder.call(fn, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@overload(divide, inline="always")
def _divide_impl(a, b):
    if all(isinstance(v, types.Float | types.Integer) for v in (a, b)):
        return lambda a, b: _divide(numba.float64(a), numba.float64(b))
    return None


@overload(float_from_bits, inline="always")
def _float_from_bits_impl(bits):
    if isinstance(bits, types.Integer) and bits.bitwidth == 64:
        return lambda bits: _float_from_bits(bits)
    return None


@overload(bits_from_float, inline="always")
def _bits_from_float_impl(x):
    if isinstance(x, types.Float):
        return lambda x: _bits_from_float(numba.float64(x))
    return None


@overload(fma, inline="always")
def _fma_impl(a, b, c):
    if all(isinstance(v, types.Float | types.Integer) for v in (a, b, c)):
        return lambda a, b, c: _fma(numba.float64(a), numba.float64(b), numba.float64(c))
    return None


# Constants ----------------------------------------------------------------------------------
_LOG2E = 1.4426950408889634
# ln 2 = _LN2_HI + _LN2_LO; _LN2_HI has 32 significant bits, so n * _LN2_HI is exact for the
# exponents n that occur (|n| < 2^21).
_LN2_HI = float.fromhex("0x1.62e42fee00000p-1")
_LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")
# Adding 1.5 * 2^52 rounds a float of magnitude below 2^51 to the nearest integer (ties to
# even), which then sits in the low bits of the sum's bit pattern.
_ROUND_SHIFT = 6755399441055744.0
# Bits of 2^n1 = (n1 + 1023) << 52 = (bits of (n1 + shift) - this) << 52.
_SHIFT_BITS_LESS_BIAS = np.uint64(0x4338000000000000 - 1023)
_EXPONENT_SHIFT = np.uint64(52)
_EXP_LOWEST = -746.0  # exp below this rounds to 0
_EXP_HIGHEST = 710.0  # exp above this overflows to inf
_ONE_BITS = np.uint64(0x3FF0000000000000)
_MANTISSA_MASK = np.uint64(0x000FFFFFFFFFFFFF)
_SMALLEST_NORMAL = 2.2250738585072014e-308
_TWO_POW_54 = 2.0**54
_LN_TWO_POW_54 = 54.0 * math.log(2.0)
_TWO_POW_52_BITS = np.uint64(0x4330000000000000)
_TWO_POW_52_PLUS_BIAS = 4503599627370496.0 + 1023.0
_SQRT_2 = 1.4142135623730951


def _shifted_chebyshev(degree: int, lo: Fraction, hi: Fraction) -> list[Fraction]:
    """Coefficients (ascending powers of y) of T_degree((2 y - lo - hi) / (hi - lo))."""
    t_prev, t = [Fraction(1)], [Fraction(0), Fraction(1)]  # T_0, T_1 in u
    for _ in range(degree - 1):
        t_next = [Fraction(0)] + [2 * v for v in t]
        for k, v in enumerate(t_prev):
            t_next[k] -= v
        t_prev, t = t, t_next
    t = t if degree >= 1 else t_prev
    scale, shift = 2 / (hi - lo), -(hi + lo) / (hi - lo)
    out = [Fraction(0)] * (degree + 1)
    for k, v in enumerate(t):  # v u^k with u = scale y + shift
        for m in range(k + 1):
            out[m] += v * math.comb(k, m) * scale**m * shift ** (k - m)
    return out


def _economized(series: list[Fraction], lo: Fraction, hi: Fraction, degree: int) -> tuple:
    """A polynomial of the given degree close to the best uniform approximation of the
    polynomial ``series`` (ascending coefficients) on [lo, hi]: Chebyshev economization,
    in exact rational arithmetic, removes the top term with a multiple of the shifted
    Chebyshev polynomial of its degree, which moves the value on [lo, hi] by at most
    |a_N| (hi - lo)^N / 2^(2N - 1); the callers' degrees keep that below 2^-56 of the
    result. Returns the coefficients rounded to floats, ascending."""
    c = list(series)
    while len(c) - 1 > degree:
        t = _shifted_chebyshev(len(c) - 1, lo, hi)
        factor = c[-1] / t[-1]
        c = [a - factor * b for a, b in zip(c, t, strict=True)][:-1]
    return tuple(float(v) for v in c)


# The coefficients below are ``_economized`` applied to the series named (exact rational
# arithmetic; ``COEFFICIENT_SOURCES`` holds the arguments and a test re-derives every
# coefficient bit for bit), written out so that importing the module does no arithmetic.
_QUARTER_PI_SQUARED = Fraction(61686, 100000)  # above (pi/4)^2 = 0.616850...
COEFFICIENT_SOURCES = {
    # exp(r) on |r| <= 0.3466 (above ln(2)/2): degree 11 from the Taylor series to r^24.
    "_E": (
        lambda: [Fraction(1, math.factorial(k)) for k in range(25)],
        Fraction(-3466, 10000),
        Fraction(3466, 10000),
        11,
    ),
    # sin x = x + x y S(y) and cos x = 1 + y C(y), y = x^2 <= (pi/4)^2: S of degree 5, C of
    # degree 6, from the Taylor series.
    "_S": (
        lambda: [Fraction((-1) ** (k + 1), math.factorial(2 * k + 3)) for k in range(12)],
        Fraction(0),
        _QUARTER_PI_SQUARED,
        5,
    ),
    "_C": (
        lambda: [Fraction((-1) ** (k + 1), math.factorial(2 * k + 2)) for k in range(12)],
        Fraction(0),
        _QUARTER_PI_SQUARED,
        6,
    ),
    # log(m) = 2 atanh(s) = 2 s + s y q(y), s = (m - 1) / (m + 1), y = s^2 <= 0.02944 for m
    # in [sqrt(1/2), sqrt(2)]: q = 2/3 + 2 y/5 + 2 y^2/7 + ... of degree 6.
    "_L": (
        lambda: [Fraction(2, 2 * k + 3) for k in range(16)],
        Fraction(0),
        Fraction(2944, 100000),
        6,
    ),
}
# exp(r) = 1 + r + r^2 t(r) adds the exact terms 1 and r last: _E starts with 1.0, 1.0.
_E = (
    1.0,
    1.0,
    0.5000000000000019,
    0.16666666666666702,
    0.041666666666487974,
    0.00833333333330951,
    0.001388888895234707,
    0.00019841269909250933,
    2.480148544815057e-05,
    2.7557224927351573e-06,
    2.763265216957956e-07,
    2.5114879796112015e-08,
)
_S = (
    -0.16666666666666666,
    0.00833333333333095,
    -0.0001984126983675951,
    2.7557316102957723e-06,
    -2.5051131916674556e-08,
    1.5918133720930332e-10,
)
_C = (
    -0.5,
    0.04166666666666664,
    -0.0013888888888880777,
    2.4801587293694476e-05,
    -2.755731556664288e-07,
    2.0875886778928556e-09,
    -1.1368000728661966e-11,
)
_L = (
    0.666666666666667,
    0.3999999999989895,
    0.28571428626199113,
    0.22222211101879027,
    0.18182891314269,
    0.15331654528864494,
    0.14617220101703512,
)


# Functions ----------------------------------------------------------------------------------
@inlined_scalar_jit
def exp(x):
    """e^x for every float64 x: on the normal range within 1.04 ulp of the exact value
    (measured in 120-bit arithmetic) and at most one ulp from libm's (tested; subnormal
    results round once more), inf above 709.78, 0 below -745.13, NaN for NaN.

    Cody-Waite reduction x = n ln 2 + r with |r| <= ln(2)/2, a degree-11 polynomial by
    Estrin's scheme with fused multiply-adds, and 2^n built from its bits in two factors,
    so that results down to the subnormal range are scaled exactly.

    Parameters
    ----------
    x : float
        Any float64.

    Returns
    -------
    float
        e^x.
    """
    xc = min(max(x, _EXP_LOWEST), _EXP_HIGHEST)
    shifted = xc * _LOG2E + _ROUND_SHIFT
    n = shifted - _ROUND_SHIFT
    r = fma(-n, _LN2_HI, xc)
    r = fma(-n, _LN2_LO, r)
    # 1 + r + r^2 t(r), t by Estrin's scheme (a short dependency chain), the leading terms
    # added last
    r2 = r * r
    r4 = r2 * r2
    t01 = fma(fma(_E[5], r, _E[4]), r2, fma(_E[3], r, _E[2]))
    t23 = fma(fma(_E[9], r, _E[8]), r2, fma(_E[7], r, _E[6]))
    t = fma(fma(_E[11], r, _E[10]), r4 * r4, fma(t23, r4, t01))
    p = fma(r2, t, r) + 1.0
    # 2^n = 2^n1 2^n2 with n1 = n / 2 rounded: both factors are normal numbers.
    half = n * 0.5 + _ROUND_SHIFT
    rest = n - (half - _ROUND_SHIFT) + _ROUND_SHIFT
    scale1 = float_from_bits((bits_from_float(half) - _SHIFT_BITS_LESS_BIAS) << _EXPONENT_SHIFT)
    scale2 = float_from_bits((bits_from_float(rest) - _SHIFT_BITS_LESS_BIAS) << _EXPONENT_SHIFT)
    result = p * scale1 * scale2
    return result if x == x else x


@inlined_scalar_jit
def log_positive_normal(x):
    """ln x for a positive normal float64 x (not for 0, subnormals, inf or NaN), within
    1 ulp of the correctly rounded value (tested).

    x = 2^e m with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh((m - 1) / (m + 1)) by a
    polynomial of degree 15; ln x = e ln 2 + ln m.

    Parameters
    ----------
    x : float
        A positive normal float64 (other values give meaningless results, unchecked).

    Returns
    -------
    float
        ln x.
    """
    bits = bits_from_float(x)
    m = float_from_bits((bits & _MANTISSA_MASK) | _ONE_BITS)
    # the exponent as a float, from the bits of 2^52 + biased exponent
    e = float_from_bits((bits >> _EXPONENT_SHIFT) | _TWO_POW_52_BITS) - _TWO_POW_52_PLUS_BIAS
    big = m > _SQRT_2
    m = m * 0.5 if big else m
    e = e + 1.0 if big else e
    f = m - 1.0
    s = divide(f, m + 1.0)
    s2 = s * s
    s4 = s2 * s2
    q = fma(fma(_L[6], s2, _L[5]), s4, fma(_L[4], s2, _L[3]))
    q = fma(q, s4, fma(_L[2], s2, _L[1]))
    q = fma(q, s2, _L[0])
    # ln m = 2 s + s R with R = 2 s^2 / 3 + 2 s^4 / 5 + ...; since 2 s = f - s f, this is
    # f - (f^2 / 2 - s (f^2 / 2 + R)): the exact f plus a small term, so that the rounding
    # of s reaches the result damped.
    half_f2 = 0.5 * f * f
    small = fma(s, half_f2 + q * s2, e * _LN2_LO)
    return e * _LN2_HI + (f - (half_f2 - small))


@inlined_scalar_jit
def log_positive(x):
    """ln x for any positive finite float64 x, subnormals included: a subnormal is scaled
    by 2^54 into the normal range first (a select, no branch), then ``log_positive_normal``.

    Parameters
    ----------
    x : float
        A positive finite float64 (0, inf and NaN give meaningless results, unchecked).

    Returns
    -------
    float
        ln x, within 1 ulp of the correctly rounded value on the normal range (tested).
    """
    subnormal = x < _SMALLEST_NORMAL
    scaled = x * _TWO_POW_54 if subnormal else x
    return log_positive_normal(scaled) - (_LN_TWO_POW_54 if subnormal else 0.0)


@inlined_scalar_jit
def sin_cos_quarter(x):
    """(sin x, cos x) for |x| <= pi/4, each within 1 ulp (tested).

    Parameters
    ----------
    x : float
        An angle in radians, |x| <= pi/4 (beyond, the error grows, unchecked).

    Returns
    -------
    sin_x, cos_x : float
        sin x and cos x.
    """
    x2 = x * x
    x4 = x2 * x2
    s = fma(fma(_S[5], x2, _S[4]), x4, fma(_S[3], x2, _S[2]))
    s = fma(s, x4, fma(_S[1], x2, _S[0]))
    sin_x = fma(s * x2, x, x)
    c = fma(fma(fma(_C[6], x2, _C[5]), x2, _C[4]), x4, fma(_C[3], x2, _C[2]))
    c = fma(c, x4, fma(_C[1], x2, _C[0]))
    cos_x = fma(c, x2, 1.0)
    return sin_x, cos_x
