"""The chip keeps learning: on the development set, the default network trained for four
times the default number of epochs ends at least as accurate on the validation split as
after the default number (it once peaked and then unlearned as its learning rate decayed
to nothing while drift, pulse noise and accumulator residue kept moving the weights).

Slow (several minutes): it trains the default chip twice on real speech, and skips where
the development set is absent."""

from __future__ import annotations

import dataclasses
import json

import pytest

from raven.config.tables import RavenConfig, TrainingConfig
from raven.runs.train import train
from tests.support.datasets import SHARED_DATA

DEV = SHARED_DATA / "gsc12-dev"


@pytest.mark.slow
@pytest.mark.skipif(
    not DEV.is_dir(), reason="the development set (shared/data/gsc12-dev) is absent"
)
def test_four_times_the_epochs_does_not_unlearn(tmp_path):
    base = RavenConfig(training=TrainingConfig(eval_times_s=(1.0,)))
    epochs = base.training.epochs
    finals = {}
    for n in (epochs, 4 * epochs):
        cfg = dataclasses.replace(base, training=dataclasses.replace(base.training, epochs=n))
        summary = train(cfg, DEV, tmp_path / f"e{n}", progress=False, cache_dir=tmp_path / "cache")
        curve = json.loads((tmp_path / f"e{n}" / "training.json").read_text())["curve"]
        assert len(curve) == n and summary["updates"] > 0
        finals[n] = curve[-1]["validation_accuracy"]
    assert finals[4 * epochs] >= finals[epochs], finals
