"""Hand-made baseline results for the tests of the comparison and the report: every field a
training writes, with the values a test does not set derived from those it does."""

from __future__ import annotations

from raven.baseline.results import BaselineResult


def baseline_record(**fields) -> dict:
    """A complete baseline record (``BaselineResult.to_dict`` keys) from a few fields.

    Parameters
    ----------
    **fields
        Any fields of ``BaselineResult``; ``family``, ``width`` and ``test_accuracy`` at
        least are usual.

    Returns
    -------
    dict
        The record, in the field order of ``BaselineResult``.
    """
    acc = fields.get("test_accuracy", 0.5)
    macs = fields.get("inference_macs", 1000)
    samples = fields.get("samples_seen", 100)
    record = {
        "family": "dnn",
        "width": 8,
        "parameters": macs,
        "weights_bytes_fp32": 4 * fields.get("parameters", macs),
        "validation_accuracy": acc,
        "test_accuracy": acc,
        "best_epoch": 1,
        "epochs_run": 1,
        "best_check": 1,
        "checks_run": 1,
        "stopped_by": "budget",
        "samples_seen": samples,
        "inference_macs": macs,
        "training_macs_per_sample": 3 * macs,
        "training_macs_total": 3 * macs * samples,
        "inference_energy_J": macs * 1e-12,
        "training_energy_per_sample_J": 3 * macs * 1e-12,
        "training_energy_total_J": 3 * macs * 1e-12 * samples,
        "curve": [],
        "wall_time_s": 1.0,
    }
    return {k: fields.get(k, v) for k, v in record.items()} | {
        k: v for k, v in fields.items() if k not in record
    }


def baseline(**fields) -> BaselineResult:
    """A ``BaselineResult`` from a few fields (``baseline_record``).

    Parameters
    ----------
    **fields
        Any fields of ``BaselineResult``.

    Returns
    -------
    BaselineResult
    """
    return BaselineResult.from_dict(baseline_record(**fields))
