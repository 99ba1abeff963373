"""e-prop on chip: the learning rule of the temporal network (``raven.chip.temporal``).

Per clip, the chip's recurrent kernel leaves each synapse's summed filtered eligibility
F_ji, computed at the clip's end from each neuron's stored pseudo-derivatives (the
end-of-clip form, ``kernels.recurrent``). At the end of the clip the output error
err = softmax(scores) - onehot(label) is broadcast; each hidden neuron j receives the
learning signal L_j = sum_k B_jk err_k, with B the output weights ("symmetric" feedback) or
a fixed random matrix ("random" e-prop), and every synapse's digital accumulator receives

    dW_ji = -lr (L_j F_ji / T + lambda W_ji)          (hidden: input and recurrent rows)
    dWout_jk = -lr_out (err_k zbar_j + lambda Wout_jk) (output: zbar_j the clip mean of
                                                        the filtered transmitted spikes)

with lambda the weight decay (W read from the chip in the pass: decay is realised by the
same accumulators and pulses as learning) and lr scheduled over the epochs
(``learning_rate_factor``).

(Bellec et al., Nat. Commun. 11, 3625, 2020). The accumulators fire device pulses when
they reach the accumulate-and-fire threshold (mixed precision; Nandakumar et al., Front.
Neurosci. 2020): no weight is ever written as a float.

Precision of the adds. On chip every end-of-clip add (x_i L_j G_j(t), times the learning
rate) goes into a 16-bit accumulator whose LSB is epsilon / 2^8, and a single add is often
smaller than that LSB: the adder rounds it stochastically onto the grid (unbiased; one
random draw per add, booked). The simulation adds the exact sum of an update's adds and
rounds once; the two differ only by the rounding noise, a few LSB per update (each add
contributes at most one LSB of variance), against a firing threshold of 2^8 LSB.
"""

from __future__ import annotations

import numpy as np

from ..accounting.ledger import Ledger
from ..chip.temporal import TemporalChip, TemporalResult
from .rules import LearningRule, softmax


def learning_rate_factor(schedule: str, epoch: int, epochs: int, decay: float, final: float):
    """The learning-rate multiplier of epoch ``epoch`` (0-based) of ``epochs``.

    Parameters
    ----------
    schedule : str
        "cosine": final + (1 - final) (1 + cos(pi epoch / epochs)) / 2, from 1 down to
        (nearly) ``final``, so that learning keeps correcting to the end; "exponential":
        decay^epoch; "constant": 1.
    epoch, epochs : int
        The epoch and the number of epochs of the run.
    decay : float
        Per-epoch decay of the exponential schedule.
    final : float
        Floor of the cosine schedule.

    Returns
    -------
    float
    """
    if schedule == "cosine":
        return final + (1.0 - final) * 0.5 * (1.0 + np.cos(np.pi * epoch / max(epochs, 1)))
    if schedule == "exponential":
        return decay**epoch
    return 1.0


class EpropRule(LearningRule):
    """e-prop on the temporal chip (module docstring): per batch, the e-prop gradients (plus
    weight decay) become accumulator changes and, through them, pulses.

    Parameters
    ----------
    cfg : LearningConfig
        The pulse scheme (threshold, pulses per update); the learning rates and schedule
        are read from the chip's ``cfg.temporal``.
    chip : TemporalChip
        The chip trained.
    """

    chip: TemporalChip

    def __init__(self, cfg, chip: TemporalChip):
        super().__init__(cfg, chip)
        self.lr_factor = 1.0

    def start_epoch(self, epoch: int) -> None:
        """Set the learning-rate factor of the epoch from the configured schedule
        (``learning_rate_factor``).

        Parameters
        ----------
        epoch : int
            Index of the epoch starting (0-based).
        """
        tc = self.chip.cfg.temporal
        self.lr_factor = learning_rate_factor(
            tc.lr_schedule,
            epoch,
            self.chip.cfg.training.epochs,
            tc.lr_decay_per_epoch,
            tc.lr_final_fraction,
        )

    def forward(self, spikes: np.ndarray, snaps, ledger: Ledger) -> TemporalResult:
        """The training forward pass, with the eligibility traces e-prop needs.

        Parameters
        ----------
        spikes : numpy.ndarray
            Inputs (B, T, n_in).
        snaps : list
            The layers' snapshots.
        ledger : Ledger
            Where the events are booked.

        Returns
        -------
        TemporalResult
            Scores, outputs with traces, the synapses read and the kernel's events.
        """
        return self.chip.forward(spikes, snaps, ledger, with_traces=True)

    def gradients(
        self, result: TemporalResult, labels: np.ndarray, ledger: Ledger
    ) -> tuple[np.ndarray, np.ndarray]:
        """The e-prop gradients, summed over the batch, in weight units.

        The learning signal of each hidden neuron is the output error through the output
        weights (read from the output tile, booked as cell reads) or through the fixed random
        feedback.

        Parameters
        ----------
        result : TemporalResult
            The batch's forward pass with traces.
        labels : numpy.ndarray
            (B,) class indices.
        ledger : Ledger
            Where the arithmetic and feedback reads are booked.

        Returns
        -------
        grad_hidden, grad_output : numpy.ndarray
            dL/dW_hidden (n_in + n_hidden, n_hidden) and dL/dW_output (n_hidden, n_classes).
        """
        chip, out = self.chip, result.outputs
        err = softmax(result.scores)
        err[np.arange(labels.size), labels] -= 1.0
        if chip.cfg.temporal.feedback == "symmetric":
            feedback = result.synapses.w_output.T  # read from the output tile, transposed
            ledger.add(
                cell_reads=2 * feedback.size * chip.pairs,  # both devices of every pair
                read_g_sum_uS=float(result.synapses.row_g_output_uS.sum()),
            )
        else:
            feedback = chip.feedback
        signal = err @ feedback  # (B, n_hidden): L_j per clip
        grad_hidden = np.einsum("bj,bij->ij", signal, out.trace_sums) / result.steps
        grad_output = out.zbar_out_mean.T @ err
        # (L_j times each step's G_j(t) is booked with the end-of-clip recursion by the chip:
        # no multiply per synapse)
        ledger.add(
            digital_macs=3 * err.size  # softmax: exp, sum, divide
            + signal.size * chip.n_classes  # learning signals
            + grad_output.size * labels.size,
        )
        return grad_hidden, grad_output

    def update(self, result, spikes, labels, t_s, step, ledger):
        """Turn one batch into pulses: the gradients (plus weight decay) scaled by the learning
        rates and the epoch's factor, mapped to conductance, self-connections left out, spread
        over the synapse's pairs and applied through the accumulators.

        Parameters
        ----------
        result : TemporalResult
            The batch's forward pass with traces.
        spikes : numpy.ndarray
            The batch's inputs (B, T, n_in).
        labels : numpy.ndarray
            (B,) class indices.
        t_s : float
            Device time of the update, s.
        step : int
            Index of the update (its pulse streams; the pair it goes to).
        ledger : Ledger
            Where the arithmetic and pulses are booked.
        """
        chip, tc = self.chip, self.chip.cfg.temporal
        batch = labels.size
        grad_hidden, grad_output = self.gradients(result, labels, ledger)
        if tc.weight_decay > 0:
            # lambda W on the effective weights this pass read (row gains included: the
            # conversion to uS below divides them out once), per clip of the batch
            syn = result.synapses
            grad_hidden = grad_hidden + tc.weight_decay * batch * syn.w_hidden
            grad_output = grad_output + tc.weight_decay * batch * syn.w_output
            ledger.add(digital_macs=grad_hidden.size + grad_output.size)
        rate = self.lr_factor / batch
        delta_hidden_uS = (
            -tc.lr * rate * grad_hidden * chip.hidden.scale_uS / chip.row_gain[:, None]
        )
        delta_hidden_uS[chip.self_connections()] = 0.0  # no self-connections on the chip
        delta_output_uS = -tc.lr_output * rate * grad_output * chip.output.scale_uS
        # Hidden layer: the end-of-clip adds of every clip go into the accumulators
        # (event-driven); output layer: one update per synapse and clip.
        self.apply(
            chip.spread_over_pairs(delta_hidden_uS, step),
            chip.spread_over_pairs(delta_output_uS, step),
            batch,
            t_s,
            step,
            ledger,
            extra_updates=(result.events.eligibility_adds, (batch - 1) * delta_output_uS.size),
        )
        # stochastic rounding of each end-of-clip add onto the accumulator grid (docstring)
        ledger.add(random_draws=result.events.eligibility_adds)
