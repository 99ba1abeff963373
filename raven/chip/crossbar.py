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

Mixed-precision accumulators are 16-bit fixed point with an LSB of epsilon / 2^8
(``ACCUMULATOR_BITS``, ``ACCUMULATOR_FRACTION_BITS``), saturating: the simulation keeps
them on that grid, so the "accumulators" memory billed is the one simulated.

Default network: spike-encoded MFCC (every frame x coefficient an input channel) ->
hidden stochastic LIF layer -> output integrators whose mean current is the class score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.pcm import PCMParams, idealised, preset
from kernels.crossbar import Snapshot, mac_spikes
from kernels.neurons import LIFParams, LIFState, lif_run
from kernels.rng import (
    MAC_TILE_KEY,
    PASS_SEED_KEY,
    THRESHOLD_KEY,
    UPDATE_TILE_KEY,
    stream_generator,
)
from kernels.tile import DifferentialTile

from ..accounting.ledger import Ledger
from ..config.tables import RavenConfig

ACCUMULATOR_BITS = 16
ACCUMULATOR_FRACTION_BITS = 8  # LSB = epsilon / 2^8: a residual below one pulse keeps 8 bits
READOUTS = ("adc", "analog")
STATE_BITS = 16  # neuron state word (membrane of a hidden neuron, output integrator)
ROUTING_BITS = 16  # routing-table entry of a hidden neuron (destination tile and row)


def device_params(cfg: RavenConfig) -> PCMParams:
    """The chip's device population: the configured preset, with the non-idealities that
    ``cfg.device`` switches off removed (``devices.pcm.idealised``).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.device``).

    Returns
    -------
    PCMParams
    """
    d = cfg.device
    return idealised(
        preset(d.preset),
        programming_noise=d.programming_noise,
        pulse_noise=d.pulse_noise,
        state_dependent_step=d.state_dependent_step,
        step_fraction=d.step_fraction,
        drift=d.drift,
        read_noise=d.read_noise,
    )


def quantize_accumulator(chi_uS: np.ndarray, epsilon_uS: float) -> None:
    """Round accumulators in place to the signed 16-bit grid of LSB epsilon / 2^8, saturating
    at the grid's ends (two's complement range).

    Parameters
    ----------
    chi_uS : numpy.ndarray
        Accumulators, uS (float; modified in place).
    epsilon_uS : float
        Nominal conductance step of one pulse, uS (> 0).
    """
    lsb = epsilon_uS / 2**ACCUMULATOR_FRACTION_BITS
    top = 2 ** (ACCUMULATOR_BITS - 1)
    np.multiply(np.clip(np.round(chi_uS / lsb), -top, top - 1), lsb, out=chi_uS)


def _splits(n: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(n, start + size)) for start in range(0, n, size)]


class CrossbarLayer:
    """n_in x n_out synapses on a grid of tiles of at most tile_rows x tile_cols.

    Parameters
    ----------
    n_in, n_out : int
        Rows (inputs) and columns (outputs) of the layer.
    params : devices.pcm.PCMParams
        The device preset of every tile.
    tile_rows, tile_cols : int
        Largest tile; the grid must fit the random keys' tile fields.
    rng : numpy.random.Generator
        Spawns each tile's device-variability generator.
    layer_index : int
        Keeps the layers' pulse and refresh streams apart, in [0, the key's layer limit).

    Raises
    ------
    ValueError
        ``layer_index`` out of range, or a grid with more tiles than the keys tell apart.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        params: PCMParams,
        tile_rows: int,
        tile_cols: int,
        rng: np.random.Generator,
        layer_index: int = 0,
    ):
        layers = UPDATE_TILE_KEY.limit("layer")
        if not (isinstance(layer_index, int) and 0 <= layer_index < layers):
            raise ValueError(f"layer_index={layer_index!r}: expected an integer in [0, {layers})")
        self.layer_index = layer_index  # keeps the layers' pulse and refresh streams apart
        self.n_in, self.n_out = n_in, n_out
        self.row_splits = _splits(n_in, tile_rows)
        self.col_splits = _splits(n_out, tile_cols)
        # Every tile's random streams are keyed by its grid position: the grid must fit the
        # keys' tile fields (checked here rather than at the first read or update).
        for what, splits, size in (
            ("row", self.row_splits, tile_rows),
            ("col", self.col_splits, tile_cols),
        ):
            limit = min(layout.limit(f"{what}_tile") for layout in (MAC_TILE_KEY, UPDATE_TILE_KEY))
            if len(splits) > limit:
                raise ValueError(
                    f"tile_{what}s={size}: a layer of {n_in} x {n_out} synapses needs"
                    f" {len(splits)} tile {what}s; at most {limit} are keyed apart"
                )
        self.tiles = [
            [
                DifferentialTile(r1 - r0, c1 - c0, params, rng=rng.spawn(1)[0])
                for (c0, c1) in self.col_splits
            ]
            for (r0, r1) in self.row_splits
        ]
        self.chi_uS = [
            [np.zeros((r1 - r0, c1 - c0)) for (c0, c1) in self.col_splits]
            for (r0, r1) in self.row_splits
        ]
        self.scale_uS = 1.0  # conductance per unit of W

    def all_tiles(self):
        """Iterate over the grid.

        Yields
        ------
        tuple of (int, int, DifferentialTile)
            Row-tile index, column-tile index and the tile, row by row.
        """
        for r, row in enumerate(self.tiles):
            for c, tile in enumerate(row):
                yield r, c, tile

    def program(self, w: np.ndarray, t_s: float, w_max: float) -> None:
        """Program weights ``w`` (n_in, n_out) by one-shot programming, ``w_max`` mapped onto the
        preset's g_max; sets ``scale_uS``.

        Parameters
        ----------
        w : numpy.ndarray
            Weights, in units of W.
        t_s : float
            Time of programming, s.
        w_max : float
            Weight mapped onto the full conductance range (> 0).
        """
        self.scale_uS = self.tiles[0][0].params.g_max_uS / w_max
        for r, c, tile in self.all_tiles():
            (r0, r1), (c0, c1) = self.row_splits[r], self.col_splits[c]
            tile.program_weights(w[r0:r1, c0:c1], t_s, w_max=w_max)

    def snapshot(self, t_s: float, drift: bool) -> list[list[Snapshot]]:
        """Each tile's read snapshot at ``t_s``.

        Parameters
        ----------
        t_s : float
            Time of reading, s.
        drift : bool
            Apply conductance drift.

        Returns
        -------
        list of list of Snapshot
            Indexed [row tile][column tile].
        """
        return [[tile.snapshot(t_s, drift=drift) for tile in row] for row in self.tiles]

    def weights_uS(self, t_s: float) -> np.ndarray:
        """The layer's differential conductances G+ - G- at ``t_s``.

        Parameters
        ----------
        t_s : float
            Time of reading, s.

        Returns
        -------
        numpy.ndarray
            Shape (n_in, n_out), uS.
        """
        w = np.zeros((self.n_in, self.n_out))
        for r, c, tile in self.all_tiles():
            (r0, r1), (c0, c1) = self.row_splits[r], self.col_splits[c]
            w[r0:r1, c0:c1] = tile.weights_uS(t_s)
        return w

    def forward(
        self,
        spikes: np.ndarray,
        snaps,
        noise: bool,
        seed: int,
        step: int,
        ledger: Ledger,
        readout: str = "adc",
    ) -> np.ndarray:
        """Currents (N, n_out) in uS for binary inputs (N, n_in). A tile whose rows are all
        silent for a sample is not read (event-driven periphery).

        Parameters
        ----------
        spikes : numpy.ndarray
            Binary inputs, shape (N, n_in).
        snaps : list of list of Snapshot
            The layer's snapshot (``snapshot``).
        noise : bool
            Add read noise.
        seed, step : int
            Seed word of the pass and index of this MAC call (keys of the noise streams).
        ledger : Ledger
            Where the events are booked.
        readout : str
            "adc" (columns converted, partial sums added) or "analog".

        Returns
        -------
        numpy.ndarray
            Column currents, shape (N, n_out), uS.

        Raises
        ------
        ValueError
            An unknown ``readout``.
        """
        if readout not in READOUTS:
            raise ValueError(f"readout={readout!r}: expected one of {READOUTS}")
        out = np.zeros((spikes.shape[0], self.n_out))
        active_tiles = np.zeros(spikes.shape[0], np.int64)
        for r, (r0, r1) in enumerate(self.row_splits):
            active_tiles += spikes[:, r0:r1].any(axis=1)
            for c, (c0, c1) in enumerate(self.col_splits):
                y, ev = mac_spikes(
                    spikes[:, r0:r1],
                    snaps[r][c],
                    noise=noise,
                    seed=seed,
                    step=MAC_TILE_KEY.pack(mac_call=step, row_tile=r, col_tile=c),
                )
                out[:, c0:c1] += y
                ledger.add_events(ev)
                if readout == "adc":  # every column reading of the tile is converted
                    ledger.add(adc_conversions=ev.column_reads)
        if readout == "adc":
            # Converted partial sums of the active row tiles are added per column.
            extra = int(np.maximum(active_tiles - 1, 0).sum())
            ledger.add(partial_sum_adds=extra * self.n_out)
        ledger.add(dense_macs=spikes.shape[0] * self.n_in * self.n_out)
        return out

    def apply_delta(
        self,
        delta_uS: np.ndarray,
        t_s: float,
        epsilon_uS: float,
        max_pulses: int,
        seed: int,
        step: int,
        ledger: Ledger,
    ) -> None:
        """Accumulate a desired change (uS) and fire pulses (mixed precision). The change is
        rounded to the accumulators' 16-bit grid and the accumulators saturate on it, as the
        declared int16 words would.

        Parameters
        ----------
        delta_uS : numpy.ndarray
            Desired conductance change, shape (n_in, n_out), uS.
        t_s : float
            Time of the update, s.
        epsilon_uS : float
            Accumulator threshold of one pulse, uS.
        max_pulses : int
            Most pulses per synapse and update.
        seed, step : int
            Seed and update step (keys of the pulse streams, ``update_key``).
        ledger : Ledger
            Where the events are booked.
        """
        lsb = epsilon_uS / 2**ACCUMULATOR_FRACTION_BITS
        for r, c, tile in self.all_tiles():
            (r0, r1), (c0, c1) = self.row_splits[r], self.col_splits[c]
            chi = self.chi_uS[r][c]
            ev = tile.update_mixed_precision(
                chi,
                np.round(delta_uS[r0:r1, c0:c1] / lsb) * lsb,
                t_s,
                epsilon_uS=epsilon_uS,
                max_pulses=max_pulses,
                seed=seed,
                step=self.update_key(step, r, c),
            )
            quantize_accumulator(chi, epsilon_uS)
            ledger.add_events(ev)

    def update_key(self, step: int, row_tile: int, col_tile: int) -> int:
        """Key of the random streams of one update or refresh of one tile: distinct for every
        layer, update step and tile (``kernels.rng.UPDATE_TILE_KEY``).

        Parameters
        ----------
        step, row_tile, col_tile : int
            Update step and the tile's grid position.

        Returns
        -------
        int
            The packed key.
        """
        return UPDATE_TILE_KEY.pack(
            update_step=step, layer=self.layer_index, row_tile=row_tile, col_tile=col_tile
        )

    def refresh(
        self, t_s: float, upper: float, lower: float, seed: int, step: int, ledger: Ledger
    ) -> int:
        """Refresh saturated pairs. Each refreshed pair: two reads, one RESET of the device that
        ends at zero and one program (RESET + SET ramp, ``EnergyParams.e_program_J``) of the
        other: the programmed device's RESET is in its program, booked once.

        Parameters
        ----------
        t_s : float
            Time of the refresh, s.
        upper, lower : float
            Fractions of g_max above / below which a pair counts as saturated.
        seed, step : int
            Seed and step (keys of the refresh streams).
        ledger : Ledger
            Where the events are booked.

        Returns
        -------
        int
            Pairs refreshed.
        """
        total = 0
        for r, c, tile in self.all_tiles():
            ev = tile.refresh(
                t_s, upper_frac=upper, lower_frac=lower, seed=seed, step=self.update_key(step, r, c)
            )
            total += ev.refreshed_pairs
            ledger.add_events(ev)
        return total


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
