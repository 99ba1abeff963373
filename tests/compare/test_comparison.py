"""Iso-accuracy interpolation on synthetic accuracy-cost curves."""

import math

import pytest

from raven.compare.comparison import cost_at_accuracy, iso_accuracy
from tests.support.baseline_records import baseline


def point(family, acc, macs, energy=None, **fields):
    return baseline(
        family=family,
        width=macs,
        test_accuracy=acc,
        inference_macs=macs,
        training_macs_total=100 * macs,
        inference_energy_J=energy or macs * 1e-12,
        training_energy_total_J=100 * (energy or macs * 1e-12),
        parameters=macs,
        **fields,
    )


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
    assert out.accuracy == 0.6
    assert out.per_cost["inference_macs"]["family"] == "cnn"
    assert out.inference_ops_ratio == pytest.approx(math.sqrt(1e3 * 1e5) / 1e2)
    assert out.training_ops_ratio == pytest.approx(100 * math.sqrt(1e3 * 1e5) / 1e4)
    assert out.best_dnn["test_accuracy"] == 0.7
    high = iso_accuracy(baselines, {**raven, "accuracy": 0.95})
    assert high.inference_ops_ratio is None
    assert high.per_cost["inference_macs"]["status"] == "above_all_baselines"
    low = iso_accuracy(baselines, {**raven, "accuracy": 0.1})
    assert low.per_cost["inference_macs"]["status"] == "below_all"


# -- training charged up to equal accuracy -----------------------------------------------------
from raven.compare.comparison import charged_until, fair_training, raven_curve, training_at_accuracy  # noqa: E402
from raven.compare.neurobench import NEUROBENCH_GSC_CONTEXT, neurobench_baseline  # noqa: E402


def curve(accs, macs_per_epoch=10.0, joules_per_epoch=1.0):
    return [
        {
            "epoch": k + 1,
            "validation_accuracy": a,
            "test_accuracy": a,
            "training_macs_cumulative": macs_per_epoch * (k + 1),
            "training_energy_cumulative_J": joules_per_epoch * (k + 1),
        }
        for k, a in enumerate(accs)
    ]


def test_charged_until_interpolates_between_epochs():
    c = curve([0.3, 0.5, 0.7, 0.6])
    value, status, epoch = charged_until(c, 0.6, "training_energy_cumulative_J")
    assert status == "interpolated"
    assert value == pytest.approx(2.5) and epoch == pytest.approx(2.5)
    assert charged_until(c, 0.2, "training_energy_cumulative_J") == (1.0, "bound", 1.0)
    assert charged_until(c, 0.9, "training_energy_cumulative_J") == (4.0, "not_reached", None)


def test_a_long_early_stopped_run_is_charged_only_up_to_ravens_accuracy():
    """DNN reaches 0.45 in its first epochs but trains on to 0.55: charge the first part."""
    accs = [0.30, 0.453, 0.50, 0.55] + [0.55] * 16
    dnn = point("dnn", 0.55, 1e3, curve=curve(accs, joules_per_epoch=2e-3), samples_seen=20 * 100)
    out = training_at_accuracy([dnn], 0.434, "training_energy_total_J")
    assert out["status"] == "interpolated"
    f = (0.434 - 0.30) / (0.453 - 0.30)
    assert out["dnn_cost"] == pytest.approx(2e-3 * (1 + f))
    assert out["dnn_cost"] < 0.2 * dnn.curve[-1]["training_energy_cumulative_J"]
    assert out["dnn_cost_per_sample"] == pytest.approx(40e-3 / 2000)


def test_fair_training_ratio_charges_raven_by_the_same_rule():
    dnn = point(
        "dnn", 0.6, 1e3, curve=curve([0.3, 0.5, 0.6], joules_per_epoch=4.0), samples_seen=300
    )
    raven_epochs = [
        {"epoch": k + 1, "validation_accuracy": a, "ledger_counts": {"e": k + 1}}
        for k, a in enumerate([0.2, 0.4, 0.4, 0.38])
    ]
    rc = raven_curve(raven_epochs, lambda counts: (10.0 * counts["e"], 1.0 * counts["e"]))
    raven = {
        "accuracy": 0.4,
        "training_ops_total": 40.0,
        "training_energy_total_J": 4.0,
        "training_clips_per_epoch": 100,
    }
    out = fair_training([dnn], raven, rc)
    e = out.per_cost["training_energy_total_J"]
    # Raven's final validation accuracy 0.38 is first reached within epoch 2.
    assert e["raven_status"] == "interpolated"
    assert e["raven_cost"] == pytest.approx(1 + 0.9)
    # The DNN is charged on its validation curve up to the same validation accuracy 0.38:
    # 0.4 of the way from 0.3 (epoch 1) to 0.5 (epoch 2).
    assert out.validation_accuracy == 0.38
    assert e["dnn_cost"] == pytest.approx(4 * 1.4)
    assert e["ratio"] == pytest.approx(5.6 / 1.9)
    assert e["ratio_status"] == "interpolated"
    assert e["raven_cost_per_sample"] == pytest.approx(1.9 / (1.9 * 100))
    high = [{**c, "validation_accuracy": 0.95} for c in raven_epochs]
    high_curve = raven_curve(high, lambda counts: (10.0 * counts["e"], 1.0 * counts["e"]))
    none = fair_training([dnn], raven, high_curve)
    assert none.per_cost["training_energy_total_J"]["ratio"] is None


def test_neurobench_rows():
    row = neurobench_baseline(point("cnn", 0.7, 5e4))
    assert row["footprint_bytes"] == 5e4 and row["effective_macs"] == 5e4
    assert row["effective_acs"] == 0
    snn, ann = NEUROBENCH_GSC_CONTEXT
    assert snn["effective_acs"] == 3.29e6 and ann["footprint_bytes"] == 109_228
