"""``make run-kws`` at several sizes on a tiny generated dataset: sizes into size-<n>/, a
finished size reused (not retrained, not re-evaluated), a size of another configuration
refused, and the report carrying the frontier, retention and wall times."""

import json

import pytest

import experiments.sizes as sizes_module
from experiments import run_kws
from experiments.sizes import (
    curve_sizes,
    hidden_size,
    parse_sizes,
    run_sizes,
    with_hidden_size,
)
from raven.config.tables import RavenConfig, config_from_dict
from raven.data.synthetic import make_tone_dataset
from raven.fit.loop import CHECKPOINT
from raven.report.results import RunReport
from raven.runs.train import FINAL
from tests.support.baseline_records import baseline
from tests.support.configs import TINY_STATIC as TINY_CHIP

# The tiny static network, whatever the default architecture.
TINY = {"architecture": "static", **TINY_CHIP}


def test_sizes_follow_the_architecture():
    static = RavenConfig(architecture="static")
    temporal = RavenConfig(architecture="temporal")
    assert hidden_size(static) == static.network.n_hidden
    assert hidden_size(temporal) == temporal.temporal.n_hidden
    grown = with_hidden_size(temporal, 7)
    assert grown.temporal.n_hidden == 7 and grown.network == temporal.network
    assert with_hidden_size(static, 7).network.n_hidden == 7
    n = temporal.temporal.n_hidden
    assert curve_sizes(temporal) == (n // 2, n, 2 * n)


def test_size_list_parsing():
    assert parse_sizes("256,64,128,64") == (64, 128, 256)
    assert parse_sizes("none") == ()
    with pytest.raises(ValueError, match=r"--sizes='64,x': 'x' is not a hidden-layer size"):
        parse_sizes("64,x")
    with pytest.raises(ValueError, match="expected comma-separated integers >= 1"):
        parse_sizes("0")


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    base = tmp_path_factory.mktemp("sizes")
    return base, make_tone_dataset(base / "data", per_label=12)


def test_a_finished_size_is_reused_not_retrained(tones, monkeypatch):
    base, data = tones
    cfg = config_from_dict(TINY)  # n_hidden 24: the main run, not trained here
    run = base / "run"
    first = run_sizes(cfg, data, run, (12, 24), base / "cache")
    assert [s["n_hidden"] for s in first] == [12]
    assert (run / "size-12" / FINAL).is_file() and not (run / "size-24").exists()
    assert first[0]["trained_now"] and first[0]["evaluated_now"]
    assert len(first[0]["training"]["curve"]) == cfg.training.epochs
    point = first[0]["point"]
    assert point["n_hidden"] == 12 and 0 <= point["accuracy"] <= 1
    assert point["inference_ops"] > 0 and point["training_energy_J"] > 0

    def refuse(*args, **kwargs):
        raise AssertionError("a finished size was trained or evaluated again")

    monkeypatch.setattr(sizes_module, "train", refuse)
    monkeypatch.setattr(sizes_module, "evaluate", refuse)
    again = run_sizes(cfg, data, run, (12, 24), base / "cache")
    assert not again[0]["trained_now"] and not again[0]["evaluated_now"]
    assert again[0]["point"] == point
    assert again[0]["evaluation"] == first[0]["evaluation"]

    # A chip trained again (its chip.npz deleted) is evaluated again, not read from before.
    stale = json.loads((run / "size-12" / "evaluation.json").read_text())
    stale["evaluation"]["accuracy"] = -1.0
    (run / "size-12" / "evaluation.json").write_text(json.dumps(stale))
    (run / "size-12" / FINAL).unlink()
    monkeypatch.undo()
    retrained = run_sizes(cfg, data, run, (12,), base / "cache")
    assert retrained[0]["trained_now"] and retrained[0]["evaluated_now"]
    assert retrained[0]["point"]["accuracy"] == point["accuracy"]  # same seed, same chip

    other = config_from_dict({**TINY, "seed": 5})
    with pytest.raises(ValueError, match="size-12: trained with another configuration"):
        run_sizes(other, data, run, (12,), base / "cache")


def test_an_interrupted_size_resumes_from_its_checkpoint(tones, monkeypatch):
    base, data = tones
    cfg = config_from_dict(TINY)
    folder = base / "interrupted" / "size-12"
    from raven.runs.train import train

    train(with_hidden_size(cfg, 12), data, folder, cache_dir=base / "cache", stop_after_updates=3)
    assert (folder / CHECKPOINT).is_file() and not (folder / FINAL).is_file()
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs["resume"])
        return train(*args, **kwargs)

    monkeypatch.setattr(sizes_module, "train", spy)
    out = run_sizes(cfg, data, base / "interrupted", (12,), base / "cache")
    assert calls == [True] and (folder / FINAL).is_file()
    assert out[0]["training"]["training_clips"] == cfg.training.epochs * 21


def fake_baseline(family, width, acc, macs):
    curve = [
        {
            "epoch": k + 1,
            "validation_accuracy": a,
            "test_accuracy": a,
            "training_macs_cumulative": 3 * macs * 20 * (k + 1),
            "training_energy_cumulative_J": macs * 1e-11 * (k + 1),
        }
        for k, a in enumerate((acc / 2, acc))
    ]
    return baseline(
        family=family,
        width=width,
        parameters=macs,
        validation_accuracy=acc,
        test_accuracy=acc,
        samples_seen=40,
        inference_macs=macs,
        training_macs_total=curve[-1]["training_macs_cumulative"],
        inference_energy_J=macs * 1e-12,
        training_energy_total_J=curve[-1]["training_energy_cumulative_J"],
        curve=curve,
    )


def test_run_kws_reports_the_frontier_retention_and_wall_times(tones, tmp_path, monkeypatch):
    """The whole script on tones, with hand-made DNN results in place of the trained sweep
    (its training is tested in test_baseline*)."""
    import experiments.baselines as baselines

    base, data = tones
    dnns = [fake_baseline("cnn", w, a, m) for w, a, m in ((8, 0.4, 1e4), (16, 0.9, 1e6))]
    ceiling = fake_baseline("snn_rate", 24, 0.9, 1e3)
    monkeypatch.setattr(baselines, "ceiling_and_baselines", lambda *a, **k: (ceiling, dnns))
    toml = tmp_path / "tiny.toml"
    top = [f"{k} = {json.dumps(v)}" for k, v in TINY.items() if not isinstance(v, dict)]
    tables = [
        f"[{table}]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in values.items())
        for table, values in TINY.items()
        if isinstance(values, dict)
    ]
    toml.write_text("\n".join(top + tables))
    monkeypatch.chdir(tmp_path)
    argv = ["--data", str(data), "--name", "t", "--config", str(toml), "--sizes", "12,24"]
    argv += ["--cache-dir", str(base / "cache")]
    assert run_kws.main(argv) == 0
    run = tmp_path / "runs" / "t"
    report = json.loads((run / "report.json").read_text())
    # report.json is a RunReport's record, in the order the run has always written it
    assert json.dumps(RunReport.from_dict(report).to_dict()) == json.dumps(report)
    assert list(report) == [
        *("data", "task", "device_preset", "architecture", "rule", "n_hidden", "config"),
        *("training", "evaluations", "sizes", "seeds", "footprint", "calibration", "audio"),
        *("software_ceiling", "baselines", "iso_accuracy", "fair_training", "frontier"),
        *("energy_model", "pcm_macro_check", "neurobench", "wall_time_s", "plots", "throughput"),
    ]
    assert [p["n_hidden"] for p in report["frontier"]["raven"]] == [12, 24]
    assert [s["n_hidden"] for s in report["sizes"]] == [12]
    main = report["frontier"]["raven"][1]
    assert main["accuracy"] == report["evaluations"][0]["accuracy"]
    assert set(report["wall_time_s"]) >= {
        "training",
        "evaluation",
        "other_sizes",
        "ceiling_and_baselines",
    }
    assert report["wall_time_s"]["total"] == pytest.approx(
        sum(v for k, v in report["wall_time_s"].items() if k != "total")
    )
    assert [s["n_hidden"] for s in report["throughput"]["sizes"]] == [24, 12]
    assert report["throughput"]["sizes"][1]["training_clips_per_s"] > 0
    results = json.loads((run / "results.json").read_text())
    assert [r["n_hidden"] for r in results["frontier"]["rows"]] == [12, 24]
    assert results["throughput"]["sizes"][0]["n_hidden"] == 24
    assert [r["after"] for r in results["retention"]] == ["1 s", "1 day"]
    md = (run / "report.md").read_text()
    for heading in (
        "## Accuracy-cost frontier",
        "## Retention: test accuracy after training",
        "## Throughput and wall time",
    ):
        assert heading in md
    assert (run / "frontier.png").is_file()
    # A second invocation reuses every size: the main run and size-12 are not retrained.
    monkeypatch.setattr(sizes_module, "train", None)
    monkeypatch.setattr(run_kws, "train_run", None)
    assert run_kws.main(argv) == 0
    again = json.loads((run / "report.json").read_text())
    assert again["frontier"]["raven"] == report["frontier"]["raven"]


def test_families_below_ravens_accuracy_with_wider_models_untrained_are_named(monkeypatch):
    """A family whose trained widths all fall below Raven's accuracy drops out of the
    ratios; if wider models of it were not trained, the comparison and the report say so."""
    pytest.importorskip("torch")
    import experiments.baselines as baselines
    from raven.baseline.models import FAMILIES
    from raven.report.report import _iso_lines

    dnns = [
        fake_baseline("dnn", 36, 0.50, 2e4),
        fake_baseline("dnn", 72, 0.55, 5e4),
        fake_baseline("cnn", 8, 0.58, 2e5),
        fake_baseline("cnn", 16, 0.70, 8e5),
    ]
    wider_dnn = [w for w in FAMILIES["dnn"] if w > 72]
    wider_cnn = [w for w in FAMILIES["cnn"] if w > 16]
    untrained = {f: list(w) for f, w in FAMILIES.items() if f not in ("dnn", "cnn")}
    assert baselines.untrained_widths_above(dnns, 0.6) == {"dnn": wider_dnn, **untrained}
    assert baselines.untrained_widths_above(dnns, 0.55) == untrained  # dnn reaches it
    assert baselines.untrained_widths_above(dnns, 0.8) == {
        "dnn": wider_dnn,
        "cnn": wider_cnn,
        **untrained,
    }
    every = dnns + [fake_baseline("dnn", w, 0.56, 1e5) for w in wider_dnn]
    every += [fake_baseline(f, w, 0.3, 1e5) for f, ws in FAMILIES.items() for w in ws]
    every = [b for b in every if (b.family, b.width) not in {("dnn", 36), ("cnn", 8)}]
    assert baselines.untrained_widths_above(every, 0.9) == {}  # nothing wider left to train
    # only wider widths count: a narrower untrained width could not be cheaper and reach it
    narrow_missing = [b for b in every if (b.family, b.width) != ("dnn", 72)]
    assert baselines.untrained_widths_above(narrow_missing, 0.9) == {}
    raven = {
        "accuracy": 0.6,
        "inference_ops": 1e4,
        "training_ops_total": 1e9,
        "inference_energy_J": 1e-9,
        "training_energy_total_J": 1e-3,
    }
    monkeypatch.setattr(baselines, "raven_costs", lambda evaluation, training: raven)
    result = baselines.compare(dnns, {}, {})
    caution = result.untrained_widths_above
    assert caution["families"] == {"dnn": wider_dnn, **untrained} and caution["accuracy"] == 0.6
    assert result.inference_ops_ratio is not None  # the cnn family still brackets it
    assert "untrained_widths_above" not in baselines.compare(every, {}, {}).to_dict()
    lines = "\n".join(_iso_lines(result, dnns))
    assert f"Caution, at accuracy 0.600: dnn (untrained widths {wider_dnn})" in lines
