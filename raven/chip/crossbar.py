"""The Raven chip: crossbar layers of PCM differential-pair tiles and LIF neurons.

A layer larger than a tile is split into a grid of tiles; each tile computes its column
partial sums from its rows. The chip's ``readout`` decides which circuits exist and so what
the ledger books (``raven.accounting.ledger`` prices them):

- ``"adc"`` (default): every column read of a tile with an active row goes through a
  sense circuit and an ADC; the partial sums of row-split tiles are added digitally
  (``partial_sum_adds``) into digital neurons whose state is the "neuron_state" memory.
- ``"analog"``: row-split tiles share their column lines, so partial sums add as currents
  into analog integrating neurons (``analog_neuron_updates``): no ADC, no digital add.

The readout is a property of the ``Chip`` object (``Chip(..., readout=)``); a chip read
back from a file takes the default.

The layers, their tiles and their mixed-precision accumulators are in
``raven.chip.layer``.

Default network: spike-encoded MFCC (every frame x coefficient an input channel) ->
hidden stochastic LIF layer -> output integrators whose mean current is the class score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels.neurons import LIFParams, LIFState, lif_run
from kernels.rng import (
    PASS_SEED_KEY,
    THRESHOLD_KEY,
    stream_generator,
)

from ..accounting.ledger import Ledger
from ..config.tables import RavenConfig
from .layer import (
    ACCUMULATOR_BITS,
    READOUTS,
    ROUTING_BITS,
    STATE_BITS,
    CrossbarLayer,
    device_params,
)


@dataclass
class ForwardResult:
    """What the static chip's forward pass returns.

    Attributes
    ----------
    scores : numpy.ndarray
        (B, n_classes) mean output current, uS.
    input_rates : numpy.ndarray
        (B, n_in) spikes per step.
    hidden_rates : numpy.ndarray
        (B, n_hidden) spikes per step.
    hidden_spikes : numpy.ndarray
        (T, B, n_hidden) uint8.
    """

    scores: np.ndarray  # (B, n_classes) mean output current, uS
    input_rates: np.ndarray  # (B, n_in) spikes per step
    hidden_rates: np.ndarray  # (B, n_hidden) spikes per step
    hidden_spikes: np.ndarray  # (T, B, n_hidden) uint8


class CrossbarChip:
    """What the static chip (``Chip``) and the temporal chip (``raven.chip.temporal.TemporalChip``)
    share: a hidden and an output ``CrossbarLayer``, read through snapshots, their synapse
    count and memory footprint, global drift compensation, and ``forward``, whose network a
    subclass runs in ``_run``.

    Attributes
    ----------
    cfg : RavenConfig
        Configuration.
    hidden, output : CrossbarLayer
        The two layers.
    readout : str
        "adc" or "analog" (see the module).
    """

    def layers(self) -> tuple[CrossbarLayer, CrossbarLayer]:
        """The hidden and output layers.

        Returns
        -------
        tuple of CrossbarLayer
            (hidden, output).
        """
        return self.hidden, self.output

    def snapshots(self, t_s: float):
        """Both layers' read snapshots at ``t_s`` (drift as configured).

        Parameters
        ----------
        t_s : float
            Time of reading, s.

        Returns
        -------
        list
            One ``CrossbarLayer.snapshot`` per layer.
        """
        return [layer.snapshot(t_s, self.cfg.device.drift) for layer in self.layers()]

    def n_synapses(self) -> int:
        """Synapses (differential pairs) of both layers.

        Returns
        -------
        int
            Sum of n_in x n_out over the layers.
        """
        return sum(layer.n_in * layer.n_out for layer in self.layers())

    def footprint_bytes(self) -> dict[str, float]:
        """Memory footprint: digital arrays at their declared widths, and PCM synapses at one
        byte per differential pair (the int8 weight they stand for).

        Returns
        -------
        dict of str to float
            Bytes, ``pcm_synapses`` and each declared memory by name.
        """
        ledger = Ledger("footprint")
        self.declare_memories(ledger, training=True)
        digital = {k: m.size_bytes for k, m in ledger.memories.items()}
        return {"pcm_synapses": float(self.n_synapses()), **digital}

    def forward(
        self,
        spikes: np.ndarray,
        snaps,
        ledger: Ledger,
        data_pass: int = 0,
        column_gain: list[np.ndarray] | None = None,
        **options,
    ):
        """Run input spikes through the chip; every event is booked in ``ledger``.

        Parameters
        ----------
        spikes : numpy.ndarray
            (B, T, n_in) uint8 input spikes.
        snaps : list
            The layers' snapshots (``snapshots``).
        ledger : Ledger
            Where the events are booked; its phase ("training" or not) decides the memories
            declared (``declare_memories``).
        data_pass : int
            The pass over the data (``kernels.rng.data_pass``; 0 for the learning rules'
            training passes): with the configuration's seed, the seed word of this pass's
            noise streams (``kernels.rng.PASS_SEED_KEY``; a sum would let runs with
            neighbouring seeds share draws).
        column_gain : list of numpy.ndarray, optional
            Per layer, per column: the digital drift compensation (``compensation_gains``).
        **options
            Options of the architecture's pass (``TemporalChip``: ``with_traces``).

        Returns
        -------
        ForwardResult or raven.chip.temporal.TemporalResult
            The class scores and what the learning rules read.
        """
        self.declare_memories(ledger, training=ledger.phase == "training")
        seed = PASS_SEED_KEY.pack(data_pass=data_pass, seed=self.cfg.seed)
        return self._run(spikes, snaps, ledger, seed, column_gain, **options)

    # -- drift compensation -------------------------------------------------------------
    def reference_columns(self, t_s: float, ledger: Ledger) -> list[np.ndarray]:
        """Per layer and column: the summed |G+ - G-| read by driving every row once with a
        reference input (the periphery reads G+ and G- separately). One read per cell.

        Parameters
        ----------
        t_s : float
            Time of reading, s.
        ledger : Ledger
            Where the reads are booked.

        Returns
        -------
        list of numpy.ndarray
            Per layer, shape (n_out,), uS.
        """
        sums = []
        for layer in self.layers():
            total = np.zeros(layer.n_out)
            for _r, c, tile in layer.all_tiles():
                c0, c1 = layer.col_splits[c]
                g_plus = tile.plus.read(t_s)
                g_minus = tile.minus.read(t_s)
                total[c0:c1] += np.abs(g_plus - g_minus).sum(axis=0)
                # Every row driven once per polarity; each column read is sensed (and
                # converted, with an ADC readout).
                reads = 2 * g_plus.size
                ledger.add(
                    cell_reads=reads,
                    read_g_sum_uS=float(g_plus.sum() + g_minus.sum()),
                    row_activations=2 * g_plus.shape[0],
                    column_reads=reads,
                )
                if self.readout == "adc":
                    ledger.add(adc_conversions=reads)
            sums.append(total)
        return sums

    def compensation_gains(
        self, reference_then: list[np.ndarray], t_s: float, ledger: Ledger
    ) -> list[np.ndarray]:
        """Global drift compensation: a digital gain per column, reference at training end over
        reference now (docs/design.md section 5; Joshi 2020's global drift compensation).

        Parameters
        ----------
        reference_then : list of numpy.ndarray
            ``reference_columns`` at the end of training.
        t_s : float
            Time now, s.
        ledger : Ledger
            Where the reads and gains are booked.

        Returns
        -------
        list of numpy.ndarray
            Per layer, the gain of each column (1 where the column now reads 0).
        """
        now = self.reference_columns(t_s, ledger)
        gains = [
            np.where(n > 0, then / np.maximum(n, 1e-12), 1.0)
            for then, n in zip(reference_then, now, strict=True)
        ]
        ledger.add(digital_macs=sum(g.size for g in gains))
        return gains


class Chip(CrossbarChip):
    """The static chip: two crossbar layers of PCM pairs, hidden stochastic LIF neurons
    and output integrators whose mean current is the class score.

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.network`` sets the network and tiles, ``cfg.device`` the
        PCM preset).
    n_in : int
        Input channels (every frame x coefficient, two with ON/OFF encoding).
    n_classes : int
        Output classes.
    readout : str
        "adc" (column ADCs into digital neurons) or "analog" (analog integrating
        neurons); decides what the ledger books.

    References
    ----------
    .. [1] S. R. Nandakumar et al., "Mixed-precision deep learning based on computational
       memory", Front. Neurosci. 14, 406 (2020) (the accumulate-and-pulse updates).
    """

    def __init__(self, cfg: RavenConfig, n_in: int, n_classes: int, readout: str = "adc"):
        if readout not in READOUTS:
            raise ValueError(f"readout={readout!r}: expected one of {READOUTS}")
        self.readout = readout
        self.cfg = cfg
        self.n_in, self.n_classes = n_in, n_classes
        net = cfg.network
        self.params = device_params(cfg)
        rng = stream_generator(cfg.seed, "chip_devices")
        self.hidden = CrossbarLayer(
            n_in, net.n_hidden, self.params, net.tile_rows, net.tile_cols, rng
        )
        self.output = CrossbarLayer(
            net.n_hidden, n_classes, self.params, net.tile_rows, net.tile_cols, rng, layer_index=1
        )
        self.lif = LIFParams(
            v_decay=net.hidden_v_decay,
            theta=net.hidden_theta_uS,
            v_reset=0.0,
            refractory_steps=net.hidden_refractory_steps,
            threshold_noise_std=net.hidden_threshold_noise * net.hidden_theta_uS,
        )
        # Fixed random feedback for the hidden layer's error (direct random feedback).
        self.feedback = rng.standard_normal((n_classes, net.n_hidden)) / np.sqrt(n_classes)
        self.mac_step = 0  # key of the next MAC's noise stream; saved with the chip

    def declare_memories(self, ledger: Ledger, training: bool) -> None:
        """Declare the chip's digital arrays in ``ledger``: the 16-bit accumulators (retained
        between clips while training), the routing table and, with digital neurons, their state
        words. PCM conductances are not SRAM and are not declared.

        Parameters
        ----------
        ledger : Ledger
            Where the memories are declared.
        training : bool
            Whether the accumulators are retained between clips.
        """
        net = self.cfg.network
        ledger.declare_memory(
            "accumulators", self.n_synapses(), ACCUMULATOR_BITS, retained=training
        )
        ledger.declare_memory("routing", net.n_hidden, ROUTING_BITS)
        if self.readout == "adc":
            ledger.declare_memory("neuron_state", net.n_hidden + self.n_classes, STATE_BITS)

    def initialise(self, t_s: float, ledger: Ledger | None = None) -> None:
        """Program random initial weights (W ~ N(0, s^2), mapped with w_max = k s); every device
        gets one one-shot program, booked in ``ledger``.

        Parameters
        ----------
        t_s : float
            Time of programming, s.
        ledger : Ledger or None
            Where the programs are booked; None: not booked.
        """
        net = self.cfg.network
        rng = stream_generator(self.cfg.seed, "initial_weights")
        std = net.init_weight_std
        for layer, scale in ((self.hidden, 1.0), (self.output, net.output_init_scale)):
            w = rng.normal(0.0, std * scale, (layer.n_in, layer.n_out))
            layer.program(w, t_s, w_max=net.w_max_std * std)
            if ledger is not None:
                cells = 2 * layer.n_in * layer.n_out
                ledger.add(program_pulses=cells, programmed_cells=cells)

    def _run(
        self, spikes: np.ndarray, snaps, ledger: Ledger, seed: int, column_gain
    ) -> ForwardResult:
        """The static network's pass: scores and rates. ``column_gain`` is counted as
        digital MACs."""
        batch, steps, _ = spikes.shape
        noise = self.cfg.device.read_noise
        flat = np.ascontiguousarray(spikes.transpose(1, 0, 2).reshape(steps * batch, -1))
        currents = self.hidden.forward(
            flat, snaps[0], noise, seed, self.mac_step, ledger, self.readout
        )
        self.mac_step += 1
        if column_gain is not None:
            # Hardware folds a hidden column's gain into its neuron's threshold once per
            # compensation (counted in compensation_gains); scaling the currents is the
            # same computation.
            currents *= column_gain[0]
        state = LIFState.zeros(batch, self.hidden.n_out)
        # The kernel keys step t at step0 + t: the key of the last step checks that T fits.
        THRESHOLD_KEY.pack(mac_call=self.mac_step, time_step=steps - 1)
        hidden_spikes, _, ev = lif_run(
            currents.reshape(steps, batch, -1),
            state,
            self.lif,
            seed=seed,
            step0=THRESHOLD_KEY.pack(mac_call=self.mac_step, time_step=0),
        )
        # Each hidden spike: a routing-table read and a bus transfer.
        ledger.add(spikes_routed=ev.spikes)
        ledger.add_memory("routing", reads=ev.spikes)
        out = self.output.forward(
            hidden_spikes.reshape(steps * batch, -1),
            snaps[1],
            noise,
            seed,
            self.mac_step,
            ledger,
            self.readout,
        )
        self.mac_step += 1
        scores = out.reshape(steps, batch, -1).mean(axis=0)
        if column_gain is not None:
            scores *= column_gain[1]  # one multiply per class score and clip
            ledger.add(digital_macs=scores.size)
        updates = ev.neuron_updates + steps * batch * self.n_classes
        if self.readout == "adc":
            # A digital neuron step reads and writes its state word.
            ledger.add(neuron_updates=updates)
            ledger.add_memory("neuron_state", reads=updates, writes=updates)
        else:
            ledger.add(analog_neuron_updates=updates)
        ledger.add(
            input_spikes=int(spikes.sum()),
            input_slots=spikes.size,
            hidden_slots=hidden_spikes.size,
            time_steps=steps * batch,
            clips=batch,
        )
        return ForwardResult(scores, spikes.mean(axis=1), hidden_spikes.mean(axis=0), hidden_spikes)
