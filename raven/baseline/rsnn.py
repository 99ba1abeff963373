"""Software ceiling of the temporal architecture: the chip's recurrent ALIF network with
float weights, trained off chip by backpropagation through time (BPTT).

The network is the one of ``kernels.recurrent`` (ideal conversion, no read noise), per clip
and step t, with inputs s(t) (spikes, or graded values), hidden spikes z(t) and
transmission gains m(t):

    v_j(t)   = alpha_j v_j(t-1) + sum_i s_i(t) W_ij + sum_k m_k(t-1) z_k(t-1) R_kj - b0 z_j(t-1)
    A_j(t)   = b0 + beta_j a_j(t),   z_j(t) = H(v_j(t) - A_j(t)),   a_j(t+1) = rho_j a_j(t) + z_j(t)
    y_k(t)   = kappa y_k(t-1) + sum_j m_j(t) z_j(t) U_jk,   score_k = (1/T) sum_t y_k(t)

with R_jj = 0 (the chip has no self-connections); alpha, rho and beta may differ from
neuron to neuron (``kernels.neuron_constants``). With dropout p (``RsnnSpec.dropout``) the
gains are, in training, a 0/1 mask drawn afresh for every clip, step and neuron with keep
probability 1 - p (unscaled), and in evaluation the constant 1 - p (on the chip, a lower
read gain of the hidden rows); without dropout they are 1. A dropped spike still resets
and adapts its own neuron. Since the output integrators are linear, score = ((1/T) sum_t
c_t m(t) z(t)) U with c_t = sum_{m=0}^{T-1-t} kappa^m, which is how it is computed here.
The loss is the softmax cross-entropy of the scores. The Heaviside step H is
differentiated through the kernel's pseudo-derivative

    dz/dv = psi = gamma / b0 * max(0, 1 - |v - A| / (width b0))

and the reset term b0 z(t-1) is detached from the graph, as in Bellec et al. (Nat.
Commun. 11, 3625, 2020), whose e-prop the chip approximates; the adaptation and the
recurrent input stay in the graph (full BPTT). Optimiser: Adam with weight decay, at a
constant learning rate or on a cosine schedule (``RsnnConfig``).

Costs, for the comparison with the other baselines: ``inference_macs`` is the dense
synaptic operation count of one clip, T ((n_in + n_hidden) n_hidden + n_hidden n_classes)
(every synapse read at every step; the chip's event-driven reads are far fewer, reported
as ``synaptic_ops_per_clip``, spikes x fan-out, measured on the test split); energies are
priced from it by ``raven.baseline.counting`` like every other family.

What the ceiling leaves out of the chip: read noise, ADC quantisation (conversion is
ideal), drift, and the weight range of the conductance pairs (weights are unbounded;
``weight_abs_max`` in the result says how far they went).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg  # noqa: F401  (loads the backward kernel's BLAS for threadpool_limits)
import torch
from threadpoolctl import threadpool_limits
from torch import nn

from kernels.alif_bptt import alif_backward, alif_forward
from kernels.neuron_constants import neuron_arrays
from kernels.recurrent import AlifConstants
from kernels.rng import stream_generator

from .._util.progress import progress_bar
from ..config.validation import setting
from .cache import SCHEMA, array_fingerprint, cached_baseline, code_version
from .counting import (
    energy_per_training_sample_J,
    price_table,
    training_macs_per_sample,
    weights_bytes_fp32,
)
from .results import BaselineResult
from .train import BaselineConfig, BaselineData, cost_record, curve_entry

FAMILY = "rsnn"
LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True, slots=True)
class RsnnConfig(BaselineConfig):
    """``BaselineConfig`` plus the learning-rate schedule of the ceiling.

    Attributes
    ----------
    lr_schedule : str
        ``"constant"`` (``lr`` throughout, the default) or ``"cosine"``: lr (1 + cos(pi k /
        K)) / 2 at optimiser step k of the K = max_epochs x batches per epoch of the whole
        budget (an early stop cuts it short).
    """

    lr_schedule: str = setting("constant", choices=LR_SCHEDULES)


@dataclass(frozen=True)
class RsnnSpec:
    """The network: sizes, per-step constants, initial weights and dropout.

    Attributes
    ----------
    constants : kernels.AlifConstants
        Per-step constants (alpha, rho and beta scalars or one value per hidden neuron; the
        ADC fields are not used: conversion is ideal).
    w_hidden : numpy.ndarray
        Initial hidden weights, shape (n_in + n_hidden, n_hidden): rows are the inputs, then
        the hidden neurons.
    w_output : numpy.ndarray
        Initial output weights, shape (n_hidden, n_classes).
    dropout : float
        Probability p in [0, 1) of dropping a hidden spike (module docstring).

    Raises
    ------
    ValueError
        Misshapen weights, an out-of-range constant or ``dropout`` outside [0, 1).
    """

    constants: AlifConstants
    w_hidden: np.ndarray  # (n_in + n_hidden, n_hidden)
    w_output: np.ndarray  # (n_hidden, n_classes)
    dropout: float = 0.0

    def __post_init__(self) -> None:
        n_pre, n_hid = np.shape(self.w_hidden)
        if n_pre <= n_hid or np.shape(self.w_output)[0] != n_hid:
            raise ValueError(
                f"RsnnSpec: w_hidden shape {np.shape(self.w_hidden)}, w_output shape"
                f" {np.shape(self.w_output)}: expected (n_in + n_hidden, n_hidden) and"
                " (n_hidden, n_classes) with n_in >= 1"
            )
        neuron_arrays(self.constants, n_hid)  # raises on a misshapen or out-of-range field
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"RsnnSpec.dropout={self.dropout!r}: expected 0 <= p < 1")

    @property
    def n_hidden(self) -> int:
        """Number of hidden neurons."""
        return np.shape(self.w_hidden)[1]

    @property
    def n_in(self) -> int:
        """Number of input channels."""
        return np.shape(self.w_hidden)[0] - self.n_hidden

    @property
    def n_classes(self) -> int:
        """Number of output classes."""
        return np.shape(self.w_output)[1]

    def key(self) -> dict:
        """What a result depends on: constants (per-neuron ones as lists), dropout and a digest of
        the initial weights.

        Returns
        -------
        dict
            JSON-serialisable key.
        """
        constants = {
            name: np.asarray(value).tolist() if name in ("alpha", "rho", "beta") else value
            for name, value in self.constants._asdict().items()
        }
        return {
            "constants": dict(constants, adc_bits=0, adc_range=0.0),
            "dropout": self.dropout,
            "initial_weights": array_fingerprint(
                {"w_hidden": np.asarray(self.w_hidden), "w_output": np.asarray(self.w_output)}
            ),
        }


def _as_numpy(tensor: torch.Tensor) -> np.ndarray:
    """The tensor's data as a C-contiguous array (shared, not copied, where it already is)."""
    return tensor.detach().contiguous().numpy()


class _AlifLayer(torch.autograd.Function):
    """(inputs (B, T, n_in), input weights (n_in, H), recurrent weights (H, H), step
    weights c_t / T (T,), constants, gains m (B, T, H) or None) -> (filtered spikes
    (1/T) sum_t c_t m_t z_t (B, H), hidden spikes per clip (B,)), with a hand-written
    backward pass: BPTT through the equations of the module docstring, reset detached. With
    g_t = (c_t / T) dL/dfiltered, going back in time from dv_T = da_T = 0:

        dz_t = m_t (g_t + dv_{t+1} R^T) + da_{t+1}   (recurrent input and adaptation of t+1)
        dx_t = psi_t dz_t                          (x_t = v_t - A_t)
        dv_t = dx_t + alpha dv_{t+1},   da_t = rho da_{t+1} - beta dx_t
        dL/dW = sum_t s_t^T dv_t,       dL/dR = sum_t (m_{t-1} z_{t-1})^T dv_t

    Both passes are compiled kernels (``kernels.alif_bptt``) that also hold the input
    product and the output filter: the per-step tensors are small (batch x hidden), so a
    graph of separate tensor operations would cost more in per-operation overhead, and
    (T, B, H) tensors of drive, spikes and pseudo-derivatives more in fresh memory, than
    the arithmetic. Only x_t (T, B, H) is kept for the backward pass. The inputs and the
    gains are not differentiated (their gradient is None)."""

    @staticmethod
    def forward(ctx, spikes, w_input, w_rec, step_weights, constants, transmit):
        spikes, step_weights = spikes.contiguous(), step_weights.contiguous()
        filtered, counts, gaps = alif_forward(
            spikes.numpy(),
            _as_numpy(w_input),
            _as_numpy(w_rec),
            step_weights.numpy(),
            constants,
            transmit=transmit,
        )
        gaps = torch.from_numpy(gaps)
        ctx.save_for_backward(spikes, w_rec, step_weights, gaps)
        ctx.constants, ctx.transmit = constants, transmit
        counts = torch.from_numpy(counts)
        ctx.mark_non_differentiable(counts)
        return torch.from_numpy(filtered), counts

    @staticmethod
    def backward(ctx, grad_filtered, _grad_counts):
        spikes, w_rec, step_weights, gaps = ctx.saved_tensors
        grad_w_input, grad_w_rec = alif_backward(
            _as_numpy(grad_filtered),
            spikes.numpy(),
            _as_numpy(w_rec),
            step_weights.numpy(),
            gaps.numpy(),
            ctx.constants,
            ctx.transmit,
        )
        grads = torch.from_numpy(grad_w_input), torch.from_numpy(grad_w_rec)
        return None, *grads, None, None, None


class RecurrentSNN(nn.Module):
    """The temporal chip's network with float weights; see the module docstring.

    Dropout masks (training mode, ``spec.dropout`` > 0) are drawn from a generator seeded
    with ``seed``.

    Parameters
    ----------
    spec : RsnnSpec
        Constants, initial weights and dropout.
    dtype : torch.dtype
        Dtype of the weights (default float32).
    seed : int
        Seed of the dropout masks' generator.
    """

    def __init__(self, spec: RsnnSpec, dtype: torch.dtype = torch.float32, seed: int = 0):
        super().__init__()
        n_in, n_hid = spec.n_in, spec.n_hidden
        w_hidden = torch.as_tensor(np.asarray(spec.w_hidden), dtype=dtype)
        self.w_input = nn.Parameter(w_hidden[:n_in].clone())
        self.w_recurrent = nn.Parameter(w_hidden[n_in:].clone())
        self.w_output = nn.Parameter(torch.as_tensor(np.asarray(spec.w_output), dtype=dtype))
        self.register_buffer("off_diagonal", 1.0 - torch.eye(n_hid, dtype=dtype))
        self.c = spec.constants
        self.dropout = spec.dropout
        self._masks = stream_generator(seed, "ceiling_dropout")

    def transmit(self, batch: int, steps: int) -> np.ndarray | None:
        """The dropout gains m of the next pass.

        Parameters
        ----------
        batch : int
            Clips in the pass.
        steps : int
            Time steps per clip.

        Returns
        -------
        numpy.ndarray or None
            Shape (batch, steps, n_hidden): a 0/1 mask in training mode, the keep probability
            in evaluation mode; None (a gain of 1) without dropout.
        """
        if self.dropout == 0.0:
            return None
        dtype = _as_numpy(self.w_input).dtype
        shape = (batch, steps, self.w_recurrent.shape[0])
        if self.training:
            return (self._masks.random(shape) >= self.dropout).astype(dtype)
        return np.full(shape, 1.0 - self.dropout, dtype)

    def forward(self, spikes: torch.Tensor, with_counts: bool = False):
        """Class scores of a batch of input spike trains.

        Parameters
        ----------
        spikes : torch.Tensor
            Inputs, shape (B, T, n_in).
        with_counts : bool
            Also return the hidden spikes of each clip.

        Returns
        -------
        torch.Tensor or tuple of torch.Tensor
            Scores (B, n_classes); with ``with_counts``, (scores, hidden spikes per clip (B,)).
        """
        batch, steps = spikes.shape[:2]
        transmit = self.transmit(batch, steps)
        # c_t / T, the weight of step t's spikes in the clip-mean output
        kappa_pow = self.c.kappa ** torch.arange(steps, dtype=torch.float64)
        weight = (torch.flip(torch.cumsum(kappa_pow, 0), [0]) / steps).to(self.w_input.dtype)
        w_rec = self.w_recurrent * self.off_diagonal
        if torch.is_grad_enabled() and any(p.requires_grad for p in self.parameters()):
            filtered, counts = _AlifLayer.apply(
                spikes, self.w_input, w_rec, weight, self.c, transmit
            )
        else:  # no backward pass: the kernel keeps no per-step state
            filtered, counts, _ = alif_forward(
                _as_numpy(spikes),
                _as_numpy(self.w_input),
                _as_numpy(w_rec),
                weight.numpy(),
                self.c,
                keep_gaps=False,
                transmit=transmit,
            )
            filtered, counts = torch.from_numpy(filtered), torch.from_numpy(counts)
        scores = filtered @ self.w_output
        return (scores, counts) if with_counts else scores


def synapse_counts(spec: RsnnSpec) -> tuple[int, int]:
    """Dense synaptic reads per time step and trainable synapses of the network.

    The hidden tile's (n_in + n_hidden) x n_hidden plus the output tile's n_hidden x
    n_classes are read every step; the n_hidden self-connections are absent.

    Parameters
    ----------
    spec : RsnnSpec
        The network.

    Returns
    -------
    tuple of (int, int)
        (reads per time step, trainable synapses).
    """
    n_in, n_hid, n_cls = spec.n_in, spec.n_hidden, spec.n_classes
    per_step = (n_in + n_hid) * n_hid + n_hid * n_cls
    return per_step, per_step - n_hid


def _evaluate(model: RecurrentSNN, spikes: np.ndarray, labels: np.ndarray, batch: int):
    """(accuracy, mean hidden spikes per clip) of inputs (n, T, n_in), in evaluation mode."""
    model.eval()
    correct, spikes_total = 0, 0.0
    with torch.no_grad():
        for start in range(0, labels.size, batch):
            x = torch.as_tensor(spikes[start : start + batch])
            scores, counts = model(x, with_counts=True)
            correct += int((scores.argmax(1).numpy() == labels[start : start + batch]).sum())
            spikes_total += float(counts.sum())
    return correct / labels.size, spikes_total / labels.size


def train_rsnn(
    spec: RsnnSpec, data: BaselineData, cfg: BaselineConfig, progress: bool = True
) -> BaselineResult:
    """Train the recurrent SNN by BPTT with Adam and measure it.

    Adam with ``cfg.weight_decay``; with an ``RsnnConfig``, its learning-rate schedule, else
    a constant ``cfg.lr``. Epoch e trains on ``data.train_x[e % len(train_x)]`` (spike
    trains or graded inputs (n, T, n_in)); the weights of the epoch with the best validation
    accuracy are kept (early stopping after ``cfg.patience`` epochs without a new best) and
    measured on the test split.

    Parameters
    ----------
    spec : RsnnSpec
        The network.
    data : BaselineData
        Training (one array per epoch copy), validation and test inputs and labels.
    cfg : BaselineConfig
        Training settings; ``check_every_clips`` and ``max_training_clips`` must be None.
    progress : bool
        Show a progress bar over the epochs.

    Returns
    -------
    BaselineResult
        Accuracies, costs and curve, with spike counts, the largest weight magnitudes and
        synaptic operations per clip.

    Raises
    ------
    ValueError
        Data whose channels or classes do not match ``spec``, or a clip-based check or
        budget in ``cfg``.
    """
    if data.train_x.shape[-1] != spec.n_in or data.n_classes != spec.n_classes:
        raise ValueError(
            f"data: {data.train_x.shape[-1]} input channels, {data.n_classes} classes:"
            f" the network takes {spec.n_in} and has {spec.n_classes}"
        )
    if cfg.check_every_clips is not None or cfg.max_training_clips is not None:
        raise ValueError(
            "BaselineConfig.check_every_clips and max_training_clips must be None for the"
            " recurrent SNN ceiling: it trains and validates whole epochs (max_epochs)"
        )
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    model = RecurrentSNN(spec, seed=cfg.seed)
    steps = data.train_x.shape[2]
    per_step, params = synapse_counts(spec)
    macs = steps * per_step
    macs_per_sample = training_macs_per_sample(macs, params)
    energy_per_sample_J = energy_per_training_sample_J(macs, params)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total_steps = cfg.max_epochs * -(-int(np.size(data.train_y)) // cfg.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt,
        (lambda k: 0.5 * (1.0 + np.cos(np.pi * k / total_steps)))
        if getattr(cfg, "lr_schedule", "constant") == "cosine"
        else (lambda k: 1.0),
    )
    loss_fn = nn.CrossEntropyLoss()
    ty = torch.as_tensor(np.asarray(data.train_y), dtype=torch.long)
    val_y, test_y = np.asarray(data.val_y), np.asarray(data.test_y)
    gen = torch.Generator().manual_seed(cfg.seed)
    best = (-1.0, None, 0)
    seen, curve = 0, []
    stopped_by = "budget"
    start = time.perf_counter()
    lap = start
    bar = progress_bar(range(cfg.max_epochs), desc=FAMILY, leave=False, enabled=progress)
    # the backward kernel's BLAS product (scipy's) runs on the training's threads too
    with threadpool_limits(cfg.threads, user_api="blas"):
        for epoch in bar:
            model.train()
            x_epoch = torch.as_tensor(np.asarray(data.train_x[epoch % data.train_x.shape[0]]))
            for idx in torch.randperm(ty.numel(), generator=gen).split(cfg.batch_size):
                opt.zero_grad()
                loss_fn(model(x_epoch[idx]), ty[idx]).backward()
                opt.step()
                schedule.step()
                seen += idx.numel()
            trained = time.perf_counter()
            val, _ = _evaluate(model, data.val_x, val_y, 256)
            test, _ = _evaluate(model, data.test_x, test_y, 256)
            lap, train_wall_s = time.perf_counter(), trained - lap
            curve.append(
                curve_entry(
                    epoch + 1,
                    (val, test),
                    seen,
                    (macs_per_sample, energy_per_sample_J),
                    (train_wall_s, lap - trained),
                )
            )
            bar.set_postfix(val=val)
            if val > best[0]:
                best = (val, {k: v.clone() for k, v in model.state_dict().items()}, epoch)
            elif epoch - best[2] >= cfg.patience:
                stopped_by = "plateau"
                break
        bar.close()
    model.load_state_dict(best[1])
    test, hidden_spikes = _evaluate(model, data.test_x, test_y, 256)
    return BaselineResult(
        family=FAMILY,
        width=spec.n_hidden,
        parameters=params,
        weights_bytes_fp32=weights_bytes_fp32(params),
        validation_accuracy=best[0],
        test_accuracy=test,
        best_epoch=best[2] + 1,
        epochs_run=len(curve),
        best_check=best[2] + 1,
        checks_run=len(curve),
        stopped_by=stopped_by,
        **cost_record(macs, params, seen),
        curve=tuple(curve),
        wall_time_s=time.perf_counter() - start,
        hidden_spikes_per_clip=hidden_spikes,
        # what a mapping onto bounded conductance pairs would have to hold (weight units)
        weight_abs_max={
            name: float(getattr(model, f"w_{name}").detach().abs().max())
            for name in ("input", "recurrent", "output")
        },
        # rows read: the hidden neurons that spiked, the inputs that are not 0
        synaptic_ops_per_clip=hidden_spikes * (spec.n_hidden + spec.n_classes)
        + np.count_nonzero(data.test_x) / test_y.size * spec.n_hidden,
    )


def rsnn_result_key(spec: RsnnSpec, data: BaselineData, cfg: BaselineConfig) -> dict:
    """Everything a result depends on: network, data, training settings, code, prices.

    Parameters
    ----------
    spec : RsnnSpec
        The network.
    data : BaselineData
        Training (one array per epoch copy), validation and test inputs and labels.
    cfg : BaselineConfig
        Training settings.

    Returns
    -------
    dict
        The cache key.
    """
    return {
        "schema": SCHEMA,
        "family": FAMILY,
        "width": spec.n_hidden,
        "network": spec.key(),
        "config": cfg.key(),
        "data": data.fingerprint,
        "code": code_version(),
        "prices": price_table(),
    }


def cached_train_rsnn(
    cache_dir,
    spec: RsnnSpec,
    data: BaselineData,
    cfg: BaselineConfig,
    progress: bool = True,
) -> BaselineResult:
    """``train_rsnn`` through the result cache, as ``train.cached_train_baseline``.

    Parameters
    ----------
    cache_dir : str or pathlib.Path or None
        Folder of the result cache; None: no cache.
    spec : RsnnSpec
        The network.
    data : BaselineData
        Training (one array per epoch copy), validation and test inputs and labels.
    cfg : BaselineConfig
        Training settings.
    progress : bool
        Show a progress bar over the epochs.

    Returns
    -------
    BaselineResult
        The result of ``train_rsnn`` with ``from_cache``.
    """
    return cached_baseline(
        cache_dir,
        f"{FAMILY}-{spec.n_hidden}",
        lambda: rsnn_result_key(spec, data, cfg),
        lambda: train_rsnn(spec, data, cfg, progress),
    )
