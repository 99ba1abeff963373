"""Baselines' stopping rule (validation checks, patience, budget in clips, best weights
kept) and the sweep trained in worker processes."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from raven.baseline import train as baseline_train  # noqa: E402
from raven.baseline.sweep import sweep  # noqa: E402
from raven.baseline.train import (  # noqa: E402
    BaselineConfig,
    BaselineData,
    check_points,
    train_baseline,
    training_clip_budget,
)

N_TRAIN, N_VAL, N_TEST = 80, 16, 24
# Two passes of 80 clips, checks every 32 clips, a budget of 100 clips; no plateau stop.
CAPPED = BaselineConfig(
    max_epochs=2, patience=50, batch_size=16, check_every_clips=32, max_training_clips=100
)


def data(seed=0, classes=3, frames=49, coeffs=10):
    """Separable clips: one random centre per class plus noise; split sizes differ so that
    a spy can tell the validation split from the test split."""
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_VAL + N_TEST
    labels = rng.integers(0, classes, n)
    centres = rng.normal(0, 1, (classes, frames, coeffs)).astype(np.float32)
    x = centres[labels] + 0.3 * rng.normal(size=(n, frames, coeffs)).astype(np.float32)
    a, b = N_TRAIN, N_TRAIN + N_VAL
    return BaselineData(x[None, :a], labels[:a], x[a:b], labels[a:b], x[b:], labels[b:], classes)


def test_checks_fall_every_few_clips_at_pass_ends_and_at_the_budget():
    cfg = BaselineConfig(max_epochs=2, batch_size=16, check_every_clips=32, threads=1)
    assert check_points(80, cfg) == [32, 64, 80, 112, 144, 160]
    assert training_clip_budget(80, CAPPED) == 100
    assert check_points(80, CAPPED) == [32, 64, 80, 100]
    # without check_every_clips: at every pass's end only
    assert check_points(80, BaselineConfig(max_epochs=3, batch_size=16)) == [80, 160, 240]
    # a check interval that is not a whole number of batches is rounded up to one
    odd = BaselineConfig(max_epochs=1, batch_size=16, check_every_clips=20)
    assert check_points(80, odd) == [32, 64, 80]


@pytest.mark.parametrize("field", ["check_every_clips", "max_training_clips"])
def test_bad_budget_settings_are_clear_errors(field):
    with pytest.raises(ValueError, match=field):
        BaselineConfig(**{field: 0})
    with pytest.raises(ValueError, match=field):
        BaselineConfig(**{field: True})


def test_a_run_on_its_budget_checks_where_check_points_says():
    result = train_baseline("dnn", 36, data(), CAPPED, progress=False)
    assert [e["clips_seen"] for e in result.curve] == [32, 64, 80, 100]
    assert [e["epoch"] for e in result.curve] == [0.4, 0.8, 1, 1.25]
    assert result.samples_seen == 100 and result.epochs_run == 1.25
    assert result.stopped_by == "budget" and result.checks_run == 4
    assert all(e["train_wall_s"] > 0 and e["eval_wall_s"] > 0 for e in result.curve)


def test_a_flat_validation_curve_stops_after_patience_checks():
    """Learning rate 0: the weights never change, nor does validation accuracy; the first
    check stays the best and the run stops ``patience`` checks later."""
    cfg = BaselineConfig(max_epochs=20, patience=3, lr=0.0, weight_decay=0.0, threads=1)
    result = train_baseline("dnn", 36, data(), cfg, progress=False)
    assert result.stopped_by == "plateau"
    assert result.best_check == 1 and result.checks_run == 1 + 3
    assert result.samples_seen == 4 * N_TRAIN


def test_the_best_checks_weights_are_kept(monkeypatch):
    """Validation accuracies scripted 0.5, 0.7, 0.6, 0.65, 0.6 with patience 3: the best is
    check 2, the run stops at check 5, and the model ends with check 2's weights."""
    script = iter([0.5, 0.7, 0.6, 0.65, 0.6, 0.99])
    real_accuracy = baseline_train._accuracy
    at_checks, models = [], []

    def spy(model, x, y):
        if x.shape[0] == N_VAL:
            at_checks.append({k: v.clone() for k, v in model.state_dict().items()})
            return next(script)
        return real_accuracy(model, x, y)

    real_make_model = baseline_train.make_model

    def keep(*args, **kwargs):
        models.append(real_make_model(*args, **kwargs))
        return models[-1]

    monkeypatch.setattr(baseline_train, "_accuracy", spy)
    monkeypatch.setattr(baseline_train, "make_model", keep)
    cfg = BaselineConfig(max_epochs=20, patience=3, lr=1e-2, threads=1)
    result = train_baseline("dnn", 36, data(), cfg, progress=False)
    assert result.stopped_by == "plateau"
    assert (result.best_check, result.checks_run) == (2, 5)
    assert result.validation_accuracy == 0.7 and result.best_epoch == 2
    final = models[0].state_dict()
    assert all(torch.equal(final[k], at_checks[1][k]) for k in final)
    assert not all(torch.equal(final[k], at_checks[4][k]) for k in final)  # it did train
    assert result.test_accuracy == result.curve[1]["test_accuracy"]


def _without_timings(result):
    drop = ("wall_time_s", "from_cache")
    curve = [{k: v for k, v in e.items() if not k.endswith("_wall_s")} for e in result.curve]
    return {k: v for k, v in result.to_dict().items() if k not in drop} | {"curve": curve}


def test_a_sweep_in_worker_processes_matches_one_in_process_and_is_cached(tmp_path, monkeypatch):
    families = {"dnn": (8,), "lstm": (4,), "cnn": (2,)}
    cfg = BaselineConfig(max_epochs=2, patience=2, threads=1)
    here = sweep(data(), families, cfg, progress=False)
    apart = sweep(data(), families, cfg, progress=False, cache_dir=tmp_path, workers=2)
    assert [_without_timings(r) for r in apart] == [_without_timings(r) for r in here]
    assert not any(r.from_cache for r in apart)

    from raven.baseline import parallel

    def no_workers(*args, **kwargs):
        raise AssertionError("a cached sweep started workers")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_workers)
    again = sweep(data(), families, cfg, progress=False, cache_dir=tmp_path, workers=2)
    assert all(r.from_cache for r in again)
    assert [r.test_accuracy for r in again] == [r.test_accuracy for r in apart]


def test_a_failed_model_ends_a_sweep_in_a_shared_pool_which_stays_usable():
    """The error of one model reaches the caller; the models queued behind it are dropped
    (not started on the sweep's deleted data folder) and the shared pool runs later jobs."""
    from raven.baseline import parallel

    cfg = BaselineConfig(max_epochs=1, patience=1, threads=1)
    models = [("bogus", 1), ("dnn", 8), ("dnn", 9)]
    with parallel.worker_pool(1) as pool:
        with pytest.raises(ValueError, match="bogus"):
            parallel.train_in_processes(data(), models, cfg, None, 1, progress=False, pool=pool)
        later = parallel.train_in_processes(
            data(), [("dnn", 8)], cfg, None, 1, progress=False, pool=pool
        )
    assert later[0].width == 8
