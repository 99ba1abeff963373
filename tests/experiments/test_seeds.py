"""Accuracy over seeds (experiments.seeds): further seeds train into seed-<s>/, the summary
is the mean and sample spread, and finished seeds are reused."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import experiments.sizes as sizes_module
from experiments.seeds import run_seeds, spread
from raven.config.tables import config_from_dict
from raven.data.synthetic import make_tone_dataset
from raven.report.parts import seed_lines
from tests.support.configs import TINY_TEMPORAL as TINY


def test_spread_is_the_mean_and_sample_deviation():
    s = spread([0.5, 0.6, 0.7])
    assert s["mean"] == pytest.approx(0.6) and s["std"] == pytest.approx(0.1)
    assert (s["min"], s["max"], s["n"]) == (0.5, 0.7, 3)
    assert spread([0.4])["std"] == 0.0
    assert spread([0.4, None]) is None


def test_further_seeds_train_apart_and_are_reused(tmp_path, monkeypatch):
    data = make_tone_dataset(tmp_path / "data", per_label=8)
    cfg = config_from_dict(copy.deepcopy(TINY) | {"seed": 5})
    run = tmp_path / "run"
    main = {"test_accuracy": 0.5, "validation_accuracy": 0.4}
    seeds = run_seeds(cfg, data, run, 3, tmp_path / "cache", main)
    assert [r["seed"] for r in seeds["seeds"]] == [5, 6, 7]
    assert (run / "seed-6" / "chip.npz").is_file() and (run / "seed-7" / "chip.npz").is_file()
    tests = [r["test_accuracy"] for r in seeds["seeds"]]
    assert seeds["test"]["mean"] == pytest.approx(np.mean(tests))
    assert seeds["test"]["std"] == pytest.approx(np.std(tests, ddof=1))
    assert any("mean **" in line for line in seed_lines(seeds))
    monkeypatch.setattr(sizes_module, "train", None)  # finished seeds are read back
    assert run_seeds(cfg, data, run, 3, tmp_path / "cache", main) == seeds
    with pytest.raises(ValueError, match="seeds=0"):
        run_seeds(cfg, data, run, 0, tmp_path / "cache", main)
