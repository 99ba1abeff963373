"""e-prop on chip: the learning rule of the temporal network (``raven.chip.temporal``).

Per clip, the chip's recurrent kernel leaves each synapse's summed filtered eligibility
trace F_ji (digital trace memory). At the end of the clip the output error
err = softmax(scores) - onehot(label) is broadcast; each hidden neuron j receives the
learning signal L_j = sum_k B_jk err_k, with B the output weights ("symmetric" feedback) or
a fixed random matrix ("random" e-prop), and every synapse's digital accumulator receives

    dW_ji = -lr L_j F_ji / T          (hidden: input and recurrent rows)
    dWout_jk = -lr_out err_k zbar_j   (output: zbar_j the clip mean of the filtered spikes)

(Bellec et al., Nat. Commun. 11, 3625, 2020). The accumulators fire device pulses when
they reach the accumulate-and-fire threshold (mixed precision; Nandakumar et al., Front.
Neurosci. 2020): no weight is ever written as a float.
"""

from __future__ import annotations

import numpy as np

from ..accounting.ledger import Ledger
from ..chip.temporal import TemporalChip, TemporalResult
from .rules import LearningRule, softmax


class EpropRule(LearningRule):
    chip: TemporalChip

    def __init__(self, cfg, chip: TemporalChip):
        super().__init__(cfg, chip)
        self.lr_factor = 1.0

    def start_epoch(self, epoch: int) -> None:
        self.lr_factor = self.chip.cfg.temporal.lr_decay_per_epoch**epoch

    def forward(self, spikes: np.ndarray, snaps, ledger: Ledger) -> TemporalResult:
        return self.chip.forward(spikes, snaps, ledger, with_traces=True)

    def gradients(
        self, result: TemporalResult, labels: np.ndarray, ledger: Ledger
    ) -> tuple[np.ndarray, np.ndarray]:
        """Summed over the batch: (dL/dW_hidden (n_in + n_hidden, n_hidden), dL/dW_output
        (n_hidden, n_classes)) in weight units, e-prop for the hidden layer."""
        chip, out = self.chip, result.outputs
        err = softmax(result.scores)
        err[np.arange(labels.size), labels] -= 1.0
        if chip.cfg.temporal.feedback == "symmetric":
            feedback = result.synapses.w_output.T  # read from the output tile, transposed
            ledger.add(
                cell_reads=2 * feedback.size,
                read_g_sum_uS=float(result.synapses.row_g_output_uS.sum()),
            )
        else:
            feedback = chip.feedback
        signal = err @ feedback  # (B, n_hidden): L_j per clip
        grad_hidden = np.einsum("bj,bij->ij", signal, out.trace_sums) / result.steps
        grad_output = out.zbar_out_mean.T @ err
        ledger.add(
            digital_macs=3 * err.size  # softmax: exp, sum, divide
            + signal.size * chip.n_classes  # learning signals
            + out.trace_sums.size  # L_j F_ji per synapse and clip
            + grad_output.size * labels.size,
        )
        return grad_hidden, grad_output

    def update(self, result, spikes, labels, t_s, step, ledger):
        chip, tc = self.chip, self.chip.cfg.temporal
        batch = labels.size
        grad_hidden, grad_output = self.gradients(result, labels, ledger)
        rate = self.lr_factor / batch
        delta_hidden_uS = (
            -tc.lr * rate * grad_hidden * chip.hidden.scale_uS / chip.row_gain[:, None]
        )
        delta_hidden_uS[chip.self_connections()] = 0.0  # no self-connections on the chip
        delta_output_uS = -tc.lr_output * rate * grad_output * chip.output.scale_uS
        self.apply(delta_hidden_uS, delta_output_uS, batch, t_s, step, ledger)
