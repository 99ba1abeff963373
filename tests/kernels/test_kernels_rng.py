import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import stats

from kernels.rng import (
    fill_normals,
    key4,
    keyed_normal,
    next_normal,
    next_uniform,
    pulse_normal,
    pulse_normal_pair,
)
from kernels.update._pulse import popcount64
from tests.support.tolerances import N_STANDARD_ERRORS as K


@njit
def _draw(next_deviate, stream, n, seed):
    """``n`` successive deviates of ``next_deviate`` (``next_normal`` or ``next_uniform``)
    from the stream keyed (seed, stream, 0, 0)."""
    out = np.empty(n)
    state = key4(seed, stream, 0, 0)
    for i in range(n):
        out[i], state = next_deviate(state)
    return out


def test_ziggurat_normals_are_standard_normal():
    z = _draw(next_normal, 0, 1_000_000, 7)
    n = z.size
    assert abs(z.mean()) < 3 / np.sqrt(n)
    assert abs(z.std() - 1) < 3 / np.sqrt(2 * n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # The tail beyond the base layer (|z| > 3.4426) has its exact mass.
    p_tail = 2 * stats.norm.sf(3.442619855899)
    assert abs(np.mean(np.abs(z) > 3.442619855899) - p_tail) < 4 * np.sqrt(p_tail / n)


def test_uniforms_are_uniform():
    u = _draw(next_uniform, 1, 200_000, 3)
    assert u.min() >= 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_keyed_values_depend_on_every_key_field():
    base = keyed_normal(1, 2, 3, 4)
    assert keyed_normal(1, 2, 3, 4) == base
    for other in ((0, 2, 3, 4), (1, 0, 3, 4), (1, 2, 0, 4), (1, 2, 3, 0)):
        assert keyed_normal(*other) != base


@given(st.integers(0, 2**64 - 1))
def test_popcount(v):
    assert popcount64(np.uint64(v)) == bin(v).count("1")


@given(st.integers(0, 2**64 - 1), st.integers(1, 70))
def test_fill_normals_is_pulse_normal_for_every_index(key, n):
    """The MAC's row of deviates (odd lengths too) is the key's pulse deviates 0..n-1."""
    out = np.empty(n)
    fill_normals(np.uint64(key), out, n)
    np.testing.assert_array_equal(out, [pulse_normal(np.uint64(key), k) for k in range(n)])


@njit
def _draw_pulse_pairs(n_keys, pairs_per_key, seed):
    """Deviates of pulses 0, 1, ... of many keys, as (even, odd) columns."""
    out = np.empty((n_keys * pairs_per_key, 2))
    for b in range(n_keys):
        key = key4(seed, 3, 0, b)
        for p in range(pairs_per_key):
            out[b * pairs_per_key + p, 0], out[b * pairs_per_key + p, 1] = pulse_normal_pair(key, p)
    return out


def test_pulse_normals_are_standard_normal_with_exact_tails():
    """Box-Muller pulse deviates: moments, KS, the mass beyond 3, 4 and 5 standard
    deviations, and the two deviates of a pair independent (uncorrelated, and their squared
    radius exponential with mean 2, as only for independent normals)."""
    pairs = _draw_pulse_pairs(20_000, 100, 13)
    z = pairs.ravel()
    n = z.size
    assert abs(z.mean()) < K * np.sqrt(1 / n)
    assert abs(z.std() - 1) < K * np.sqrt(1 / (2 * n))
    assert abs(stats.skew(z)) < K * np.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < K * np.sqrt(24 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    for edge in (3.0, 4.0, 5.0):
        p_tail = 2 * stats.norm.sf(edge)
        assert abs(np.mean(np.abs(z) > edge) - p_tail) < K * np.sqrt(p_tail / n)
    m = pairs.shape[0]
    assert abs(np.mean(pairs[:, 0] * pairs[:, 1])) < K * np.sqrt(1 / m)
    radius2 = (pairs**2).sum(axis=1)
    assert stats.kstest(radius2, "expon", args=(0, 2)).pvalue > 1e-3
    angle = np.arctan2(pairs[:, 1], pairs[:, 0])
    assert stats.kstest(angle, "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 1e-3
    # consecutive pairs of one key are independent too
    assert abs(np.mean(pairs[:-1, 0] * pairs[1:, 0])) < K * np.sqrt(1 / m)


@settings(deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(0, 40))
def test_pulse_normal_is_the_pair_component(key, k):
    even, odd = pulse_normal_pair(np.uint64(key), k // 2)
    assert pulse_normal(np.uint64(key), k) == (even if k % 2 == 0 else odd)
