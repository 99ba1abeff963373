"""The temporal Raven: a recurrent spiking network that listens to speech frame by frame.

Audio features enter as time: each 20 ms frame is ``steps_per_frame`` time steps. Each
coefficient drives one input word line at a graded amplitude through a DAC (its standardised
value), or an ON and an OFF channel of spikes (rate-coded by how far the standardised
coefficient lies above or below its training mean, or send-on-delta). Input and recurrent
synapses share one crossbar layer (rows: input channels, then hidden neurons; columns:
hidden neurons), so the recurrent spikes of step t-1 and the input spikes of step t drive
the same column lines; each column current goes through an ADC into a digital adaptive LIF
(ALIF) neuron. Hidden spikes drive a second crossbar whose columns feed leaky output
integrators; the class score is the output averaged over the clip.

Hidden neurons have their own membrane and adaptation time constants (log-uniform around
the configured ones) and a configurable fraction of them adapt (ALIF); the others are LIF.
During training each hidden spike is dropped (not transmitted) with probability
``dropout``; at inference the hidden rows are read at the gain 1 - dropout instead.

Training is on chip by e-prop (``kernels.recurrent``; Bellec et al., Nat. Commun. 11, 3625,
2020) in its end-of-clip form: the loss is at the clip's end and the learning signal is
constant over the clip, so no per-synapse trace is kept. Each neuron's pseudo-derivatives
are stored during the clip; at its end a per-neuron backward recursion turns them into
G_j(t), and every row driven at step t adds G_j(t) times its amplitude into its synapses'
accumulators (event-driven). The learning signal is broadcast from the output error through
fixed random feedback (or the output weights), and weight changes are realised only as
pulses through the mixed-precision accumulators and the device pulse model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kernels.events import Events
from kernels.recurrent import AlifConstants, RecurrentOutputs, RecurrentSynapses, run_alif
from kernels.rng import stream_generator

from ..accounting.ledger import Ledger
from ..config.tables import RavenConfig
from .crossbar import CrossbarChip
from .layer import ACCUMULATOR_BITS, ROUTING_BITS, STATE_BITS, CrossbarLayer, device_params

# e-prop state of the end-of-clip form: each hidden neuron's pseudo-derivative per step
# (then its G_j(t), in place), billed as 32-bit words (the simulation keeps float64;
# 32-bit fixed point is the narrowest width whose rounding we have not measured to matter),
# and each row's drive per step (a DAC code or a spike bit), billed as 8-bit words.
ELIGIBILITY_BITS = 32
ACTIVITY_BITS = 8
# Arithmetic per neuron and step of the backward recursion: c_t psi (mult), the adaptation
# sum K (mult-add, mult-add), H = h - beta psi K (mult-add), G (mult-add); then L_j G_j(t)
# (mult), the factor every row driven at that step adds.
RECURSION_OPS_PER_STEP = 6


def decay_per_step(tau_ms: float, dt_ms: float) -> float:
    """exp(-dt / tau): the per-step decay of a first-order low-pass filter.

    Parameters
    ----------
    tau_ms : float
        Time constant, ms (> 0).
    dt_ms : float
        Time step, ms.

    Returns
    -------
    float
        Decay factor per step, in (0, 1] for dt >= 0.
    """
    return math.exp(-dt_ms / tau_ms)


def neuron_time_constants_ms(cfg: RavenConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each hidden neuron's membrane and adaptation time constants (ms) and adaptation
    strength, drawn from the seed: time constants log-uniform in [tau / spread, tau x
    spread]; the first ``round(alif_fraction x n_hidden)`` neurons adapt with
    ``adaptation_beta``, the others are plain LIF (beta 0).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.temporal``).

    Returns
    -------
    tau_membrane_ms, tau_adaptation_ms, beta : numpy.ndarray
        (n_hidden,) each.
    """
    tc = cfg.temporal
    n = tc.n_hidden
    rng = stream_generator(cfg.seed, "neuron_constants")

    def log_uniform(tau_ms: float, spread: float) -> np.ndarray:
        return tau_ms * np.exp(rng.uniform(-1.0, 1.0, n) * math.log(spread))

    tau_m = log_uniform(tc.tau_membrane_ms, tc.tau_membrane_spread)
    tau_a = log_uniform(tc.tau_adaptation_ms, tc.tau_adaptation_spread)
    beta = np.zeros(n)
    beta[: round(tc.alif_fraction * n)] = tc.adaptation_beta
    return tau_m, tau_a, beta


def alif_constants(cfg: RavenConfig) -> AlifConstants:
    """The per-step constants of the configured network: a time step is one frame stride
    divided by ``steps_per_frame``; weights are in units of the base threshold (b0 = 1);
    alpha, rho and beta are per-neuron arrays (``neuron_time_constants_ms``).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.temporal``, ``cfg.features.stride_ms``, the seed).

    Returns
    -------
    kernels.AlifConstants
        Membrane and adaptation decays, adaptation strengths, output decay kappa,
        pseudo-derivative shape and ADC settings.
    """
    tc = cfg.temporal
    dt_ms = cfg.features.stride_ms / tc.steps_per_frame
    tau_m, tau_a, beta = neuron_time_constants_ms(cfg)
    return AlifConstants(
        alpha=np.exp(-dt_ms / tau_m),
        rho=np.exp(-dt_ms / tau_a),
        beta=beta,
        b0=1.0,
        kappa=decay_per_step(tc.tau_output_ms, dt_ms),
        psi_gamma=tc.pseudo_derivative_gamma,
        psi_width=tc.pseudo_derivative_width,
        adc_bits=tc.adc_bits,
        adc_range=tc.adc_range,
    )


def initial_weights(cfg: RavenConfig, n_in: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Random initial weights (weight units), drawn from the seed.

    Hidden layer (n_in + n_hidden, n_hidden) with input rows N(0, (g_in / sqrt(n_in))^2),
    recurrent rows N(0, (g_rec / sqrt(n_hidden))^2) and no self-connections (zero); output
    (n_hidden, n_classes) N(0, (g_out / sqrt(n_hidden))^2).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.temporal``, the seed).
    n_in : int
        Input channels.
    n_classes : int
        Output classes.

    Returns
    -------
    w_hidden, w_output : numpy.ndarray
        Shapes (n_in + n_hidden, n_hidden) and (n_hidden, n_classes).
    """
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
    """What one forward pass of a batch gives to evaluation and learning.

    Attributes
    ----------
    scores : numpy.ndarray
        (B, n_classes) class scores, weight units.
    outputs : kernels.RecurrentOutputs
        The recurrent kernel's outputs (spikes, traces when asked for).
    synapses : kernels.RecurrentSynapses
        The effective weights this pass read.
    steps : int
        Time steps per clip.
    events : kernels.events.Events
        What the recurrent kernel did (booked in the ledger by the chip).
    """

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
        self.params = device_params(cfg)
        rng = stream_generator(cfg.seed, "chip_devices")
        n_hidden = tc.n_hidden
        pairs = tc.pairs_per_synapse
        # Each synapse is ``pairs`` adjacent rows of differential pairs, driven by one input.
        self.hidden = CrossbarLayer(
            (n_in + n_hidden) * pairs, n_hidden, self.params, net.tile_rows, net.tile_cols, rng
        )
        self.output = CrossbarLayer(
            n_hidden * pairs,
            n_classes,
            self.params,
            net.tile_rows,
            net.tile_cols,
            rng,
            layer_index=1,
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
        """Hidden neurons (``cfg.temporal.n_hidden``)."""
        return self.cfg.temporal.n_hidden

    @property
    def pairs(self) -> int:
        """Differential pairs per synapse."""
        return self.cfg.temporal.pairs_per_synapse

    @property
    def n_pre(self) -> int:
        """Presynaptic rows of the hidden layer's synapses: inputs, then hidden neurons."""
        return self.n_in + self.n_hidden

    def spread_over_pairs(self, delta_uS: np.ndarray, step: int) -> np.ndarray:
        """A per-synapse conductance change as a per-pair one: all of it on the pair that
        the round-robin counter (the update ``step``) selects, none on the others.

        Parameters
        ----------
        delta_uS : numpy.ndarray
            (synapse rows, columns) change in uS.
        step : int
            The update's index.

        Returns
        -------
        numpy.ndarray
            (synapse rows x pairs, columns).
        """
        if self.pairs == 1:
            return delta_uS
        out = np.zeros((delta_uS.shape[0] * self.pairs, delta_uS.shape[1]))
        out[step % self.pairs :: self.pairs] = delta_uS
        return out

    def steps_per_clip(self) -> int:
        """Time steps of one clip (frames x steps per frame).

        Returns
        -------
        int
            Steps per clip.
        """
        return self.cfg.features.n_frames * self.cfg.temporal.steps_per_frame

    def declare_memories(self, ledger: Ledger, training: bool) -> None:
        """Declare the chip's digital arrays in ``ledger``.

        16-bit accumulators (retained between clips while training), the routing table, the
        neuron state (membrane of each hidden neuron, the adaptation of each adaptive one, each
        output integrator; training adds each hidden neuron's filtered output trace), each
        neuron's time constants (one 16-bit word per decay and per adaptation strength), and,
        while training, the clip's stored pseudo-derivatives (``eligibility_store``) and row
        drives (``activity_history``).

        Parameters
        ----------
        ledger : Ledger
            Where the memories are declared.
        training : bool
            Declare the training-only arrays and retain the accumulators.
        """
        n_hid, n_pre = self.n_hidden, self.n_pre
        ledger.declare_memory(
            "accumulators", self.n_synapses(), ACCUMULATOR_BITS, retained=training
        )
        ledger.declare_memory("routing", n_hid, ROUTING_BITS)
        state_words = n_hid + self.n_adaptive() + self.n_classes + (n_hid if training else 0)
        ledger.declare_memory("neuron_state", state_words, STATE_BITS)
        # alpha for every neuron; rho and beta for the adaptive ones only
        ledger.declare_memory("neuron_constants", n_hid + 2 * self.n_adaptive(), STATE_BITS)
        if training:
            steps = self.steps_per_clip()
            ledger.declare_memory("eligibility_store", n_hid * steps, ELIGIBILITY_BITS)
            ledger.declare_memory("activity_history", n_pre * steps, ACTIVITY_BITS)

    def n_adaptive(self) -> int:
        """Hidden neurons with adaptation (ALIF).

        Returns
        -------
        int
            Neurons whose adaptation strength beta is > 0.
        """
        return int(np.count_nonzero(np.asarray(self.constants.beta) > 0))

    def initialise(self, t_s: float, ledger: Ledger | None = None) -> None:
        """Program the initial weights of ``initial_weights`` (self-connection pairs stay at
        G_min and are never updated); each of a synapse's pairs holds 1/pairs of its weight.

        Parameters
        ----------
        t_s : float
            Time of programming, s.
        ledger : Ledger or None
            Where the one-shot programs are booked; None: not booked.
        """
        tc = self.cfg.temporal
        w_hidden, w_out = initial_weights(self.cfg, self.n_in, self.n_classes)
        # Each of a synapse's pairs holds 1/pairs of its weight, over 1/pairs of its range.
        k = self.pairs
        self.hidden.program(
            np.repeat(w_hidden / self.row_gain[:, None] / k, k, axis=0),
            t_s,
            w_max=tc.w_max_hidden / k,
        )
        self.output.program(np.repeat(w_out / k, k, axis=0), t_s, w_max=tc.w_max_output / k)
        if ledger is not None:  # every device gets one one-shot program
            cells = 2 * self.n_synapses()
            ledger.add(program_pulses=cells, programmed_cells=cells)

    def self_connections(self) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the hidden layer's self-connection synapses (row n_in + j, column j).

        Returns
        -------
        rows, columns : numpy.ndarray
            Synapse rows and columns (the pairs of a synapse share its row).
        """
        j = np.arange(self.n_hidden)
        return self.n_in + j, j  # (synapse rows: the pairs of a synapse share its row)

    @staticmethod
    def _assemble(layer: CrossbarLayer, snaps, gain: np.ndarray | None, row_gain=None, pairs=1):
        """Whole-layer effective weights (weight units), noise variances and row sums, per
        synapse (the ``pairs`` rows of a synapse summed)."""
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
        if pairs > 1:  # a synapse's pairs are read together: their currents add
            w = w.reshape(-1, pairs, layer.n_out).sum(axis=1)
            var = var.reshape(-1, pairs, layer.n_out).sum(axis=1)
            row_g = row_g.reshape(-1, pairs).sum(axis=1)
        if row_gain is not None:
            w *= row_gain[:, None]
            var *= row_gain[:, None] ** 2
        if gain is not None:
            w *= gain
            var *= gain**2
        return w, var, row_g

    def synapses(self, snaps, column_gain=None, training: bool = False) -> RecurrentSynapses:
        """The effective weights of both layers; outside training, the rows driven by hidden
        spikes (recurrent rows, output layer) are read at the gain 1 - dropout.

        Parameters
        ----------
        snaps : list
            Both layers' snapshots (``snapshots``).
        column_gain : list of numpy.ndarray or None
            Per layer, the drift compensation gain of each column.
        training : bool
            A training pass (dropout masks the spikes instead of scaling the rows).

        Returns
        -------
        kernels.RecurrentSynapses
            Weights (weight units), read-noise variances and row conductance sums per synapse.
        """
        gains = column_gain or (None, None)
        row_gain = self.row_gain
        keep = 1.0 if training else 1.0 - self.cfg.temporal.dropout
        if keep != 1.0:
            row_gain = np.concatenate(
                [self.row_gain[: self.n_in], self.row_gain[self.n_in :] * keep]
            )
        wh, vh, gh = self._assemble(self.hidden, snaps[0], gains[0], row_gain, self.pairs)
        out_gain = None if keep == 1.0 else np.full(self.n_hidden, keep)
        wo, vo, go = self._assemble(self.output, snaps[1], gains[1], out_gain, self.pairs)
        # A row read at a lower amplitude takes that amplitude squared of the read energy
        # (V^2 G t): the row-conductance sums the kernel prices carry the square.
        return RecurrentSynapses(wh, vh, gh * row_gain**2, wo, vo, go * keep**2)

    def dropout_mask(self, batch: int, steps: int) -> np.ndarray | None:
        """The transmission mask of a training pass: each hidden spike is kept with probability
        1 - dropout, drawn from the seed and the pass.

        Parameters
        ----------
        batch : int
            Clips in the pass.
        steps : int
            Time steps per clip.

        Returns
        -------
        numpy.ndarray or None
            uint8 mask (batch, steps, n_hidden); None without dropout.
        """
        p = self.cfg.temporal.dropout
        if p == 0.0:
            return None
        rng = stream_generator(self.cfg.seed, "dropout", self.mac_step)
        return (rng.random((batch, steps, self.n_hidden)) >= p).astype(np.uint8)

    def _run(
        self, spikes: np.ndarray, snaps, ledger: Ledger, seed: int, column_gain, with_traces=False
    ) -> TemporalResult:
        """The recurrent network's pass: class scores (and, ``with_traces``, the e-prop
        eligibility sums). ``column_gain`` is folded into each neuron's input scale once per
        compensation."""
        batch, steps = spikes.shape[:2]
        synapses = self.synapses(snaps, column_gain, training=with_traces)
        out, events = run_alif(
            spikes,
            synapses,
            self.constants,
            with_noise=self.cfg.device.read_noise,
            with_traces=with_traces,
            seed=seed,
            call_key=self.mac_step,
            transmit=self.dropout_mask(batch, steps) if with_traces else None,
        )
        self.mac_step += 1
        self._book(events, spikes, ledger, with_traces)
        return TemporalResult(out.scores, out, synapses, steps, events)

    def _book(self, events: Events, spikes: np.ndarray, ledger: Ledger, traces: bool):
        batch, steps, _ = spikes.shape
        n_hid, n_cls, n_pre = self.n_hidden, self.n_classes, self.n_pre
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
            # a synapse of several pairs drives their word lines and reads their cells
            row_activations=events.row_activations * self.pairs,
            cell_reads=events.cell_reads * self.pairs,
            read_g_sum_uS=events.read_g_sum_uS,
            synaptic_ops=events.synaptic_ops,
            synaptic_macs=events.synaptic_macs,
            # an ideal (0-bit) DAC in the simulation is priced as an 8-bit one
            dac_conversion_bits=events.dac_conversions * (self.cfg.temporal.dac_bits or 8),
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
        # A digital LIF step reads and writes its membrane, an ALIF step also its
        # adaptation, each reading its constants; an integrator its value; each hidden
        # spike reads its routing entry.
        state_accesses = batch * steps * (n_hid + self.n_adaptive() + n_cls)
        ledger.add_memory("neuron_state", reads=state_accesses, writes=state_accesses)
        ledger.add_memory("neuron_constants", reads=batch * steps * (n_hid + 2 * self.n_adaptive()))
        ledger.add_memory("routing", reads=events.hidden_spikes)
        if events.adc_saturations:
            ledger.add(adc_saturations=events.adc_saturations)
        # Random numbers the chip draws: one per input slot of a stochastic spike code (the
        # rate code's Bernoulli draws; graded input draws none) and one per hidden neuron
        # and step for dropout while training.
        draws = spikes.size if self.cfg.temporal.input_encoding == "rate" else 0
        if traces and self.cfg.temporal.dropout > 0:
            draws += batch * steps * n_hid
        if draws:
            ledger.add(random_draws=draws)
        if traces:
            # During the clip: every neuron's pseudo-derivative stored, every row's drive
            # recorded, each hidden neuron's filtered output trace kept. At its end: the
            # backward recursion over the stored values (one read and one write of each, in
            # place), then the adds step by step: step t's vector G(t) is read once and
            # held in the adder's registers while every row driven at t adds it into its
            # synapses' accumulators, as the forward pass holds its column currents (the
            # adds themselves are accumulator updates, booked by the learning rule).
            neuron_steps = batch * steps * n_hid
            ledger.add(
                eligibility_events=events.eligibility_events,
                digital_macs=neuron_steps * RECURSION_OPS_PER_STEP,
            )
            ledger.add_memory("eligibility_store", reads=2 * neuron_steps, writes=2 * neuron_steps)
            # the recursion reads each neuron's decays once per clip
            ledger.add_memory("neuron_constants", reads=batch * (n_hid + 2 * self.n_adaptive()))
            ledger.add_memory(
                "activity_history", reads=batch * steps * n_pre, writes=batch * steps * n_pre
            )
            ledger.add_memory("neuron_state", reads=neuron_steps, writes=neuron_steps)
