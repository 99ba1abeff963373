"""The recurrent ALIF kernel with e-prop traces against its loop reference, its noise in
distribution, determinism across thread counts, and e-prop against the true gradient."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.recurrent import RecurrentSynapses, run_alif
from tests import naive
from tests.support.kernel_cases import CONSTANTS, make_case
from tests.support.tolerances import LAZY_TRACE_RTOL, N_STANDARD_ERRORS


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    batch=st.integers(1, 3),
    steps=st.integers(1, 12),
    n_in=st.integers(1, 5),
    n_hid=st.integers(1, 6),
    n_out=st.integers(1, 3),
    beta=st.sampled_from([0.0, 0.4]),
    adc_bits=st.sampled_from([0, 4, 8]),
    width=st.sampled_from([0.3, 1.0]),
    per_neuron=st.booleans(),
    graded=st.booleans(),
    masked=st.booleans(),
)
def test_noise_free_kernel_matches_the_loop_reference(
    seed, batch, steps, n_in, n_hid, n_out, beta, adc_bits, width, per_neuron, graded, masked
):
    """The end-of-clip eligibility sums equal the per-synapse traces of the reference (LIF
    and ALIF, per-neuron decays, graded inputs, dropped spikes) to rounding."""
    spikes, syn = make_case(seed, batch, steps, n_in, n_hid, n_out)
    rng = np.random.default_rng(seed + 1)
    if graded:  # DAC levels in [-1, 1], some rows undriven
        spikes = np.round(rng.uniform(-1, 1, spikes.shape) * 7) / 7
    c = CONSTANTS._replace(beta=beta, adc_bits=adc_bits, adc_range=2.0, psi_width=width)
    if per_neuron:
        c = c._replace(
            alpha=rng.uniform(0.5, 0.99, n_hid),
            rho=rng.uniform(0.8, 0.999, n_hid),
            beta=beta * (rng.random(n_hid) < 0.5),
        )
    transmit = (rng.random((batch, steps, n_hid)) < 0.7).astype(np.uint8) if masked else None
    out, events = run_alif(
        spikes, syn, c, with_noise=False, with_traces=True, seed=1, call_key=2, transmit=transmit
    )
    scores, traces, zbar_mean, spike_counts, counts = naive.alif_eprop(spikes, syn, c, transmit)
    np.testing.assert_array_equal(out.hidden_counts, spike_counts)
    read_g_uS = counts.pop("read_g_sum_uS")
    for name, count in counts.items():
        assert events[name] == count, name
    assert events.read_g_sum_uS == pytest.approx(read_g_uS, rel=1e-12, abs=1e-12)
    hidden_rows = counts["input_spikes"] + counts["recurrent_rows"]
    assert events.row_activations == hidden_rows + counts["hidden_spikes"]
    assert events.cell_reads == hidden_rows * n_hid + counts["hidden_spikes"] * n_out
    assert events.eligibility_adds == hidden_rows * n_hid
    if graded:
        assert events.synaptic_macs == counts["input_spikes"] * n_hid
        assert events.dac_conversions == counts["input_spikes"]
    np.testing.assert_allclose(out.scores, scores, rtol=LAZY_TRACE_RTOL, atol=1e-12)
    np.testing.assert_allclose(out.zbar_out_mean, zbar_mean, rtol=LAZY_TRACE_RTOL, atol=1e-12)
    np.testing.assert_allclose(out.trace_sums, traces, rtol=LAZY_TRACE_RTOL, atol=1e-12)


def test_traces_are_not_computed_for_inference():
    spikes, syn = make_case(0, 2, 5, 3, 4, 2)
    out, events = run_alif(spikes, syn, CONSTANTS, False, False, 0, 0)
    assert out.trace_sums.size == 0
    assert "eligibility_events" not in events  # not counted without traces


def test_output_read_noise_has_the_column_variance():
    """Every hidden neuron fires at step 0 (huge input weights), so the single-step score
    of class k is sum_j W_jk plus read noise of variance sum_j var_jk, and the ADC is off."""
    n_clips, n_in, n_hid = 20_000, 1, 3
    spikes = np.ones((n_clips, 1, n_in), np.uint8)
    w_out = np.array([[0.5, -0.2], [0.1, 0.3], [0.4, 0.0]])
    var_out = np.array([[0.01, 0.04], [0.02, 0.0], [0.03, 0.05]])
    syn = RecurrentSynapses(
        np.full((n_in + n_hid, n_hid), 10.0),
        np.zeros((n_in + n_hid, n_hid)),
        np.zeros(n_in + n_hid),
        w_out,
        var_out,
        np.zeros(n_hid),
    )
    c = CONSTANTS._replace(beta=0.0)
    out, events = run_alif(spikes, syn, c, with_noise=True, with_traces=False, seed=3, call_key=0)
    assert events.hidden_spikes == n_clips * n_hid
    mean, std = w_out.sum(axis=0), np.sqrt(var_out.sum(axis=0))
    got = out.scores
    se_mean = std / np.sqrt(n_clips)
    assert np.all(np.abs(got.mean(axis=0) - mean) < N_STANDARD_ERRORS * se_mean)
    se_std = std / np.sqrt(2 * (n_clips - 1))
    assert np.all(np.abs(got.std(axis=0) - std) < N_STANDARD_ERRORS * se_std)


def test_noisy_run_is_identical_on_any_thread_count():
    spikes, syn = make_case(5, 8, 20, 6, 10, 3, var=0.02)
    runs = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        try:
            runs.append(run_alif(spikes, syn, CONSTANTS, True, True, 11, 4))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for a, b in zip(runs[0][0], runs[1][0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]
    # and the noise is really there: another key gives other spikes or scores
    other, _ = run_alif(spikes, syn, CONSTANTS, True, True, 11, 5)
    assert not np.array_equal(other.scores, runs[0][0].scores)


def test_bad_arguments_are_named():
    spikes, syn = make_case(0, 1, 3, 2, 3, 2)
    with pytest.raises(ValueError, match="w_hidden"):
        run_alif(spikes, syn._replace(w_hidden=syn.w_hidden[:-1]), CONSTANTS, False, False, 0, 0)
    with pytest.raises(ValueError, match="alpha"):
        run_alif(spikes, syn, CONSTANTS._replace(alpha=1.5), False, False, 0, 0)
    with pytest.raises(ValueError, match="NaN"):
        bad = syn.w_output.copy()
        bad[0, 0] = np.nan
        run_alif(spikes, syn._replace(w_output=bad), CONSTANTS, False, False, 0, 0)


def test_eprop_gradient_agrees_in_sign_with_bptt():
    """In float mode, e-prop's hidden-layer gradient (1/T) (W_out err)_j F_ji has the sign of
    the gradient of backpropagation through time (same surrogate, reset path detached, as
    in Bellec et al. 2020) on most synapses that matter."""
    torch = pytest.importorskip("torch")
    n_in, n_hid, n_out, steps, batch = 4, 6, 3, 30, 6
    spikes, syn = make_case(7, batch, steps, n_in, n_hid, n_out, rate=0.4, w_std=0.6)
    labels = np.arange(batch) % n_out
    c = CONSTANTS._replace(beta=0.3)
    out, _ = run_alif(spikes, syn, c, False, True, 0, 0)
    p = np.exp(out.scores - out.scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    err = p - np.eye(n_out)[labels]
    eprop = np.einsum("bj,bij->ij", err @ syn.w_output.T, out.trace_sums) / steps

    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x >= 0).double()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            psi = c.psi_gamma / c.b0 * torch.clamp(1 - x.abs() / (c.psi_width * c.b0), min=0)
            return grad * psi

    w = torch.tensor(syn.w_hidden, requires_grad=True)
    w_out = torch.tensor(syn.w_output)
    s = torch.tensor(spikes, dtype=torch.float64)
    v = torch.zeros(batch, n_hid, dtype=torch.float64)
    a = torch.zeros_like(v)
    z = torch.zeros_like(v)
    y = torch.zeros(batch, n_out, dtype=torch.float64)
    score = torch.zeros_like(y)
    for t in range(steps):
        x = torch.cat([s[:, t], z], dim=1)
        v = c.alpha * v + x @ w - c.b0 * z.detach()
        threshold = c.b0 + c.beta * a
        z = Spike.apply(v - threshold)
        a = c.rho * a + z
        y = c.kappa * y + z @ w_out
        score = score + y / steps
    loss = torch.nn.functional.cross_entropy(score, torch.tensor(labels), reduction="sum")
    loss.backward()
    bptt = w.grad.numpy()
    np.testing.assert_allclose(score.detach().numpy(), out.scores, rtol=1e-9)
    big = np.abs(bptt) > 0.1 * np.abs(bptt).max()
    agree = np.mean(np.sign(eprop[big]) == np.sign(bptt[big]))
    assert agree > 0.8, agree
