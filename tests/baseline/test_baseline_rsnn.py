"""The temporal software ceiling: its torch network reproduces the chip's recurrent kernel,
its gradient is BPTT through the kernel's equations, it learns a separable task, and its
results have the baseline keys and go through the result cache."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from experiments import baselines  # noqa: E402
from kernels.recurrent import AlifConstants, RecurrentSynapses, run_alif  # noqa: E402
from kernels.rng import data_pass  # noqa: E402
from raven.baseline import rsnn  # noqa: E402
from raven.baseline.rsnn import (  # noqa: E402
    RecurrentSNN,
    RsnnConfig,
    RsnnSpec,
    cached_train_rsnn,
    synapse_counts,
    train_rsnn,
)
from raven.baseline.train import (  # noqa: E402
    CURVE_KEYS,
    RESULT_KEYS,
    BaselineConfig,
    BaselineData,
)
from raven.chip.architecture import encode_batch, fit_scaler, n_inputs  # noqa: E402
from raven.config.tables import (  # noqa: E402
    FeatureConfig,
    RavenConfig,
    TemporalConfig,
    config_from_dict,
)
from raven.features.pipeline import SplitData  # noqa: E402
from tests.support.datasets import make_full_layout  # noqa: E402

CONSTANTS = AlifConstants(0.85, 0.95, 0.3, 1.0, 0.8, 0.3, 1.0, 0, 1.0)


def random_case(seed, batch, steps, n_in, n_hid, n_out, rate=0.3, w_std=0.8):
    """Spikes and weights that make the hidden layer fire often (mean input weight > 0)."""
    rng = np.random.default_rng(seed)
    spikes = (rng.random((batch, steps, n_in)) < rate).astype(np.uint8)
    w_hidden = rng.normal(0.2, w_std, (n_in + n_hid, n_hid))
    w_output = rng.normal(0.0, w_std, (n_hid, n_out))
    return spikes, w_hidden, w_output


def kernel_scores(spikes, w_hidden, w_output, constants):
    n_pre, n_hid = w_hidden.shape
    zeros = np.zeros
    syn = RecurrentSynapses(
        w_hidden, zeros(w_hidden.shape), zeros(n_pre), w_output, zeros(w_output.shape), zeros(n_hid)
    )
    out, _ = run_alif(
        spikes, syn, constants, with_noise=False, with_traces=False, seed=0, call_key=0
    )
    return out


@pytest.mark.parametrize("beta", [0.0, 0.4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_reproduces_the_kernel(seed, beta):
    """float64, noise-free, ideal conversion: the same scores up to float64 rounding (the
    sums run in another order) and the same spike count in every clip."""
    spikes, w_hidden, w_output = random_case(seed, 4, 40, 6, 10, 3)
    n_in = 6
    j = np.arange(10)
    w_hidden[n_in + j, j] = 0.0  # the chip has no self-connections
    c = CONSTANTS._replace(beta=beta)
    out = kernel_scores(spikes, w_hidden, w_output, c)
    model = RecurrentSNN(RsnnSpec(c, w_hidden, w_output), dtype=torch.float64)
    with torch.no_grad():
        scores, counts = model(torch.as_tensor(spikes), with_counts=True)
    assert out.hidden_counts.sum() > 50  # the case exercises spikes, resets and adaptation
    np.testing.assert_array_equal(counts.numpy(), out.hidden_counts.sum(axis=1))
    np.testing.assert_allclose(scores.numpy(), out.scores, rtol=1e-12, atol=1e-12)


def test_self_connections_are_ignored():
    spikes, w_hidden, w_output = random_case(5, 3, 30, 4, 8, 2)
    j = np.arange(8)
    model = RecurrentSNN(RsnnSpec(CONSTANTS, w_hidden, w_output), dtype=torch.float64)
    w_hidden[4 + j, j] = 0.0
    out = kernel_scores(spikes, w_hidden, w_output, CONSTANTS)
    with torch.no_grad():
        scores = model(torch.as_tensor(spikes))
    np.testing.assert_allclose(scores.numpy(), out.scores, rtol=1e-12, atol=1e-12)


def test_gradient_is_bptt_through_the_kernel_equations():
    """Against a literal step-by-step transcription (concatenated rows, explicit output
    integrators), differentiated by autograd with the same surrogate and detached reset."""
    n_in, n_hid, n_out, steps, batch = 4, 6, 3, 30, 5
    spikes, w_hidden, w_output = random_case(7, batch, steps, n_in, n_hid, n_out, 0.4, 0.6)
    j = np.arange(n_hid)
    w_hidden[n_in + j, j] = 0.0
    labels = torch.as_tensor(np.arange(batch) % n_out)
    c = CONSTANTS
    model = RecurrentSNN(RsnnSpec(c, w_hidden, w_output), dtype=torch.float64)
    torch.nn.functional.cross_entropy(model(torch.as_tensor(spikes)), labels).backward()

    def surrogate(x):
        """H(x) with the gradient psi(x), by the detach trick."""
        psi = c.psi_gamma / c.b0 * torch.clamp(1 - x.abs() / (c.psi_width * c.b0), min=0)
        step = (x >= 0).double()
        return step + (x * psi.detach() - (x * psi).detach())

    w = torch.tensor(w_hidden, requires_grad=True)
    u = torch.tensor(w_output, requires_grad=True)
    s = torch.tensor(spikes, dtype=torch.float64)
    v = torch.zeros(batch, n_hid, dtype=torch.float64)
    a, z = torch.zeros_like(v), torch.zeros_like(v)
    y = torch.zeros(batch, n_out, dtype=torch.float64)
    score = torch.zeros_like(y)
    for t in range(steps):
        v = c.alpha * v + torch.cat([s[:, t], z], dim=1) @ w - c.b0 * z.detach()
        threshold = c.b0 + c.beta * a
        z = surrogate(v - threshold)
        a = c.rho * a + z
        y = c.kappa * y + z @ u
        score = score + y / steps
    torch.nn.functional.cross_entropy(score, labels).backward()
    grad_hidden = w.grad.numpy().copy()
    grad_hidden[n_in + j, j] = 0.0  # absent synapses: no gradient in the ceiling
    ours = torch.cat([model.w_input.grad, model.w_recurrent.grad]).numpy()
    assert np.abs(grad_hidden).max() > 1e-3
    np.testing.assert_allclose(ours, grad_hidden, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.w_output.grad.numpy(), u.grad.numpy(), rtol=1e-9)


def channel_task(n=150, classes=3, steps=20, n_in=9, seed=0, copies=2):
    """Class k fires input channels 3k..3k+2 at a high rate, the others rarely."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    rates = np.full((classes, n_in), 0.02)
    for k in range(classes):
        rates[k, 3 * k : 3 * k + 3] = 0.5

    def draw(lab, reps=1):
        p = rates[lab][None, :, None, :]
        return (rng.random((reps, lab.size, steps, n_in)) < p).astype(np.uint8)

    a, b = 2 * n // 3, 5 * n // 6
    return BaselineData(
        draw(labels[:a], copies),
        labels[:a],
        draw(labels[a:b])[0],
        labels[a:b],
        draw(labels[b:])[0],
        labels[b:],
        classes,
    )


def small_spec(n_in=9, n_hid=12, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    w_hidden = np.concatenate(
        [rng.normal(0, 2 / np.sqrt(n_in), (n_in, n_hid)), rng.normal(0, 0.1, (n_hid, n_hid))]
    )
    return RsnnSpec(CONSTANTS, w_hidden, rng.normal(0, 1 / np.sqrt(n_hid), (n_hid, classes)))


CFG = BaselineConfig(max_epochs=8, patience=8, batch_size=16, lr=1e-2, threads=1)


def test_learns_a_separable_task():
    """From silent output weights (every clip scored alike: chance) to the task."""
    data = channel_task()
    spec = small_spec()
    spec = dataclasses.replace(spec, w_output=np.zeros_like(spec.w_output))
    with torch.no_grad():
        untrained = RecurrentSNN(spec)(torch.as_tensor(data.test_x)).argmax(1).numpy()
    assert np.mean(untrained == data.test_y) < 0.5
    result = train_rsnn(spec, data, CFG, progress=False)
    assert result.test_accuracy >= 0.9, result.curve
    assert result.validation_accuracy == max(c["validation_accuracy"] for c in result.curve)
    assert set(RESULT_KEYS) <= set(result.to_dict())
    assert [set(c) for c in result.curve] == [set(CURVE_KEYS)] * result.epochs_run
    assert result.hidden_spikes_per_clip > 0
    assert set(result.weight_abs_max) == {"input", "recurrent", "output"}
    assert result.weight_abs_max["output"] > 0  # trained away from the silent start


def test_same_seed_same_training():
    data = channel_task()
    cfg = dataclasses.replace(CFG, max_epochs=2)
    first, second = (train_rsnn(small_spec(), data, cfg, progress=False) for _ in range(2))
    timings = {"wall_time_s", "curve"}
    assert {k: v for k, v in first.to_dict().items() if k not in timings} == {
        k: v for k, v in second.to_dict().items() if k not in timings
    }
    wall = {"train_wall_s", "eval_wall_s"}
    assert [{k: v for k, v in c.items() if k not in wall} for c in first.curve] == [
        {k: v for k, v in c.items() if k not in wall} for c in second.curve
    ]


def test_costs_are_the_dense_synapse_count():
    spec = small_spec()
    per_step, params = synapse_counts(spec)
    assert per_step == (9 + 12) * 12 + 12 * 3
    assert params == per_step - 12  # no self-connections
    data = channel_task()
    result = train_rsnn(spec, data, dataclasses.replace(CFG, max_epochs=1), progress=False)
    assert result.inference_macs == 20 * per_step
    assert result.parameters == params
    assert result.samples_seen == data.train_y.size


def test_mismatched_data_is_named():
    data = channel_task(n_in=9)
    with pytest.raises(ValueError, match=r"9 input channels.*takes 5"):
        train_rsnn(small_spec(n_in=5), data, CFG, progress=False)
    with pytest.raises(ValueError, match="w_hidden shape"):
        RsnnSpec(CONSTANTS, np.zeros((4, 4)), np.zeros((4, 2)))


@pytest.fixture
def trainings(monkeypatch):
    calls = []
    real = rsnn.train_rsnn

    def counting(spec, *args, **kwargs):
        calls.append(spec.n_hidden)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(rsnn, "train_rsnn", counting)
    return calls


def test_results_are_cached_by_network_data_and_settings(tmp_path, trainings):
    data = channel_task()
    spec = small_spec()
    cfg = dataclasses.replace(CFG, max_epochs=1)
    first = cached_train_rsnn(tmp_path, spec, data, cfg, progress=False)
    second = cached_train_rsnn(tmp_path, spec, data, cfg, progress=False)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert dataclasses.replace(first, from_cache=None) == dataclasses.replace(
        second, from_cache=None
    )
    assert len(trainings) == 1
    slower = dataclasses.replace(spec, constants=CONSTANTS._replace(alpha=0.9))
    assert not cached_train_rsnn(tmp_path, slower, data, cfg, progress=False).from_cache
    other_init = small_spec(seed=1)
    assert not cached_train_rsnn(tmp_path, other_init, data, cfg, progress=False).from_cache
    relabelled = dataclasses.replace(data, val_y=np.roll(data.val_y, 1))
    assert not cached_train_rsnn(tmp_path, spec, relabelled, cfg, progress=False).from_cache
    assert len(trainings) == 4
    # the ADC settings do not enter the ideal-conversion ceiling
    adc = dataclasses.replace(spec, constants=CONSTANTS._replace(adc_bits=8, adc_range=4.0))
    assert cached_train_rsnn(tmp_path, adc, data, cfg, progress=False).from_cache


def synthetic_splits(copies=3, n=12, frames=6, coeffs=4, seed=0):
    rng = np.random.default_rng(seed)

    def split(reps, m, offset):
        return SplitData(
            rng.normal(size=(reps, m, frames, coeffs)).astype(np.float32),
            rng.integers(0, 3, m),
            [f"clip{offset + i}.wav" for i in range(m)],
            np.arange(offset, offset + m, dtype=np.int64),
            {},
        )

    return split(copies, n, 0), split(1, 6, 100), split(1, 6, 200)


def temporal_cfg(**temporal):
    return RavenConfig(
        architecture="temporal",
        features=FeatureConfig(n_mfcc=4),
        temporal=TemporalConfig(**temporal),
    )


@pytest.mark.parametrize("encoding", ["graded", "rate"])
def test_spike_data_are_the_trains_the_chip_trains_on(encoding):
    """Epoch e: copy e % copies, the training pass of epoch e, the training scaler (as
    raven.runs.train); graded inputs are the same for the same copy, rate-coded spikes are
    drawn anew."""
    cfg = temporal_cfg(input_encoding=encoding, steps_per_frame=2)
    train, val, test = synthetic_splits()
    data = baselines.temporal_spike_data(cfg, (train, val, test), 3, epochs=5)
    scaler = fit_scaler(cfg, train.features[0])
    channels = 4 if encoding == "graded" else 8  # 4 coefficients: one row or ON and OFF
    # graded input draws nothing per pass: one array per copy (the trainer reads
    # train_x[e % len(train_x)]); a spike code draws anew every epoch
    passes = 3 if encoding == "graded" else 5
    assert data.train_x.shape == (passes, 12, 12, channels)
    for epoch in range(5):
        expected = encode_batch(
            cfg, scaler, train.features[epoch % 3], train.keys, data_pass("training", epoch)
        )
        np.testing.assert_array_equal(
            data.train_x[epoch % passes], expected.astype(data.train_x.dtype)
        )
    expected_test = encode_batch(cfg, scaler, test.features[0], test.keys, data_pass("test"))
    np.testing.assert_array_equal(data.test_x, expected_test.astype(data.test_x.dtype))
    if encoding == "rate":
        assert not np.array_equal(data.train_x[0], data.train_x[3])  # same copy, new draw
    else:
        assert data.train_x.dtype == np.float32


def test_temporal_ceiling_trains_the_configured_network(tmp_path, monkeypatch):
    monkeypatch.setattr(baselines, "CEILING_EPOCHS", 2)
    cfg = temporal_cfg(n_hidden=5, tau_membrane_ms=50.0)
    splits = synthetic_splits()
    result = baselines.temporal_ceiling(cfg, splits, 3, tmp_path, progress=False)
    assert result.family == "rsnn" and result.width == 5
    assert result.epochs_run == 2 and not result.from_cache
    steps = splits[0].features.shape[2] * cfg.temporal.steps_per_frame
    assert result.inference_macs == steps * ((n_inputs(cfg) + 5) * 5 + 5 * 3)
    again = baselines.temporal_ceiling(cfg, splits, 3, tmp_path, progress=False)
    assert again.from_cache
    changed = temporal_cfg(n_hidden=5, tau_membrane_ms=60.0)
    assert not baselines.temporal_ceiling(changed, splits, 3, tmp_path, progress=False).from_cache


def test_software_ceiling_of_the_temporal_architecture(tmp_path, monkeypatch):
    """End to end on a generated dataset: a temporal configuration gets the recurrent
    SNN ceiling, recorded in ceiling.json and cached for the next run."""
    monkeypatch.setattr(baselines, "CEILING_EPOCHS", 2)
    root = make_full_layout(tmp_path / "gsc", speakers=12)
    cfg = config_from_dict(
        {"architecture": "temporal", "training": {"epochs": 2}, "temporal": {"n_hidden": 8}}
    )
    run = tmp_path / "run"
    run.mkdir()
    result = baselines.software_ceiling(run, cfg, root, tmp_path / "cache")
    assert (result.family, result.width, result.from_cache) == ("rsnn", 8, False)
    recorded = json.loads((run / "ceiling.json").read_text())
    assert recorded["test_accuracy"] == result.test_accuracy
    steps = cfg.features.n_frames * cfg.temporal.steps_per_frame
    assert result.inference_macs == steps * ((n_inputs(cfg) + 8) * 8 + 8 * 12)
    assert baselines.software_ceiling(run, cfg, root, tmp_path / "cache").from_cache


def test_ceiling_and_baselines_train_side_by_side_in_one_pool(tmp_path, monkeypatch):
    """``make run-kws``'s off-chip stage: the ceiling is a job of the baselines' worker
    pool; both results come back, are recorded and are cached for the next run."""
    import raven.baseline.models as models
    from raven.baseline.train import BaselineConfig

    monkeypatch.setattr(models, "DEFAULT_SWEEP", {"dnn": (8,)})
    monkeypatch.setattr(
        baselines, "baseline_settings", lambda cfg, n: BaselineConfig(max_epochs=2, seed=cfg.seed)
    )
    root = make_full_layout(tmp_path / "gsc", speakers=12)
    cfg = config_from_dict(
        {"architecture": "temporal", "training": {"epochs": 2}, "temporal": {"n_hidden": 8}}
    )
    run = tmp_path / "run"
    run.mkdir()
    ceiling, dnns = baselines.ceiling_and_baselines(run, cfg, root, tmp_path / "cache")
    assert (ceiling.family, ceiling.width, ceiling.from_cache) == ("rsnn", 8, False)
    assert [(d.family, d.width, d.from_cache) for d in dnns] == [("dnn", 8, False)]
    assert json.loads((run / "ceiling.json").read_text())["test_accuracy"] == ceiling.test_accuracy
    assert json.loads((run / "baselines.json").read_text())[0]["width"] == 8
    ceiling, dnns = baselines.ceiling_and_baselines(run, cfg, root, tmp_path / "cache")
    assert ceiling.from_cache and dnns[0].from_cache


def per_neuron(constants, n_hid, seed=0):
    """Heterogeneous decays, adaptation on every other neuron."""
    rng = np.random.default_rng(seed)
    return constants._replace(
        alpha=rng.uniform(0.6, 0.98, n_hid),
        rho=rng.uniform(0.8, 0.995, n_hid),
        beta=np.where(np.arange(n_hid) % 2 == 0, rng.uniform(0.5, 2.0, n_hid), 0.0),
    )


def test_gradient_with_per_neuron_constants_graded_inputs_and_dropout():
    """As the test above, with the model's own dropout mask as the gains, per-neuron
    constants and inputs in [-1, 1] (some exactly 0)."""
    n_in, n_hid, n_out, steps, batch = 4, 6, 3, 30, 5
    rng = np.random.default_rng(8)
    inputs = rng.uniform(-1, 1, (batch, steps, n_in)) * (rng.random((batch, steps, n_in)) > 0.3)
    _, w_hidden, w_output = random_case(8, batch, steps, n_in, n_hid, n_out, 0.4, 0.8)
    j = np.arange(n_hid)
    w_hidden[n_in + j, j] = 0.0
    labels = torch.as_tensor(np.arange(batch) % n_out)
    c = per_neuron(CONSTANTS, n_hid)
    spec = RsnnSpec(c, w_hidden, w_output, dropout=0.3)
    model = RecurrentSNN(spec, dtype=torch.float64, seed=3)
    mask = model.transmit(batch, steps)
    assert set(np.unique(mask)) == {0.0, 1.0} and 0.5 < mask.mean() < 0.9
    model.transmit = lambda b, t: mask
    scores = model(torch.as_tensor(inputs))
    torch.nn.functional.cross_entropy(scores, labels).backward()

    def surrogate(x):
        psi = c.psi_gamma / c.b0 * torch.clamp(1 - x.abs() / (c.psi_width * c.b0), min=0)
        return (x >= 0).double() + (x * psi.detach() - (x * psi).detach())

    alpha, rho, beta = (torch.tensor(getattr(c, name)) for name in ("alpha", "rho", "beta"))
    w = torch.tensor(w_hidden, requires_grad=True)
    u = torch.tensor(w_output, requires_grad=True)
    s, m = torch.tensor(inputs), torch.tensor(mask)
    v = torch.zeros(batch, n_hid, dtype=torch.float64)
    a, z, sent = torch.zeros_like(v), torch.zeros_like(v), torch.zeros_like(v)
    y = torch.zeros(batch, n_out, dtype=torch.float64)
    score = torch.zeros_like(y)
    for t in range(steps):
        v = alpha * v + torch.cat([s[:, t], sent], dim=1) @ w - c.b0 * z.detach()
        z = surrogate(v - (c.b0 + beta * a))
        a = rho * a + z
        sent = m[:, t] * z
        y = c.kappa * y + sent @ u
        score = score + y / steps
    torch.nn.functional.cross_entropy(score, labels).backward()
    np.testing.assert_allclose(scores.detach().numpy(), score.detach().numpy(), atol=1e-12)
    grad_hidden = w.grad.numpy().copy()
    grad_hidden[n_in + j, j] = 0.0
    ours = torch.cat([model.w_input.grad, model.w_recurrent.grad]).numpy()
    assert np.abs(grad_hidden[n_in:]).max() > 1e-3
    np.testing.assert_allclose(ours, grad_hidden, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.w_output.grad.numpy(), u.grad.numpy(), rtol=1e-9)


def test_dropout_masks_in_training_the_keep_gain_in_evaluation():
    spec = dataclasses.replace(small_spec(), dropout=0.25)
    model = RecurrentSNN(spec, seed=4)
    masks = [model.transmit(50, 20) for _ in range(2)]
    assert masks[0].shape == (50, 20, 12) and masks[0].dtype == np.float32
    assert set(np.unique(masks[0])) == {0.0, 1.0} and abs(masks[0].mean() - 0.75) < 0.02
    assert not np.array_equal(*masks)  # a fresh mask every pass
    np.testing.assert_array_equal(RecurrentSNN(spec, seed=4).transmit(50, 20), masks[0])
    model.eval()
    np.testing.assert_array_equal(model.transmit(2, 3), np.full((2, 3, 12), 0.75, np.float32))
    assert RecurrentSNN(small_spec()).transmit(2, 3) is None
    with pytest.raises(ValueError, match="dropout"):
        dataclasses.replace(spec, dropout=1.0)
    with pytest.raises(ValueError, match="alpha"):
        dataclasses.replace(spec, constants=CONSTANTS._replace(alpha=np.ones(5)))


def test_evaluation_scores_are_the_spikes_read_at_the_keep_gain():
    """Evaluation with dropout p: the same spikes as without dropout (a spike still resets
    and adapts its own neuron, only what it sends is scaled), from recurrent weights scaled
    by 1 - p, and output scores scaled by 1 - p."""
    spikes, w_hidden, w_output = random_case(2, 4, 30, 9, 12, 3)
    c = per_neuron(CONSTANTS, 12)
    dropped = RecurrentSNN(RsnnSpec(c, w_hidden, w_output, dropout=0.4), torch.float64).eval()
    scaled = w_hidden.copy()
    scaled[9:] *= 0.6
    plain = RecurrentSNN(RsnnSpec(c, scaled, w_output), torch.float64).eval()
    with torch.no_grad():
        ours, counts = dropped(torch.as_tensor(spikes), with_counts=True)
        theirs, their_counts = plain(torch.as_tensor(spikes), with_counts=True)
    np.testing.assert_array_equal(counts.numpy(), their_counts.numpy())
    np.testing.assert_allclose(ours.numpy(), 0.6 * theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_learns_with_dropout_cosine_and_graded_inputs():
    data = channel_task()
    graded = dataclasses.replace(
        data,
        train_x=data.train_x * np.float32(0.8),
        val_x=data.val_x * np.float32(0.8),
        test_x=data.test_x * np.float32(0.8),
    )
    spec = dataclasses.replace(
        small_spec(), constants=per_neuron(CONSTANTS, 12)._replace(beta=0.0), dropout=0.2
    )
    cfg = RsnnConfig(**{**CFG.key(), "threads": 1}, lr_schedule="cosine")
    result = train_rsnn(spec, graded, cfg, progress=False)
    assert result.test_accuracy >= 0.9, result.curve
    assert result.synaptic_ops_per_clip > 0


def test_the_cosine_schedule_changes_training_and_the_key():
    data = channel_task()
    constant = RsnnConfig(**{**CFG.key(), "max_epochs": 2, "threads": 1})
    cosine = dataclasses.replace(constant, lr_schedule="cosine")
    assert constant.key() == {
        **dataclasses.replace(CFG, max_epochs=2).key(),
        "lr_schedule": "constant",
    }
    spec = small_spec()
    plain = train_rsnn(spec, data, dataclasses.replace(CFG, max_epochs=2), progress=False)
    same = train_rsnn(spec, data, constant, progress=False)
    other = train_rsnn(spec, data, cosine, progress=False)
    assert same.weight_abs_max == plain.weight_abs_max
    assert other.weight_abs_max != plain.weight_abs_max
    assert rsnn.rsnn_result_key(spec, data, constant) != rsnn.rsnn_result_key(spec, data, cosine)
    with pytest.raises(ValueError, match="lr_schedule"):
        RsnnConfig(lr_schedule="step")


def test_per_neuron_constants_and_dropout_enter_the_cache_key(tmp_path, trainings):
    data = channel_task()
    cfg = dataclasses.replace(CFG, max_epochs=1)
    spec = dataclasses.replace(small_spec(), constants=per_neuron(CONSTANTS, 12))
    assert not cached_train_rsnn(tmp_path, spec, data, cfg, progress=False).from_cache
    assert cached_train_rsnn(tmp_path, spec, data, cfg, progress=False).from_cache
    json.dumps(spec.key())
    other = dataclasses.replace(spec, constants=per_neuron(CONSTANTS, 12, seed=1))
    assert not cached_train_rsnn(tmp_path, other, data, cfg, progress=False).from_cache
    dropped = dataclasses.replace(spec, dropout=0.3)
    assert not cached_train_rsnn(tmp_path, dropped, data, cfg, progress=False).from_cache
    assert len(trainings) == 3
