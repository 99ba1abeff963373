"""The one memory model, duty cycle and retention, the ledger's added costs, and the
comparison's mends: each price checked against a formula written here independently."""

from __future__ import annotations

import math

import pytest

from raven.accounting import dnn
from raven.accounting.calibration import calibration_correction, pcm_macro_check
from raven.accounting.duty import clip_period_s, crossovers, energy_at_period
from raven.accounting.energy import (
    FLASH_READ_J_PER_BIT,
    INT8_ADD_J,
    INT8_MULT_J,
    chip_profile,
    profile_from_dict,
)
from raven.accounting.ledger import Ledger
from raven.compare.comparison import training_at_accuracy, with_state
from tests.support.baseline_records import baseline

PROFILE = chip_profile("pcm45")


def horowitz_64bit_J(capacity_bytes: float) -> float:
    """Log-log interpolation through (8 KB, 10 pJ), (32 KB, 20 pJ), (1 MB, 100 pJ),
    extended with the nearest segment's slope (written here again, independently)."""
    kb = capacity_bytes / 1024
    if kb <= 32:
        slope = math.log(2) / math.log(4)  # 10 -> 20 pJ over 8 -> 32 KB
        return 10e-12 * (kb / 8) ** slope
    slope = math.log(5) / math.log(32)  # 20 -> 100 pJ over 32 KB -> 1 MB
    return 20e-12 * (kb / 32) ** slope


def test_feedforward_inference_ledger_matches_the_memory_model_by_hand():
    layers = [
        dnn.LayerShape("a", macs=490 * 16, weights=490 * 16 + 16, inputs=490, outputs=16),
        dnn.LayerShape("b", macs=16 * 12, weights=16 * 12 + 12, inputs=16, outputs=12),
    ]
    s = dnn.inference_ledger(layers).summary(PROFILE, None, 0.0, 1.0)
    params = 490 * 16 + 16 + 16 * 12 + 12
    weight_words = math.ceil(params / 8)
    # every weight (the biases too) read once; one activation broadcast per 8 MACs
    weight_reads = math.ceil((490 * 16 + 16) / 8) + math.ceil((16 * 12 + 12) / 8)
    act_reads = math.ceil(490 * 16 / 8) + math.ceil(16 * 12 / 8)
    act_writes = 16 + 12
    act_words = 490 + 16
    expected = (
        (490 * 16 + 16 * 12) * (INT8_MULT_J + INT8_ADD_J)
        + weight_reads * horowitz_64bit_J(weight_words * 8)
        + (act_reads + act_writes) * horowitz_64bit_J(act_words) * 8 / 64
        + 2 * PROFILE.control_per_step_J
    )
    assert s["dynamic_energy_per_clip_J"] == pytest.approx(expected, rel=1e-9)
    assert s["memories"]["weights"]["words"] == weight_words


def test_recurrent_weights_are_read_again_at_every_frame():
    one = dnn.LayerShape("gru", macs=1248, weights=1548, inputs=26, outputs=64, steps=1)
    many = dnn.LayerShape("gru", macs=1248, weights=1548, inputs=26, outputs=64, steps=49)
    c1 = dnn.inference_ledger([one]).counts
    c49 = dnn.inference_ledger([many]).counts
    assert c1["memory:weights:reads"] == math.ceil(1548 / 8)  # the biases too, once
    assert c49["memory:weights:reads"] == 49 * math.ceil(1548 / 8)
    assert c49["time_steps"] == 49


def test_training_ledger_books_adam_once_per_batch():
    layer = dnn.LayerShape("a", macs=100, weights=110, inputs=10, outputs=10)
    led = dnn.training_ledger([layer], batch_size=10)
    c = led.counts
    assert c["digital_macs"] == pytest.approx(3 * 100 + dnn.ADAM_MACS_PER_PARAMETER * 110 / 10)
    assert c["memory:optimiser_state:reads"] == pytest.approx(110 / 10)
    words = math.ceil(110 / 2)
    assert c["memory:weights:reads"] == pytest.approx(2 * words + words / 10)
    # weights, gradients and optimiser state persist: 32 + 32 + 64 bits per parameter
    bits = sum(m.words * m.word_bits for k, m in led.memories.items() if m.retained)
    assert bits == 64 * words * 2 + 64 * 110


def test_layer_shapes_count_the_models_macs_and_parameters():
    pytest.importorskip("torch")
    from raven.baseline.counting import inference_macs, layer_shapes, parameter_count
    from raven.baseline.models import make_model

    for family, width in (("dnn", 16), ("cnn", 4), ("ds_cnn", 8), ("gru", 8), ("lstm", 8)):
        model = make_model(family, width, 49, 10, 12)
        shapes = layer_shapes(model, 49, 10)
        assert sum(s.macs * s.steps for s in shapes) == inference_macs(model, 49, 10)
        assert sum(s.weights for s in shapes) == parameter_count(model)


def _summary(bits_weights: int, active_steps: int = 50) -> dict:
    led = Ledger("inference")
    led.declare_memory("weights", bits_weights // 64, 64, retained=True)
    led.add(time_steps=active_steps, int8_macs=1000, clips=1)
    return led.summary(PROFILE, None, 0.0, 1.0)


def test_retention_or_reload_whichever_is_cheaper():
    s = _summary(64 * 1000)
    bits, active = 64 * 1000, 50 * PROFILE.t_step_s
    leak = PROFILE.sram_leakage_per_bit_W
    write = 1000 * horowitz_64bit_J(8000) * PROFILE.scale
    reload = bits * FLASH_READ_J_PER_BIT + write
    for period in (1e-3, 1.0, 60.0):
        keep = bits * leak * (period - active)
        e = energy_at_period(s, period, {"weights": "read_only"})
        assert e["retention_J"] == pytest.approx(min(keep, reload), rel=1e-9)
        assert e["retention"]["weights"]["choice"] == ("retained" if keep < reload else "reloaded")
        static = (PROFILE.periphery_leakage_W + leak * bits) * active
        wake = PROFILE.periphery_leakage_W * 10e-6
        assert e["energy_J"] == pytest.approx(
            1000 * (INT8_MULT_J + INT8_ADD_J) + 50 * 20e-12 + static + wake + min(keep, reload),
            rel=1e-9,
        )
    # mutable state cannot be reloaded: kept, leaking for the whole idle time
    e = energy_at_period(s, 60.0, {"weights": "mutable"})
    assert e["retention_J"] == pytest.approx(bits * leak * (60.0 - active))


def test_operating_points_and_crossovers():
    assert clip_period_s(clips_per_s=2.0) == 0.5
    assert clip_period_s(wakeups_per_hour=60) == 60.0
    with pytest.raises(ValueError):
        clip_period_s()
    assert crossovers(lambda p: p / 10.0, 0.01, 1e4) == [pytest.approx(10.0, rel=1e-6)]
    assert crossovers(lambda p: 2.0, 0.01, 1e4) == []


def test_ledger_prices_column_integrators_and_random_draws_and_legacy_omits_them():
    led = Ledger("inference")
    led.add(column_reads=100, random_draws=50, clips=1)
    now = led.energy_breakdown_J(PROFILE, None, 0.0)
    assert now["column_integrations"] == pytest.approx(100 * (1e-6 * 0.9 * 100e-9 + 100e-15 * 0.81))
    assert now["random_draws"] == pytest.approx(50 * (16 * 5e-15 + 0.05e-12))
    before = led.energy_breakdown_J(PROFILE, None, 0.0, legacy=True)
    assert "column_integrations" not in before and "random_draws" not in before
    led.add(cell_reads=1, read_g_sum_uS=1.0)
    with pytest.raises(ValueError, match="device"):
        led.energy_breakdown_J(PROFILE, None, 0.0)
    s = Ledger("inference")
    s.add(frontend_ops=1000, int8_macs=10, clips=1)
    summ = s.summary(PROFILE, None, 0.0, 1.0)
    assert summ["frontend_energy_per_clip_J"] == pytest.approx(1000 * PROFILE.frontend_op_J)
    assert summ["network_dynamic_energy_per_clip_J"] == pytest.approx(
        10 * (INT8_MULT_J + INT8_ADD_J)
    )
    assert profile_from_dict(summ["profile"]) == PROFILE


def test_training_is_charged_on_the_validation_curve():
    curve = [
        {"epoch": 1, "validation_accuracy": 0.4, "test_accuracy": 0.6, "c": 10.0},
        {"epoch": 2, "validation_accuracy": 0.6, "test_accuracy": 0.7, "c": 20.0},
    ]
    curve = [
        e | {"training_energy_cumulative_J": e["c"], "training_macs_cumulative": e["c"]}
        for e in curve
    ]
    b = baseline(family="dnn", width=8, curve=curve, samples_seen=2)
    got = training_at_accuracy([b], 0.5, "training_energy_total_J")
    assert got["dnn_cost"] == pytest.approx(15.0)  # halfway between 0.4 and 0.6
    by_test = training_at_accuracy([b], 0.5, "training_energy_total_J", "test_accuracy")
    assert by_test["dnn_cost"] == pytest.approx(10.0) and by_test["status"] == "bound"


def test_state_rule_scores_the_dnn_in_its_last_state():
    b = baseline(family="dnn", width=8, test_accuracy=0.7, curve=[{"test_accuracy": 0.65}])
    (last,) = with_state([b], "last")
    (best,) = with_state([b], "best")
    assert last.test_accuracy == 0.65 and best.test_accuracy == 0.7
    assert last.best_state_test_accuracy == 0.7 and last.last_state_test_accuracy == 0.65
    (again,) = with_state([last], "best")  # idempotent: the trained state is kept
    assert again.test_accuracy == 0.7


def test_calibration_correction_and_pcm_macro_check():
    rows = [{"ratio": 0.5}, {"ratio": 2.0 / 3.0}]
    assert calibration_correction(rows) == pytest.approx(1 / math.sqrt(0.5 * 2 / 3))
    assert calibration_correction([]) is None
    from devices.pcm import preset

    params = preset("joshi2020")
    t_read = params.read_noise.t_read_s
    check = pcm_macro_check(params.energy, t_read, g_mean_uS=10.0)
    e = params.energy
    cells = 2 * 256 * 256
    by_hand = (
        256 * PROFILE.row_driver_J * (1 + 8)  # the row drivers and 8 DAC bits per row
        + cells * e.v_read_V**2 * 10e-6 * t_read
        + 256 * (PROFILE.column_sense_J + PROFILE.column_integrator_J + 16e-3 / 8 / 1.2e9)
    )
    assert check["ledger_tops_per_W"] == pytest.approx(2 * 256 * 256 / by_hand / 1e12, rel=1e-9)
    assert check["ratio"] == pytest.approx(check["ledger_tops_per_W"] / 10.5)
