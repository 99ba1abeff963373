"""Pulse-update kernels against tests/naive.py (bit-exact, noise included: both draw from
the same counter-based streams), plus their statistics and bookkeeping."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import pcm
from kernels import update
from tests import naive
from tests.support.kernel_cases import assert_tile_equals, device_dicts, random_tile
from tests.support.tolerances import N_STANDARD_ERRORS as K

small = st.tuples(st.integers(1, 6), st.integers(1, 5), st.integers(1, 4))  # n_in, n_out, B
presets = st.sampled_from(sorted(pcm.PRESETS))
seeds = st.integers(0, 500)


def naive_copy(tile):
    """The tile's two device states as dicts for tests/naive.py, and its kernel arguments."""
    plus, minus = device_dicts(tile)
    return plus, minus, pcm.kernel_args(tile.params)


def check_coincidence_update(tile, batch, lr, bl, seed, step, amplitude_level):
    """update_coincidence on random signals against the naive masks and pulses, bit for bit;
    returns the pulses fired on G+ and on G-."""
    n_in, n_out = tile.shape
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (batch, n_in))
    d = rng.uniform(-1, 1, (batch, n_out))
    plus, minus, args = naive_copy(tile)
    events = tile.update_coincidence(
        x, d, lr, 100.0, bl=bl, dw_min_uS=0.5, seed=seed, step=step, amplitude_level=amplitude_level
    )
    bls, rows, cols = update.coincidence_probabilities(x, d, lr, 0.5, bl)
    xm = naive.pulse_masks(x, rows, bls, seed, step, update.STREAM_ROW_BITS)
    dm = naive.pulse_masks(d, cols, bls, seed, step, update.STREAM_COL_BITS)
    amplitude = float(args.amplitude_levels[amplitude_level])
    n_plus, n_minus = naive.coincidence(
        x, d, xm, dm, plus, minus, seed, step, amplitude, 100.0, args
    )
    assert_tile_equals(tile, plus, minus)
    assert (events.set_pulses_plus, events.set_pulses_minus) == (n_plus, n_minus)
    return n_plus, n_minus


def check_quantized_update(tile, delta, dw_min_uS, max_pulses, stochastic, seed):
    """update_quantized against the naive rounding and pulses, bit for bit."""
    plus, minus, args = naive_copy(tile)
    events = tile.update_quantized(
        delta,
        60.0,
        dw_min_uS=dw_min_uS,
        max_pulses=max_pulses,
        stochastic_rounding=stochastic,
        seed=seed,
        step=1,
    )
    counts = naive.quantize_counts(delta, dw_min_uS, max_pulses, stochastic, seed, 1)
    n_plus, n_minus = naive.counts_apply(counts, plus, minus, seed, 1, 1.0, 60.0, args)
    assert_tile_equals(tile, plus, minus)
    assert (events.set_pulses_plus, events.set_pulses_minus) == (n_plus, n_minus)


@settings(max_examples=25, deadline=None)
@given(small, presets, st.floats(0.05, 20.0), st.integers(1, 31), st.booleans(), seeds)
def test_coincidence_update_matches_naive(shape, preset, lr, bl, faults, seed):
    n_in, n_out, batch = shape
    tile = random_tile(n_in, n_out, preset, seed, faults=faults)
    n_plus, n_minus = check_coincidence_update(tile, batch, lr, bl, seed, 3, 5)
    assert tile.plus.counts.set_pulses == n_plus and tile.minus.counts.set_pulses == n_minus


@settings(max_examples=25, deadline=None)
@given(small, presets, st.booleans(), seeds)
def test_quantized_update_matches_naive(shape, preset, stochastic, seed):
    n_in, n_out, _ = shape
    tile = random_tile(n_in, n_out, preset, seed, faults=seed % 2 == 0)
    delta = np.random.default_rng(seed).normal(0, 3.0, (n_in, n_out))
    check_quantized_update(tile, delta, 0.75, 4, stochastic, seed)


@settings(max_examples=40, deadline=None)
@given(small, st.floats(0.1, 2.0), st.integers(1, 10), seeds)
def test_accumulate_and_fire_matches_naive(shape, epsilon, max_pulses, seed):
    n_in, n_out, _ = shape
    rng = np.random.default_rng(seed)
    chi = rng.normal(0, 1, (n_in, n_out))
    delta = rng.normal(0, 3, (n_in, n_out))
    ref_chi, ref_counts = naive.accumulate_and_fire(chi, delta, epsilon, max_pulses)
    counts = np.empty((n_in, n_out), np.int64)
    update.accumulate_and_fire(chi, delta, epsilon, max_pulses, counts)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(chi, ref_chi)
    # Nothing is lost: what was not applied stays in the accumulator.
    assert np.all(np.abs(chi) < epsilon) or np.any(np.abs(counts) == max_pulses)


def test_mixed_precision_books_accumulator_ops_and_keeps_the_residue():
    tile = random_tile(8, 4, "nandakumar2018", 2)
    chi = np.zeros((8, 4))
    delta = np.full((8, 4), 1.6)
    events = tile.update_mixed_precision(chi, delta, 60.0, epsilon_uS=0.75)
    assert events.accumulator_updates == 32
    assert events.set_pulses_plus == 2 * 32 and events.set_pulses_minus == 0
    np.testing.assert_allclose(chi, 1.6 - 1.5)


@settings(max_examples=30, deadline=None)
@given(small, st.integers(1, 8), st.floats(0.0, 1.0), seeds)
def test_stdp_matches_naive(shape, steps, density, seed):
    n_in, n_out, batch = shape
    rng = np.random.default_rng(seed)
    pre = (rng.random((steps, batch, n_in)) < density).astype(np.uint8)
    post = (rng.random((steps, batch, n_out)) < density).astype(np.uint8)
    delta = np.zeros((n_in, n_out))
    update.stdp_delta(pre, post, 0.8, 0.7, 0.3, 0.2, delta)
    np.testing.assert_allclose(
        delta, naive.stdp_delta(pre, post, 0.8, 0.7, 0.3, 0.2), rtol=1e-12, atol=1e-12
    )


def test_stdp_sign_follows_spike_order():
    pre = np.zeros((3, 1, 1), np.uint8)
    post = np.zeros((3, 1, 1), np.uint8)
    pre[0, 0, 0], post[1, 0, 0] = 1, 1  # pre before post: potentiation
    delta = np.zeros((1, 1))
    update.stdp_delta(pre, post, 0.5, 0.5, 1.0, 1.0, delta)
    assert delta[0, 0] == pytest.approx(0.5)
    pre2, post2 = post.copy(), pre.copy()  # post before pre: depression
    delta = np.zeros((1, 1))
    update.stdp_delta(pre2, post2, 0.5, 0.5, 1.0, 1.0, delta)
    assert delta[0, 0] == pytest.approx(-0.5)


def test_coincidence_pulse_counts_follow_the_probabilities():
    """Mean pulses per cell = BL min(1, B|x|) min(1, A|d|) (aihwkit's scheme)."""
    n_in, n_out, batch = 32, 16, 64
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (batch, n_in))
    d = rng.uniform(-1, 1, (batch, n_out))
    lr, dw, bl = 2.0, 0.5, 31
    bls, rows, cols = update.coincidence_probabilities(x, d, lr, dw, bl)
    xm = np.empty(x.shape, np.uint64)
    dm = np.empty(d.shape, np.uint64)
    update.pulse_masks(x, rows, bls, 1, 0, update.STREAM_ROW_BITS, xm)
    update.pulse_masks(d, cols, bls, 1, 0, update.STREAM_COL_BITS, dm)
    counts = np.array(
        [
            [
                [bin(int(xm[b, i]) & int(dm[b, j])).count("1") for j in range(n_out)]
                for i in range(n_in)
            ]
            for b in range(batch)
        ]
    )
    px = np.minimum(1, rows[:, None] * np.abs(x))
    pd = np.minimum(1, cols[:, None] * np.abs(d))
    p = px[:, :, None] * pd[:, None, :]
    expected = bls[:, None, None] * p
    var = bls[:, None, None] * p * (1 - p)
    assert abs(counts.sum() - expected.sum()) < K * math.sqrt(var.sum())
    # Unclipped, the expected change is lr |x d| (update management keeps A B BL dw = lr).
    unclipped = (px < 1)[:, :, None] & (pd < 1)[:, None, :]
    np.testing.assert_allclose(
        (expected * dw)[unclipped], (lr * np.abs(x)[:, :, None] * np.abs(d)[:, None, :])[unclipped]
    )


def test_refresh_resets_saturated_pairs_and_keeps_their_difference():
    params = pcm.preset("joshi2020")
    from kernels.tile import DifferentialTile

    tile = DifferentialTile(20, 10, params, rng=0)
    g_plus = np.full((20, 10), 22.0)
    g_minus = np.full((20, 10), 12.0)
    g_minus[:10] = 2.0  # rows 0-9: the smaller device is below 0.25 G_max: left alone
    tile.plus.program(g_plus, 0.0)
    tile.minus.program(g_minus, 0.0)
    before = tile.weights_uS(10.0)
    events = tile.refresh(10.0, seed=1)
    assert events.refreshed_pairs == 100
    # a RESET on its own for one device of each pair; the other's is part of its program
    assert events.reset_pulses == 100 and events.program_pulses == 100
    after = tile.weights_uS(10.0)
    np.testing.assert_array_equal(after[:10], before[:10])
    assert np.all(tile.minus.conductance_uS(10.0)[10:] < 1.0)  # RESET
    # The difference survives up to read and programming noise (~1 uS).
    assert abs((after[10:] - before[10:]).mean()) < 0.3
    assert tile.plus.counts.reads == 100 and tile.minus.counts.program_pulses == 200 + 100


def test_update_arguments_are_checked():
    tile = random_tile(4, 3, "joshi2020", 0)
    x, d = np.zeros((2, 4)), np.zeros((2, 3))
    with pytest.raises(ValueError, match="bl"):
        tile.update_coincidence(x, d, 1.0, 100.0, bl=65, dw_min_uS=0.5)
    with pytest.raises(ValueError, match="lr_uS"):
        tile.update_coincidence(x, d, -1.0, 100.0, dw_min_uS=0.5)
    with pytest.raises(ValueError, match="d: shape"):
        tile.update_coincidence(x, np.zeros((2, 4)), 1.0, 100.0, dw_min_uS=0.5)
    with pytest.raises(ValueError, match="counts"):
        tile.apply_counts(np.zeros((4, 3)), 100.0)
    with pytest.raises(ValueError, match="dw_min_uS"):
        tile.update_quantized(np.zeros((4, 3)), 100.0, dw_min_uS=0.0)
    with pytest.raises(ValueError, match="epsilon_uS"):
        tile.update_mixed_precision(np.zeros((4, 3)), np.zeros((4, 3)), 100.0, epsilon_uS=-1.0)
    with pytest.raises(ValueError, match="max_pulses"):
        tile.update_quantized(np.zeros((4, 3)), 100.0, dw_min_uS=0.5, max_pulses=0)
    with pytest.raises(ValueError, match="chi_uS"):
        tile.update_mixed_precision(
            np.zeros((4, 3), np.float32), np.zeros((4, 3)), 100.0, epsilon_uS=0.5
        )
    with pytest.raises(ValueError, match="amplitude_level"):
        tile.apply_counts(np.zeros((4, 3), np.int64), 100.0, amplitude_level=9)
    with pytest.raises(ValueError, match="seed"):
        tile.apply_counts(np.zeros((4, 3), np.int64), 100.0, seed=-1)
    with pytest.raises(ValueError, match="t_s"):
        tile.apply_counts(np.zeros((4, 3), np.int64), 1.0)


@settings(max_examples=25, deadline=None)
@given(small, presets, st.floats(0.0, 0.9), st.floats(0.0, 0.5), st.booleans(), seeds)
def test_refresh_matches_naive(shape, preset, upper, lower, faults, seed):
    n_in, n_out, _ = shape
    lower = min(lower, upper)
    tile = random_tile(n_in, n_out, preset, seed, faults=faults)
    plus, minus, args = naive_copy(tile)
    events = tile.refresh(200.0, upper_frac=upper, lower_frac=lower, seed=seed, step=4)
    count = naive.refresh(plus, minus, upper, lower, seed, 4, 200.0, args)
    assert events.refreshed_pairs == count
    assert_tile_equals(tile, plus, minus)


@pytest.mark.parametrize("preset", ["aihwkit-pcm", "nandakumar2018"])
def test_blocks_of_rows_with_many_pulses_match_naive(preset):
    """Rows are pulsed in blocks of ROWS_PER_BLOCK (the exp-step response in its own
    vectorised passes): on more rows than two blocks, the last one partial, with up to bl
    pulses per cell, bit for bit."""
    n_in, n_out, batch, bl, seed = 2 * update.ROWS_PER_BLOCK + 3, 21, 3, 31, 17
    tile = random_tile(n_in, n_out, preset, seed, faults=True)
    n_plus, n_minus = check_coincidence_update(tile, batch, 400.0, bl, seed, 2, 3)
    assert n_plus + n_minus > 20 * n_in * n_out * batch // 2


def test_counts_in_blocks_of_rows_match_naive():
    n_in, n_out, seed = 2 * update.ROWS_PER_BLOCK + 3, 7, 5
    tile = random_tile(n_in, n_out, "aihwkit-pcm", seed, faults=True)
    delta = np.random.default_rng(seed).normal(0, 6.0, (n_in, n_out))
    check_quantized_update(tile, delta, 0.5, 9, False, seed)
