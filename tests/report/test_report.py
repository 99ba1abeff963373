"""The report writer: markdown with energy per SOP beside silicon, and results.json with
headline figures and ratios with their status."""

import dataclasses
import json

import numpy as np
import pytest

from devices.pcm import preset
from raven.accounting.calibration import calibration_report
from raven.accounting.energy import chip_profile
from raven.accounting.ledger import Ledger
from raven.chip.crossbar import Chip
from raven.compare.neurobench import NEUROBENCH_GSC_CONTEXT, neurobench_raven
from raven.config.tables import config_from_dict
from raven.report.report import headline, training_ledger_summary, training_price, write_report
from raven.report.results import RunReport
from tests.support.baseline_records import baseline


def ledgers():
    cfg = config_from_dict(
        {"architecture": "static", "network": {"n_hidden": 6, "time_steps": 3, "tile_rows": 8}}
    )
    chip = Chip(cfg, 20, 3)
    train = Ledger("training")
    chip.initialise(0.0, train)
    spikes = (np.random.default_rng(0).random((2, 3, 20)) < 0.3).astype(np.uint8)
    chip.forward(spikes, chip.snapshots(1.0), train)
    inf = Ledger("inference")
    chip.forward(spikes, chip.snapshots(2.0), inf)
    return chip, train, inf


def minimal_report():
    """(inference summary, report) of a two-clip run."""
    chip, train, inf = ledgers()
    p, dev, t_read = chip_profile(), chip.params.energy, chip.params.read_noise.t_read_s
    inf_s = inf.summary(p, dev, t_read, 1.0)
    evaluation = {
        "t_after_s": 1.0,
        "drift_compensation": True,
        "accuracy": 0.4,
        "energy_per_clip_J": inf_s["energy_per_clip_J"],
        "power_uW": inf_s["power_uW"],
        "labels": ["a", "b", "c"],
        "confusion": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        "ledger": inf_s,
    }
    report = RunReport(
        data="d",
        task="folder",
        device_preset="nandakumar2018",
        rule="three_factor",
        training={
            "curve": [],
            "training_clips": 2,
            "updates": 0,
            "wall_time_s": 1.0,
            "clips_per_s": 2.0,
            "ledger": train.summary(p, dev, t_read, 1.0),
        },
        evaluations=(evaluation,),
        footprint={"synapses": chip.n_synapses(), "pcm_devices": 2 * chip.n_synapses()},
        audio={
            "read": 2,
            "skipped": 0,
            "resampled": 0,
            "mixed_down": 0,
            "skipped_files": [],
        },
        calibration=tuple(calibration_report(preset("nandakumar2018").energy, t_read)),
        neurobench=(
            neurobench_raven(inf_s, sum(chip.footprint_bytes().values()), 0.4),
            *NEUROBENCH_GSC_CONTEXT,
        ),
        iso_accuracy_skipped="skipped",
    )
    return inf_s, report


def test_results_json_carries_headline_figures_and_ratio_status(tmp_path):
    inf_s, report = minimal_report()
    write_report(tmp_path, report)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results == json.loads(json.dumps(headline(report), default=float))
    assert results["inference"]["pJ_per_sop"] == inf_s["pJ_per_sop"]
    assert results["inference"]["static_power_uW"] > 0
    assert results["training"]["power_gated_between_clips"] is True
    assert results["iso_accuracy"]["inference_ops_ratio"] == {"ratio": None, "status": None}
    md = (tmp_path / "report.md").read_text()
    assert "reckon_isscc2022 5.3 pJ" in md
    assert "Calibration of the ledger against silicon" in md
    assert "NeuroBench-style metrics" in md
    # Retention and throughput are reported even without baselines or other sizes.
    assert results["retention"] == [{"t_after_s": 1.0, "after": "1 s", "compensated": 0.4}]
    assert "| 1 s | 1 | 0.400 |  |" in md.splitlines()
    assert results["throughput"]["sizes"][0]["training_clips_per_s"] == 2.0
    assert results["frontier"] is None and "## Accuracy-cost frontier" not in md
    assert "Software ceiling" not in md


@pytest.mark.parametrize(
    ("family", "wording"),
    [("rsnn", "backpropagation through time"), ("snn_rate", "expected spike rates")],
)
def test_software_ceiling_is_described_by_its_family(tmp_path, family, wording):
    _, report = minimal_report()
    report = dataclasses.replace(
        report,
        software_ceiling=baseline(
            family=family, width=7, test_accuracy=0.625, validation_accuracy=0.75
        ),
    )
    write_report(tmp_path, report)
    md = (tmp_path / "report.md").read_text()
    section = md[md.index("## Software ceiling") :]
    assert wording in section and "7 hidden units" in section
    assert "test accuracy 0.625 (validation 0.750)" in section


def test_training_price_is_dynamic_energy_without_the_front_end():
    chip, train, _ = ledgers()
    train.add(frontend_ops=1000, accumulator_updates=500)
    price = training_price(chip)
    ops, energy = price(dict(train.counts))
    s = training_ledger_summary({"ledger_counts": dict(train.counts)}, chip)
    front = s["energy_breakdown_per_clip_J"]["frontend_ops"]
    assert energy == pytest.approx((s["dynamic_energy_per_clip_J"] - front) * s["clips"])
    assert ops == train.counts["synaptic_ops"] + 500 + train.counts["neuron_updates"]
    # Accumulator updates are priced by the array's size: 16-bit words of every synapse.
    acc = s["energy_breakdown_per_clip_J"]["memory:accumulators"] * s["clips"]
    p = chip_profile()
    assert acc == pytest.approx(1000 * p.memory_access_J(2 * chip.n_synapses(), 16))


def test_energy_model_sections_are_written_from_repriced_baselines(tmp_path):
    """The one-memory-model sections end to end: DNN runs re-priced (no training), the
    memory table, the duty-cycle table, plot and crossover sentence, the budget."""
    pytest.importorskip("torch")
    from types import SimpleNamespace

    from experiments.baselines import energy_model, reprice

    inf_s, report = minimal_report()
    chip, _, _ = ledgers()
    curve = [{"epoch": 1, "validation_accuracy": 0.35, "test_accuracy": 0.3, "clips_seen": 100}]
    runs = []
    for family, width, acc in (("gru", 4, 0.3), ("gru", 8, 0.5), ("dnn", 8, 0.45)):
        runs.append(
            baseline(
                family=family,
                width=width,
                test_accuracy=acc,
                inference_macs=1000,
                parameters=10,
                training_macs_total=1e6,
                inference_energy_J=1e-9,
                training_energy_per_sample_J=1e-6,
                training_energy_total_J=1e-4,
                samples_seen=100,
                curve=[c | {"test_accuracy": acc} for c in curve],
            )
        )
    baselines = reprice(runs, 49, 10, 3)
    assert all(b.pricing_before["inference_energy_J"] == 1e-9 for b in baselines)
    assert baselines[0].curve[0]["training_energy_cumulative_J"] == pytest.approx(
        100 * baselines[0].training_energy_per_sample_J
    )
    fake_chip = SimpleNamespace(
        params=chip.params, cfg=SimpleNamespace(device=SimpleNamespace(clip_period_s=1.0))
    )
    model = energy_model(
        report.first_evaluation, report.training, baselines, report.calibration, fake_chip
    )
    from raven.compare.comparison import iso_accuracy

    raven = {
        "accuracy": 0.4,
        "inference_ops": 1e3,
        "training_ops_total": 1e6,
        "inference_energy_J": inf_s["network_dynamic_energy_per_clip_J"],
        "training_energy_total_J": 1e-3,
    }
    report = dataclasses.replace(
        report,
        baselines=tuple(baselines),
        energy_model=model,
        iso_accuracy=dataclasses.replace(
            iso_accuracy(baselines, raven), raven=raven, definitions={}
        ),
        iso_accuracy_skipped=None,
    )
    assert model["budget"][0]["step"].startswith("before")
    assert len(model["budget"]) == 2 * (3 + 2)
    write_report(tmp_path, report)
    md = (tmp_path / "report.md").read_text()
    assert "## Memories of each side (one memory model)" in md
    assert "## Energy per clip against duty cycle" in md
    assert model["duty_cycle"]["inference"]["sentence"] in md
    assert (tmp_path / "duty_cycle.png").is_file()
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["energy_model"]["duty_cycle"]["inference"]["points"][0]["period_s"] == 1.0


def test_training_power_verdict_names_the_cost_above_the_papers_30_uw():
    from raven.report.report import training_power_verdict

    below = {"power_uW": 12.0, "static_power_breakdown_W": {}, "dynamic_energy_per_clip_J": 1e-6}
    assert "within the paper's 30 uW" in training_power_verdict(below)
    above = {
        "power_uW": 33.0,
        "static_power_breakdown_W": {"memory:accumulators": 28e-6, "periphery": 1e-9},
        "dynamic_energy_per_clip_J": 5e-6,
    }
    text = training_power_verdict(above)
    assert "above the paper's 30 uW" in text and "accumulators (28.0 uW" in text
