"""Raven's accuracy-cost curve against hand-made DNN frontiers: the cheapest DNN at each
Raven accuracy, statuses inside, below and above a family's range, verdicts, and the
report sections (frontier, retention, throughput) generated from the numbers."""

import math

import pytest

from raven.compare.frontier import frontier_comparison, ratio_status, raven_point, verdict
from raven.report.frontier import (
    cost_summary,
    coverage_sentence,
    duration,
    eng,
    frontier_lines,
    frontier_table,
    retention,
    retention_lines,
    throughput,
    throughput_lines,
)
from tests.support.baseline_records import baseline


def dnn(family, acc, macs, accs):
    """A DNN run: test accuracy ``acc`` at ``macs`` MACs, 1 J per epoch and 10 x macs
    training MACs per epoch, test (and validation) accuracies per epoch ``accs``."""
    return baseline(
        family=family,
        width=int(macs),
        test_accuracy=acc,
        inference_macs=macs,
        inference_energy_J=macs * 1e-12,
        training_macs_total=10 * macs * len(accs),
        training_energy_total_J=1.0 * len(accs),
        parameters=macs,
        samples_seen=100 * len(accs),
        curve=[
            {
                "epoch": k + 1,
                "validation_accuracy": a,
                "test_accuracy": a,
                "training_macs_cumulative": 10 * macs * (k + 1),
                "training_energy_cumulative_J": 1.0 * (k + 1),
            }
            for k, a in enumerate(accs)
        ],
    )


# One family spanning test accuracies 0.5 to 0.7, a factor 10 of MACs per 0.1 of accuracy.
BASELINES = [
    dnn("dnn", 0.5, 1e4, [0.3, 0.5]),
    dnn("dnn", 0.6, 1e5, [0.4, 0.6]),
    dnn("dnn", 0.7, 1e6, [0.5, 0.7]),
]


def point(n, acc, ops, training_status="interpolated"):
    return {
        "n_hidden": n,
        "accuracy": acc,
        "inference_ops": ops,
        "inference_ops_status": "exact",
        "inference_energy_J": ops * 1e-12,
        "inference_energy_J_status": "exact",
        "training_ops": 1e6,
        "training_ops_status": training_status,
        "training_energy_J": 0.5,
        "training_energy_J_status": training_status,
        "training_epoch": 1.0,
        "training_clips_per_s": 400.0,
    }


def test_raven_point_charges_training_up_to_its_final_validation_accuracy():
    inference = {
        "energy_breakdown_per_clip_J": {"frontend_ops": 1e-9},
        "effective_sops_per_clip": 1000.0,
        "counts_per_clip": {"neuron_updates": 50.0},
        "dynamic_energy_per_clip_J": 3e-9,
    }
    curve = [
        {
            "epoch": k + 1,
            "validation_accuracy": a,
            "training_macs_cumulative": 10.0 * (k + 1),
            "training_energy_cumulative_J": 1.0 * (k + 1),
        }
        for k, a in enumerate([0.2, 0.4, 0.5, 0.45])
    ]
    p = raven_point(64, 0.44, inference, curve, 300.0)
    assert p["inference_ops"] == 1050.0
    assert p["inference_energy_J"] == pytest.approx(2e-9)
    # The final validation accuracy 0.45 is first reached halfway through epoch 3.
    assert p["training_ops"] == pytest.approx(25.0) and p["training_ops_status"] == "interpolated"
    assert p["training_energy_J"] == pytest.approx(2.5) and p["training_epoch"] == 2.5
    whole = raven_point(64, 0.44, inference, [{**c, "validation_accuracy": None} for c in curve], 1)
    assert whole["training_ops"] == 40.0 and whole["training_ops_status"] == "whole_run"


def test_inside_below_and_above_the_family_range():
    out = frontier_comparison(
        BASELINES,
        [
            point(256, 0.9, 1e3),  # above every DNN run
            point(32, 0.4, 1e5),  # below the range, and dearer than the cheapest DNN
            point(64, 0.55, 1e3),  # inside, cheaper
            point(128, 0.65, 1e7),  # inside, dearer
        ],
    )
    rows = {row["n_hidden"]: row["per_cost"]["inference_ops"] for row in out["rows"]}
    assert [row["n_hidden"] for row in out["rows"]] == [32, 64, 128, 256]
    inside = rows[64]
    assert inside["dnn_status"] == "interpolated" and inside["ratio_status"] == "exact"
    assert inside["dnn_cost"] == pytest.approx(math.sqrt(1e4 * 1e5))
    assert inside["ratio"] == pytest.approx(math.sqrt(1e4 * 1e5) / 1e3)
    assert inside["verdict"] == "win" and inside["dnn_family"] == "dnn"
    dear = rows[128]
    assert dear["ratio"] == pytest.approx(math.sqrt(1e5 * 1e6) / 1e7) and dear["verdict"] == "loss"
    below = rows[32]
    # The cheapest DNN already beats 0.4: its cost bounds the DNN side from above.
    assert below["dnn_status"] == "below_all" and below["ratio_status"] == "upper_bound"
    assert below["dnn_cost"] == 1e4 and below["ratio"] == pytest.approx(0.1)
    assert below["verdict"] == "loss"
    above = rows[256]
    assert above["dnn_status"] == "above_all" and above["ratio"] is None
    assert above["ratio_status"] == "no_dnn" and above["verdict"] == "unmatched"
    assert out["coverage"] == {"raven": [0.4, 0.9], "dnn": [0.5, 0.7], "both": [0.5, 0.7]}


def test_training_is_charged_run_by_run_up_to_ravens_accuracy():
    out = frontier_comparison(BASELINES, [point(64, 0.55, 1e3), point(32, 0.2, 1e3)])
    inside = out["rows"][1]["per_cost"]["training_energy_J"]
    # Each run costs 1 J per epoch; the 0.7 run (0.5 -> 0.7) reaches 0.55 a quarter into
    # its second epoch, before the 0.6 run (0.4 -> 0.6); the 0.5 run never does.
    assert inside["dnn_cost"] == pytest.approx(1.25) and inside["dnn_width"] == int(1e6)
    assert inside["ratio"] == pytest.approx(1.25 / 0.5) and inside["verdict"] == "win"
    low = out["rows"][0]["per_cost"]["training_energy_J"]
    # 0.2 is beaten by every run's first epoch: its cost (1 J) is an upper bound.
    assert low["dnn_status"] == "below_all" and low["ratio_status"] == "upper_bound"
    assert low["ratio"] == pytest.approx(2.0) and low["verdict"] == "undecided"


@pytest.mark.parametrize(
    ("dnn_status", "raven_status", "ratio", "expected_status", "expected_verdict"),
    [
        ("interpolated", "exact", 2.0, "exact", "win"),
        ("interpolated", "interpolated", 0.5, "exact", "loss"),
        ("below_all", "exact", 0.5, "upper_bound", "loss"),
        ("below_all", "exact", 2.0, "upper_bound", "undecided"),
        ("interpolated", "bound", 2.0, "lower_bound", "win"),
        ("interpolated", "whole_run", 0.5, "lower_bound", "undecided"),
        ("below_all", "bound", 2.0, "indeterminate", "undecided"),
        ("above_all", "exact", None, "no_dnn", "unmatched"),
    ],
)
def test_statuses_say_which_way_a_bound_points(
    dnn_status, raven_status, ratio, expected_status, expected_verdict
):
    status = ratio_status(dnn_status, raven_status)
    assert status == expected_status
    assert verdict(ratio, status) == expected_verdict


def test_without_baselines_raven_is_reported_alone():
    out = frontier_comparison([], [point(64, 0.5, 1e3)])
    alone = out["rows"][0]["per_cost"]["inference_ops"]
    assert alone["ratio_status"] == "no_baselines" and alone["ratio"] is None
    assert alone["verdict"] is None and alone["raven_cost"] == 1e3
    assert out["coverage"]["both"] is None
    assert coverage_sentence(out) == "No DNN baselines: Raven's curve is reported alone."
    assert "not compared" in cost_summary(out, "inference_ops")
    lines = frontier_lines(out)
    assert lines[-1] == "| 64 | 0.500 | 1e+03 | 1 nJ | 1e+06 | 500 mJ | 400 |"


# -- report sections ------------------------------------------------------------------------------


def test_words_say_where_raven_wins_and_loses_and_by_how_much():
    out = frontier_comparison(
        BASELINES, [point(32, 0.4, 1e5), point(64, 0.55, 1e3), point(128, 0.65, 1e7)]
    )
    text = cost_summary(out, "inference_ops")
    win = math.sqrt(1e4 * 1e5) / 1e3
    lose = 1e7 / math.sqrt(1e5 * 1e6)
    assert text.startswith("- **inference operations per clip**: Raven wins at 1 of 3:")
    assert f"n_hidden 64 (accuracy 0.550): {win:.3g}x cheaper than the cheapest DNN (dnn)" in text
    assert "Raven loses at 2 of 3:" in text
    assert f"n_hidden 128 (accuracy 0.650): the cheapest DNN (dnn) is {lose:.3g}x cheaper" in text
    assert "n_hidden 32 (accuracy 0.400): the cheapest DNN (dnn) is at least 10x cheaper" in text
    assert coverage_sentence(out) == (
        "Raven's sizes reach test accuracies 0.400 to 0.650; the DNN runs 0.500 to 0.700."
        " Both cover 0.500 to 0.650; 2 of 3 Raven points lie there, where the ratios are"
        " read on interpolated DNN frontiers."
    )
    lines = frontier_lines(out)
    assert "| 64 | inference_ops | 1e+03 | dnn | 3.16e+04 | 31.6x | exact | win |" in lines
    assert "| 64 | 0.550 | 1e+03 | 1 nJ | 1e+06 | 500 mJ | 400 |" in lines
    table = frontier_table(out)
    assert table["rows"][1]["inference_ops"]["verdict"] == "win"
    assert table["rows"][1]["inference_ops"]["ratio"] == pytest.approx(win)


def test_no_overlap_is_said_to_rest_on_bounds():
    out = frontier_comparison(BASELINES, [point(32, 0.3, 1e2), point(64, 0.4, 1e3)])
    assert "No accuracy is covered by both: every Raven point lies below the DNN range" in (
        coverage_sentence(out)
    )
    assert cost_summary(out, "inference_ops").endswith(
        "Raven cannot be judged at 2 of 2: n_hidden 32 (accuracy 0.300): DNN / Raven is at"
        " most 100x (even the cheapest dnn model beats this accuracy: the DNN cost is only"
        " bounded); n_hidden 64 (accuracy 0.400): DNN / Raven is at most 10x (even the"
        " cheapest dnn model beats this accuracy: the DNN cost is only bounded)."
    )
    # Every run costs 1 J per epoch, Raven 0.5 J: at most 2x, from a first-epoch bound.
    assert (
        "n_hidden 32 (accuracy 0.300): DNN / Raven is at most 2x (dnn-10000 already beats"
        " this accuracy after its first epoch"
    ) in cost_summary(out, "training_energy_J")


def evaluation(t, comp, acc):
    return {"t_after_s": t, "drift_compensation": comp, "accuracy": acc, "clips_per_s": 900.0}


# (time after training in s, accuracy with compensation); without: 0.1 lower after 1 s
RETENTION = ((1.0, 0.6), (3600.0, 0.59), (86400.0, 0.58), (2592000.0, 0.57), (31536000.0, 0.55))


def test_retention_table_at_every_time_with_and_without_compensation():
    evals = [
        evaluation(t, comp, acc)
        for t, a in RETENTION
        for comp, acc in ((True, a), (False, a - 0.1 * (t > 1)))
    ]
    rows = retention(evals)
    assert [r["after"] for r in rows] == ["1 s", "1 hour", "1 day", "1 month", "1 year"]
    assert rows[-1] == {
        "t_after_s": 31536000.0,
        "after": "1 year",
        "compensated": 0.55,
        "uncompensated": pytest.approx(0.45),
    }
    lines = retention_lines(evals)
    assert "| 1 day | 86400 | 0.580 | 0.480 |" in lines
    assert lines[-1] == (
        "From 1 s to 1 year after training the accuracy changes by -0.050 with compensation"
        " and -0.150 without."
    )


def test_throughput_and_wall_time_lines():
    t = throughput(
        training={"clips_per_s": 512.4, "wall_time_s": 47.0},
        evaluations=[evaluation(1.0, True, 0.6)],
        n_hidden=128,
        sizes=[
            {
                "n_hidden": 64,
                "training": {"clips_per_s": 700.0, "wall_time_s": 34.4},
                "evaluation": {"clips_per_s": 1500.0},
            }
        ],
        wall_time_s={"training": 47.5, "baselines": 3.3, "total": 50.8},
    )
    lines = throughput_lines(t)
    assert "| 128 (main) | 512 | 47.0 s | 900 |" in lines
    assert "| 64 | 700 | 34.4 s | 1500 |" in lines
    assert "| DNN baselines | 3.3 |" in lines
    assert "| total (before writing the report) | 50.8 |" in lines


def test_number_words():
    assert eng(2.5e-9, "J") == "2.5 nJ" and eng(0.5, "J") == "500 mJ" and eng(3.0, "J") == "3 J"
    assert eng(None) == "n/a" and eng(12345.0) == "1.23e+04"
    assert duration(1.0) == "1 s" and duration(7200.0) == "2 hours"
    assert duration(31_536_000.0) == "1 year"
