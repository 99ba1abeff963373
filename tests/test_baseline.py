"""DNN baselines: MAC counts against closed forms and a tiny training run."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from raven.baseline.counting import (  # noqa: E402
    dense_macs_closed_form,
    inference_macs,
    parameter_count,
    training_macs_per_sample,
)
from raven.baseline.models import FAMILIES, make_model  # noqa: E402
from raven.baseline.train_dnn import BaselineConfig, train_baseline  # noqa: E402


@pytest.mark.parametrize("width", FAMILIES["dnn"])
def test_dnn_macs_match_the_closed_form(width):
    model = make_model("dnn", width, 49, 10, 12)
    macs = inference_macs(model, 49, 10)
    assert macs == dense_macs_closed_form(model) == 490 * width + 2 * width * width + width * 12
    assert parameter_count(model) == macs + 3 * width + 12  # weights + biases


def test_conv_macs_match_the_closed_form():
    model = make_model("ds_cnn", 16, 49, 10, 12)
    # first conv: 16 filters of 10x4 over a 25 x 5 output map (stride 2, padding (5, 1))
    first = 16 * 10 * 4 * 25 * 5
    depthwise = 4 * 16 * 3 * 3 * 25 * 5
    pointwise = 4 * 16 * 16 * 25 * 5
    assert inference_macs(model, 49, 10) == first + depthwise + pointwise + 16 * 12
    assert training_macs_per_sample(100, 10) == 310


def test_tiny_baseline_training_learns_separable_data():
    rng = np.random.default_rng(0)
    n, classes = 120, 3
    labels = rng.integers(0, classes, n)
    centres = rng.normal(0, 1, (classes, 49, 10)).astype(np.float32)
    x = centres[labels] + 0.3 * rng.normal(size=(n, 49, 10)).astype(np.float32)

    def run():
        return train_baseline(
            "dnn",
            36,
            x[None, :80],
            labels[:80],
            x[80:100],
            labels[80:100],
            x[100:],
            labels[100:],
            classes,
            BaselineConfig(max_epochs=15, patience=5, threads=1),
            progress=False,
        )

    result = run()
    assert result["test_accuracy"] > 0.9
    assert result["samples_seen"] % 80 == 0
    assert result["training_macs_total"] == (
        result["training_macs_per_sample"] * result["samples_seen"]
    )
    assert run()["test_accuracy"] == result["test_accuracy"]  # fixed seeds


def test_unknown_family_is_a_clear_error():
    with pytest.raises(ValueError, match="family"):
        make_model("rnn", 8, 49, 10, 12)


def test_rate_snn_ceiling_model_is_raven_shaped():
    model = make_model("snn_rate", 16, 1, 980, 12)
    assert inference_macs(model, 1, 980) == dense_macs_closed_form(model) == 980 * 16 + 16 * 12
