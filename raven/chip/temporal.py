"""The temporal Raven: a recurrent spiking network that listens to speech frame by frame.

Audio features enter as time: each 20 ms frame is ``steps_per_frame`` time steps, and each
coefficient drives an ON and an OFF input channel (rate-coded by how far the standardised
coefficient lies above or below its training mean, or send-on-delta). Input and recurrent
synapses share one crossbar layer (rows: input channels, then hidden neurons; columns:
hidden neurons), so the recurrent spikes of step t-1 and the input spikes of step t drive
the same column lines; each column current goes through an ADC into a digital adaptive LIF
(ALIF) neuron. Hidden spikes drive a second crossbar whose columns feed leaky output
integrators; the class score is the output averaged over the clip.

Training is on chip by e-prop (``kernels.recurrent``; Bellec et al., Nat. Commun. 11, 3625,
2020): digital per-synapse eligibility traces, a learning signal broadcast from the output
error through fixed random feedback (or the output weights), and weight changes realised
only as pulses through the mixed-precision accumulators and the device pulse model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from devices.pcm import preset
from kernels.events import Events
from kernels.recurrent import AlifConstants, RecurrentOutputs, RecurrentSynapses, run_alif
from kernels.rng import stream_generator

from ..accounting.ledger import Ledger
from ..config.tables import RavenConfig
from .crossbar import ACCUMULATOR_BITS, ROUTING_BITS, STATE_BITS, Chip, CrossbarChip, CrossbarLayer

# Digital words of e-prop state per synapse: the filtered eligibility trace, the adaptation
# eligibility (ALIF only) and the running sum of the filtered trace. Billed as 32-bit words:
# the simulation keeps them in float64, and 32-bit fixed point is the narrowest width whose
# rounding we have not measured to matter (a conservative price).
TRACE_WORDS_LIF = 2
TRACE_WORDS_ALIF = 3
TRACE_BITS = 32
# Arithmetic per synapse and eligibility event (see kernels.recurrent): decay and add of
# the running sum, the adaptation trace (2 mult + add), the trace itself (mult + add).
TRACE_OPS_PER_EVENT = 4


def decay_per_step(tau_ms: float, dt_ms: float) -> float:
    """exp(-dt / tau): the per-step decay of a first-order low-pass filter."""
    return math.exp(-dt_ms / tau_ms)


def alif_constants(cfg: RavenConfig) -> AlifConstants:
    """The per-step constants of the configured network: a time step is one frame stride
    divided by ``steps_per_frame``; weights are in units of the base threshold (b0 = 1)."""
    tc = cfg.temporal
    dt_ms = cfg.features.stride_ms / tc.steps_per_frame
    return AlifConstants(
        alpha=decay_per_step(tc.tau_membrane_ms, dt_ms),
        rho=decay_per_step(tc.tau_adaptation_ms, dt_ms),
        beta=tc.adaptation_beta,
        b0=1.0,
        kappa=decay_per_step(tc.tau_output_ms, dt_ms),
        psi_gamma=tc.pseudo_derivative_gamma,
        psi_width=tc.pseudo_derivative_width,
        adc_bits=tc.adc_bits,
        adc_range=tc.adc_range,
    )


def initial_weights(cfg: RavenConfig, n_in: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Random initial weights (weight units), drawn from the seed: hidden layer
    (n_in + n_hidden, n_hidden) with input rows N(0, (g_in / sqrt(n_in))^2), recurrent rows
    N(0, (g_rec / sqrt(n_hidden))^2) and no self-connections (zero); output
    (n_hidden, n_classes) N(0, (g_out / sqrt(n_hidden))^2)."""
    tc = cfg.temporal
    rng = stream_generator(cfg.seed, "initial_weights")
    n_hid = tc.n_hidden
    w_hidden = np.concatenate(
        [
            rng.normal(0.0, tc.input_init_gain / np.sqrt(n_in), (n_in, n_hid)),
            rng.normal(0.0, tc.recurrent_init_gain / np.sqrt(n_hid), (n_hid, n_hid)),
        ]
    )
    j = np.arange(n_hid)
    w_hidden[n_in + j, j] = 0.0
    w_out = rng.normal(0.0, tc.output_init_gain / np.sqrt(n_hid), (n_hid, n_classes))
    return w_hidden, w_out


@dataclass
class TemporalResult:
    """What one forward pass of a batch gives to evaluation and learning."""

    scores: np.ndarray  # (B, n_classes), weight units
    outputs: RecurrentOutputs
    synapses: RecurrentSynapses  # the effective weights this pass read
    steps: int
    events: Events  # what the recurrent kernel did (booked in the ledger by the chip)


class TemporalChip(CrossbarChip):
    """Recurrent ALIF layer and output integrators on two crossbar layers of PCM pairs.

    The hidden crossbar holds the input rows and the recurrent rows (read at a lower row
    gain); the output crossbar the hidden-to-output weights. Column currents are
    converted by ADCs into digital ALIF neurons; e-prop (``raven.learning.eprop``) trains it.

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.temporal`` sets the network, ``cfg.device`` the PCM preset,
        ``cfg.network`` the tile sizes).
    n_in : int
        Input channels (two per feature coefficient).
    n_classes : int
        Output classes.

    References
    ----------
    .. [1] G. Bellec et al., Nat. Commun. 11, 3625 (2020) (ALIF neurons, e-prop).
    """

    readout = "adc"  # column currents are converted into digital ALIF neurons

    def __init__(self, cfg: RavenConfig, n_in: int, n_classes: int):
        self.cfg = cfg
        self.n_in, self.n_classes = n_in, n_classes
        tc, net = cfg.temporal, cfg.network
        self.params = preset(cfg.device.preset)
        rng = stream_generator(cfg.seed, "chip_devices")
        n_hidden = tc.n_hidden
        self.hidden = CrossbarLayer(
            n_in + n_hidden, n_hidden, self.params, net.tile_rows, net.tile_cols, rng
        )
        self.output = CrossbarLayer(
            n_hidden, n_classes, self.params, net.tile_rows, net.tile_cols, rng, layer_index=1
        )
        # Fixed random feedback (random e-prop); used when tc.feedback == "random".
        self.feedback = rng.standard_normal((n_classes, n_hidden)) / np.sqrt(n_hidden)
        self.mac_step = 0  # key of the next forward pass's noise stream; saved with the chip
        # Read gain of each hidden-layer row: recurrent rows are driven at a lower read
        # amplitude so that their small weights span the conductance range.
        self.row_gain = np.concatenate(
            [np.ones(n_in), np.full(n_hidden, tc.w_max_recurrent / tc.w_max_hidden)]
        )
        self.constants = alif_constants(cfg)

    @property
    def n_hidden(self) -> int:
        return self.cfg.temporal.n_hidden

    def trace_words(self) -> int:
        """Eligibility-trace words per synapse of the hidden layer."""
        return TRACE_WORDS_ALIF if self.cfg.temporal.adaptation_beta > 0 else TRACE_WORDS_LIF

    def declare_memories(self, ledger: Ledger, training: bool) -> None:
        """The chip's digital arrays: 16-bit accumulators (retained between clips while
        training), per-synapse eligibility traces (training only, cleared every clip), the
        routing table, and the neuron state (membrane and adaptation of each hidden neuron,
        each output integrator, the presynaptic traces zbar_i, each neuron's filtered
        output trace and last eligibility event)."""
        n_hid, n_pre = self.n_hidden, self.hidden.n_in
        ledger.declare_memory(
            "accumulators", self.n_synapses(), ACCUMULATOR_BITS, retained=training
        )
        ledger.declare_memory("routing", n_hid, ROUTING_BITS)
        state_words = 2 * n_hid + self.n_classes + (n_pre + 2 * n_hid if training else 0)
        ledger.declare_memory("neuron_state", state_words, STATE_BITS)
        if training:
            ledger.declare_memory(
                "eligibility_traces", n_pre * n_hid * self.trace_words(), TRACE_BITS
            )

    def initialise(self, t_s: float, ledger: Ledger | None = None) -> None:
        """Program the initial weights of ``initial_weights`` (self-connection pairs stay at
        G_min and are never updated)."""
        tc = self.cfg.temporal
        w_hidden, w_out = initial_weights(self.cfg, self.n_in, self.n_classes)
        self.hidden.program(w_hidden / self.row_gain[:, None], t_s, w_max=tc.w_max_hidden)
        self.output.program(w_out, t_s, w_max=tc.w_max_output)
        if ledger is not None:  # every device gets one one-shot program
            cells = 2 * self.n_synapses()
            ledger.add(program_pulses=cells, programmed_cells=cells)

    def self_connections(self) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the hidden layer's self-connection pairs (row n_in + j, column j)."""
        j = np.arange(self.n_hidden)
        return self.n_in + j, j

    @staticmethod
    def _assemble(layer: CrossbarLayer, snaps, gain: np.ndarray | None, row_gain=None):
        """Whole-layer effective weights (weight units), noise variances and row sums."""
        w = np.empty((layer.n_in, layer.n_out))
        var = np.empty((layer.n_in, layer.n_out))
        row_g = np.zeros(layer.n_in)
        for r, c, _tile in layer.all_tiles():
            (r0, r1), (c0, c1) = layer.row_splits[r], layer.col_splits[c]
            snap = snaps[r][c]
            w[r0:r1, c0:c1] = snap.g_eff_uS
            var[r0:r1, c0:c1] = snap.var_uS2
            row_g[r0:r1] += snap.row_g_sum_uS
        w /= layer.scale_uS
        var /= layer.scale_uS**2
        if row_gain is not None:
            w *= row_gain[:, None]
            var *= row_gain[:, None] ** 2
        if gain is not None:
            w *= gain
            var *= gain**2
        return w, var, row_g

    def synapses(self, snaps, column_gain=None) -> RecurrentSynapses:
        gains = column_gain or (None, None)
        wh, vh, gh = self._assemble(self.hidden, snaps[0], gains[0], self.row_gain)
        wo, vo, go = self._assemble(self.output, snaps[1], gains[1])
        return RecurrentSynapses(wh, vh, gh, wo, vo, go)

    def _run(
        self, spikes: np.ndarray, snaps, ledger: Ledger, seed: int, column_gain, with_traces=False
    ) -> TemporalResult:
        """The recurrent network's pass: class scores (and, ``with_traces``, the e-prop
        traces). ``column_gain`` is folded into each neuron's input scale once per
        compensation."""
        steps = spikes.shape[1]
        synapses = self.synapses(snaps, column_gain)
        out, events = run_alif(
            spikes,
            synapses,
            self.constants,
            with_noise=self.cfg.device.read_noise,
            with_traces=with_traces,
            seed=seed,
            call_key=self.mac_step,
        )
        self.mac_step += 1
        self._book(events, spikes, ledger, with_traces)
        return TemporalResult(out.scores, out, synapses, steps, events)

    def _book(self, events: Events, spikes: np.ndarray, ledger: Ledger, traces: bool):
        batch, steps, _ = spikes.shape
        n_hid, n_cls, n_pre = self.n_hidden, self.n_classes, self.hidden.n_in
        hidden_tiles = len(self.hidden.row_splits)
        output_tiles = len(self.output.row_splits)
        # Every column of every row tile is sensed and converted when its tile is read (the
        # simulation converts the summed current once: exact for a single row tile, the
        # default); partial sums of row-split tiles are then added digitally.
        column_reads = (
            events.hidden_read_steps * n_hid * hidden_tiles
            + events.output_read_steps * n_cls * output_tiles
        )
        updates = batch * steps * (n_hid + n_cls)
        ledger.add(
            row_activations=events.row_activations,
            cell_reads=events.cell_reads,
            read_g_sum_uS=events.read_g_sum_uS,
            synaptic_ops=events.synaptic_ops,
            dense_macs=batch * steps * (n_pre * n_hid + n_hid * n_cls),
            column_reads=column_reads,
            adc_conversions=column_reads,
            partial_sum_adds=events.hidden_read_steps * n_hid * (hidden_tiles - 1)
            + events.output_read_steps * n_cls * (output_tiles - 1),
            neuron_updates=updates,
            spikes_routed=events.hidden_spikes,  # each hidden spike drives an output row
            input_spikes=events.input_spikes,
            input_slots=spikes.size,
            hidden_slots=batch * steps * n_hid,
            time_steps=batch * steps,
            clips=batch,
        )
        # A digital ALIF step reads and writes membrane and adaptation; an integrator its
        # value; each hidden spike reads its routing entry.
        state_accesses = batch * steps * (2 * n_hid + n_cls)
        ledger.add_memory("neuron_state", reads=state_accesses, writes=state_accesses)
        ledger.add_memory("routing", reads=events.hidden_spikes)
        if events.adc_saturations:
            ledger.add(adc_saturations=events.adc_saturations)
        if traces:
            eligible = events.eligibility_events
            # presynaptic traces decay every step; each eligibility event updates the fan-in
            # of its neuron: every trace word read and written, TRACE_OPS_PER_EVENT operations
            ledger.add(
                eligibility_events=eligible,
                digital_macs=eligible * n_pre * TRACE_OPS_PER_EVENT + batch * steps * n_pre,
            )
            words = eligible * n_pre * self.trace_words()
            ledger.add_memory("eligibility_traces", reads=words, writes=words)
            ledger.add_memory(
                "neuron_state", reads=batch * steps * n_pre, writes=batch * steps * n_pre
            )


def make_chip(cfg: RavenConfig, n_in: int, n_classes: int) -> Chip | TemporalChip:
    """The chip of the configured architecture, not yet programmed (``initialise``).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration; ``cfg.architecture`` picks the chip.
    n_in : int
        Input channels (``raven.features.pipeline.n_inputs``).
    n_classes : int
        Output classes.

    Returns
    -------
    Chip or TemporalChip
    """
    if cfg.architecture == "temporal":
        return TemporalChip(cfg, n_in, n_classes)
    return Chip(cfg, n_in, n_classes)
