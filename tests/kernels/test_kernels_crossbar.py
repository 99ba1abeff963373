"""Crossbar MAC kernels against tests/naive.py, and their noise against its formula."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import pcm
from kernels import crossbar
from tests import naive
from tests.support.kernel_cases import random_tile
from tests.support.tolerances import EXACT_RTOL, EXACT_ATOL_uS
from tests.support.tolerances import N_STANDARD_ERRORS as K

shapes = st.tuples(st.integers(1, 9), st.integers(1, 7), st.integers(1, 5))  # n_in, n_out, B


def state3(arr, shape):
    s = arr.state
    return (s.g_prog_uS.reshape(shape), s.t_prog_s.reshape(shape), s.nu.reshape(shape))


@settings(max_examples=30, deadline=None)
@given(
    shapes,
    st.sampled_from(sorted(pcm.PRESETS)),
    st.floats(50.0, 1e7),
    st.booleans(),
    st.integers(0, 1000),
)
def test_snapshot_matches_naive(shape, preset, t_s, with_drift, seed):
    n_in, n_out, _ = shape
    tile = random_tile(n_in, n_out, preset, seed)
    snap = tile.snapshot(t_s, drift=with_drift)
    ref = naive.snapshot(
        state3(tile.plus, tile.shape),
        state3(tile.minus, tile.shape),
        t_s,
        pcm.kernel_args(tile.params),
        with_drift,
    )
    np.testing.assert_array_equal(snap.g_eff_uS, ref[0])
    np.testing.assert_allclose(snap.var_uS2, ref[1], rtol=1e-6)  # stored as float32
    np.testing.assert_allclose(snap.row_g_sum_uS, ref[2], rtol=EXACT_RTOL)
    np.testing.assert_allclose(snap.col_g_sum_uS, ref[3], rtol=EXACT_RTOL)


@settings(max_examples=40, deadline=None)
@given(
    shapes,
    st.sampled_from([0, 2, 4, 8]),
    st.sampled_from([0, 1, 3, 8]),
    st.booleans(),
    st.integers(0, 1000),
)
def test_dense_mac_noise_free_matches_naive(shape, dac_bits, adc_bits, transpose, seed):
    n_in, n_out, batch = shape
    tile = random_tile(n_in, n_out, "joshi2020", seed)
    snap = tile.snapshot(100.0)
    rng = np.random.default_rng(seed)
    width = n_out if transpose else n_in
    x = rng.uniform(-1.2, 1.2, (batch, width)) * (rng.random((batch, width)) < 0.7)
    g = snap.g_eff_uS.T if transpose else snap.g_eff_uS
    adc_range = float(np.abs(g).sum(axis=0).max()) * 0.6 + 1e-3
    raw, _ = crossbar.mac_dense(
        x, snap, transpose=transpose, dac_bits=dac_bits, adc_bits=0, noise=False
    )
    ref_raw, _ = naive.mac(x, g, dac_bits, 0, adc_range)
    np.testing.assert_allclose(raw, ref_raw, rtol=EXACT_RTOL, atol=EXACT_ATOL_uS * n_in)
    y, events = crossbar.mac_dense(
        x,
        snap,
        transpose=transpose,
        dac_bits=dac_bits,
        adc_bits=adc_bits,
        adc_range=adc_range,
        noise=False,
    )
    # The ADC of the kernel's own raw sums, applied by the reference converter.
    expected = [naive.adc(v, adc_bits, adc_range) for v in raw.ravel()]
    np.testing.assert_array_equal(y.ravel(), [v for v, _ in expected])
    assert events.adc_saturations == sum(s for _, s in expected)
    xq = np.vectorize(lambda v: naive.dac(v, dac_bits))(x)
    line_g = snap.col_g_sum_uS if transpose else snap.row_g_sum_uS
    assert events.row_activations == int(np.count_nonzero(xq))
    assert events.cell_reads == 2 * int(np.count_nonzero(xq)) * y.shape[1]
    assert events.adc_conversions == (y.size if adc_bits else 0)
    assert events.dac_conversions == x.size
    assert events.read_g_sum_uS == pytest.approx(float((xq**2).sum(axis=0) @ line_g), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(shapes, st.floats(0.0, 1.0), st.booleans(), st.integers(0, 1000))
def test_spike_mac_noise_free_matches_naive_exactly(shape, activity, transpose, seed):
    n_in, n_out, batch = shape
    tile = random_tile(n_in, n_out, "nandakumar2018", seed)
    snap = tile.snapshot(100.0)
    rng = np.random.default_rng(seed)
    width = n_out if transpose else n_in
    spikes = rng.random((batch, width)) < activity
    y, events = crossbar.mac_spikes(spikes, snap, transpose=transpose, noise=False)
    g = snap.g_eff_uS.T if transpose else snap.g_eff_uS
    ref, _ = naive.mac(spikes.astype(float), g, 0, 0, 1.0)
    np.testing.assert_array_equal(y, ref)
    assert events.row_activations == int(spikes.sum())
    assert events.cell_reads == 2 * int(spikes.sum()) * g.shape[1]
    line_g = snap.col_g_sum_uS if transpose else snap.row_g_sum_uS
    assert events.read_g_sum_uS == pytest.approx(float(spikes.sum(axis=0) @ line_g), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(shapes, st.sampled_from([1, 3, 8]), st.booleans(), st.integers(0, 1000))
def test_spike_mac_adc_matches_naive_and_counts_saturations(shape, adc_bits, transpose, seed):
    """The event-driven MAC's ADC: every output converted, every saturation counted (a
    saturation count written through a tuple inside the parallel loop was once lost)."""
    n_in, n_out, batch = shape
    tile = random_tile(n_in, n_out, "nandakumar2018", seed)
    snap = tile.snapshot(100.0)
    rng = np.random.default_rng(seed)
    spikes = rng.random((batch, n_out if transpose else n_in)) < 0.6
    raw, _ = crossbar.mac_spikes(spikes, snap, transpose=transpose, noise=False)
    adc_range = float(np.abs(raw).max()) * 0.5 + 1e-3  # some outputs saturate
    y, events = crossbar.mac_spikes(
        spikes, snap, transpose=transpose, adc_bits=adc_bits, adc_range=adc_range, noise=False
    )
    expected = [naive.adc(v, adc_bits, adc_range) for v in raw.ravel()]
    np.testing.assert_array_equal(y.ravel(), [v for v, _ in expected])
    assert events.adc_saturations == sum(s for _, s in expected)
    assert events.adc_conversions == y.size


@pytest.mark.parametrize("kind", ["dense", "spikes"])
def test_mac_noise_has_the_summed_cell_variance(kind):
    """Over many reads, y - y_clean has mean 0 and variance sum_i x_i^2 (s+^2 + s-^2)."""
    tile = random_tile(64, 8, "joshi2020", 3)
    snap = tile.snapshot(3600.0)
    rng = np.random.default_rng(4)
    if kind == "dense":
        x = np.repeat(rng.uniform(-1, 1, (1, 64)), 4000, axis=0)
        clean, _ = crossbar.mac_dense(x, snap, dac_bits=0, adc_bits=0, noise=False)
        noisy, _ = crossbar.mac_dense(x, snap, dac_bits=0, adc_bits=0, noise=True, seed=5)
    else:
        x = np.repeat((rng.random((1, 64)) < 0.3).astype(float), 4000, axis=0)
        clean, _ = crossbar.mac_spikes(x, snap, noise=False)
        noisy, _ = crossbar.mac_spikes(x, snap, noise=True, seed=5)
    resid = noisy - clean
    var = (x[0] ** 2) @ snap.var_uS2.astype(np.float64)
    n = resid.shape[0]
    for j in range(8):
        sd = math.sqrt(var[j])
        assert abs(resid[:, j].mean()) < K * sd / math.sqrt(n)
        assert abs(resid[:, j].std(ddof=1) - sd) < K * sd / math.sqrt(2 * (n - 1))


def test_mac_noise_is_reproducible_and_keyed_by_step():
    tile = random_tile(16, 4, "joshi2020", 1)
    snap = tile.snapshot(100.0)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 16))
    a, _ = crossbar.mac_dense(x, snap, seed=9, step=2, adc_range=500.0)
    b, _ = crossbar.mac_dense(x, snap, seed=9, step=2, adc_range=500.0)
    c, _ = crossbar.mac_dense(x, snap, seed=9, step=3, adc_range=500.0)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_a_kept_scratch_changes_nothing_and_outputs_are_new_arrays():
    """MACs through one ``MacScratch`` (as a tile keeps) give the results of MACs without
    one, for shapes and directions that change from call to call, and never hand out a work
    array: an earlier result survives the next call."""
    tile = random_tile(16, 6, "joshi2020", 2)
    snap = tile.snapshot(100.0)
    rng = np.random.default_rng(1)
    scratch = crossbar.MacScratch()
    earlier = []
    for step, (batch, transpose, noise) in enumerate(
        [(3, False, True), (3, False, True), (5, True, True), (2, False, False), (3, False, True)]
    ):
        x = rng.uniform(-1, 1, (batch, 6 if transpose else 16))
        kwargs = {"transpose": transpose, "noise": noise, "seed": 4, "step": step}
        kept, kept_events = crossbar.mac_dense(x, snap, adc_range=300.0, scratch=scratch, **kwargs)
        fresh, fresh_events = crossbar.mac_dense(x, snap, adc_range=300.0, **kwargs)
        np.testing.assert_array_equal(kept, fresh)
        assert kept_events == fresh_events
        earlier.append((kept, kept.copy()))
    for result, copy in earlier:
        np.testing.assert_array_equal(result, copy)
    via_tile, _ = tile.mac(x, snap, adc_range=300.0, **kwargs)
    np.testing.assert_array_equal(via_tile, kept)


def test_snapshot_rejects_a_time_before_the_last_write():
    tile = random_tile(4, 4, "joshi2020", 0)
    with pytest.raises(ValueError, match="t_s"):
        tile.snapshot(-1.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dac_bits": 1}, "dac_bits"),
        ({"adc_bits": -1}, "adc_bits"),
        ({"adc_range": 0.0}, "adc_range"),
        ({"dac_bits": 2.5}, "dac_bits"),
    ],
)
def test_bad_converter_settings_are_clear(kwargs, field):
    tile = random_tile(4, 3, "joshi2020", 0)
    snap = tile.snapshot(100.0)
    with pytest.raises(ValueError, match=field):
        crossbar.mac_dense(np.zeros((2, 4)), snap, **kwargs)


def test_bad_inputs_are_clear():
    tile = random_tile(4, 3, "joshi2020", 0)
    snap = tile.snapshot(100.0)
    with pytest.raises(ValueError, match="x: shape"):
        crossbar.mac_dense(np.zeros((2, 5)), snap)
    with pytest.raises(ValueError, match="NaN"):
        crossbar.mac_dense(np.full((2, 4), np.nan), snap)
    with pytest.raises(ValueError, match="spikes: shape"):
        crossbar.mac_spikes(np.zeros((2, 3)), snap)


def test_snapshot_is_reused_only_while_time_and_state_are_unchanged():
    tile = random_tile(6, 5, "aihwkit-pcm", 2)
    first = tile.snapshot(100.0)
    assert tile.snapshot(100.0) is first
    assert not first.g_eff_uS.flags.writeable  # a cached snapshot cannot be edited
    assert tile.snapshot(100.0, drift=False) is not first
    later = tile.snapshot(200.0)
    assert later is not first and not np.array_equal(later.g_eff_uS, first.g_eff_uS)
    rng = np.random.default_rng(0)
    tile.update_coincidence(
        rng.uniform(-1, 1, (2, 6)), rng.uniform(-1, 1, (2, 5)), 5.0, 200.0, dw_min_uS=0.5
    )
    after_update = tile.snapshot(200.0)
    assert after_update is not later
    # A state edited by hand, without any write being booked, is noticed as well.
    tile.plus.state.g_prog_uS[3] += 1.0
    edited = tile.snapshot(200.0)
    assert edited is not after_update
    assert edited.g_eff_uS.ravel()[3] != after_update.g_eff_uS.ravel()[3]


@pytest.mark.parametrize("preset", ["joshi2020", "aihwkit-pcm"])
def test_kept_flicker_factors_give_the_fresh_snapshot(preset):
    """A tile keeps its devices' 1/f factors while device time moves and no G_prog changes:
    each of its snapshots equals a fresh one bit for bit, after writes and hand edits too."""
    from kernels import crossbar

    tile = random_tile(6, 5, preset, 3)
    args = pcm.kernel_args(tile.params)
    rng = np.random.default_rng(1)

    def check(t_s):
        got = tile.snapshot(t_s)
        plus, minus = (crossbar.ReadState(*state3(a, tile.shape)) for a in (tile.plus, tile.minus))
        fresh = crossbar.take_snapshot(plus, minus, t_s, args.g_max_uS, args.drift, args.read)
        for a, b in zip(got[:4], fresh[:4], strict=True):
            np.testing.assert_array_equal(a, b)

    check(100.0)
    check(250.0)  # the same G_prog: factors kept
    tile.update_coincidence(
        rng.uniform(-1, 1, (2, 6)), rng.uniform(-1, 1, (2, 5)), 5.0, 250.0, dw_min_uS=0.5
    )
    check(300.0)
    edited = tile.minus.state.g_prog_uS
    edited[np.argmax(edited)] *= 0.5  # edited by hand: noticed as well
    check(400.0)
    check(500.0)
