"""DNN baselines: MAC counts against closed forms and a tiny training run."""

import itertools

import pytest

torch = pytest.importorskip("torch")

from raven.baseline.counting import (  # noqa: E402
    dense_macs_closed_form,
    inference_macs,
    parameter_count,
    training_macs_per_sample,
)
from raven.baseline.models import DEFAULT_SWEEP, FAMILIES, make_model  # noqa: E402
from raven.baseline.train import (  # noqa: E402
    CURVE_KEYS,
    BaselineConfig,
    BaselineData,
    train_baseline,
)
from tests.support.baseline_cases import separable_data  # noqa: E402


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


def test_default_sweep_starts_at_the_smallest_widths_of_every_family():
    assert set(DEFAULT_SWEEP) == set(FAMILIES)
    for family, widths in DEFAULT_SWEEP.items():
        # the smaller widths bracket Raven's accuracy: at least three per family, the
        # smallest of the full sweep among them
        assert list(widths) == sorted(widths) and len(widths) >= 3
        assert widths[0] == min(FAMILIES[family]) and set(widths) <= set(FAMILIES[family])


def test_tiny_baseline_training_learns_separable_data():
    data = separable_data()

    def run():
        return train_baseline(
            "dnn", 36, data, BaselineConfig(max_epochs=15, patience=5, threads=1), progress=False
        )

    result = run()
    assert result.test_accuracy > 0.9
    assert result.samples_seen == 80 * result.epochs_run
    assert result.training_macs_total == (result.training_macs_per_sample * result.samples_seen)
    assert result.weights_bytes_fp32 == 4 * result.parameters
    assert run().test_accuracy == result.test_accuracy  # fixed seeds


def test_learning_curve_has_the_agreed_keys_and_growing_costs():
    data = separable_data()
    result = train_baseline(
        "dnn", 36, data, BaselineConfig(max_epochs=6, patience=2, threads=1), progress=False
    )
    curve = result.curve
    assert len(curve) == result.epochs_run >= 3
    assert all(tuple(entry) == CURVE_KEYS for entry in curve)
    assert [e["epoch"] for e in curve] == list(range(1, len(curve) + 1))
    for key in ("training_macs_cumulative", "training_energy_cumulative_J"):
        values = [e[key] for e in curve]
        assert all(b > a > 0 for a, b in itertools.pairwise(values))
    # one epoch = one pass over the 80 training clips at the per-sample cost
    assert curve[0]["training_macs_cumulative"] == 80 * result.training_macs_per_sample
    assert curve[-1]["training_macs_cumulative"] == result.training_macs_total
    assert curve[-1]["training_energy_cumulative_J"] == pytest.approx(
        result.training_energy_total_J
    )
    best = curve[result.best_epoch - 1]
    assert best["validation_accuracy"] == result.validation_accuracy
    assert best["test_accuracy"] == result.test_accuracy  # the best epoch's weights
    assert all(0 <= e["test_accuracy"] <= 1 for e in curve)


def test_unknown_family_is_a_clear_error():
    with pytest.raises(ValueError, match="family"):
        make_model("rnn", 8, 49, 10, 12)


def test_rate_snn_ceiling_model_is_raven_shaped():
    model = make_model("snn_rate", 16, 1, 980, 12)
    assert inference_macs(model, 1, 980) == dense_macs_closed_form(model) == 980 * 16 + 16 * 12


@pytest.mark.parametrize(
    ("field", "change", "match"),
    [
        ("train_x", lambda d: d.train_x[0], "train_x"),
        ("val_x", lambda d: d.val_x[:, :10], "val_x"),
        ("test_y", lambda d: d.test_y[:-1], "test_y"),
        ("val_y", lambda d: d.val_y + 5, r"val_y spans"),
    ],
)
def test_bad_data_names_the_field(field, change, match):
    data = separable_data()
    fields = {k: getattr(data, k) for k in BaselineData.__dataclass_fields__}
    fields[field] = change(data)
    with pytest.raises(ValueError, match=match):
        BaselineData(**fields)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recurrent_readout": "max"}, "recurrent_readout='max': expected one of"),
        ({"lr": -1e-3}, r"lr=-0.001: expected a number >= 0"),
        ({"weight_decay": float("nan")}, "weight_decay=nan"),
        ({"max_training_clips": 0}, "max_training_clips=0: expected None or an integer >= 1"),
        ({"patience": True}, "patience=True"),
    ],
)
def test_bad_training_settings_are_clear_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        BaselineConfig(**changes)


def test_unknown_sweep_name_is_a_clear_error(tmp_path):
    from experiments.baselines import baseline_results
    from raven.config.tables import load_config

    with pytest.raises(ValueError, match="sweep_name='huge'"):
        baseline_results(tmp_path, load_config(None), tmp_path, tmp_path, "huge")


def test_accuracy_in_chunks_equals_the_whole_split_at_once():
    """Evaluation runs EVAL_BATCH clips at a time (a ragged last chunk included): the count
    of correct clips is that of one forward pass over the whole split."""
    from raven.baseline import train as baseline_train

    torch.manual_seed(0)
    n = 2 * baseline_train.EVAL_BATCH + 37
    for family in ("dnn", "cnn", "ds_cnn", "gru"):
        model = make_model(family, 16, 49, 10, 5).eval()
        x = torch.randn(n, 49, 10)
        with torch.no_grad():
            predicted = model(x).argmax(1)
        y = torch.where(torch.rand(n) < 0.5, predicted, (predicted + 1) % 5)
        expected = int((y == predicted).sum()) / n
        assert baseline_train._accuracy(model, x, y) == pytest.approx(expected, abs=0), family


def test_ds_cnn_in_channels_last_computes_the_contiguous_network():
    """DSCNN keeps its weights channels-last for speed; the outputs and gradients are those
    of the same weights in the default layout."""
    torch.manual_seed(1)
    fast = make_model("ds_cnn", 16, 49, 10, 12)
    plain = make_model("ds_cnn", 16, 49, 10, 12)
    plain.load_state_dict(fast.state_dict())
    plain.to(memory_format=torch.contiguous_format)
    assert fast.features[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert plain.features[0].weight.is_contiguous()
    x = torch.randn(8, 49, 10)
    out_fast, out_plain = fast(x), plain(x)
    torch.testing.assert_close(out_fast, out_plain, rtol=1e-5, atol=1e-5)
    out_fast.sum().backward()
    out_plain.sum().backward()
    torch.testing.assert_close(
        fast.features[3].weight.grad, plain.features[3].weight.grad, rtol=1e-4, atol=1e-5
    )
