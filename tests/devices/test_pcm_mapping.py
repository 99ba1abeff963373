"""Weight mapping and global drift compensation of ``devices.pcm.mapping``."""

import numpy as np
import pytest

from devices import pcm
from devices.pcm import mapping


def test_mapping_is_the_tiles_rule_and_inverts():
    from kernels.tile import DifferentialTile

    params = pcm.preset("nandakumar2018")
    w = np.random.default_rng(0).normal(size=(6, 5))
    g_plus, g_minus, scale = mapping.weights_to_conductances(w, params.g_min_uS, params.g_max_uS)
    assert scale == params.g_max_uS / np.abs(w).max()
    # hand-written rule: the larger-magnitude side holds |s W|, the other G_min
    np.testing.assert_array_equal(g_plus, np.where(w > 0, np.maximum(w * scale, 0.1), 0.1))
    np.testing.assert_array_equal(g_minus, np.where(w < 0, np.maximum(-w * scale, 0.1), 0.1))
    tile = DifferentialTile(6, 5, params, rng=0)
    assert tile.program_weights(w, 0.0) == scale
    # with G_min = 0 the map inverts exactly
    g_plus, g_minus, scale = mapping.weights_to_conductances(w, 0.0, 25.0, w_max=4.0)
    np.testing.assert_allclose(
        mapping.conductances_to_weights(g_plus, g_minus, scale), w, rtol=1e-15
    )


def test_given_w_max_clips_larger_weights():
    g_plus, g_minus, scale = mapping.weights_to_conductances(np.array([-3.0, 0.5, 2.0]), 0, 10, 1)
    assert scale == 10.0
    assert g_plus.tolist() == [0.0, 5.0, 10.0] and g_minus.tolist() == [10.0, 0.0, 0.0]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="w_max"):
        mapping.weights_to_conductances(np.zeros(3), 0.0, 25.0)
    with pytest.raises(ValueError, match="w:"):
        mapping.weights_to_conductances(np.array([np.nan]), 0.0, 25.0)
    with pytest.raises(ValueError, match="reference_now"):
        mapping.compensation_gains(np.ones(3), np.ones(4))


def test_global_compensation_restores_a_uniform_drift_exactly():
    """With one drift exponent for all devices drift is a uniform scale: the gain undoes it."""
    import dataclasses

    params = pcm.preset("joshi2020")
    uniform = pcm.DriftParams(
        nu_mean_log_slope=0.0,
        nu_mean_offset=0.05,
        nu_mean_min=0.0,
        nu_mean_max=1.0,
        nu_std_log_slope=0.0,
        nu_std_offset=0.0,
        nu_std_min=0.0,
        nu_std_max=0.0,
    )
    params = dataclasses.replace(
        params,
        drift=uniform,
        read_noise=pcm.ReadNoiseParams(flicker_coeff=0.0),
        programming=dataclasses.replace(params.programming, scale=0.0),
    )
    w = np.random.default_rng(1).uniform(-1, 1, (40, 8))
    gp, gm, scale = mapping.weights_to_conductances(w, 0.0, params.g_max_uS)
    arr_p = pcm.PCMArray(w.shape, params, rng=np.random.default_rng(2))
    arr_m = pcm.PCMArray(w.shape, params, rng=np.random.default_rng(3))
    arr_p.program(gp, 0.0)
    arr_m.program(gm, 0.0)
    then = mapping.reference_sums(arr_p.read(0.0), arr_m.read(0.0))
    now_p, now_m = arr_p.read(86400.0), arr_m.read(86400.0)
    gains = mapping.compensation_gains(then, mapping.reference_sums(now_p, now_m))
    assert np.all(gains > 1.0)
    x = np.random.default_rng(4).uniform(-1, 1, (3, 40))
    y_now = x @ mapping.conductances_to_weights(now_p, now_m, scale)
    np.testing.assert_allclose(y_now * gains, x @ w, rtol=1e-9, atol=1e-12)
    g = mapping.compensation_gains(then, mapping.reference_sums(now_p, now_m), per_column=False)
    np.testing.assert_allclose(g, gains, rtol=1e-12)


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")
    w = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    gp, gm, scale = mapping.weights_to_conductances(w, 0.0, 20.0)
    assert isinstance(gp, torch.Tensor) and scale == 10.0
    assert mapping.conductances_to_weights(gp, gm, scale).tolist() == [[1.0, -2.0]]
