"""Recurrent baselines (GRU, LSTM): MAC and parameter formulas against hand counts and an
explicit implementation of the cell equations, and a short training run."""

import pytest

torch = pytest.importorskip("torch")

from torch.nn import functional  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from raven.baseline.counting import (  # noqa: E402
    gate_multiplies_per_inference,
    inference_macs,
    parameter_count,
    recurrent_macs_per_step,
    recurrent_parameters,
)
from raven.baseline.models import FAMILIES, make_model  # noqa: E402
from raven.baseline.train import BaselineConfig, train_baseline  # noqa: E402
from tests.support.baseline_cases import separable_data  # noqa: E402


def test_gru_and_lstm_macs_by_hand():
    # GRU-16 on 10 coefficients: 3 gates x (10 x 16 input + 16 x 16 recurrent) per frame
    assert recurrent_macs_per_step("gru", 10, 16) == 3 * (160 + 256) == 1248
    assert recurrent_macs_per_step("lstm", 10, 16) == 4 * (160 + 256) == 1664
    # 49 frames, then a 16 -> 12 classifier once per clip
    assert inference_macs(make_model("gru", 16, 49, 10, 12), 49, 10) == 49 * 1248 + 192
    assert inference_macs(make_model("lstm", 16, 49, 10, 12), 49, 10) == 49 * 1664 + 192
    model = make_model("gru", 16, 49, 10, 12, readout="mean")
    assert inference_macs(model, 49, 10) == 49 * 1248 + 192  # the mean is additions only
    assert gate_multiplies_per_inference(model, 49) == 3 * 16 * 49
    assert gate_multiplies_per_inference(make_model("dnn", 16, 49, 10, 12), 49) == 0


@pytest.mark.parametrize("family", ["gru", "lstm"])
@pytest.mark.parametrize("width", FAMILIES["gru"])
def test_recurrent_parameters_by_hand(family, width):
    gates = {"gru": 3, "lstm": 4}[family]
    model = make_model(family, width, 49, 10, 12)
    by_hand = gates * (10 * width + width * width + 2 * width) + width * 12 + 12
    assert parameter_count(model) == recurrent_parameters(family, 10, width) + 12 * width + 12
    assert parameter_count(model) == by_hand


def _explicit_run(rnn, x):
    """The torch GRU / LSTM equations written out step by step with functional.linear on the
    module's own weights, so that FlopCounterMode sees every matrix product."""
    w_ih, w_hh, b_ih, b_hh = rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0
    h = x.new_zeros(x.shape[0], rnn.hidden_size)
    c = h.clone()
    states = []
    for t in range(x.shape[1]):
        gi, gh = functional.linear(x[:, t], w_ih, b_ih), functional.linear(h, w_hh, b_hh)
        if isinstance(rnn, torch.nn.GRU):
            r_i, z_i, n_i = gi.chunk(3, 1)
            r_h, z_h, n_h = gh.chunk(3, 1)
            r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
            n = torch.tanh(n_i + r * n_h)
            h = (1 - z) * n + z * h
        else:
            i, f, g, o = (gi + gh).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        states.append(h)
    return torch.stack(states, dim=1)


@pytest.mark.parametrize("readout", ["last", "mean"])
@pytest.mark.parametrize("family", ["gru", "lstm"])
def test_formula_matches_an_explicit_implementation(family, readout):
    torch.manual_seed(0)
    model = make_model(family, 8, 49, 10, 12, readout).eval()
    x = torch.randn(1, 49, 10)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        states = _explicit_run(model.rnn, x)
        logits = model.head(states[:, -1] if readout == "last" else states.mean(dim=1))
    with torch.no_grad():
        torch.testing.assert_close(logits, model(x), rtol=1e-5, atol=1e-5)
    assert counter.get_total_flops() // 2 == inference_macs(model, 49, 10)


def test_recurrent_models_train():
    data = separable_data(n=90, frames=12, coeffs=5)
    for family in ("gru", "lstm"):
        result = train_baseline(
            family,
            16,
            data,
            BaselineConfig(max_epochs=12, patience=12, batch_size=8, threads=1),
            False,
        )
        assert result.test_accuracy > 0.8, family
        assert result.gate_multiplies_per_inference == 3 * 16 * 12
        assert result.inference_macs == 12 * recurrent_macs_per_step(family, 5, 16) + 48


def test_unknown_cell_and_readout_are_clear_errors():
    with pytest.raises(ValueError, match="readout"):
        make_model("gru", 8, 49, 10, 12, readout="max")
    with pytest.raises(ValueError, match="cell"):
        recurrent_macs_per_step("rnn", 10, 8)
    with pytest.raises(ValueError, match="coeffs"):
        inference_macs(make_model("gru", 8, 49, 10, 12), 49, 13)
