"""Idealised devices (devices.pcm.idealised): each switch removes exactly its non-ideality."""

from __future__ import annotations

import numpy as np
import pytest

from devices import pcm
from devices.pcm import idealised, preset
from devices.pcm.kernel_args import kernel_args
from devices.pcm.physics import partial_set_increment_uS


def _increment(params, g_uS, history, z):
    a = kernel_args(params)
    return partial_set_increment_uS(
        a.pulse_model, a.pulse, g_uS, a.g_max_uS, a.g_max_uS, history, 1.0, 1.0, z
    )


@pytest.mark.parametrize("name", ["nandakumar2018", "aihwkit-pcm"])
def test_constant_noise_free_step_is_the_same_everywhere(name):
    base = preset(name)
    ideal = idealised(base, pulse_noise=False, state_dependent_step=False)
    steps = [
        _increment(ideal, g, h, z)
        for g in (0.0, 0.25 * base.g_max_uS, 0.8 * base.g_max_uS)
        for h in (0.0, 1.0)
        for z in (-2.0, 0.0, 2.0)
    ]
    assert np.ptp(steps) == 0.0 and steps[0] > 0.0
    if name == "nandakumar2018":
        p = base.pulse  # the preset's mean step at a quarter of G_max, no history
        assert steps[0] == pytest.approx(p.mean_offset_uS + p.mean_g_coeff * 0.25 * base.g_max_uS)
    half = idealised(base, pulse_noise=False, state_dependent_step=False, step_fraction=0.5)
    assert _increment(half, 1.0, 0.0, 0.0) == pytest.approx(0.5 * steps[0])


def test_noise_switch_keeps_the_mean_step():
    base = preset("nandakumar2018")
    quiet = idealised(base, pulse_noise=False)
    g = 0.5 * base.g_max_uS
    assert _increment(quiet, g, 0.3, 2.0) == _increment(quiet, g, 0.3, -2.0)
    assert _increment(quiet, g, 0.3, 0.0) == _increment(base, g, 0.3, 0.0)
    assert _increment(base, g, 0.3, 2.0) != _increment(base, g, 0.3, 0.0)


def test_programming_noise_switch_programs_exactly():
    params = idealised(preset("nandakumar2018"), programming_noise=False)
    rng = np.random.default_rng(0)
    state = pcm.init((1000,), params, rng)
    target = np.linspace(1.0, 10.0, 1000)
    state, _ = pcm.program(state, target, 0.0, params, rng)
    np.testing.assert_allclose(state.g_prog_uS, target, rtol=0, atol=1e-12)


def test_nothing_switched_off_is_the_preset_and_bad_arguments_are_named():
    base = preset("joshi2020")
    assert idealised(base) is base
    with pytest.raises(TypeError, match="pulse_noise"):
        idealised(base, pulse_noise=0)
    with pytest.raises(ValueError, match="step_fraction"):
        idealised(base, step_fraction=0.5)
    with pytest.raises(ValueError, match="step_fraction"):
        idealised(base, state_dependent_step=False, step_fraction=0.0)


def test_drift_and_read_noise_switches_reach_every_path():
    """Without drift a device keeps its programmed conductance at any time, also through a
    pulse (which starts from the drifted value) and a read; without read noise reads are
    exact."""
    params = idealised(preset("nandakumar2018"), drift=False, read_noise=False)
    rng = np.random.default_rng(1)
    state = pcm.init((500,), params, rng)
    state, _ = pcm.program(state, np.full(500, 6.0), 0.0, params, rng)
    assert (state.nu == 0.0).all()
    g, _ = pcm.read(state, 1e7, params, rng)
    np.testing.assert_array_equal(g, state.g_prog_uS)
    before = state.g_prog_uS.copy()
    state, _ = pcm.pulse(state, np.ones(500, np.int64), 1e7, params, rng)
    base = preset("nandakumar2018")
    a = kernel_args(base)
    mean_step = a.pulse[0] * 6.0 + a.pulse[1]  # m_G G + m_0 (no history after a program)
    assert abs(np.mean(state.g_prog_uS - before) - mean_step) < 0.1
    drifting = pcm.init((500,), base, rng)
    drifting, _ = pcm.program(drifting, np.full(500, 6.0), 0.0, base, rng)
    assert np.mean(pcm.read(drifting, 1e7, base, rng)[0]) < 0.8 * 6.0  # the preset drifts


def test_variability_switch_makes_every_device_alike_and_working():
    base = preset("aihwkit-pcm")
    assert base.variability.g_max_rel_std > 0
    alike = idealised(base, variability=False)
    assert alike.variability.g_max_rel_std == 0 and alike.variability.step_rel_std == 0
    assert alike.faults.frac_stuck_g_min == alike.faults.frac_stuck_random == 0
    assert alike.pulse == base.pulse and alike.drift == base.drift
