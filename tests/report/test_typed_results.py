"""The typed results past the estimator: a baseline's result, the comparisons and the run
report read back from their records, refusing a missing or unknown field by name, frozen,
and writing the records the code wrote before them key for key."""

from __future__ import annotations

import dataclasses
import json

import pytest

from raven.baseline.results import RESULT_KEYS, BaselineResult
from tests.support.baseline_records import baseline_record

CURVE = [
    {
        "epoch": 1,
        "validation_accuracy": 0.5,
        "test_accuracy": 0.45,
        "training_macs_cumulative": 3000,
        "training_energy_cumulative_J": 3e-9,
        "clips_seen": 100,
        "train_wall_s": 0.5,
        "eval_wall_s": 0.1,
    }
]
# A cached record as train_baseline wrote it (a recurrent DNN: with its gate multiplies).
CACHED = {
    "family": "gru",
    "width": 8,
    "parameters": 500,
    "weights_bytes_fp32": 2000,
    "validation_accuracy": 0.5,
    "test_accuracy": 0.45,
    "best_epoch": 1,
    "epochs_run": 1,
    "best_check": 1,
    "checks_run": 1,
    "stopped_by": "budget",
    "samples_seen": 100,
    "inference_macs": 1000,
    "training_macs_per_sample": 3500,
    "training_macs_total": 350000,
    "inference_energy_J": 1.5e-9,
    "training_energy_per_sample_J": 5e-9,
    "training_energy_total_J": 5e-7,
    "curve": CURVE,
    "wall_time_s": 1.25,
    "gate_multiplies_per_inference": 392,
}


def test_required_keys_are_the_fields_every_training_writes():
    assert tuple(CACHED)[:-1] == RESULT_KEYS


def test_a_cached_record_is_read_and_written_back_byte_for_byte():
    result = BaselineResult.from_dict(json.loads(json.dumps(CACHED)))
    assert result.gate_multiplies_per_inference == 392 and result.from_cache is None
    assert json.dumps(result.to_dict(), indent=1) == json.dumps(CACHED, indent=1)
    assert BaselineResult.from_dict(result.to_dict()) == result


def test_the_later_fields_follow_in_the_order_the_run_added_them():
    """The cache adds ``from_cache``, the re-pricing ``pricing_before`` and
    ``memory_model``, the state rule the three state fields, each after the others."""
    record = CACHED | {
        "from_cache": True,
        "pricing_before": {"inference_energy_J": 1e-9},
        "memory_model": {"inference": {}, "training": {}},
        "best_state_test_accuracy": 0.45,
        "last_state_test_accuracy": 0.4,
        "state_rule": "last",
    }
    result = BaselineResult.from_dict(record)
    assert list(result.to_dict()) == list(record)
    assert result.to_dict() == record and result.name == "gru-8"


def test_a_missing_or_unknown_key_is_refused_by_name():
    record = baseline_record(family="cnn", width=16, test_accuracy=0.7)
    del record["samples_seen"]
    with pytest.raises(ValueError, match=r"BaselineResult: missing field.*'samples_seen'"):
        BaselineResult.from_dict(record)
    with pytest.raises(ValueError, match=r"BaselineResult: unknown field.*'accuracy'"):
        BaselineResult.from_dict(baseline_record() | {"accuracy": 0.5})
    with pytest.raises(ValueError, match="expected a mapping"):
        BaselineResult.from_dict([("family", "dnn")])


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("curve", None, "tuple of dict"),
        ("curve", [1, 2], "tuple of dict"),
        ("width", "x", "int"),
        ("width", 8.5, "int"),
        ("width", True, "int"),
        ("test_accuracy", "0.5", "float"),
        ("family", 3, "str"),
        ("weight_abs_max", [1.0], "dict"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_by_name(field, value, expected):
    with pytest.raises(ValueError, match=rf"BaselineResult: field '{field}'.*expected {expected}"):
        BaselineResult.from_dict(baseline_record() | {field: value})


def test_numbers_read_back_as_json_writes_them():
    """JSON writes 1.0 as 1.0 but a float field may hold an integer; an optional field may
    be null."""
    result = BaselineResult.from_dict(baseline_record(test_accuracy=1) | {"state_rule": None})
    assert result.test_accuracy == 1 and result.state_rule is None


def test_a_result_is_frozen():
    result = BaselineResult.from_dict(CACHED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.test_accuracy = 1.0
    assert isinstance(result.curve, tuple)


# -- the comparisons -------------------------------------------------------------------------------
from raven.compare.results import ComparisonResult, FairTrainingResult  # noqa: E402

# iso_accuracy's record, then the three keys experiments.baselines.compare adds.
ISO = {
    "accuracy": 0.6,
    "per_cost": {
        "inference_macs": {"status": "above_all_baselines", "note": "none reaches it"},
        "training_macs_total": {
            "dnn_cost": 1e6,
            "raven_cost": 1e4,
            "family": "cnn",
            "status": "interpolated",
            "note": "interpolated",
        },
    },
    "inference_ops_ratio": None,
    "training_ops_ratio": 100.0,
    "inference_energy_ratio": 2.0,
    "training_energy_ratio": 3.0,
    "best_dnn": {"family": "cnn", "width": 16, "test_accuracy": 0.7},
    "untrained_widths_above": {"accuracy": 0.6, "families": {"dnn": [72]}, "note": "n"},
    "raven": {"accuracy": 0.6, "inference_ops": 10.0},
    "definitions": {"energy": "without the front end"},
}
FAIR = {
    "accuracy": 0.4,
    "validation_accuracy": 0.38,
    "per_cost": {"training_energy_total_J": {"raven_cost": 1.9, "ratio": None}},
}


@pytest.mark.parametrize(("cls", "record"), [(ComparisonResult, ISO), (FairTrainingResult, FAIR)])
def test_comparisons_round_trip_in_their_key_order(cls, record):
    result = cls.from_dict(record)
    assert json.dumps(result.to_dict()) == json.dumps(record)
    assert cls.from_dict(result.to_dict()) == result
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.accuracy = 1.0
    missing = {k: v for k, v in record.items() if k != "per_cost"}
    with pytest.raises(ValueError, match=rf"{cls.__name__}: missing field.*'per_cost'"):
        cls.from_dict(missing)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: unknown field.*'status'"):
        cls.from_dict(record | {"status": "skipped"})


def test_the_optional_parts_of_a_comparison_are_left_out_while_unset():
    bare = {k: v for k, v in ISO.items() if k not in ("untrained_widths_above", "raven")}
    result = ComparisonResult.from_dict(bare)
    assert result.raven is None and list(result.to_dict()) == list(bare)
    assert result.ratio("training_macs_total") == 100.0
    assert result.ratio("inference_macs") is None


# -- the run report --------------------------------------------------------------------------------
from raven.report.results import RunReport  # noqa: E402


def report_record(with_baselines: bool = True) -> dict:
    """A report.json record in the order experiments.run_kws builds it."""
    head = {
        "data": "data/gsc12-dev",
        "task": "12",
        "device_preset": "nandakumar2018",
        "architecture": "temporal",
        "rule": "eprop",
        "n_hidden": 128,
        "config": {"seed": 0},
        "training": {"curve": [], "training_clips": 2},
        "evaluations": [{"accuracy": 0.6, "t_after_s": 1.0}],
        "sizes": [],
        "seeds": {"seeds": [], "test": None, "validation": None},
        "footprint": {"synapses": 10, "pcm_devices": 20, "bytes": {}},
        "calibration": [{"chip": "x"}],
        "audio": {"read": 2, "skipped_files": []},
    }
    tail = {
        "frontier": {"rows": []},
        "pcm_macro_check": {"ratio": 1.0},
        "neurobench": [{"model": "Raven"}],
        "wall_time_s": {"training": 1.0, "total": 1.0},
        "plots": {"confusion": "confusion.png"},
        "throughput": {"sizes": [], "wall_time_s": None},
    }
    if not with_baselines:  # without the dnn extra: no ceiling, no baselines
        return head | {"iso_accuracy": {"status": "skipped: torch"}, "budget": {"rows": []}} | tail
    ceiling = baseline_record(family="rsnn", width=128, from_cache=True)
    return (
        head
        | {
            "software_ceiling": ceiling,
            "baselines": [baseline_record(family="cnn", width=8, state_rule="last")],
            "budget": {"rows": []},
            "iso_accuracy": ISO,
            "fair_training": FAIR,
        }
        | tail
        | {"energy_model": {"budget": []}}
    )


@pytest.mark.parametrize("with_baselines", [True, False])
def test_a_report_round_trips_in_its_key_order(with_baselines):
    record = report_record(with_baselines)
    if with_baselines:  # the energy model comes after the frontier
        keys = list(record)
        keys.insert(keys.index("frontier") + 1, keys.pop(keys.index("energy_model")))
        record = {k: record[k] for k in keys}
    report = RunReport.from_dict(json.loads(json.dumps(record)))
    assert json.dumps(report.to_dict(), indent=2) == json.dumps(record, indent=2)
    assert RunReport.from_dict(report.to_dict()) == report
    if with_baselines:
        assert isinstance(report.baselines[0], BaselineResult)
        assert isinstance(report.iso_accuracy, ComparisonResult)
        assert report.software_ceiling.family == "rsnn" and report.iso_accuracy_skipped is None
    else:
        assert report.iso_accuracy is None and report.iso_accuracy_skipped == "skipped: torch"
    assert report.first_evaluation["accuracy"] == 0.6


def test_a_report_refuses_a_missing_or_unknown_key_by_name():
    record = report_record()
    with pytest.raises(ValueError, match=r"RunReport: missing field.*'training'"):
        RunReport.from_dict({k: v for k, v in record.items() if k != "training"})
    with pytest.raises(ValueError, match=r"RunReport: unknown field.*'headline'"):
        RunReport.from_dict(record | {"headline": {}})
    record["baselines"][0]["accuracy"] = 0.5
    with pytest.raises(ValueError, match=r"BaselineResult: unknown field.*'accuracy'"):
        RunReport.from_dict(record)


def test_a_report_without_evaluations_or_with_a_written_skip_field_is_refused():
    record = report_record()
    with pytest.raises(ValueError, match=r"RunReport: evaluations.*at least one"):
        RunReport.from_dict(record | {"evaluations": []})
    with pytest.raises(ValueError, match=r"RunReport: unknown field.*'iso_accuracy_skipped'"):
        RunReport.from_dict(record | {"iso_accuracy_skipped": "no torch"})


def test_a_report_is_frozen_and_a_skipped_comparison_has_no_result():
    report = RunReport.from_dict(report_record())
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.data = "elsewhere"
    with pytest.raises(ValueError, match="both set"):
        dataclasses.replace(report, iso_accuracy_skipped="skipped")
