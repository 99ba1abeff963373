"""The Raven chip: crossbar layers of PCM differential-pair tiles and LIF neurons.

A layer larger than a tile is split into a grid of tiles; each tile computes its column
partial sums from its rows, and the partial sums of row-split tiles are added digitally
(counted as ``partial_sum_adds``). Currents flow straight into neuron membranes (no ADC).
Default network: spike-encoded MFCC (every frame x coefficient an input channel) ->
hidden stochastic LIF layer -> output integrators whose mean current is the class score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.pcm import PCMParams, preset
from kernels.crossbar import Snapshot, mac_spikes
from kernels.neurons import LIFParams, LIFState, lif_run
from kernels.tile import DifferentialTile, UpdateEvents

from .config import RavenConfig
from .ledger import Ledger


def _splits(n: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(n, start + size)) for start in range(0, n, size)]


class CrossbarLayer:
    """n_in x n_out synapses on a grid of tiles of at most tile_rows x tile_cols."""

    def __init__(
        self,
        n_in: int,
        n_out: int,
        params: PCMParams,
        tile_rows: int,
        tile_cols: int,
        rng: np.random.Generator,
    ):
        self.n_in, self.n_out = n_in, n_out
        self.row_splits = _splits(n_in, tile_rows)
        self.col_splits = _splits(n_out, tile_cols)
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
        for r, row in enumerate(self.tiles):
            for c, tile in enumerate(row):
                yield r, c, tile

    def program(self, w: np.ndarray, t_s: float, w_max: float) -> None:
        self.scale_uS = self.tiles[0][0].params.g_max_uS / w_max
        for r, c, tile in self.all_tiles():
            (r0, r1), (c0, c1) = self.row_splits[r], self.col_splits[c]
            tile.program_weights(w[r0:r1, c0:c1], t_s, w_max=w_max)

    def snapshot(self, t_s: float, drift: bool) -> list[list[Snapshot]]:
        return [[tile.snapshot(t_s, drift=drift) for tile in row] for row in self.tiles]

    def weights_uS(self, t_s: float) -> np.ndarray:
        w = np.zeros((self.n_in, self.n_out))
        for r, c, tile in self.all_tiles():
            (r0, r1), (c0, c1) = self.row_splits[r], self.col_splits[c]
            w[r0:r1, c0:c1] = tile.weights_uS(t_s)
        return w

    def forward(
        self, spikes: np.ndarray, snaps, noise: bool, seed: int, step: int, ledger: Ledger
    ) -> np.ndarray:
        """Currents (N, n_out) in uS for binary inputs (N, n_in)."""
        out = np.zeros((spikes.shape[0], self.n_out))
        for r, c, _tile in self.all_tiles():
            (r0, r1), (c0, c1) = self.row_splits[r], self.col_splits[c]
            y, ev = mac_spikes(
                spikes[:, r0:r1], snaps[r][c], noise=noise, seed=seed, step=step * 1024 + r * 32 + c
            )
            out[:, c0:c1] += y
            ledger.add(
                row_activations=ev.row_activations,
                cell_reads=ev.cell_reads,
                read_g_sum_uS=ev.read_g_sum_uS,
                synaptic_ops=ev.row_activations * (c1 - c0),
            )
        extra = len(self.row_splits) - 1
        ledger.add(
            partial_sum_adds=extra * spikes.shape[0] * self.n_out,
            dense_macs=spikes.shape[0] * self.n_in * self.n_out,
        )
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
        """Accumulate a desired change (uS) and fire pulses (mixed precision)."""
        for r, c, tile in self.all_tiles():
            (r0, r1), (c0, c1) = self.row_splits[r], self.col_splits[c]
            ev = tile.update_mixed_precision(
                self.chi_uS[r][c],
                np.ascontiguousarray(delta_uS[r0:r1, c0:c1]),
                t_s,
                epsilon_uS=epsilon_uS,
                max_pulses=max_pulses,
                seed=seed,
                step=step * 1024 + r * 32 + c,
            )
            amp2 = tile.amplitude(-1) ** 2
            ledger.add(
                set_pulses=ev.set_pulses,
                set_amplitude_sq_sum=ev.set_pulses * amp2,
                accumulator_updates=ev.accumulator_ops,
            )

    def refresh(
        self, t_s: float, upper: float, lower: float, seed: int, step: int, ledger: Ledger
    ) -> int:
        total = 0
        for r, c, tile in self.all_tiles():
            ev: UpdateEvents = tile.refresh(
                t_s, upper_frac=upper, lower_frac=lower, seed=seed, step=step * 1024 + r * 32 + c
            )
            total += ev.refreshed_pairs
            ledger.add(
                reset_pulses=ev.reset_pulses,
                program_pulses=ev.program_pulses,
                cell_reads=2 * ev.refreshed_pairs,
                refreshed_pairs=ev.refreshed_pairs,
            )
        return total


@dataclass
class ForwardResult:
    scores: np.ndarray  # (B, n_classes) mean output current, uS
    input_rates: np.ndarray  # (B, n_in) spikes per step
    hidden_rates: np.ndarray  # (B, n_hidden) spikes per step
    hidden_spikes: np.ndarray  # (T, B, n_hidden) uint8


class Chip:
    """Two crossbar layers, hidden LIF neurons and output integrators."""

    def __init__(self, cfg: RavenConfig, n_in: int, n_classes: int):
        self.cfg = cfg
        self.n_in, self.n_classes = n_in, n_classes
        net = cfg.network
        self.params = preset(cfg.device.preset)
        rng = np.random.default_rng([cfg.seed, 1])
        self.hidden = CrossbarLayer(
            n_in, net.n_hidden, self.params, net.tile_rows, net.tile_cols, rng
        )
        self.output = CrossbarLayer(
            net.n_hidden, n_classes, self.params, net.tile_rows, net.tile_cols, rng
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

    def initialise(self, t_s: float) -> None:
        """Program random initial weights (W ~ N(0, s^2), mapped with w_max = k s)."""
        net = self.cfg.network
        rng = np.random.default_rng([self.cfg.seed, 2])
        std = net.init_weight_std
        for layer, scale in ((self.hidden, 1.0), (self.output, net.output_init_scale)):
            w = rng.normal(0.0, std * scale, (layer.n_in, layer.n_out))
            layer.program(w, t_s, w_max=net.w_max_std * std)

    def layers(self) -> tuple[CrossbarLayer, CrossbarLayer]:
        return self.hidden, self.output

    def snapshots(self, t_s: float):
        return [layer.snapshot(t_s, self.cfg.device.drift) for layer in self.layers()]

    def forward(
        self,
        spikes: np.ndarray,
        snaps,
        ledger: Ledger,
        seed_offset: int = 0,
        column_gain: list[np.ndarray] | None = None,
    ) -> ForwardResult:
        """spikes (B, T, n_in) uint8 -> scores and rates. ``column_gain`` (per layer, per
        column) is the digital drift compensation, counted as digital MACs."""
        batch, steps, _ = spikes.shape
        noise = self.cfg.device.read_noise
        seed = self.cfg.seed + seed_offset
        flat = np.ascontiguousarray(spikes.transpose(1, 0, 2).reshape(steps * batch, -1))
        currents = self.hidden.forward(flat, snaps[0], noise, seed, self.mac_step, ledger)
        self.mac_step += 1
        if column_gain is not None:
            # Hardware folds a hidden column's gain into its neuron's threshold once per
            # compensation (counted in compensation_gains); scaling the currents is the
            # same computation.
            currents *= column_gain[0]
        state = LIFState.zeros(batch, self.hidden.n_out)
        hidden_spikes, ev = lif_run(
            currents.reshape(steps, batch, -1),
            state,
            self.lif,
            seed=seed,
            step0=self.mac_step * 4096,
        )
        ledger.add(neuron_updates=ev["neuron_updates"], spikes_routed=ev["spikes"])
        out = self.output.forward(
            hidden_spikes.reshape(steps * batch, -1), snaps[1], noise, seed, self.mac_step, ledger
        )
        self.mac_step += 1
        scores = out.reshape(steps, batch, -1).mean(axis=0)
        if column_gain is not None:
            scores *= column_gain[1]  # one multiply per class score and clip
            ledger.add(digital_macs=scores.size)
        ledger.add(
            neuron_updates=steps * batch * self.n_classes,
            input_spikes=int(spikes.sum()),
            input_slots=spikes.size,
            hidden_slots=hidden_spikes.size,
            clips=batch,
        )
        return ForwardResult(scores, spikes.mean(axis=1), hidden_spikes.mean(axis=0), hidden_spikes)

    # -- drift compensation -------------------------------------------------------------
    def reference_columns(self, t_s: float, ledger: Ledger) -> list[np.ndarray]:
        """Per layer and column: the summed |G+ - G-| read by driving every row once with a
        reference input (the periphery reads G+ and G- separately). One read per cell."""
        sums = []
        for layer in self.layers():
            total = np.zeros(layer.n_out)
            for _r, c, tile in layer.all_tiles():
                c0, c1 = layer.col_splits[c]
                g_plus = tile.plus.read(t_s)
                g_minus = tile.minus.read(t_s)
                total[c0:c1] += np.abs(g_plus - g_minus).sum(axis=0)
                ledger.add(
                    cell_reads=2 * g_plus.size,
                    read_g_sum_uS=float(g_plus.sum() + g_minus.sum()),
                    row_activations=g_plus.shape[0],
                )
            sums.append(total)
        return sums

    def compensation_gains(
        self, reference_then: list[np.ndarray], t_s: float, ledger: Ledger
    ) -> list[np.ndarray]:
        """Global drift compensation: a digital gain per column, reference at training end
        over reference now (DESIGN.md section 5; Joshi 2020's global drift compensation)."""
        now = self.reference_columns(t_s, ledger)
        gains = [
            np.where(n > 0, then / np.maximum(n, 1e-12), 1.0)
            for then, n in zip(reference_then, now, strict=True)
        ]
        ledger.add(digital_macs=sum(g.size for g in gains))
        return gains
