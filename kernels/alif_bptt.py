"""Recurrent ALIF layer trained by backpropagation through time (BPTT): the step loops of a
layer with float weights, ideal conversion and no noise, fused into compiled kernels.

Forward, per clip b and step t, from v = a = z = 0, with inputs s(t) (spikes, or graded
values such as standardised coefficients in [-1, 1]), input weights W, recurrent weights R
(rows: presynaptic neuron), output step weights c_t and transmission gains m(t):

    v_j(t)   = alpha_j v_j(t-1) + sum_i s_i(t) W_ij - b0 z_j(t-1) + sum_k m_k(t-1) z_k(t-1) R_kj
    x_j(t)   = v_j(t) - b0 - beta_j a_j(t),   z_j(t) = [x_j(t) >= 0]
    a_j(t+1) = rho_j a_j(t) + z_j(t)
    psi_j(t) = gamma / b0 * max(0, 1 - |x_j(t)| / (width b0))         (pseudo-derivative)
    f_j      = sum_t c_t m_j(t) z_j(t)                                 (filtered spikes)

alpha, rho and beta are per neuron (``kernels.neuron_constants``: heterogeneous time
constants, adaptation on some neurons only). A spike resets its own membrane and adapts its
own threshold whatever its gain; m_j(t) scales only what reaches the recurrent rows at t+1
and the output filter at t: a 0/1 dropout mask in training, the keep probability 1 - p in
evaluation (on the chip, a lower read gain of the hidden rows), 1 without dropout.

Backward, with dL/df given (so dL/d(m z)(t) = c_t dL/df), the reset b0 z(t-1) detached
and dz/dx = psi, going back in time from dv(T) = da(T) = 0:

    dz(t) = m(t) (c_t dL/df + dv(t+1) R^T) + da(t+1),   dx(t) = psi(t) dz(t)
    dv(t) = dx(t) + alpha dv(t+1),               da(t) = rho da(t+1) - beta dx(t)
    dL/dW = sum_t s(t)^T dv(t),                  dL/dR = sum_t (m(t-1) z(t-1))^T dv(t)

Only x(t) is kept between the passes: z(t) and psi(t) are functions of it. Spikes are
sparse, so s(t) W, z(t-1) R and the two weight gradients add the rows of the inputs and
neurons that are not 0 instead of forming dense products. dv(t+1) R^T is dense: it is one BLAS
product per step for all clips (``np.dot``, which in compiled code needs scipy's BLAS;
its thread count is the caller's to set). Otherwise the kernels are serial, and they
compute in the dtype of the weights (float32 or float64).

References
----------
.. [1] G. Bellec et al., "A solution to the learning dilemma for recurrent networks of
   spiking neurons", Nat. Commun. 11, 3625, 2020.
"""

from __future__ import annotations

import numpy as np

from devices.jit import array_jit

from .neuron_constants import neuron_arrays
from .recurrent import AlifConstants, _pseudo_derivative


@array_jit
def _forward_steps(
    spikes, w_input, w_rec, step_weights, neuron, b0, transmit, filtered_out, counts_out, gaps_out
):
    """Fill filtered_out (B, H), counts_out (B,) and, if it has T rows, gaps_out (T, B, H);
    neuron = (alpha, rho, beta), each (H,), and b0, in the weights' dtype; transmit
    (B, T, H) gains m, or (0, 0, 0): all 1."""
    batch, steps, n_in = spikes.shape
    n_hid = w_rec.shape[0]
    alpha, rho, beta = neuron
    keep_gaps = gaps_out.shape[0] == steps
    gains = transmit.shape[0] == batch
    real = w_rec.dtype.type
    zero, one = real(0.0), real(1.0)
    v = np.empty(n_hid, w_rec.dtype)
    adapt = np.empty(n_hid, w_rec.dtype)
    z_prev = np.empty(n_hid, w_rec.dtype)
    sent_prev = np.empty(n_hid, w_rec.dtype)  # m(t-1) z(t-1)
    from_inputs = np.empty(n_hid, w_rec.dtype)
    from_hidden = np.empty(n_hid, w_rec.dtype)
    for b in range(batch):
        v[:] = zero
        adapt[:] = zero
        z_prev[:] = zero
        sent_prev[:] = zero
        filtered_out[b, :] = zero
        count = 0
        for t in range(steps):
            from_inputs[:] = zero
            for i in range(n_in):
                if spikes[b, t, i] != 0:
                    s = real(spikes[b, t, i])
                    for j in range(n_hid):
                        from_inputs[j] += s * w_input[i, j]
            from_hidden[:] = zero
            for k in range(n_hid):
                if sent_prev[k] != zero:
                    if gains:
                        sent = sent_prev[k]
                        for j in range(n_hid):
                            from_hidden[j] += sent * w_rec[k, j]
                    else:
                        for j in range(n_hid):
                            from_hidden[j] += w_rec[k, j]
            weight = step_weights[t]
            for j in range(n_hid):
                v[j] = (alpha[j] * v[j] + from_inputs[j] - b0 * z_prev[j]) + from_hidden[j]
                gap = (v[j] - beta[j] * adapt[j]) - b0
                spike = one if gap >= zero else zero
                z_prev[j] = spike
                sent_prev[j] = transmit[b, t, j] * spike if gains else spike
                adapt[j] = rho[j] * adapt[j] + spike
                filtered_out[b, j] += weight * sent_prev[j]
                if keep_gaps:
                    gaps_out[t, b, j] = gap
            for j in range(n_hid):
                count += z_prev[j] != zero
        counts_out[b] = count


@array_jit
def _backward_steps(
    grad_filtered,
    spikes,
    w_rec_t,
    step_weights,
    gaps,
    neuron,
    psi_constants,
    transmit,
    grad_w_input_out,
    grad_w_rec_out,
):
    """Add dL/dW into grad_w_input_out (n_in, H) and dL/dR into grad_w_rec_out (H, H), both
    zeroed by the caller; neuron = (alpha, rho, beta), each (H,), psi_constants =
    (gamma / b0, width b0); transmit as in ``_forward_steps``."""
    steps, batch, n_hid = gaps.shape
    n_in = spikes.shape[2]
    alpha, rho, beta = neuron
    psi_scale, psi_half_width = psi_constants
    gains = transmit.shape[0] == batch
    real = w_rec_t.dtype.type
    zero, one = real(0.0), real(1.0)
    dv = np.zeros((batch, n_hid), w_rec_t.dtype)  # dv(t+1), then dv(t)
    da = np.zeros((batch, n_hid), w_rec_t.dtype)
    from_next = np.empty((batch, n_hid), w_rec_t.dtype)  # dv(t+1) R^T
    for t in range(steps - 1, -1, -1):
        if t < steps - 1:
            np.dot(dv, w_rec_t, from_next)
        else:
            from_next[:, :] = zero
        weight = step_weights[t]
        for b in range(batch):
            for j in range(n_hid):
                psi = _pseudo_derivative(gaps[t, b, j], psi_scale, psi_half_width, one)
                if gains:
                    sent = transmit[b, t, j] * (weight * grad_filtered[b, j] + from_next[b, j])
                    dx = psi * (sent + da[b, j])
                else:
                    dx = psi * (weight * grad_filtered[b, j] + from_next[b, j] + da[b, j])
                dv[b, j] = dx + alpha[j] * dv[b, j]
                da[b, j] = rho[j] * da[b, j] - beta[j] * dx
        for b in range(batch):
            for i in range(n_in):
                if spikes[b, t, i] != 0:
                    s = real(spikes[b, t, i])
                    for j in range(n_hid):
                        grad_w_input_out[i, j] += s * dv[b, j]
            if t > 0:
                for k in range(n_hid):
                    if gaps[t - 1, b, k] >= zero:
                        if gains:
                            sent = transmit[b, t - 1, k]
                            if sent != zero:
                                for j in range(n_hid):
                                    grad_w_rec_out[k, j] += sent * dv[b, j]
                        else:
                            for j in range(n_hid):
                                grad_w_rec_out[k, j] += dv[b, j]


@array_jit
def _pseudo_derivatives(gaps, psi_scale, psi_half_width, out):
    one = gaps.dtype.type(1.0)
    flat_gaps, flat_out = gaps.reshape(gaps.size), out.reshape(out.size)
    for n in range(flat_gaps.size):
        flat_out[n] = _pseudo_derivative(flat_gaps[n], psi_scale, psi_half_width, one)


def _weights(named: dict) -> list:
    """The weight arrays, C-contiguous (views where they already are), after checking that
    they share one float dtype."""
    dtypes = {np.asarray(a).dtype for a in named.values()}
    if len(dtypes) != 1 or next(iter(dtypes)) not in (np.float32, np.float64):
        found = {name: str(np.asarray(a).dtype) for name, a in named.items()}
        raise ValueError(f"expected one dtype, float32 or float64: {found}")
    return [np.ascontiguousarray(a) for a in named.values()]


def _spike_trains(spikes: np.ndarray, n_in: int | None = None) -> np.ndarray:
    """(B, T >= 1, n_in) spikes, C-contiguous, bool viewed as uint8 (any n_in if None)."""
    spikes = np.ascontiguousarray(spikes)
    if spikes.dtype == np.bool_:
        spikes = spikes.view(np.uint8)
    width = spikes.shape[-1] if n_in is None and spikes.ndim else n_in
    if spikes.ndim != 3 or spikes.shape[2] != width or spikes.shape[1] < 1:
        raise ValueError(f"spikes shape {spikes.shape}: expected (B, T >= 1, {width})")
    return spikes


def _neuron(constants: AlifConstants, n_hid: int, dtype) -> tuple:
    """(alpha, rho, beta), each (H,) in ``dtype`` (scalars broadcast)."""
    return tuple(a.astype(dtype) for a in neuron_arrays(constants, n_hid))


def _gains(transmit, shape: tuple, dtype) -> np.ndarray:
    """transmit (B, T, H) in ``dtype``, C-contiguous, or (0, 0, 0) for None (gain 1)."""
    if transmit is None:
        return np.empty((0, 0, 0), dtype)
    transmit = np.ascontiguousarray(transmit, dtype=dtype)
    if transmit.shape != shape:
        raise ValueError(f"transmit shape {transmit.shape}: expected {shape} (B, T, H)")
    return transmit


def alif_forward(
    spikes: np.ndarray,
    w_input: np.ndarray,
    w_rec: np.ndarray,
    step_weights: np.ndarray,
    constants: AlifConstants,
    keep_gaps: bool = True,
    transmit: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Run clips through the recurrent ALIF layer (equations in the module docstring).

    Parameters
    ----------
    spikes : numpy.ndarray
        (B, T, n_in) inputs s(t): bool or uint8 spikes, or graded float values (an input
        of value s adds s times its weight row; inputs equal to 0 are skipped).
    w_input : numpy.ndarray
        (n_in, H) input weights W, weight units; float32 or float64 (the dtype of the
        computation).
    w_rec : numpy.ndarray
        (H, H) recurrent weights R, row k: from neuron k; the diagonal is used as given.
    step_weights : numpy.ndarray
        (T,) weight c_t of step t's spikes in the filtered output, dimensionless.
    constants : AlifConstants
        alpha, rho, beta (each a scalar or one value per hidden neuron, as
        ``kernels.neuron_constants.neuron_arrays`` reads them) and b0 are used (the
        pseudo-derivative's fields by ``pseudo_derivatives``; kappa and the ADC fields not
        at all).
    keep_gaps : bool
        Return x(t) = v(t) - A(t) of every step (what ``alif_backward`` needs).
    transmit : numpy.ndarray or None
        (B, T, H) gain m_j(t) of hidden spike z_j(t) on its way to the recurrent rows (at
        t+1) and to the output filter (a dropout mask, or the keep probability); the spike
        resets and adapts its own neuron regardless. None: 1.

    Returns
    -------
    filtered : numpy.ndarray
        (B, H) f = sum_t c_t m(t) z(t), dtype of the weights.
    counts : numpy.ndarray
        (B,) int64 hidden spikes of each clip (every spike, whatever its gain).
    gaps : numpy.ndarray or None
        (T, B, H) x(t), weight units (z(t) = [x(t) >= 0]); None without ``keep_gaps``.
    """
    w_input, w_rec, step_weights = _weights(
        {"w_input": w_input, "w_rec": w_rec, "step_weights": step_weights}
    )
    n_in, n_hid = w_input.shape
    spikes = _spike_trains(spikes, n_in)
    batch, steps, _ = spikes.shape
    if w_rec.shape != (n_hid, n_hid) or step_weights.shape != (steps,):
        raise ValueError(
            f"w_rec shape {w_rec.shape}, step_weights shape {step_weights.shape}: expected"
            f" ({n_hid}, {n_hid}) and ({steps},)"
        )
    real = w_rec.dtype.type
    filtered = np.empty((batch, n_hid), w_rec.dtype)
    counts = np.empty(batch, np.int64)
    gaps = np.empty((steps if keep_gaps else 0, batch, n_hid), w_rec.dtype)
    # constants in the weights' dtype, so that float32 arithmetic stays float32
    neuron = _neuron(constants, n_hid, w_rec.dtype)
    gains = _gains(transmit, (batch, steps, n_hid), w_rec.dtype)
    _forward_steps(
        spikes,
        w_input,
        w_rec,
        step_weights,
        neuron,
        real(constants.b0),
        gains,
        filtered,
        counts,
        gaps,
    )
    return filtered, counts, (gaps if keep_gaps else None)


def _psi_constants(constants: AlifConstants, real) -> tuple:
    """(gamma / b0, width b0) in the dtype ``real``, the arguments of the pseudo-derivative."""
    return real(constants.psi_gamma / constants.b0), real(constants.psi_width * constants.b0)


def pseudo_derivatives(gaps: np.ndarray, constants: AlifConstants) -> np.ndarray:
    """The pseudo-derivatives psi = dz/dx that ``alif_backward`` uses.

    Parameters
    ----------
    gaps : numpy.ndarray
        x = v - A, weight units, any shape; float32 or float64.
    constants : AlifConstants
        b0, psi_gamma and psi_width are used.

    Returns
    -------
    numpy.ndarray
        psi = gamma / b0 * max(0, 1 - |x| / (width b0)), per weight unit, shape and dtype
        of ``gaps``.
    """
    (gaps,) = _weights({"gaps": gaps})
    out = np.empty_like(gaps)
    _pseudo_derivatives(gaps, *_psi_constants(constants, gaps.dtype.type), out)
    return out


def alif_backward(
    grad_filtered: np.ndarray,
    spikes: np.ndarray,
    w_rec: np.ndarray,
    step_weights: np.ndarray,
    gaps: np.ndarray,
    constants: AlifConstants,
    transmit: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Backpropagate through time through ``alif_forward`` (equations in the module
    docstring; the reset is detached, dz/dx is the pseudo-derivative).

    Parameters
    ----------
    grad_filtered : numpy.ndarray
        (B, H) dL/df, per unit of filtered spikes; float32 or float64.
    spikes : numpy.ndarray
        (B, T, n_in) the inputs of the forward pass.
    w_rec : numpy.ndarray
        (H, H) the recurrent weights of the forward pass.
    step_weights : numpy.ndarray
        (T,) the step weights c_t of the forward pass.
    gaps : numpy.ndarray
        (T, B, H) x(t), as ``alif_forward`` returned it.
    constants : AlifConstants
        Those of the forward pass (alpha, rho, beta, b0, psi_gamma, psi_width are used).
    transmit : numpy.ndarray or None
        (B, T, H) the gains of the forward pass (None: 1).

    Returns
    -------
    grad_w_input : numpy.ndarray
        (n_in, H) dL/dW, per weight unit.
    grad_w_rec : numpy.ndarray
        (H, H) dL/dR, per weight unit (the diagonal included).
    """
    grad_filtered, w_rec, step_weights, gaps = _weights(
        {"grad_filtered": grad_filtered, "w_rec": w_rec, "step_weights": step_weights, "gaps": gaps}
    )
    steps, batch, n_hid = gaps.shape
    spikes = _spike_trains(spikes)
    expected = {
        "grad_filtered": (grad_filtered.shape, (batch, n_hid)),
        "w_rec": (w_rec.shape, (n_hid, n_hid)),
        "step_weights": (step_weights.shape, (steps,)),
        "spikes": (spikes.shape[:2], (batch, steps)),
    }
    for name, (shape, wanted) in expected.items():
        if shape != wanted:
            raise ValueError(f"{name}: shape {shape}, expected {wanted} (gaps: {gaps.shape})")
    grad_w_input = np.zeros((spikes.shape[2], n_hid), w_rec.dtype)
    grad_w_rec = np.zeros((n_hid, n_hid), w_rec.dtype)
    _backward_steps(
        grad_filtered,
        spikes,
        np.ascontiguousarray(w_rec.T),
        step_weights,
        gaps,
        _neuron(constants, n_hid, w_rec.dtype),
        _psi_constants(constants, w_rec.dtype.type),
        _gains(transmit, (batch, steps, n_hid), w_rec.dtype),
        grad_w_input,
        grad_w_rec,
    )
    return grad_w_input, grad_w_rec
