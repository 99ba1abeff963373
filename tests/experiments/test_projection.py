"""The full-scale projection benchmark: its arithmetic against hand-computed wall times, its
JSON on a tiny generated dataset, and a clean skip without data."""

import json

import pytest

from bench import common, full_scale, projection
from bench import run as bench_run
from bench.full_scale import SplitSizes, Work, makespan_s, stage_projection, total_projection
from raven.config.tables import RavenConfig
from raven.data.synthetic import make_tone_dataset


def test_a_stage_is_its_overhead_plus_clips_over_throughput():
    stage = stage_projection([Work("a", 1000, 250.0), Work("b", 300, 100.0)], overhead_s=2.0)
    assert stage["wall_s"] == pytest.approx(2.0 + 4.0 + 3.0)
    assert [row["wall_s"] for row in stage["items"]] == pytest.approx([4.0, 3.0])


def test_the_total_is_the_sum_of_the_stages_against_the_goal():
    stages = {"x": {"wall_s": 1000.0}, "y": {"wall_s": 2500.0}}
    under = total_projection(stages, goal_s=3600.0)
    assert under["total_wall_s"] == 3500.0 and under["meets_goal"]
    assert under["largest_stage"] == "y"
    over = total_projection(stages | {"z": {"wall_s": 101.0}}, goal_s=3600.0)
    assert over["total_wall_s"] == 3601.0 and not over["meets_goal"]


def test_jobs_go_to_the_first_free_worker():
    # two workers: 3|3, then 2 to each (5|5), the last 2 to the first (7)
    assert makespan_s([3, 3, 2, 2, 2], 2) == 7
    assert makespan_s([3, 3, 2, 2, 2], 1) == 12
    assert makespan_s([], 2) == 0
    with pytest.raises(ValueError, match="workers"):
        makespan_s([1.0], 0)


def test_bad_work_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Work 'training clips'.clips_per_s=0.0: expected .* > 0"):
        Work("training clips", 10, 0.0)
    with pytest.raises(ValueError, match="clips=inf"):
        Work("training clips", float("inf"), 1.0)
    with pytest.raises(ValueError, match=r"SplitSizes.training=0: expected an integer >= 1"):
        SplitSizes(0, 1, 1)
    with pytest.raises(ValueError, match=r"SplitSizes\.testing=True"):
        SplitSizes(1, 0, True)


def fake_measurements(rate: float, copies: int | None = None) -> dict:
    """Every throughput ``rate`` clips/s, every fixed cost 1 s; ``copies`` augmented
    training copies (default: the default run's)."""
    if copies is None:
        copies = RavenConfig().training.epochs
    chip = {
        "training_clips_per_s": rate,
        "training_overhead_s": 1.0,
        "evaluation_clips_per_s": rate,
        "evaluation_overhead_s": 1.0,
    }
    from raven.baseline.models import FAMILIES  # torch: the dnn extra

    models = [f"{family}-{width}" for family, widths in FAMILIES.items() for width in widths]
    return {
        "features": {"copies": copies, "augmented_clips_per_s": rate, "plain_clips_per_s": rate},
        "chip": {"64": chip, "128": chip, "256": chip},
        "ceiling": dict.fromkeys(
            ("encoding_clips_per_s", "training_clips_per_s", "evaluation_clips_per_s"), rate
        ),
        "baselines": {
            "standardise_clips_per_s": rate,
            "workers": 2,
            "models": {
                m: {"training_clips_per_s": rate, "evaluation_clips_per_s": rate} for m in models
            },
        },
    }


def test_full_scale_projection_by_hand():
    """GSC v0.02 12-class (85,511 / 10,102 / 4,890) with the default settings, every
    throughput 1,000 clips/s: the clip counts worked out here from the run's rules."""
    pytest.importorskip("torch")
    cfg = RavenConfig()
    # the settings these counts assume
    e_chip = cfg.training.epochs  # one augmented copy per epoch
    assert len(cfg.training.eval_times_s) == 5
    assert cfg.temporal.n_hidden == 128 and cfg.data.augment
    out = projection.project(cfg, fake_measurements(1000.0), full_scale.FULL_GSC_V002_12)
    stages = out["stages"]
    n_train, n_val, n_test = 85_511, 10_102, 4_890
    features = (e_chip * n_train + n_val + n_test) / 1000
    assert stages["features"]["wall_s"] == pytest.approx(features)
    # the epochs, validation after each, 5 times x 2 compensation settings of test reads
    raven = 1 + (e_chip * n_train + e_chip * n_val) / 1000 + 10 * (1 + n_test / 1000)
    assert stages["raven"]["wall_s"] == pytest.approx(raven)
    # the default run trains the configured size only; SIZES=64,128,256 adds the curve
    assert stages["raven_other_sizes"] == {"sizes": [], "per_size": [], "wall_s": 0.0}
    curve = projection.project(
        cfg, fake_measurements(1000.0), full_scale.FULL_GSC_V002_12, curve=(64, 128, 256)
    )
    other = 1 + (e_chip * n_train + e_chip * n_val) / 1000 + 1 + n_test / 1000
    assert curve["stages"]["raven_other_sizes"]["sizes"] == [64, 256]
    assert curve["stages"]["raven_other_sizes"]["wall_s"] == pytest.approx(2 * other)
    # two more seeds and the five links of the loss budget: the configured chip again,
    # each read once
    assert stages["raven_other_seeds"]["wall_s"] == pytest.approx(2 * other)
    assert stages["loss_budget"]["wall_s"] == pytest.approx(5 * other)
    bare = projection.project(
        cfg, fake_measurements(1000.0), full_scale.FULL_GSC_V002_12, seeds=1, budget_links=0
    )
    assert bare["stages"]["raven_other_seeds"]["wall_s"] == 0.0
    assert bare["stages"]["loss_budget"]["wall_s"] == 0.0
    repeats = 7 * other  # seeds and budget
    # ceiling: its epochs of inputs encoded and trained, val + test after each, test again
    from experiments.baselines import ceiling_settings
    from raven.baseline.models import DEFAULT_SWEEP

    e = ceiling_settings(cfg).max_epochs
    ceiling = (e * n_train + n_val + n_test) + e * n_train + e * (n_val + n_test) + n_test
    off_chip = stages["ceiling_and_baselines"]
    assert off_chip["software_ceiling"]["wall_s"] == pytest.approx(ceiling / 1000)
    # baselines: budget max(epochs x 85,511, 100,000) = as many passes as the chip's epochs;
    # checks at 32,768, 65,536 and each pass's end: three per pass reading validation and
    # test, then the test split once more
    per_model = (e_chip * n_train + 3 * e_chip * (n_val + n_test) + n_test) / 1000
    assert off_chip["training_clips_per_model"] == e_chip * n_train
    assert off_chip["checks_per_model"] == 3 * e_chip
    n_models = sum(len(widths) for widths in DEFAULT_SWEEP.values())
    assert len(off_chip["per_model"]) == n_models
    # Two workers: the ceiling on one, the models on the other; then each model goes to
    # whichever worker frees first.
    workers = [ceiling / 1000, per_model]
    for _ in range(n_models - 1):
        workers.sort()
        workers[0] += per_model
    standardise = (e_chip * n_train + n_val + n_test) / 1000
    assert off_chip["wall_s"] == pytest.approx(standardise + max(workers))
    total = features + raven + repeats + off_chip["wall_s"]
    assert out["total_wall_s"] == pytest.approx(total)
    assert curve["total_wall_s"] == pytest.approx(total + 2 * other)
    assert out["goal_s"] == 3600.0 and out["meets_goal"] is (total <= 3600.0)
    assert out["on_chip_wall_s"] == pytest.approx(raven + repeats)
    assert curve["on_chip_wall_s"] == pytest.approx(raven + repeats + 2 * other)
    assert out["on_chip_meets_goal"] is (raven + repeats <= 3600.0)
    # float32 49 x 10 features of one copy per epoch; the ceiling's graded inputs, float32
    # 49 x 10, one array per augmented copy (no draws to repeat per epoch)
    assert projection.largest_arrays_bytes(cfg, full_scale.FULL_GSC_V002_12) == {
        "training_features": 4 * e_chip * n_train * 49 * 10,
        "baseline_features": 4 * e_chip * n_train * 49 * 10,
        "ceiling_inputs": 4 * min(e, e_chip) * n_train * 49 * 10,
    }
    full = projection.project(cfg, fake_measurements(1000.0), full_scale.FULL_GSC_V002_12, "full")
    from raven.baseline.models import FAMILIES

    every_width = sum(len(widths) for widths in FAMILIES.values())
    assert len(full["stages"]["ceiling_and_baselines"]["per_model"]) == every_width


def test_no_dataset_is_a_recorded_skip(monkeypatch, tmp_path):
    monkeypatch.delenv(projection.DATA_ENV, raising=False)
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    assert bench_run.main(["projection"]) == 0
    payload = json.loads((tmp_path / "projection.json").read_text())
    assert payload["projection"]["skipped"] is True
    assert projection.DATA_ENV in payload["projection"]["reason"]
    missing = projection.run(tmp_path / "absent")
    assert missing["projection"]["skipped"] and "does not exist" in missing["projection"]["reason"]


TINY_TOML = """
architecture = "temporal"
[temporal]
n_hidden = 8
steps_per_frame = 1
[network]
tile_rows = 256
tile_cols = 16
[learning]
update_every_clips = 4
refresh_every_updates = 3
[training]
epochs = 2
checkpoint_every_updates = 2
eval_times_s = [1.0, 86400.0]
[data]
task = "folder"
"""


def test_projection_on_a_tiny_dataset_has_every_stage(tmp_path, monkeypatch):
    """The whole measurement on generated tones, through bench.run and $RAVEN_DATA."""
    pytest.importorskip("torch")
    data = make_tone_dataset(tmp_path / "data", per_label=12)
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_TOML)
    monkeypatch.setenv(projection.DATA_ENV, str(data))
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path / "results")
    assert bench_run.main(["projection", "--config", str(config)]) == 0
    out = json.loads((tmp_path / "results" / "projection.json").read_text())["projection"]
    assert out["skipped"] is False
    assert out["measured_on"] == {"training": 21, "validation": 6, "testing": 9}
    assert out["full_dataset"] == {"training": 85_511, "validation": 10_102, "testing": 4_890}
    measured = out["measured"]
    assert set(measured["chip"]) == {"4", "8", "16"}
    assert measured["chip"]["8"]["training_clips_per_s"] > 0
    assert set(measured["baselines"]["models"]) >= {"dnn-36", "gru-128", "ds_cnn-128"}
    assert measured["baselines"]["parallelism"]["training_speedup"] > 0
    for key in (
        "full",
        "full_with_full_sweep",
        "full_with_size_curve",
        "full_one_seed_no_budget",
        "measured_dataset",
        "measured_dataset_with_size_curve",
    ):
        p = out[key]
        assert set(p["stages"]) == {
            "features",
            "raven",
            "raven_other_sizes",
            "raven_other_seeds",
            "loss_budget",
            "ceiling_and_baselines",
            "report",
        }
        assert p["total_wall_s"] == pytest.approx(sum(s["wall_s"] for s in p["stages"].values()))
        assert isinstance(p["meets_goal"], bool) and p["goal_s"] == 3600.0
    # the full dataset is far larger than the tones: so is every projected stage
    for stage in ("features", "raven", "ceiling_and_baselines"):
        assert (
            out["full"]["stages"][stage]["wall_s"]
            > out["measured_dataset"]["stages"][stage]["wall_s"]
        )
