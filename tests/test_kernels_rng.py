import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numba import njit
from scipy import stats

from kernels.rng import fill_normals, key4, keyed_normal, next_normal, next_uniform, normal_at
from kernels.update import popcount64


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


@njit
def _draw_counter(n_keys, per_key, seed):
    out = np.empty(n_keys * per_key)
    row = np.empty(per_key)
    for b in range(n_keys):
        fill_normals(key4(seed, 2, 0, b), row, per_key)
        out[b * per_key : (b + 1) * per_key] = row
    return out


def test_counter_normals_are_standard_normal_with_exact_tails():
    """``fill_normals`` / ``normal_at``: moments, KS, and the mass beyond the base layer and
    in the far tail (both reached only through the rejection path)."""
    z = _draw_counter(4000, 250, 11)
    n = z.size
    assert abs(z.mean()) < 3 / np.sqrt(n)
    assert abs(z.std() - 1) < 3 / np.sqrt(2 * n)
    assert abs(stats.skew(z)) < 3 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < 3 * np.sqrt(24 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    for edge in (3.442619855899, 4.0):
        p_tail = 2 * stats.norm.sf(edge)
        assert abs(np.mean(np.abs(z) > edge) - p_tail) < 4 * np.sqrt(p_tail / n)


@given(st.integers(0, 2**32), st.integers(1, 70))
def test_fill_normals_is_normal_at_for_every_index(key, n):
    out = np.empty(n)
    fill_normals(np.uint64(key), out, n)
    np.testing.assert_array_equal(out, [normal_at(np.uint64(key), k) for k in range(n)])
