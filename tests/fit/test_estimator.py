"""The in-memory API: ``raven.KeywordSpotter`` learns on arrays, equals the run-folder path
bit for bit, resumes bit for bit, rejects bad input naming the argument, and evaluates
without touching the disk."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raven
from raven import KeywordSpotter, config_from_dict, load_clips
from raven.chip.store import load_chip
from raven.data.synthetic import make_tone_dataset
from raven.fit.results import EpochRecord
from raven.runs.evaluate import evaluate
from raven.runs.train import FINAL, train

TINY = {
    "architecture": "temporal",
    "temporal": {"n_hidden": 16, "steps_per_frame": 1},
    "network": {"tile_rows": 256, "tile_cols": 16},
    "learning": {"update_every_clips": 4, "refresh_every_updates": 3},
    "training": {"epochs": 2, "checkpoint_every_updates": 2, "eval_times_s": [1.0]},
    "data": {"task": "folder"},
}
N_CLASSES = 3


def synthetic(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """MFCC-shaped features: class k raises coefficients 3k .. 3k+2 by 3 sigma."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(N_CLASSES), n_per_class)
    features = rng.normal(size=(labels.size, 49, 10)).astype(np.float32)
    for k in range(N_CLASSES):
        features[labels == k, :, 3 * k : 3 * k + 3] += 3.0
    return features, labels


def assert_same_chip(a, b) -> None:
    assert a.mac_step == b.mac_step
    for la, lb in zip(a.layers(), b.layers(), strict=True):
        for (_, _, ta), (_, _, tb) in zip(la.all_tiles(), lb.all_tiles(), strict=True):
            for pa, pb in ((ta.plus, tb.plus), (ta.minus, tb.minus)):
                np.testing.assert_array_equal(pa.state.g_prog_uS, pb.state.g_prog_uS)
                np.testing.assert_array_equal(pa.state.t_prog_s, pb.state.t_prog_s)
                np.testing.assert_array_equal(pa.state.nu, pb.state.nu)
                assert pa.rng.bit_generator.state == pb.rng.bit_generator.state
        for ca, cb in zip(la.chi_uS, lb.chi_uS, strict=True):
            for xa, xb in zip(ca, cb, strict=True):
                np.testing.assert_array_equal(xa, xb)


@pytest.fixture(scope="module")
def fitted():
    cfg = config_from_dict(TINY)
    features, labels = synthetic(12, seed=0)
    val = synthetic(3, seed=1)
    spotter = KeywordSpotter(cfg, labels=("a", "b", "c")).fit(features, labels, validation=val)
    return spotter, synthetic(6, seed=2)


def test_fit_and_score_on_synthetic_arrays(fitted):
    spotter, (test_x, test_y) = fitted
    assert spotter.classes_.tolist() == ["a", "b", "c"]
    history = spotter.training_
    assert isinstance(history, raven.TrainingResult) and len(history.epochs) == 2
    assert all(isinstance(e, EpochRecord) for e in history.epochs)
    assert all(e.validation_accuracy is not None for e in history.epochs)
    assert history.training_clips == 2 * 36 and history.ledger_counts["set_pulses"] > 0
    assert spotter.score(test_x, test_y) > 1 / N_CLASSES + 0.2  # far above chance
    result = spotter.evaluate(test_x, test_y, t_after_s=3600.0)
    assert isinstance(result, raven.EvaluationResult)
    assert result.n_clips == 18 and result.confusion.sum(axis=1).tolist() == [6, 6, 6]
    assert result.accuracy == pytest.approx(np.trace(result.confusion) / 18)
    assert set(result.per_class_accuracy) == {"a", "b", "c"}
    assert result.energy_per_clip_J > 0 and result.effective_sops_per_clip > 0
    predicted = spotter.predict(test_x, t_after_s=3600.0)  # labels of classes_
    np.testing.assert_array_equal(spotter.classes_[result.predictions], predicted)
    assert json.loads(json.dumps(result.to_dict()))["n_clips"] == 18


def test_evaluations_are_independent_and_never_read_the_disk(fitted, monkeypatch):
    spotter, (test_x, test_y) = fitted

    def no_disk(*args, **kwargs):
        raise AssertionError("evaluate read a file")

    monkeypatch.setattr("raven.chip.store.load_chip", no_disk)
    monkeypatch.setattr("raven.fit.estimator.load_chip", no_disk)
    monkeypatch.setattr(np, "load", no_disk)
    first = spotter.evaluate(test_x, test_y, t_after_s=86400.0, compensation=False)
    spotter.predict(test_x)  # reading in between changes nothing
    again = spotter.evaluate(test_x, test_y, t_after_s=86400.0, compensation=False)
    np.testing.assert_array_equal(first.predictions, again.predictions)
    assert first.ledger_summary == again.ledger_summary


def test_save_and_load_give_the_same_evaluation(fitted, tmp_path):
    spotter, (test_x, test_y) = fitted
    loaded = KeywordSpotter.load(spotter.save(tmp_path / "chip.npz"))
    assert loaded.classes_.tolist() == spotter.classes_.tolist()
    assert loaded.training_ == spotter.training_
    a = spotter.evaluate(test_x, test_y, t_after_s=60.0)
    b = loaded.evaluate(test_x, test_y, t_after_s=60.0)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert a.ledger_summary == b.ledger_summary


def test_estimator_equals_the_run_folder_path_bit_for_bit(tmp_path):
    """``raven train`` / ``raven evaluate`` run the estimator too, so what this guards is
    the folder edge: clips, keys, labels and the validation split read from the folder,
    checkpoints written on the way, the chip saved and read back, the test split evaluated
    from disk. Any difference there shows as a different curve, chip or evaluation."""
    data = make_tone_dataset(tmp_path / "data", per_label=8)
    cfg = config_from_dict(TINY)
    cache = tmp_path / "cache"
    summary = train(cfg, data, tmp_path / "run", progress=False, cache_dir=cache)
    folder_eval = evaluate(tmp_path / "run", data, "test", 3600.0, cache_dir=cache)

    tr = load_clips(data, cfg, "training", cache_dir=cache)
    va = load_clips(data, cfg, "validation", cache_dir=cache)
    te = load_clips(data, cfg, "test", labels=tr.label_names, cache_dir=cache)
    spotter = KeywordSpotter(cfg, labels=tr.label_names).fit(
        tr.features,
        tr.labels,
        clip_keys=tr.clip_keys,
        validation=(va.features, va.labels, va.clip_keys),
    )
    assert spotter.training_.to_dict()["curve"] == summary["curve"]
    assert spotter.training_.ledger_counts == summary["ledger_counts"]
    on_disk, _ = load_chip(tmp_path / "run" / FINAL)
    assert_same_chip(spotter.chip_, on_disk)
    result = spotter.evaluate(te.features, te.labels, clip_keys=te.clip_keys, t_after_s=3600.0)
    assert result.accuracy == folder_eval["accuracy"]
    assert result.confusion.tolist() == folder_eval["confusion"]
    assert result.ledger_summary == folder_eval["ledger"]


def test_a_resumed_fit_reproduces_an_uninterrupted_one(fitted, tmp_path):
    spotter, _ = fitted
    cfg = config_from_dict(TINY)
    features, labels = synthetic(12, seed=0)
    val = synthetic(3, seed=1)
    part = KeywordSpotter(cfg, labels=("a", "b", "c"))
    part.fit(features, labels, validation=val, checkpoint_dir=tmp_path, stop_after_updates=5)
    part.set_params(warm_start=True)
    assert part.stopped_after_updates_ == 5 and (tmp_path / "checkpoint.npz").is_file()
    with pytest.raises(ValueError, match="not fitted: fit stopped after 5 updates"):
        part.predict(features)
    with pytest.raises(ValueError, match="other training or validation clips"):
        part.fit(features + 1.0, labels, validation=val, checkpoint_dir=tmp_path)
    part.fit(features, labels, validation=val, checkpoint_dir=tmp_path)
    assert part.stopped_after_updates_ is None
    assert_same_chip(part.chip_, spotter.chip_)
    assert part.training_.epochs == spotter.training_.epochs
    assert part.training_.ledger_counts == spotter.training_.ledger_counts


def _features(n: int = 6) -> np.ndarray:
    return synthetic(2, seed=3)[0][:n]


BAD_FIT = [
    (
        {"features": np.zeros((6, 48, 10), np.float32)},
        r"features: shape \(6, 48, 10\): expected \(n_clips, 49, 10\)",
    ),
    ({"features": np.zeros((6, 49, 10), complex)}, "features: dtype complex128"),
    (
        {"features": np.where(np.eye(49, 10, dtype=bool), np.nan, _features())},
        r"features: 60 NaN or infinite value\(s\) \(first in clip 0\)",
    ),
    ({"labels": np.array([0, 1, 2, 0, 1, 3])}, r"labels: value 3 at clip 5 is out of range"),
    ({"labels": np.array([0, 1, 2, 0, 1, -1])}, r"labels: value -1 at clip 5"),
    ({"labels": np.array([0.0, 1, 2, 0, 1, 2])}, "labels: dtype float64: Unknown label type"),
    ({"labels": np.array(["a", "b", "c", "a", "b", "d"])}, "labels: 'd' at clip 5 is not a class"),
    ({"labels": np.array([0, 1, 2])}, r"labels: shape \(3,\): expected \(6,\)"),
    ({"labels": np.zeros(6, np.int64)}, r"labels: the training clips have 1 class"),
    ({"clip_keys": np.arange(5)}, r"clip_keys: shape \(5,\)"),
    ({"validation": (_features(),)}, "validation: tuple: expected"),
    ({"validation": (_features(), np.arange(6))}, r"validation\[1\] \(labels\): value 3"),
    ({"max_iter": 0}, "max_iter=0: expected an integer >= 1"),
    ({"stop_after_updates": 3}, "checkpoint_dir: None: stop_after_updates needs"),
    ({"warm_start": True}, "checkpoint_dir: None: warm_start=True needs"),
    ({"warm_start": 1}, "warm_start=1: expected True or False"),
]
PARAMETERS = ("max_iter", "warm_start")  # of the constructor; the rest go to fit


@pytest.mark.parametrize(("change", "message"), BAD_FIT)
def test_bad_fit_input_is_a_clear_error(change, message):
    args = {"features": _features(), "labels": np.array([0, 1, 2, 0, 1, 2])} | change
    features, labels = args.pop("features"), args.pop("labels")
    params = {k: args.pop(k) for k in PARAMETERS if k in args}
    spotter = KeywordSpotter(config_from_dict(TINY), labels=("a", "b", "c"), **params)
    with pytest.raises(ValueError, match=message):
        spotter.fit(features, labels, **args)


def test_bad_constructor_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="config: dict: expected a RavenConfig"):
        KeywordSpotter({"seed": 1}).fit(_features(), np.array([0, 1, 2, 0, 1, 2]))
    with pytest.raises(ValueError, match="expected at least 2 distinct class names"):
        KeywordSpotter(labels=("a", "a")).fit(_features(), np.array([0, 1, 0, 1, 0, 1]))
    with pytest.raises(ValueError, match="labels: dtype float64: Unknown label type"):
        KeywordSpotter().fit(_features(), np.array([0, 1, 0, 1, 0, 0.5]))
    with pytest.raises(ValueError, match=r"validation\[1\] \(labels\): 5 at clip 0 is not a class"):
        KeywordSpotter().fit(
            _features(), np.array([0, 1, 0, 1, 0, 1]), validation=(_features(), np.full(6, 5))
        )
    with pytest.raises(ValueError, match="set_params: unknown parameter"):
        KeywordSpotter().set_params(seed=3)


def test_unfitted_and_bad_inference_input_are_clear_errors(fitted):
    with pytest.raises(ValueError, match="KeywordSpotter: not fitted: call fit"):
        KeywordSpotter().predict(_features())
    spotter, (test_x, test_y) = fitted
    with pytest.raises(ValueError, match="t_after_s=0: expected a finite time > 0 s"):
        spotter.evaluate(test_x, test_y, t_after_s=0)
    with pytest.raises(ValueError, match="features: shape"):
        spotter.predict(test_x[None])  # augmented copies are for training only
    with pytest.raises(ValueError, match="compensation=1: expected True or False"):
        spotter.score(test_x, test_y, compensation=1)
    with pytest.raises(ValueError, match=r"labels: value 7 at clip 0"):
        spotter.score(test_x, np.full(test_y.size, 7))


@settings(max_examples=30, deadline=None)
@given(st.integers(-(2**40), 2**40).filter(lambda v: not 0 <= v < N_CLASSES))
def test_any_label_out_of_range_is_named(value):
    labels = np.array([0, 1, 2, 0, 1, value])
    with pytest.raises(ValueError, match=f"labels: value {value} at clip 5 is out of range"):
        KeywordSpotter(config_from_dict(TINY), labels=("a", "b", "c")).fit(_features(), labels)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 50),
    st.floats(0, 1),
    st.floats(0, 1e9),
    st.dictionaries(st.sampled_from(["clips", "set_pulses"]), st.integers(0, 10**9)),
    st.one_of(st.none(), st.floats(0, 1)),
)
def test_epoch_records_round_trip_through_their_json(epoch, acc, t_s, counts, val):
    record = EpochRecord(epoch, acc, t_s, counts, val)
    entry = json.loads(json.dumps(record.to_dict()))
    assert ("validation_accuracy" in entry) == (val is not None)
    assert EpochRecord.from_dict(entry) == record


def test_the_public_surface_is_flat_and_documented():
    for name in raven.__all__:
        obj = getattr(raven, name)
        doc = obj.__doc__ or ""
        assert "Parameters\n" in doc or "Returns\n" in doc, f"raven.{name}: no numpydoc"
        if callable(obj) and not isinstance(obj, type):
            assert "Returns\n" in doc, f"raven.{name}: no Returns section"


def test_unnamed_classes_and_an_epochs_override(tmp_path):
    features, labels = synthetic(4, seed=4)
    spotter = KeywordSpotter(config_from_dict(TINY), max_iter=1).fit(features, labels + 3)
    assert spotter.classes_.tolist() == [3, 4, 5]  # the targets' own values, as scikit-learn
    assert set(spotter.predict(features).tolist()) <= {3, 4, 5}
    loaded = KeywordSpotter.load(spotter.save(tmp_path / "chip.npz"))
    assert loaded.classes_.tolist() == [3, 4, 5]
    assert len(spotter.training_.epochs) == 1 and spotter.chip_.cfg.training.epochs == 1
    assert spotter.training_.epochs[0].validation_accuracy is None
    assert spotter.get_params()["labels"] is None
