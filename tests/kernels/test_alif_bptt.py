"""The BPTT kernels of the recurrent ALIF layer against slow float64 references: the forward
pass against the step equations, the backward pass against forward-mode differentiation;
and the same inputs give the same bits twice."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kernels.alif_bptt import alif_backward, alif_forward, pseudo_derivatives
from kernels.recurrent import AlifConstants
from tests import naive

CONSTANTS = AlifConstants(0.85, 0.95, 0.3, 1.0, 0.8, 0.3, 1.0, 0, 1.0)
# |x| below this at some step could flip a spike between float32 and float64 sums
SPIKE_MARGIN = 1e-4
# float32 against float64, relative to the largest magnitude of the compared array
FLOAT32_RTOL = 1e-5
FLOAT64_RTOL = 1e-10


def make_case(seed, batch, steps, n_in, n_hid, rate):
    rng = np.random.default_rng(seed)
    spikes = (rng.random((batch, steps, n_in)) < rate).astype(np.uint8)
    w_input = rng.normal(0.4, 0.8, (n_in, n_hid))
    w_rec = rng.normal(0.0, 0.6, (n_hid, n_hid))
    step_weights = rng.uniform(0.1, 1.0, steps)
    grad_filtered = rng.normal(size=(batch, n_hid))
    return spikes, w_input, w_rec, step_weights, grad_filtered


# Gradients: a float32 pseudo-derivative is off by about the rounding of its x (~1e-7) times
# its slope, whatever the size of the gradient; where every psi is small the gradient is
# small too, so its error is measured against at least this scale (dL/dz is O(1) here).
GRADIENT_SCALE = 0.1


def assert_close_to_scale(actual, expected, rtol, floor=1e-30):
    scale = max(float(np.abs(expected).max()), floor)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    batch=st.integers(1, 6),
    steps=st.integers(1, 12),
    n_in=st.integers(1, 5),
    n_hid=st.integers(1, 7),
    rate=st.sampled_from([0.1, 0.4]),
    beta=st.sampled_from([0.0, 0.4]),
    width=st.sampled_from([0.3, 1.0]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_kernels_match_the_references(seed, batch, steps, n_in, n_hid, rate, beta, width, dtype):
    spikes, w_input, w_rec, step_weights, grad_filtered = make_case(
        seed, batch, steps, n_in, n_hid, rate
    )
    c = CONSTANTS._replace(beta=beta, psi_width=width)
    drive = spikes @ w_input
    z_ref, psi_ref, gaps_ref = naive.alif_bptt_forward(drive, w_rec, c)
    assume(np.abs(gaps_ref).min() > SPIKE_MARGIN)
    args = [a.astype(dtype) for a in (w_input, w_rec, step_weights)]
    filtered, counts, gaps = alif_forward(spikes, *args, c)
    rtol = FLOAT32_RTOL if dtype == np.float32 else FLOAT64_RTOL
    assert gaps.dtype == dtype and filtered.dtype == dtype
    np.testing.assert_array_equal(gaps >= 0, z_ref == 1)
    np.testing.assert_array_equal(counts, z_ref.sum(axis=(0, 2)))
    assert_close_to_scale(gaps, gaps_ref, rtol)
    assert_close_to_scale(pseudo_derivatives(gaps, c), psi_ref, rtol)
    assert_close_to_scale(filtered, np.einsum("t,tbh->bh", step_weights, z_ref), rtol)

    grad_z = step_weights[:, None, None] * grad_filtered[None]
    grad_drive_ref, grad_w_rec_ref = naive.alif_bptt_gradients(drive, w_rec, c, grad_z)
    grad_w_input, grad_w_rec = alif_backward(
        grad_filtered.astype(dtype), spikes, args[1], args[2], gaps, c
    )
    assert grad_w_input.dtype == dtype and grad_w_rec.dtype == dtype
    assert_close_to_scale(grad_w_rec, grad_w_rec_ref, rtol, GRADIENT_SCALE)
    assert_close_to_scale(
        grad_w_input, np.einsum("bti,bth->ih", spikes, grad_drive_ref), rtol, GRADIENT_SCALE
    )


def test_the_references_exercise_spikes_adaptation_and_recurrence():
    """A case where every term of the gradient is non-zero, so the comparisons above can
    fail on any of them."""
    spikes, w_input, w_rec, step_weights, grad_filtered = make_case(3, 4, 12, 4, 6, 0.4)
    drive = spikes @ w_input
    z, psi, _ = naive.alif_bptt_forward(drive, w_rec, CONSTANTS)
    assert 0.1 < z.mean() < 0.9 and (psi > 0).mean() > 0.2
    grad_z = step_weights[:, None, None] * grad_filtered[None]
    grad_drive, grad_w_rec = naive.alif_bptt_gradients(drive, w_rec, CONSTANTS, grad_z)
    assert (np.abs(grad_w_rec) > 1e-6).mean() > 0.5
    without_recurrence = naive.alif_bptt_gradients(drive, 0 * w_rec, CONSTANTS, grad_z)[0]
    assert np.abs(grad_drive - without_recurrence).max() > 1e-3


def test_same_inputs_give_the_same_bits():
    spikes, w_input, w_rec, step_weights, grad_filtered = make_case(5, 9, 30, 5, 16, 0.2)
    args = [a.astype(np.float32) for a in (w_input, w_rec, step_weights)]
    runs = []
    for _ in range(2):
        filtered, counts, gaps = alif_forward(spikes, *args, CONSTANTS)
        grads = alif_backward(grad_filtered.astype(np.float32), spikes, *args[1:], gaps, CONSTANTS)
        runs.append((filtered, counts, gaps, *grads))
    for first, second in zip(*runs, strict=True):
        np.testing.assert_array_equal(first, second)


def test_without_gaps_the_forward_pass_is_the_same():
    spikes, w_input, w_rec, step_weights, _ = make_case(6, 3, 20, 4, 8, 0.3)
    kept = alif_forward(spikes, w_input, w_rec, step_weights, CONSTANTS)
    filtered, counts, gaps = alif_forward(
        spikes, w_input, w_rec, step_weights, CONSTANTS, keep_gaps=False
    )
    assert gaps is None
    np.testing.assert_array_equal(filtered, kept[0])
    np.testing.assert_array_equal(counts, kept[1])


def test_mismatched_arrays_are_named():
    spikes, w_input, w_rec, step_weights, grad_filtered = make_case(7, 2, 5, 3, 4, 0.3)
    with pytest.raises(ValueError, match="one dtype"):
        alif_forward(spikes, w_input.astype(np.float32), w_rec, step_weights, CONSTANTS)
    with pytest.raises(ValueError, match="spikes shape"):
        alif_forward(spikes[:, :, :2], w_input, w_rec, step_weights, CONSTANTS)
    with pytest.raises(ValueError, match="step_weights shape"):
        alif_forward(spikes, w_input, w_rec, step_weights[:-1], CONSTANTS)
    _, _, gaps = alif_forward(spikes, w_input, w_rec, step_weights, CONSTANTS)
    with pytest.raises(ValueError, match="grad_filtered"):
        alif_backward(grad_filtered[:1], spikes, w_rec, step_weights, gaps, CONSTANTS)


def per_neuron(constants, n_hid, seed):
    """Heterogeneous decays, adaptation on every other neuron."""
    rng = np.random.default_rng(seed)
    return constants._replace(
        alpha=rng.uniform(0.6, 0.98, n_hid),
        rho=rng.uniform(0.8, 0.995, n_hid),
        beta=np.where(np.arange(n_hid) % 2 == 0, rng.uniform(0.2, 1.5, n_hid), 0.0),
    )


def graded_case(seed, batch, steps, n_in, n_hid, zeros=0.3):
    """Inputs in [-1, 1], a fraction ``zeros`` of them exactly 0, and a 0/1 mask."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1.0, 1.0, (batch, steps, n_in))
    inputs[rng.random(inputs.shape) < zeros] = 0.0
    w_input = rng.normal(0.3, 1.0, (n_in, n_hid))
    w_rec = rng.normal(0.0, 0.6, (n_hid, n_hid))
    step_weights = rng.uniform(0.1, 1.0, steps)
    grad_filtered = rng.normal(size=(batch, n_hid))
    mask = (rng.random((batch, steps, n_hid)) >= 0.3).astype(np.float64)
    return inputs, w_input, w_rec, step_weights, grad_filtered, mask


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_neuron_constants_all_alike_give_the_scalar_bits(dtype):
    spikes, w_input, w_rec, step_weights, grad_filtered = make_case(11, 5, 25, 4, 9, 0.3)
    args = [a.astype(dtype) for a in (w_input, w_rec, step_weights)]
    arrays = CONSTANTS._replace(
        alpha=np.full(9, CONSTANTS.alpha), rho=np.full(9, CONSTANTS.rho), beta=np.full(9, 0.3)
    )
    runs = []
    for c in (CONSTANTS, arrays):
        filtered, counts, gaps = alif_forward(spikes, *args, c)
        grads = alif_backward(grad_filtered.astype(dtype), spikes, *args[1:], gaps, c)
        runs.append((filtered, counts, gaps, *grads))
    assert runs[0][1].sum() > 20
    for scalar, array in zip(*runs, strict=True):
        np.testing.assert_array_equal(scalar, array)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gain_one_is_no_gain(dtype):
    inputs, w_input, w_rec, step_weights, grad_filtered, _ = graded_case(12, 4, 20, 5, 8)
    args = [a.astype(dtype) for a in (w_input, w_rec, step_weights)]
    c = per_neuron(CONSTANTS, 8, 12)
    ones = np.ones((4, 20, 8))
    runs = []
    for gain in (None, ones):
        filtered, counts, gaps = alif_forward(inputs, *args, c, transmit=gain)
        grads = alif_backward(grad_filtered.astype(dtype), inputs, *args[1:], gaps, c, gain)
        runs.append((filtered, counts, gaps, *grads))
    for plain, gained in zip(*runs, strict=True):
        np.testing.assert_array_equal(plain, gained)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    batch=st.integers(1, 4),
    steps=st.integers(1, 10),
    n_in=st.integers(1, 4),
    n_hid=st.integers(1, 6),
    gain=st.sampled_from(["none", "mask", "keep"]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_per_neuron_graded_gained_kernels_match_the_references(
    seed, batch, steps, n_in, n_hid, gain, dtype
):
    inputs, w_input, w_rec, step_weights, grad_filtered, mask = graded_case(
        seed, batch, steps, n_in, n_hid
    )
    transmit = {"none": None, "mask": mask, "keep": np.full(mask.shape, 0.7)}[gain]
    c = per_neuron(CONSTANTS, n_hid, seed)
    drive = inputs @ w_input
    z_ref, _, gaps_ref, sent_ref = naive.alif_bptt_gain_forward(drive, w_rec, c, transmit)
    assume(np.abs(gaps_ref).min() > SPIKE_MARGIN)
    args = [a.astype(dtype) for a in (w_input, w_rec, step_weights)]
    filtered, counts, gaps = alif_forward(inputs.astype(dtype), *args, c, transmit=transmit)
    rtol = FLOAT32_RTOL if dtype == np.float32 else FLOAT64_RTOL
    np.testing.assert_array_equal(gaps >= 0, z_ref == 1)
    np.testing.assert_array_equal(counts, z_ref.sum(axis=(0, 2)))
    assert_close_to_scale(gaps, gaps_ref, rtol)
    assert_close_to_scale(filtered, np.einsum("t,tbh->bh", step_weights, sent_ref), rtol)

    grad_sent = step_weights[:, None, None] * grad_filtered[None]
    grad_drive_ref, grad_w_rec_ref = naive.alif_bptt_gain_gradients(
        drive, w_rec, c, grad_sent, transmit
    )
    grad_w_input, grad_w_rec = alif_backward(
        grad_filtered.astype(dtype), inputs.astype(dtype), args[1], args[2], gaps, c, transmit
    )
    assert_close_to_scale(grad_w_rec, grad_w_rec_ref, rtol, GRADIENT_SCALE)
    assert_close_to_scale(
        grad_w_input, np.einsum("bti,bth->ih", inputs, grad_drive_ref), rtol, GRADIENT_SCALE
    )


def test_the_gain_references_exercise_every_term():
    """Per-neuron constants, a mask and graded inputs change the forward pass and the
    gradients, so the comparisons above can fail on each."""
    inputs, w_input, w_rec, step_weights, grad_filtered, mask = graded_case(3, 3, 12, 4, 6)
    c = per_neuron(CONSTANTS, 6, 3)
    drive = inputs @ w_input
    grad_sent = step_weights[:, None, None] * grad_filtered[None]
    z, psi, _, sent = naive.alif_bptt_gain_forward(drive, w_rec, c, mask)
    assert 0.1 < z.mean() < 0.9 and (psi > 0).mean() > 0.2 and sent.sum() < z.sum()
    full = naive.alif_bptt_gain_gradients(drive, w_rec, c, grad_sent, mask)
    for other in (
        naive.alif_bptt_gain_gradients(drive, w_rec, c, grad_sent, None),
        naive.alif_bptt_gain_gradients(drive, w_rec, CONSTANTS, grad_sent, mask),
    ):
        assert max(np.abs(a - b).max() for a, b in zip(full, other, strict=True)) > 1e-3


def test_gradients_are_torch_autograd_through_the_equations():
    """float64: per-neuron constants, graded inputs with zeros and a dropout mask, against
    autograd through a literal transcription (surrogate by the detach trick, reset
    detached), to 1e-12."""
    torch = pytest.importorskip("torch")
    batch, steps, n_in, n_hid = 4, 25, 5, 7
    inputs, w_input, w_rec, step_weights, grad_filtered, mask = graded_case(
        21, batch, steps, n_in, n_hid
    )
    c = per_neuron(CONSTANTS, n_hid, 21)
    filtered, counts, gaps = alif_forward(inputs, w_input, w_rec, step_weights, c, transmit=mask)
    grad_w_input, grad_w_rec = alif_backward(
        grad_filtered, inputs, w_rec, step_weights, gaps, c, mask
    )

    def surrogate(x):
        psi = c.psi_gamma / c.b0 * torch.clamp(1 - x.abs() / (c.psi_width * c.b0), min=0)
        return (x >= 0).double() + (x * psi.detach() - (x * psi).detach())

    alpha, rho, beta = (torch.tensor(getattr(c, name)) for name in ("alpha", "rho", "beta"))
    w = torch.tensor(w_input, requires_grad=True)
    r = torch.tensor(w_rec, requires_grad=True)
    s, m = torch.tensor(inputs), torch.tensor(mask)
    v = torch.zeros(batch, n_hid, dtype=torch.float64)
    a, z, sent = torch.zeros_like(v), torch.zeros_like(v), torch.zeros_like(v)
    f = torch.zeros_like(v)
    for t in range(steps):
        v = alpha * v + s[:, t] @ w + sent @ r - c.b0 * z.detach()
        z = surrogate(v - (c.b0 + beta * a))
        a = rho * a + z
        sent = m[:, t] * z
        f = f + float(step_weights[t]) * sent
    (f * torch.tensor(grad_filtered)).sum().backward()
    np.testing.assert_allclose(filtered, f.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert counts.sum() > 50 and np.abs(grad_w_rec).max() > 1e-3
    np.testing.assert_allclose(grad_w_input, w.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad_w_rec, r.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_mismatched_gains_and_constants_are_named():
    spikes, w_input, w_rec, step_weights, _ = make_case(8, 2, 5, 3, 4, 0.3)
    with pytest.raises(ValueError, match="transmit shape"):
        alif_forward(spikes, w_input, w_rec, step_weights, CONSTANTS, transmit=np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match=r"constants\.alpha"):
        alif_forward(spikes, w_input, w_rec, step_weights, CONSTANTS._replace(alpha=np.ones(3)))
