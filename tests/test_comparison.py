"""Iso-accuracy interpolation on synthetic accuracy-cost curves."""

import math

import pytest

from raven.comparison import cost_at_accuracy, iso_accuracy


def point(family, acc, macs, energy=None):
    return {
        "family": family,
        "width": macs,
        "test_accuracy": acc,
        "inference_macs": macs,
        "training_macs_total": 100 * macs,
        "inference_energy_J": energy or macs * 1e-12,
        "training_energy_total_J": 100 * (energy or macs * 1e-12),
        "parameters": macs,
    }


CURVE = [point("dnn", 0.5, 1e4), point("dnn", 0.6, 1e5), point("dnn", 0.7, 1e6)]


def test_log_linear_interpolation_between_bracketing_points():
    value, status = cost_at_accuracy(CURVE, 0.55, "inference_macs")
    assert status == "interpolated"
    assert value == pytest.approx(math.sqrt(1e4 * 1e5))


def test_out_of_range_is_reported_not_extrapolated():
    assert cost_at_accuracy(CURVE, 0.4, "inference_macs") == (1e4, "below_all")
    assert cost_at_accuracy(CURVE, 0.9, "inference_macs") == (None, "above_all")


def test_dominated_points_are_ignored():
    curve = [*CURVE, point("dnn", 0.55, 5e6)]  # costly and no better than cheaper points
    value, _ = cost_at_accuracy(curve, 0.65, "inference_macs")
    assert value == pytest.approx(math.sqrt(1e5 * 1e6))


def test_iso_accuracy_ratios_take_the_cheapest_family():
    baselines = [*CURVE, point("cnn", 0.5, 1e3), point("cnn", 0.7, 1e5)]
    raven = {
        "accuracy": 0.6,
        "inference_ops": 1e2,
        "training_ops_total": 1e4,
        "inference_energy_J": 1e-10,
        "training_energy_total_J": 1e-8,
    }
    out = iso_accuracy(baselines, raven)
    assert out["accuracy"] == 0.6
    assert out["per_cost"]["inference_macs"]["family"] == "cnn"
    assert out["inference_ops_ratio"] == pytest.approx(math.sqrt(1e3 * 1e5) / 1e2)
    assert out["training_ops_ratio"] == pytest.approx(100 * math.sqrt(1e3 * 1e5) / 1e4)
    assert out["best_dnn"]["test_accuracy"] == 0.7
    high = iso_accuracy(baselines, {**raven, "accuracy": 0.95})
    assert high["inference_ops_ratio"] is None
    assert high["per_cost"]["inference_macs"]["status"] == "above_all_baselines"
    low = iso_accuracy(baselines, {**raven, "accuracy": 0.1})
    assert low["per_cost"]["inference_macs"]["status"] == "below_all"
