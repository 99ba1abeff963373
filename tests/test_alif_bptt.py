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


def assert_close_to_scale(actual, expected, rtol):
    scale = max(float(np.abs(expected).max()), 1e-30)
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
    assert_close_to_scale(grad_w_rec, grad_w_rec_ref, rtol)
    assert_close_to_scale(grad_w_input, np.einsum("bti,bth->ih", spikes, grad_drive_ref), rtol)


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
