"""``KeywordSpotter`` under scikit-learn's own estimator checks (scikit-learn is a dev
dependency: the spotter never imports it, scikit-learn asks the spotter).

Each check that does not apply is named below with the reason. Nearly all of them are one
reason: the spotter's input is a clip's MFCC feature map, whose shape (frames x
coefficients) the configuration fixes, and scikit-learn's checks fit on synthetic tables
of 1 to 10 arbitrary features; the spotter refuses those with a ValueError naming the shape
it expects, rather than guess a feature map from them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from raven import KeywordSpotter, RavenConfig, config_from_dict

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

TINY = {
    "temporal": {"n_hidden": 4},
    "network": {"tile_rows": 64, "tile_cols": 8},
    "learning": {"update_every_clips": 8},
    "training": {"epochs": 1, "eval_times_s": [1.0]},
}

FIXED_SHAPE = (
    "fits on a synthetic table of a few arbitrary features; the spotter's input is a"
    " clip's MFCC map of the shape its configuration fixes (frames x coefficients), and"
    " any other shape is refused with a ValueError naming the expected one"
)
EXPECTED_FAILED_CHECKS = {
    name: FIXED_SHAPE
    for name in (
        "check_fit_score_takes_y",
        "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_estimators_dtypes",
        "check_dtype_object",
        "check_estimators_empty_data_messages",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_classifier_data_not_an_array",
        "check_classifiers_classes",
        "check_classifiers_train",
        "check_supervised_y_2d",
        "check_non_transformer_estimators_n_iter",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
    )
} | {
    "check_estimators_unfitted": (
        "predict before fit raises a ValueError saying what to call first, not scikit-learn's"
        " NotFittedError class, which would make scikit-learn a run-time dependency;"
        " scikit-learn's check_is_fitted still works, through __sklearn_is_fitted__"
    ),
}


def spotter() -> KeywordSpotter:
    return KeywordSpotter(config_from_dict(TINY))


def test_check_estimator_passes_every_check_that_applies():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = check_estimator(
            spotter(), expected_failed_checks=EXPECTED_FAILED_CHECKS, on_fail=None
        )
    failed = {r["check_name"] for r in report if r["status"] == "failed"}
    assert not failed, failed
    # Every check named as not applying does fail for the reason given (no stale entry).
    xfailed = {r["check_name"] for r in report if r["status"] == "xfail"}
    assert xfailed == set(EXPECTED_FAILED_CHECKS)


def _maps(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    cfg = RavenConfig()
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, cfg.features.n_frames, cfg.features.n_coefficients))
    x[:, :, 0] += 3.0 * y[:, None]  # class 1 is louder in the first coefficient
    return x.reshape(n, -1), np.where(y == 1, "on", "off")


def test_scikit_learn_tools_take_the_spotter():
    est = spotter()
    assert is_classifier(est)
    params = est.get_params()
    assert list(params) == ["config", "labels", "max_iter", "warm_start", "progress"]
    twin = clone(est)
    assert twin.get_params()["config"] == est.config and twin is not est
    assert repr(est).startswith("KeywordSpotter(config=RavenConfig(")
    assert "temporal=TemporalConfig(n_hidden=4)" in repr(est)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(est)
    x, y = _maps(16, seed=0)
    scores = cross_val_score(est, x, y, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    fitted = est.fit(x, y)
    check_is_fitted(fitted)
    assert fitted.classes_.tolist() == ["off", "on"]
    assert set(fitted.predict(x).tolist()) <= {"off", "on"}
