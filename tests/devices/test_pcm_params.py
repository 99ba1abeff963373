import dataclasses

import numpy as np
import pytest

from devices import pcm
from devices.pcm import params as pcm_params


@pytest.mark.parametrize(
    ("factory", "field", "value"),
    [
        (pcm_params.ProgrammingNoiseParams, "g_ref_uS", 0.0),
        (pcm_params.ProgrammingNoiseParams, "scale", -1.0),
        (pcm_params.DriftParams, "t0_s", -20.0),
        (pcm_params.DriftParams, "nu_mean_min", 0.5),  # above nu_mean_max
        (pcm_params.DriftParams, "nu_std_max", float("nan")),
        (pcm_params.ReadNoiseParams, "t_read_s", 0.0),
        (pcm_params.ReadNoiseParams, "abs_std_uS", -0.1),
        (pcm_params.NandakumarPulseParams, "history_decay_pulses", 0.0),
        (pcm_params.ExpStepPulseParams, "dw_min", -0.01),
        (pcm_params.ResetParams, "g_std_uS", -1.0),
        (pcm_params.VariabilityParams, "g_max_rel_std", 2.0),
        (pcm_params.FaultParams, "frac_stuck_g_min", 1.5),
        (pcm_params.EnergyParams, "e_set_J", -1e-12),
        (pcm_params.EnergyParams, "set_pulse_width_s", 0.0),
    ],
)
def test_invalid_parameter_names_the_field(factory, field, value):
    with pytest.raises(ValueError, match=field):
        factory(**{field: value})


def test_fault_fractions_must_sum_to_at_most_one():
    with pytest.raises(ValueError, match="frac_stuck"):
        pcm_params.FaultParams(frac_stuck_g_min=0.6, frac_stuck_g_max=0.6)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"g_max_uS": -1.0}, "g_max_uS"),
        ({"g_min_uS": 30.0}, "g_min_uS"),
        ({"amplitude_levels": ()}, "amplitude_levels"),
        ({"amplitude_levels": (0.5, 0.25)}, "amplitude_levels"),
        ({"amplitude_levels": (0.5, 1.5)}, "amplitude_levels"),
        ({"amplitude_levels": 0.5}, "amplitude_levels"),
        ({"drift": "fast"}, "drift"),
    ],
)
def test_invalid_pcm_params_name_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(pcm.preset("joshi2020"), **changes)


def test_amplitude_levels_given_as_a_list_are_stored_as_a_tuple():
    """Parameters are hashable whatever sequence the levels came in (the kernel arguments
    are cached by parameters)."""
    params = dataclasses.replace(pcm.preset("joshi2020"), amplitude_levels=[0.5, 1.0])
    assert params.amplitude_levels == (0.5, 1.0)
    assert hash(params) == hash(dataclasses.replace(params, amplitude_levels=(0.5, 1.0)))


def test_params_are_frozen():
    params = pcm.preset("joshi2020")
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.g_max_uS = 30.0  # type: ignore[misc]


def test_unknown_preset_lists_the_choices():
    with pytest.raises(ValueError, match="joshi2020"):
        pcm.preset("gst225")


@pytest.mark.parametrize("name", sorted(pcm.PRESETS))
def test_every_preset_cites_a_source(name):
    params = pcm.preset(name)
    assert params.name == name
    assert any(ch.isdigit() for ch in params.source)  # a year or a volume, not prose only


def test_bad_array_arguments_are_clear():
    params = pcm.preset("joshi2020")
    with pytest.raises(ValueError, match="rng"):
        pcm.PCMArray(3, params, rng="seed")
    with pytest.raises(ValueError, match="PCMParams"):
        pcm.PCMArray(3, {"g_max_uS": 25})
    arr = pcm.PCMArray(3, params, rng=0)
    with pytest.raises(ValueError, match="g_target_uS"):
        arr.program(np.array([1.0, 2.0, 99.0]), t_s=0.0)
    with pytest.raises(ValueError, match="g_target_uS"):
        arr.program(np.ones(4), t_s=0.0)
    with pytest.raises(ValueError, match="n_pulses"):
        arr.apply_pulses(np.array([1, -1, 0]), t_s=0.0)
    with pytest.raises(ValueError, match="n_pulses"):
        arr.apply_pulses(np.array([1.5, 1.0, 0.0]), t_s=0.0)
    with pytest.raises(ValueError, match="amplitude_level"):
        arr.apply_pulses(np.ones(3, dtype=np.int64), t_s=0.0, amplitude_level=8)
    with pytest.raises(ValueError, match="mask"):
        arr.reset(np.ones(3), t_s=0.0)
    arr.program(np.full(3, 5.0), t_s=10.0)
    with pytest.raises(ValueError, match="t_s"):
        arr.read(t_s=5.0)
    with pytest.raises(ValueError, match="tolerance_uS"):
        arr.program_and_verify(np.full(3, 5.0), t_s=20.0, tolerance_uS=0.0)
    with pytest.raises(ValueError, match="max_iterations"):
        arr.program_and_verify(np.full(3, 5.0), t_s=20.0, tolerance_uS=0.1, max_iterations=0)
