"""devices.vecmath against libm (math.exp, math.log, math.sin, math.cos), and its
interpreted primitives against the compiled ones."""

import math
import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from devices import vecmath as vm


@njit
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = vm.exp(x[i])


@njit
def _log_all(x, out):
    for i in range(x.size):
        out[i] = vm.log_positive_normal(x[i])


@njit
def _sin_cos_all(x, sin_out, cos_out):
    for i in range(x.size):
        sin_out[i], cos_out[i] = vm.sin_cos_quarter(x[i])


def _ulps_apart(got, ref) -> np.ndarray:
    """Distance in units in the last place of the reference (both finite floats)."""
    return np.abs(got - ref) / np.array([math.ulp(r) for r in ref])


def _check_against_libm(got, ref, exact_share):
    """Both within 0.5 ulp plus a little of the exact value, so the two floats differ by
    at most one ulp, and most often not at all."""
    apart = _ulps_apart(got, ref)
    assert apart.max() <= 1.0
    assert np.mean(apart == 0) >= exact_share


def test_exp_is_within_one_ulp_of_libm_over_the_normal_range():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.uniform(-12.0, 3.0, 200_000),  # exp-step arguments (gamma (2 a w / w_max + b))
            rng.uniform(-708.0, 709.7, 200_000),
            rng.uniform(-1e-6, 1e-6, 10_000),
        ]
    )
    out = np.empty_like(x)
    _exp_all(x, out)
    _check_against_libm(out, np.array([math.exp(v) for v in x]), exact_share=0.8)


def test_exp_at_the_edges_of_its_range():
    above = [0.0, -0.0, 1.0, -1.0, 709.78, 709.79, 710.0, 1e300, math.inf]
    below = [-708.5, -720.0, -744.0, -745.1, -745.2, -800.0, -math.inf, 5e-324, -5e-324]
    x = np.array([*above, *below])
    out = np.empty_like(x)
    _exp_all(x, out)
    for v, got in zip(x, out, strict=True):
        try:
            ref = math.exp(v)
        except OverflowError:
            ref = math.inf
        if ref == math.inf or ref == 0.0:
            assert got == ref, v
        else:  # subnormal results round twice: one subnormal step at most
            assert abs(got - ref) <= math.ulp(ref), v
    nan = np.array([math.nan])
    _exp_all(nan, out[:1])
    assert math.isnan(out[0])


def test_log_is_within_one_ulp_of_libm():
    rng = np.random.default_rng(1)
    x = np.concatenate(
        [
            rng.uniform(0.0, 1.0, 200_000) + 2.0**-53,
            2.0 ** -rng.uniform(0.0, 52.0, 100_000),  # the range of the Box-Muller uniforms
            np.exp(rng.uniform(-700.0, 700.0, 100_000)),
            [1.0, 2.0**-52, 0.5, math.sqrt(0.5), math.sqrt(2.0), 2.2250738585072014e-308],
        ]
    )
    out = np.empty_like(x)
    _log_all(x, out)
    ref = np.array([math.log(v) for v in x])
    nonzero = ref != 0.0
    assert np.all(out[~nonzero] == 0.0)
    _check_against_libm(out[nonzero], ref[nonzero], exact_share=0.8)


@njit
def _log_any_all(x, out):
    for i in range(x.size):
        out[i] = vm.log_positive(x[i])


def test_log_positive_is_within_one_ulp_of_libm_subnormals_included():
    rng = np.random.default_rng(4)
    subnormal = 2.0 ** -rng.uniform(1022.0, 1074.0, 100_000)
    x = np.concatenate([subnormal, np.exp(rng.uniform(-700.0, 700.0, 100_000)), [5e-324]])
    out = np.empty_like(x)
    _log_any_all(x, out)
    _check_against_libm(out, np.array([math.log(v) for v in x]), exact_share=0.8)


def test_sin_and_cos_are_within_one_ulp_of_libm_on_the_quarter_circle():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(-math.pi / 4, math.pi / 4, 200_000), [math.pi / 4, 1e-9]])
    x = x[x != 0.0]
    sin_x, cos_x = np.empty_like(x), np.empty_like(x)
    _sin_cos_all(x, sin_x, cos_x)
    _check_against_libm(sin_x, np.array([math.sin(v) for v in x]), exact_share=0.8)
    _check_against_libm(cos_x, np.array([math.cos(v) for v in x]), exact_share=0.8)


@njit
def _compiled_primitives(a, b, c, bits):
    return (
        vm.fma(a, b, c),
        vm.divide(a, b),
        vm.float_from_bits(bits),
        vm.bits_from_float(a),
    )


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(finite, finite, finite, st.integers(0, 2**64 - 1))
def test_interpreted_primitives_give_the_compiled_bits(a, b, c, bits):
    """The pure-Python versions (used under NUMBA_DISABLE_JIT=1) agree with the compiled
    ones bit for bit."""
    fma, quotient, from_bits, to_bits = _compiled_primitives(a, b, c, np.uint64(bits))
    same = struct.pack("<d", vm.fma(a, b, c)) == struct.pack("<d", fma)
    assert same or (math.isnan(fma) and math.isnan(vm.fma(a, b, c)))
    assert struct.pack("<d", vm.float_from_bits(bits)) == struct.pack("<d", from_bits)
    assert int(vm.bits_from_float(a)) == int(to_bits)
    if b != 0.0:
        assert vm.divide(a, b) == quotient


def test_fma_rounds_once():
    a, b = 1.0 + 2.0**-30, 1.0 - 2.0**-30
    exact = Fraction(a) * Fraction(b) - 1
    assert vm.fma(a, b, -1.0) == float(exact) == _compiled_primitives(a, b, -1.0, 0)[0]
    assert a * b - 1.0 != float(exact)  # two roundings lose it


@pytest.mark.parametrize("a, b", [(1.0, 0.0), (-1.0, 0.0), (1.0, -0.0), (0.0, 0.0)])
def test_divide_by_zero_follows_ieee(a, b):
    compiled = _compiled_primitives(a, b, 0.0, 0)[1]
    interpreted = vm.divide(a, b)
    if math.isnan(compiled):
        assert math.isnan(interpreted)
    else:
        assert compiled == interpreted and math.isinf(compiled)


@pytest.mark.parametrize("name", ["_E", "_S", "_C", "_L"])
def test_written_coefficients_are_the_economized_series(name):
    """The polynomial coefficients are written out (no arithmetic at import); they must be
    exactly what Chebyshev economization of their series gives."""
    series, lo, hi, degree = vm.COEFFICIENT_SOURCES[name]
    assert getattr(vm, name) == vm._economized(series(), lo, hi, degree)


def test_exp_coefficients_start_with_the_exact_terms():
    assert vm._E[:2] == (1.0, 1.0)
