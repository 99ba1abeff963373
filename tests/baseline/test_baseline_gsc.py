"""Baselines on real speech (the gsc12-dev development set; skipped where it is absent)."""

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from experiments.baselines import standardised_data  # noqa: E402
from raven.baseline.train import BaselineConfig, cached_train_baseline  # noqa: E402
from raven.config.tables import load_config  # noqa: E402
from tests.support.datasets import SHARED_DATA  # noqa: E402

GSC12 = SHARED_DATA / "gsc12-dev"
pytestmark = pytest.mark.skipif(not GSC12.is_dir(), reason=f"{GSC12} is absent")


def test_gsc12_baseline_learns_and_is_cached(tmp_path):
    cfg = load_config(None)
    cfg = dataclasses.replace(cfg, training=dataclasses.replace(cfg.training, epochs=2))
    data = standardised_data(cfg, GSC12, tmp_path / "features")
    assert data.train_x.shape[:1] == (2,) and data.train_x.shape[2:] == (49, 10)
    assert data.val_x.shape[1:] == data.test_x.shape[1:] == (49, 10)
    assert data.n_classes == 12
    # standardised with the first copy's statistics
    first = data.train_x[0].reshape(-1, 10)
    np.testing.assert_allclose(first.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(first.std(axis=0), 1, atol=1e-3)
    bl = BaselineConfig(max_epochs=3, patience=3, threads=1)
    result = cached_train_baseline(tmp_path / "bl", "dnn", 72, data, bl, progress=False)
    assert result.test_accuracy > 0.3  # chance: 1/12
    assert len(result.curve) == 3
    again = cached_train_baseline(tmp_path / "bl", "dnn", 72, data, bl, progress=False)
    assert again.from_cache and again.test_accuracy == result.test_accuracy
