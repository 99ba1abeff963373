"""``kernels.events.Events``: named counts that add, a zero element, immutability, checked
names and values, and every kernel entry reporting through it."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernels import Events, LIFParams, LIFState, lif_run, mac_dense, mac_spikes, run_alif
from kernels.events import EVENT_NAMES
from tests.support.kernel_cases import CONSTANTS, make_case, random_tile

INT_NAMES = sorted(set(EVENT_NAMES) - {"read_g_sum_uS", "set_amplitude_sq_sum"})
counts = st.dictionaries(st.sampled_from(INT_NAMES), st.integers(0, 10**12), max_size=6)


@given(counts, counts, counts)
def test_addition_sums_by_name_and_is_associative_and_commutative(a, b, c):
    ea, eb, ec = Events(**a), Events(**b), Events(**c)
    total = ea + eb
    for name in set(a) | set(b):
        assert total[name] == a.get(name, 0) + b.get(name, 0)
    assert set(total) == set(a) | set(b)
    assert (ea + eb) + ec == ea + (eb + ec)
    assert ea + eb == eb + ea
    assert Events.zero() + ea == ea == ea + Events.zero()
    assert sum([ea, eb, ec]) == ea + eb + ec


def test_named_access_reads_unreported_counts_as_zero():
    e = Events(cell_reads=4, read_g_sum_uS=2.5, set_pulses_plus=2, set_pulses_minus=3)
    assert e.cell_reads == 4 and e.read_g_sum_uS == 2.5 and e.set_pulses == 5
    assert e.adc_saturations == 0 and "adc_saturations" not in e
    assert list(e) == ["cell_reads", "read_g_sum_uS", "set_pulses_plus", "set_pulses_minus"]
    with pytest.raises(AttributeError):
        _ = e.no_such_event


def test_events_are_immutable_and_pickle():
    e = Events(spikes=3)
    with pytest.raises(AttributeError, match="immutable"):
        e.spikes = 4
    with pytest.raises(TypeError):
        e["spikes"] = 4
    assert pickle.loads(pickle.dumps(e)) == e


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"cell_read": 1}, "unknown"),
        ({"cell_reads": -1}, "cell_reads=-1"),
        ({"cell_reads": 1.5}, "whole number"),
        ({"read_g_sum_uS": float("nan")}, "read_g_sum_uS=nan"),
        ({"spikes": True}, "expected a number"),
        ({"spikes": "3"}, "expected a number"),
    ],
)
def test_bad_counts_are_clear_errors(counts, message):
    with pytest.raises(ValueError, match=message):
        Events(**counts)


def test_counts_keep_their_kind():
    e = Events(cell_reads=np.int64(3), read_g_sum_uS=np.float32(1.5), spikes=2.0)
    assert type(e.cell_reads) is int and type(e.spikes) is int
    assert type(e.read_g_sum_uS) is float


def test_every_kernel_entry_reports_events():
    tile = random_tile(6, 4, "joshi2020", 1)
    snap = tile.snapshot(100.0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 6))
    d = rng.uniform(-1, 1, (3, 4))
    spikes, syn = make_case(0, 2, 4, 3, 4, 2)
    results = [
        mac_dense(x, snap, adc_range=50.0)[1],
        mac_spikes(x > 0, snap)[1],
        lif_run(np.ones((2, 3, 4)), LIFState.zeros(3, 4), LIFParams())[2],
        run_alif(spikes, syn, CONSTANTS, False, True, 0, 0)[1],
        tile.update_coincidence(x, d, 2.0, 200.0, dw_min_uS=0.5),
        tile.update_quantized(np.outer(x[0], d[0]), 201.0, dw_min_uS=0.5),
        tile.update_mixed_precision(np.zeros((6, 4)), np.outer(x[1], d[1]), 202.0, epsilon_uS=0.5),
        tile.apply_counts(np.ones((6, 4), np.int64), 203.0),
        tile.refresh(204.0),
    ]
    for events in results:
        assert isinstance(events, Events) and len(events) > 0
    assert results[-2].set_pulses == 24
