"""A crossbar layer of PCM differential-pair tiles, its device population and its
mixed-precision accumulators.

``CrossbarLayer`` splits a layer larger than a tile into a grid of tiles, programs weights
onto their pairs, reads them through snapshots, turns desired conductance changes into
pulses through 16-bit accumulators (``ACCUMULATOR_BITS``, LSB epsilon / 2^8,
``ACCUMULATOR_FRACTION_BITS``; saturating, so the memory billed is the one simulated) and
refreshes saturated pairs. ``device_params`` is the chips' device population: the
configured preset with the non-idealities ``[device]`` switches off removed.
"""

from __future__ import annotations

import numpy as np

from devices.pcm import PCMParams, idealised, preset
from kernels.crossbar import Snapshot, mac_spikes
from kernels.rng import MAC_TILE_KEY, UPDATE_TILE_KEY
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
        variability=d.variability,
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
            ``snapshots[r][c]``: row tile r, column tile c.
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
