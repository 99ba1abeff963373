"""The functional core of devices.pcm: ``(state, ..., params, rng) -> (new_state, events)``,
against the ``PCMArray`` wrapper, for immutability, the write clock, events and bad input."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import pcm

PRESET_NAMES = sorted(pcm.PRESETS)
ARRAY_FIELDS = ("g_prog_uS", "t_prog_s", "nu", "history", "fault", "g_max_uS", "step_scale")

shapes = st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple)
operation = st.one_of(
    st.tuples(st.just("program"), st.floats(0.0, 1.0)),
    st.tuples(st.just("pulse"), st.integers(0, 5)),
    st.tuples(st.just("reset"), st.floats(0.0, 1.0)),
    st.tuples(st.just("read"), st.booleans()),
    st.tuples(st.just("verify"), st.floats(0.2, 2.0)),
)


def faulty(name: str) -> pcm.PCMParams:
    """The preset with stuck devices and device-to-device spread."""
    return dataclasses.replace(
        pcm.preset(name),
        variability=pcm.VariabilityParams(g_max_rel_std=0.1, step_rel_std=0.2),
        faults=pcm.FaultParams(frac_stuck_g_min=0.1, frac_stuck_g_max=0.1, frac_stuck_random=0.1),
    )


def assert_states_equal(a: pcm.PCMState, b: pcm.PCMState) -> None:
    for name in ARRAY_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name
    assert tuple(a.shape) == tuple(b.shape)
    assert a.t_last_write_s == b.t_last_write_s


def arguments(kind, value, shape, params, draw):
    """The per-device arguments of one operation, drawn from ``draw`` (a Generator)."""
    lo, hi = params.g_min_uS, params.g_max_uS
    if kind == "program":
        return np.full(shape, lo + value * (hi - lo)), draw.random(shape) < 0.8
    if kind == "pulse":
        return draw.integers(0, value + 1, shape), draw.integers(0, 8, shape)
    if kind == "reset":
        return (draw.random(shape) < value,)
    if kind == "verify":
        return draw.uniform(lo, hi, shape), value
    return (value,)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(PRESET_NAMES),
    st.booleans(),
    st.integers(0, 2**31),
    shapes,
    st.lists(operation, max_size=8),
)
def test_functional_core_and_pcmarray_give_identical_results(name, with_faults, seed, shape, ops):
    """Same seed, same operations: the core and the wrapper agree bit for bit (state, reads,
    write clock, events), the core never changes the state it is given, and the events of
    the single operations add up to the wrapper's counters."""
    params = faulty(name) if with_faults else pcm.preset(name)
    rng = np.random.default_rng(seed)
    state = pcm.init(shape, params, rng, t_start_s=5.0)
    arr = pcm.PCMArray(shape, params, rng=np.random.default_rng(seed), t_start_s=5.0)
    assert_states_equal(state, arr.state)
    assert state.shape == shape and state.size == math.prod(shape)
    draw_a, draw_b = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    total = pcm.OpCounts()
    t = 5.0
    for kind, value in ops:
        t += float(draw_a.exponential(100.0))
        draw_b.exponential(100.0)
        args_a = arguments(kind, value, shape, params, draw_a)
        args_b = arguments(kind, value, shape, params, draw_b)
        given, before = state, state.copy()
        if kind == "program":
            state, ev = pcm.program(state, args_a[0], t, params, rng, mask=args_a[1])
            arr.program(args_b[0], t, mask=args_b[1])
        elif kind == "pulse":
            state, ev = pcm.pulse(state, args_a[0], t, params, rng, amplitude_level=args_a[1])
            arr.apply_pulses(args_b[0], t, amplitude_level=args_b[1])
        elif kind == "reset":
            state, ev = pcm.reset(state, args_a[0], t, params, rng)
            arr.reset(args_b[0], t)
        elif kind == "verify":
            state, ev, pulses, last = pcm.program_and_verify(
                state, args_a[0], t, args_a[1], params, rng, max_iterations=3
            )
            pulses_b = arr.program_and_verify(args_b[0], t, args_b[1], max_iterations=3)
            np.testing.assert_array_equal(pulses, pulses_b)
            np.testing.assert_array_equal(last, arr.last_verify_uS)
            assert pulses.shape == shape and last.shape == shape
        else:
            g, ev = pcm.read(state, t, params, rng, noise=args_a[0])
            np.testing.assert_array_equal(g, arr.read(t, noise=args_b[0]))
            assert g.shape == shape
        assert_states_equal(given, before)  # the state given to the call is untouched
        total = total + ev
        assert_states_equal(state, arr.state)
        assert total == arr.counts
    np.testing.assert_array_equal(rng.random(4), arr.rng.random(4))  # same draws consumed
    assert pcm.device_energy(total, params) == arr.energy


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PRESET_NAMES), st.integers(0, 2**31), shapes)
def test_no_operation_changes_the_state_it_is_given(name, seed, shape):
    params = faulty(name)
    rng = np.random.default_rng(seed)
    state = pcm.init(shape, params, rng)
    state, _ = pcm.program(state, np.full(shape, params.g_max_uS / 2), 1.0, params, rng)
    kept = state.copy()
    calls = [
        lambda s: pcm.program(s, np.full(shape, params.g_max_uS / 3), 2.0, params, rng),
        lambda s: pcm.pulse(s, np.full(shape, 3), 2.0, params, rng),
        lambda s: pcm.reset(s, None, 2.0, params, rng),
        lambda s: pcm.read(s, 2.0, params, rng),
        lambda s: pcm.program_and_verify(s, np.full(shape, 5.0), 2.0, 0.5, params, rng),
        lambda s: (pcm.conductance_uS(s, 2.0, params), None),
    ]
    for call in calls:
        new = call(state)[0]
        assert_states_equal(state, kept)
        if isinstance(new, pcm.PCMState) and state.size:
            # Copy-on-write: the written arrays are new, the fixed ones shared.
            for name_ in ("g_prog_uS", "t_prog_s", "nu", "history"):
                assert not np.shares_memory(getattr(new, name_), getattr(state, name_))
            for name_ in ("fault", "g_max_uS", "step_scale"):
                assert getattr(new, name_) is getattr(state, name_)


def test_the_write_clock_is_part_of_the_state():
    params = pcm.preset("joshi2020")
    rng = np.random.default_rng(0)
    s0 = pcm.init((3, 2), params, rng, t_start_s=10.0)
    assert s0.t_last_write_s == 10.0
    s1, _ = pcm.program(s0, np.full((3, 2), 5.0), 20.0, params, rng)
    assert (s0.t_last_write_s, s1.t_last_write_s) == (10.0, 20.0)
    pcm.read(s1, 30.0, params, rng)
    assert s1.t_last_write_s == 20.0  # reads do not move the clock
    s2, _ = pcm.pulse(s1, np.ones((3, 2), np.int64), 40.0, params, rng)
    s3, _ = pcm.reset(s2, np.eye(3, 2, dtype=bool), 50.0, params, rng)
    assert (s1.t_last_write_s, s2.t_last_write_s, s3.t_last_write_s) == (20.0, 40.0, 50.0)
    # An older state is still a valid value: its own clock decides what is "earlier".
    pcm.read(s1, 25.0, params, rng)
    with pytest.raises(ValueError, match=r"earlier than the latest write at 50\.0"):
        pcm.read(s3, 45.0, params, rng)
    # The wrapper's clock is its state's.
    arr = pcm.PCMArray(4, params, rng=0, t_start_s=3.0)
    arr.program(np.full(4, 5.0), t_s=7.0)
    assert arr.t_last_write_s == arr.state.t_last_write_s == 7.0
    arr.t_last_write_s = 9.0
    assert arr.state.t_last_write_s == 9.0
    # program_and_verify moves it only when something was programmed.
    s4, ev, pulses, _ = pcm.program_and_verify(
        s3, np.full((3, 2), 5.0), 60.0, 0.5, params, rng, mask=np.zeros((3, 2), bool)
    )
    assert s4.t_last_write_s == 50.0 and ev == pcm.OpCounts() and pulses.sum() == 0


def test_events_add_up_and_price_through_one_function():
    params = pcm.preset("nandakumar2018")
    e = params.energy
    rng = np.random.default_rng(1)
    state = pcm.init(50, params, rng)
    state, ev_prog = pcm.program(state, np.full(50, 6.0), 0.0, params, rng)
    state, ev_pulse = pcm.pulse(state, np.full(50, 2), 1.0, params, rng, amplitude_level=3)
    state, ev_reset = pcm.reset(state, np.arange(50) < 10, 2.0, params, rng)
    g, ev_read = pcm.read(state, 3.0, params, noise=False)
    assert ev_prog == pcm.OpCounts(program_pulses=50)
    assert ev_pulse.set_pulses == 100
    assert ev_pulse.set_amplitude_sq_sum == pytest.approx(100 * 0.5**2)
    assert ev_reset == pcm.OpCounts(reset_pulses=10)
    assert ev_read.reads == 50 and ev_read.read_g_sum_uS == pytest.approx(g.sum(), rel=1e-12)
    total = ev_prog + ev_pulse + ev_reset + ev_read
    assert total.as_dict() == {
        "reads": 50,
        "verify_reads": 0,
        "set_pulses": 100,
        "reset_pulses": 10,
        "program_pulses": 50,
    }
    assert set(total.as_dict(weights=True)) == {f.name for f in dataclasses.fields(total)}
    energy = pcm.device_energy(total, params)
    parts = [pcm.device_energy(ev, params) for ev in (ev_prog, ev_pulse, ev_reset, ev_read)]
    for field in dataclasses.fields(energy):
        summed = sum(getattr(p, field.name) for p in parts)
        assert getattr(energy, field.name) == pytest.approx(summed, rel=1e-12)
    assert energy.set_J == pytest.approx(25 * e.e_set_J)
    assert energy.read_J == pytest.approx(e.v_read_V**2 * g.sum() * 1e-6 * 250e-9)
    assert energy.total_J == pytest.approx(sum(p.total_J for p in parts), rel=1e-12)
    assert pcm.OpCounts().__add__(1) is NotImplemented


def test_program_and_verify_books_verify_reads():
    params = pcm.preset("joshi2020")
    rng = np.random.default_rng(11)
    state = pcm.init(500, params, rng)
    target = np.linspace(2.0, 20.0, 500)
    state, ev, pulses, last = pcm.program_and_verify(
        state, target, 0.0, 0.5, params, rng, max_iterations=20
    )
    assert ev.program_pulses == ev.verify_reads == pulses.sum()
    assert ev.reads == 0 and ev.verify_g_sum_uS > 0
    assert np.mean(np.abs(last - target) <= 0.5) > 0.99


def test_device_arrays_is_the_one_bundle_of_devices_and_kernels():
    from kernels import update

    assert update.DeviceArrays is pcm.DeviceArrays
    state = pcm.init((2, 3), pcm.preset("joshi2020"), np.random.default_rng(0))
    views = state.device_arrays((2, 3))
    assert views._fields == ARRAY_FIELDS
    views.g_prog_uS[1, 2] = 7.0  # views write through to the state
    assert state.g_prog_uS[5] == 7.0


def test_a_state_restored_field_by_field_still_works():
    """raven.chip.store writes every field with numpy (shape and clock become arrays) and sets
    them back one by one; the core accepts such a state."""
    params = pcm.preset("joshi2020")
    rng = np.random.default_rng(2)
    state = pcm.init((2, 3), params, rng)
    for field in dataclasses.fields(pcm.PCMState):
        setattr(state, field.name, np.array(getattr(state, field.name)))
    g, _ = pcm.read(state, 1.0, params, rng)
    assert g.shape == (2, 3)
    new, _ = pcm.program(state, np.full((2, 3), 5.0), 1.0, params, rng)
    assert new.shape == (2, 3) and new.t_last_write_s == 1.0


def test_bad_input_is_a_value_error_naming_the_argument():
    params = pcm.preset("joshi2020")
    rng = np.random.default_rng(0)
    state = pcm.init(3, params, rng)
    cases = {
        "shape": lambda: pcm.init("abc", params, rng),
        "shape=\\(2, -1\\)": lambda: pcm.init((2, -1), params, rng),
        "params": lambda: pcm.init(3, {"g_max_uS": 25}, rng),
        "rng": lambda: pcm.init(3, params, 0),
        "t_start_s": lambda: pcm.init(3, params, rng, t_start_s=math.inf),
        "state=": lambda: pcm.read({"g_prog_uS": np.zeros(3)}, 0.0, params, rng),
        "state.nu": lambda: pcm.read(dataclasses.replace(state, nu=np.zeros(4)), 0.0, params, rng),
        "state.t_last_write_s": lambda: pcm.read(
            dataclasses.replace(state, t_last_write_s=math.nan), 0.0, params, rng
        ),
        "read: t_s": lambda: pcm.read(state, math.nan, params, rng),
        "rng=None": lambda: pcm.read(state, 0.0, params),  # noise needs a generator
        "g_target_uS": lambda: pcm.program(state, [1.0, [2.0]], 0.0, params, rng),
        "g_target_uS: 1 value": lambda: pcm.program(state, [1.0, 2.0, 99.0], 0.0, params, rng),
        "mask": lambda: pcm.program(state, np.ones(3), 0.0, params, rng, mask=np.ones(3)),
        "n_pulses: minimum": lambda: pcm.pulse(state, [1, -1, 0], 0.0, params, rng),
        "n_pulses: dtype": lambda: pcm.pulse(state, [1.5, 0.0, 0.0], 0.0, params, rng),
        "n_pulses: shape": lambda: pcm.pulse(state, np.ones(4, np.int64), 0.0, params, rng),
        "amplitude_level": lambda: pcm.pulse(state, [1, 1, 1], 0.0, params, rng, 8),
        "reset: t_s": lambda: pcm.reset(state, None, "later", params, rng),
        "tolerance_uS": lambda: pcm.program_and_verify(state, 5.0, 0.0, "tight", params, rng),
        "max_iterations": lambda: pcm.program_and_verify(state, 5.0, 0.0, 0.1, params, rng, 0),
        "events": lambda: pcm.device_energy({"reads": 1}, params),
    }
    for match, call in cases.items():
        with pytest.raises(ValueError, match=match):
            call()
