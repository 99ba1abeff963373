"""On-chip local learning rules. Each uses only presynaptic activity, postsynaptic activity
and a broadcast signal (the label or the output error), and hands the chip a desired
change in conductance that the layers turn into pulses (mixed precision: digital
accumulators, pulses when |chi| >= epsilon)."""

from __future__ import annotations

import numpy as np

from devices.pcm import reference_step_uS
from kernels.update import stdp_delta

from ..accounting.ledger import Ledger
from ..chip.crossbar import Chip, ForwardResult
from ..config.tables import LearningConfig


def nominal_step_uS(chip: Chip) -> float:
    """Mean conductance step of one nominal pulse at a quarter of G_max, without history:
    the default accumulate-and-fire threshold.

    Parameters
    ----------
    chip : Chip
        The chip (its device preset).

    Returns
    -------
    float
        The step, uS.
    """
    return reference_step_uS(chip.params)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the classes of each row.

    Parameters
    ----------
    x : numpy.ndarray
        Scores (B, n_classes).

    Returns
    -------
    numpy.ndarray
        Probabilities (B, n_classes), each row summing to 1.
    """
    z = x - x.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class LearningRule:
    """Interface: ``update`` turns one batch's activity into pulses on the chip.

    Parameters
    ----------
    cfg : LearningConfig
        Learning settings; its ``epsilon_uS`` (None: ``nominal_step_uS``) is the
        accumulate-and-fire threshold.
    chip : Chip
        The chip trained.
    """

    def __init__(self, cfg: LearningConfig, chip: Chip):
        self.cfg = cfg
        self.chip = chip
        self.epsilon_uS = cfg.epsilon_uS or nominal_step_uS(chip)

    def start_epoch(self, epoch: int) -> None:
        """Called before each epoch (rules with a learning-rate schedule override it).

        Parameters
        ----------
        epoch : int
            Index of the epoch starting.
        """

    def forward(self, spikes: np.ndarray, snaps, ledger: Ledger) -> ForwardResult:
        """The training forward pass this rule needs.

        Parameters
        ----------
        spikes : numpy.ndarray
            Input spikes (B, T, n_in).
        snaps : list
            The layers' snapshots.
        ledger : Ledger
            Where the events are booked.

        Returns
        -------
        ForwardResult
            The chip's forward pass.
        """
        return self.chip.forward(spikes, snaps, ledger)

    def output_error(self, result: ForwardResult, labels: np.ndarray, ledger: Ledger) -> np.ndarray:
        """e = softmax(beta scores) - onehot: the broadcast error signal.

        Parameters
        ----------
        result : ForwardResult
            The forward pass (its scores, uS).
        labels : numpy.ndarray
            (B,) class indices.
        ledger : Ledger
            Where its arithmetic is booked (3 operations per output).

        Returns
        -------
        numpy.ndarray
            Error (B, n_classes).
        """
        p = softmax(self.cfg.softmax_beta_per_uS * result.scores)
        e = p.copy()
        e[np.arange(labels.size), labels] -= 1.0
        ledger.add(digital_macs=3 * e.size)  # exp, sum, divide per output
        return e

    def apply(
        self,
        delta_hidden_uS: np.ndarray,
        delta_out_uS: np.ndarray,
        batch: int,
        t_s: float,
        step: int,
        ledger: Ledger,
        extra_updates: tuple[int, int] | None = None,
    ) -> None:
        """Add the changes to the layers' accumulators and fire their pulses. The tile kernel
        books one accumulator update per synapse and batch (the firing check);
        ``extra_updates`` are the further accumulator updates of each layer (default: one per
        synapse and further clip of the batch).

        Parameters
        ----------
        delta_hidden_uS, delta_out_uS : numpy.ndarray
            Desired conductance changes of the hidden and output layers, uS.
        batch : int
            Clips in the batch.
        t_s : float
            Device time of the update, s.
        step : int
            Index of the update.
        ledger : Ledger
            Where the updates and pulses are booked.
        extra_updates : tuple of (int, int) or None
            Further accumulator updates of each layer.
        """
        c = self.cfg
        seed = self.chip.cfg.seed
        pairs = ((self.chip.hidden, delta_hidden_uS), (self.chip.output, delta_out_uS))
        if extra_updates is None:
            extra_updates = tuple((batch - 1) * delta.size for _, delta in pairs)
        for (layer, delta), extra in zip(pairs, extra_updates, strict=True):
            layer.apply_delta(delta, t_s, self.epsilon_uS, c.max_pulses, seed, step, ledger)
            ledger.add(accumulator_updates=extra)

    def update(
        self,
        result: ForwardResult,
        spikes: np.ndarray,
        labels: np.ndarray,
        t_s: float,
        step: int,
        ledger: Ledger,
    ) -> None:
        """Turn one batch's activity into pulses on the chip: implemented by each rule.

        Parameters
        ----------
        result : ForwardResult
            The batch's training forward pass.
        spikes : numpy.ndarray
            The batch's input spikes (B, T, n_in).
        labels : numpy.ndarray
            (B,) class indices.
        t_s : float
            Device time of the update, s.
        step : int
            Index of the update (key of its pulse streams).
        ledger : Ledger
            Where the arithmetic and pulses are booked.

        Raises
        ------
        NotImplementedError
            On the interface itself.
        """
        raise NotImplementedError


class ThreeFactorRule(LearningRule):
    """Output layer: delta rule dW2 = -lr_out r_hidden^T e. Hidden layer: direct random
    feedback, dW1 = -lr_hidden x^T ((e B) * [r_hidden > 0]), B fixed and random."""

    def update(self, result, spikes, labels, t_s, step, ledger):
        """Turn one batch's activity into pulses on the chip: the delta rule on the output
        layer and direct random feedback of the output error on the hidden layer.

        Parameters
        ----------
        result : ForwardResult
            The batch's training forward pass.
        spikes : numpy.ndarray
            The batch's input spikes (B, T, n_in).
        labels : numpy.ndarray
            (B,) class indices.
        t_s : float
            Device time of the update, s.
        step : int
            Index of the update (key of its pulse streams).
        ledger : Ledger
            Where the arithmetic and pulses are booked.
        """
        c = self.cfg
        e = self.output_error(result, labels, ledger)
        batch = labels.size
        delta_out = -c.lr_out_uS * result.hidden_rates.T @ e
        hidden_error = (e @ self.chip.feedback) * (result.hidden_rates > 0)
        delta_hidden = -c.lr_hidden_uS * result.input_rates.T @ hidden_error
        ledger.add(digital_macs=e.size * self.chip.feedback.shape[1])
        self.apply(delta_hidden, delta_out, batch, t_s, step, ledger)


class StdpWtaRule(LearningRule):
    """Hidden layer: unsupervised pair-based STDP where only the k most active hidden
    neurons of each clip count as postsynaptic (k-winner-take-all lateral inhibition);
    output layer: the delta rule of ``ThreeFactorRule``."""

    def update(self, result, spikes, labels, t_s, step, ledger):
        """Turn one batch's activity into pulses on the chip: STDP of the k winners on the
        hidden layer and the delta rule on the output layer.

        Parameters
        ----------
        result : ForwardResult
            The batch's training forward pass.
        spikes : numpy.ndarray
            The batch's input spikes (B, T, n_in).
        labels : numpy.ndarray
            (B,) class indices.
        t_s : float
            Device time of the update, s.
        step : int
            Index of the update (key of its pulse streams).
        ledger : Ledger
            Where the arithmetic and pulses are booked.
        """
        c = self.cfg
        e = self.output_error(result, labels, ledger)
        batch = labels.size
        delta_out = -c.lr_out_uS * result.hidden_rates.T @ e
        post = result.hidden_spikes.copy()
        counts = post.sum(axis=0)  # (B, n_hidden)
        k = min(c.wta_k, counts.shape[1])
        winners = np.argsort(-counts, axis=1, kind="stable")[:, :k]
        keep = np.zeros_like(counts, dtype=bool)
        keep[np.arange(batch)[:, None], winners] = True
        post *= keep[None].astype(np.uint8)
        pre = np.ascontiguousarray(spikes.transpose(1, 0, 2))
        delta_hidden = np.zeros((pre.shape[2], post.shape[2]))
        trace_ops = stdp_delta(
            pre,
            np.ascontiguousarray(post),
            c.stdp_trace_decay,
            c.stdp_trace_decay,
            c.stdp_a_plus_uS,
            c.stdp_a_minus_uS,
            delta_hidden,
        )
        ledger.add(digital_macs=trace_ops)
        self.apply(delta_hidden, delta_out, batch, t_s, step, ledger)
