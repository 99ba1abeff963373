"""``DifferentialTile``: the public, checked entry to the crossbar kernels.

A tile holds two ``devices.pcm.PCMArray`` of shape (n_in, n_out), G+ and G-; W is
proportional to G+ - G-. Its methods check arguments, turn parameters into kernel
arguments (once, with ``devices.pcm.kernel_args``), call the compiled kernels of
``kernels.crossbar`` and ``kernels.update``, book writes into the device arrays (counters,
energy, write clock) and return the events of the call for the system's energy ledger.
"""

from __future__ import annotations

import numpy as np

from devices.pcm import OpCounts, PCMArray, PCMParams, kernel_args

from . import crossbar, update
from .crossbar import Snapshot
from .events import Events


def _check_seed(seed: int, step: int) -> None:
    for name, value in (("seed", seed), ("step", step)):
        if not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name}={value!r}: expected an integer >= 0")


class DifferentialTile:
    """A crossbar of n_in rows x n_out columns of differential PCM pairs, W proportional to
    G+ - G-: the checked public entry to the crossbar kernels.

    Parameters
    ----------
    n_in, n_out : int
        Rows and columns (>= 1).
    params : devices.pcm.PCMParams
        Device preset of both polarities.
    rng : numpy.random.Generator or int or None
        Source of the device-to-device variability of the two device arrays.
    t_start_s : float
        Device time at which the arrays start, s.

    Attributes
    ----------
    plus, minus : devices.pcm.PCMArray
        The G+ and G- devices (state, write counters and energy).
    shape : tuple of int
        (n_in, n_out).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        params: PCMParams,
        rng: np.random.Generator | int | None = None,
        t_start_s: float = 0.0,
    ):
        for name, value in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name}={value!r}: expected an integer >= 1")
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        plus_rng, minus_rng = rng.spawn(2)
        self.shape = (int(n_in), int(n_out))
        self.params = params
        self.plus = PCMArray(self.shape, params, rng=plus_rng, t_start_s=t_start_s)
        self.minus = PCMArray(self.shape, params, rng=minus_rng, t_start_s=t_start_s)
        self._args = kernel_args(params)
        self._amplitudes = self._args.amplitude_levels
        self._snapshots = crossbar.SnapshotCache()
        self._mac_scratch = crossbar.MacScratch()

    # -- state views handed to kernels -----------------------------------------------------
    def _views(self, arr: PCMArray) -> update.DeviceArrays:
        return arr.state.device_arrays(self.shape)

    def amplitude(self, amplitude_level: int) -> float:
        """Relative amplitude of a quantized pulse level.

        Parameters
        ----------
        amplitude_level : int
            Index into the preset's amplitude levels (negative counts from the end).

        Returns
        -------
        float
            The relative amplitude (1 is the nominal pulse).
        """
        n = len(self._amplitudes)
        if not isinstance(amplitude_level, int | np.integer) or not -n <= amplitude_level < n:
            raise ValueError(
                f"amplitude_level={amplitude_level!r}: expected an index into the"
                f" {n} amplitude levels"
            )
        return float(self._amplitudes[amplitude_level])

    def _check_matrix(self, name: str, value: np.ndarray, shape: tuple) -> np.ndarray:
        arr = np.asarray(value, dtype=np.float64)
        if arr.shape != shape:
            raise ValueError(f"{name}: shape {arr.shape}: expected {shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: contains NaN or infinite values")
        return np.ascontiguousarray(arr)

    # -- reading ---------------------------------------------------------------------------
    def snapshot(self, t_s: float, drift: bool = True) -> Snapshot:
        """The tile as read at a device time.

        The last snapshot is reused while t_s and the device state are unchanged (its arrays are
        read-only).

        Parameters
        ----------
        t_s : float
            Device time of the read, s (not before the last write).
        drift : bool
            Apply drift (default True).

        Returns
        -------
        Snapshot
            Effective conductance, read-noise variance and conductance sums.
        """
        for arr in (self.plus, self.minus):
            arr.check_time(t_s, "snapshot")
        a = self._args
        plus = crossbar.ReadState(*self._views(self.plus)[:3])
        minus = crossbar.ReadState(*self._views(self.minus)[:3])
        return self._snapshots.get(
            (*plus, *minus),
            t_s,
            drift,
            lambda flicker: crossbar.take_snapshot(
                plus, minus, t_s, a.g_max_uS, a.drift, a.read, drift, flicker
            ),
            lambda: crossbar.flicker_factors(plus.g_prog_uS, minus.g_prog_uS, a.g_max_uS, a.read),
        )

    def weights_uS(self, t_s: float) -> np.ndarray:
        """Noise-free G+_d - G-_d, for inspection (not a device read, no events).

        Parameters
        ----------
        t_s : float
            Device time, s.

        Returns
        -------
        numpy.ndarray
            (n_in, n_out) drifted effective conductance, uS.
        """
        return self.plus.conductance_uS(t_s) - self.minus.conductance_uS(t_s)

    # -- programming -----------------------------------------------------------------------
    def program_weights(self, w: np.ndarray, t_s: float, w_max: float | None = None) -> float:
        """One-shot programming of W onto the pairs: G+ = s max(W, 0), G- = s max(-W, 0).

        Parameters
        ----------
        w : numpy.ndarray
            (n_in, n_out) weights, finite.
        t_s : float
            Device time of the programming, s.
        w_max : float or None
            The weight mapped to G_max (default: max |W|); s = G_max / w_max.

        Returns
        -------
        float
            s, uS per unit of W.
        """
        w = self._check_matrix("w", w, self.shape)
        w_max = float(np.abs(w).max()) if w_max is None else float(w_max)
        if not w_max > 0:
            raise ValueError(f"w_max={w_max!r}: expected a value > 0 (W is all zeros?)")
        scale = self.params.g_max_uS / w_max
        g = np.clip(w * scale, -self.params.g_max_uS, self.params.g_max_uS)
        lo = self.params.g_min_uS
        self.plus.program(np.maximum(g, lo), t_s)
        self.minus.program(np.maximum(-g, lo), t_s)
        return scale

    def _book(self, t_s: float, plus: int, minus: int, amplitude: float) -> None:
        self.plus.book(OpCounts(set_pulses=plus, set_amplitude_sq_sum=plus * amplitude**2), t_s)
        self.minus.book(OpCounts(set_pulses=minus, set_amplitude_sq_sum=minus * amplitude**2), t_s)

    def _check_write_time(self, t_s: float, what: str) -> float:
        for arr in (self.plus, self.minus):
            arr.check_time(t_s, what)
        return float(t_s)

    def _check_pulse_call(
        self, t_s: float, what: str, seed: int, step: int, amplitude_level: int
    ) -> tuple[float, float]:
        """(t, amplitude) of a pulse update, after the checks it shares with every other
        (stream key, then time, then level), in that order."""
        _check_seed(seed, step)
        return self._check_write_time(t_s, what), self.amplitude(amplitude_level)

    def apply_counts(
        self,
        counts: np.ndarray,
        t_s: float,
        *,
        seed: int = 0,
        step: int = 0,
        amplitude_level: int = -1,
    ) -> Events:
        """Fire |counts| pulses per cell, on G+ where counts > 0 and on G- where counts < 0.

        Parameters
        ----------
        counts : numpy.ndarray
            (n_in, n_out) integer pulse counts.
        t_s : float
            Device time of the pulses, s.
        seed, step : int
            Key of the pulse streams (>= 0): distinct steps for distinct update calls.
        amplitude_level : int
            Index into the preset's quantized pulse amplitudes (default: the largest).

        Returns
        -------
        Events
            SET pulses of each polarity and their summed squared amplitude.
        """
        counts = np.asarray(counts)
        if counts.shape != self.shape or not np.issubdtype(counts.dtype, np.integer):
            raise ValueError(
                f"counts: shape {counts.shape}, dtype {counts.dtype}: expected"
                f" integers of shape {self.shape}"
            )
        t, amplitude = self._check_pulse_call(t_s, "apply_counts", seed, step, amplitude_level)
        leading = (np.ascontiguousarray(counts, dtype=np.int64), seed, step)
        return self._pulse(update.counts_apply, leading, amplitude, t)

    def _pulse(self, kernel, leading: tuple, amplitude: float, t: float) -> Events:
        """Run a pulse kernel (its arguments: ``leading``, both polarities' state, the
        amplitude, time and physics, per-row pulse totals) and book its pulses."""
        a = self._args
        plus = np.zeros(self.shape[0], np.int64)
        minus = np.zeros(self.shape[0], np.int64)
        phys = update.PulsePhysics(
            float(amplitude), float(t), a.g_min_uS, a.g_max_uS, a.drift, a.pulse_model, a.pulse
        )
        kernel(*leading, self._views(self.plus), self._views(self.minus), phys, plus, minus)
        n_plus, n_minus = int(plus.sum()), int(minus.sum())
        self._book(t, n_plus, n_minus, amplitude)
        return Events(
            set_pulses_plus=n_plus,
            set_pulses_minus=n_minus,
            set_amplitude_sq_sum=(n_plus + n_minus) * amplitude**2,
        )

    # -- update schemes ----------------------------------------------------------------------
    def update_coincidence(
        self,
        x: np.ndarray,
        d: np.ndarray,
        lr_uS: float,
        t_s: float,
        *,
        bl: int = 31,
        dw_min_uS: float,
        update_management: bool = True,
        bl_management: bool = True,
        seed: int = 0,
        step: int = 0,
        amplitude_level: int = -1,
    ) -> Events:
        """Stochastic pulse coincidence for the desired change lr_uS sum_b x_b d_b^T.

        Parameters
        ----------
        x : numpy.ndarray
            (batch, n_in) row signals.
        d : numpy.ndarray
            (batch, n_out) column signals.
        lr_uS : float
            Learning rate, uS per unit of x d (> 0).
        t_s : float
            Device time of the pulses, s.
        bl : int
            Pulse slots per sample, 1..64.
        dw_min_uS : float
            Mean conductance step of one pulse, uS (> 0).
        update_management, bl_management : bool
            Balance the row and column probabilities; shorten the slots for small updates.
        seed, step, amplitude_level : int
            Pulse stream key and pulse amplitude, as for ``apply_counts``.

        Returns
        -------
        Events
            As for ``apply_counts``.

        References
        ----------
        .. [1] T. Gokmen and Y. Vlasov, "Acceleration of deep neural network training with
           resistive cross-point devices", Front. Neurosci. 10, 333, 2016.
        """
        if not (isinstance(bl, int | np.integer) and 1 <= bl <= 64):
            raise ValueError(f"bl={bl!r}: expected an integer in [1, 64] (pulse slots)")
        if not (np.isfinite(lr_uS) and lr_uS > 0):
            raise ValueError(f"lr_uS={lr_uS!r}: expected a value > 0")
        if not (np.isfinite(dw_min_uS) and dw_min_uS > 0):
            raise ValueError(f"dw_min_uS={dw_min_uS!r}: expected a value > 0")
        x = np.asarray(x, dtype=np.float64)
        d = np.asarray(d, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.shape[0]:
            raise ValueError(f"x: shape {x.shape}: expected (batch, {self.shape[0]})")
        d = self._check_matrix("d", d, (x.shape[0], self.shape[1]))
        x = self._check_matrix("x", x, x.shape)
        t, amplitude = self._check_pulse_call(
            t_s, "update_coincidence", seed, step, amplitude_level
        )
        bls, row_scale, col_scale = update.coincidence_probabilities(
            x, d, lr_uS, dw_min_uS, int(bl), update_management, bl_management
        )
        x_masks = np.empty(x.shape, np.uint64)
        d_masks = np.empty(d.shape, np.uint64)
        update.pulse_masks(x, row_scale, bls, seed, step, update.STREAM_ROW_BITS, x_masks)
        update.pulse_masks(d, col_scale, bls, seed, step, update.STREAM_COL_BITS, d_masks)
        leading = (x_masks, d_masks, x, d, seed, step)
        return self._pulse(update.coincidence_apply, leading, amplitude, t)

    def update_quantized(
        self,
        delta_uS: np.ndarray,
        t_s: float,
        *,
        dw_min_uS: float,
        max_pulses: int = 15,
        stochastic_rounding: bool = False,
        seed: int = 0,
        step: int = 0,
        amplitude_level: int = -1,
    ) -> Events:
        """Deterministic quantized pulses: round(delta / dw_min) pulses per cell, capped.

        Parameters
        ----------
        delta_uS : numpy.ndarray
            (n_in, n_out) desired change of G+ - G-, uS.
        t_s : float
            Device time of the pulses, s.
        dw_min_uS : float
            Conductance step of one pulse, uS (> 0).
        max_pulses : int
            Cap on the pulses per cell (>= 1).
        stochastic_rounding : bool
            Round up with the probability of the remainder instead of to the nearest
            (from the stream ``STREAM_ROUND``).
        seed, step, amplitude_level : int
            Pulse stream key and pulse amplitude, as for ``apply_counts``.

        Returns
        -------
        Events
            The SET pulses fired on each polarity and their summed squared amplitude.
        """
        delta = self._check_matrix("delta_uS", delta_uS, self.shape)
        self._check_pulse_args("dw_min_uS", dw_min_uS, max_pulses)
        _check_seed(seed, step)
        counts = np.empty(self.shape, np.int64)
        update.quantize_counts(
            delta, float(dw_min_uS), int(max_pulses), bool(stochastic_rounding), seed, step, counts
        )
        return self.apply_counts(counts, t_s, seed=seed, step=step, amplitude_level=amplitude_level)

    def update_mixed_precision(
        self,
        chi_uS: np.ndarray,
        delta_uS: np.ndarray,
        t_s: float,
        *,
        epsilon_uS: float,
        max_pulses: int = 15,
        seed: int = 0,
        step: int = 0,
        amplitude_level: int = -1,
    ) -> Events:
        """Mixed precision: digital accumulators fire pulses when they reach epsilon.

        chi accumulates delta; |chi| >= epsilon fires trunc(chi / epsilon) pulses (capped) and chi
        loses what was applied.

        Parameters
        ----------
        chi_uS : numpy.ndarray
            (n_in, n_out) C-contiguous float64 accumulators, uS, updated in place.
        delta_uS : numpy.ndarray
            (n_in, n_out) desired change, uS.
        t_s : float
            Device time of the pulses, s.
        epsilon_uS : float
            Accumulate-and-fire threshold, uS (> 0).
        max_pulses : int
            Cap on the pulses per cell (>= 1).
        seed, step, amplitude_level : int
            Pulse stream key and pulse amplitude, as for ``apply_counts``.

        Returns
        -------
        Events
            Those of ``apply_counts`` and the accumulator updates.

        References
        ----------
        .. [1] S. R. Nandakumar et al., "Mixed-precision deep learning based on computational
           memory", Front. Neurosci. 14, 406, 2020.
        """
        chi = np.asarray(chi_uS)
        if chi.shape != self.shape or chi.dtype != np.float64 or not chi.flags.c_contiguous:
            raise ValueError(
                f"chi_uS: shape {chi.shape}, dtype {chi.dtype}: expected a"
                f" C-contiguous float64 array of shape {self.shape}, updated in place"
            )
        delta = self._check_matrix("delta_uS", delta_uS, self.shape)
        self._check_pulse_args("epsilon_uS", epsilon_uS, max_pulses)
        counts = np.empty(self.shape, np.int64)
        update.accumulate_and_fire(chi, delta, float(epsilon_uS), int(max_pulses), counts)
        events = self.apply_counts(
            counts, t_s, seed=seed, step=step, amplitude_level=amplitude_level
        )
        return events + Events(accumulator_updates=chi.size)

    @staticmethod
    def _check_pulse_args(step_name: str, step_uS: float, max_pulses: int) -> None:
        if not (np.isfinite(step_uS) and step_uS > 0):
            raise ValueError(f"{step_name}={step_uS!r}: expected a pulse step > 0 uS")
        if not (isinstance(max_pulses, int | np.integer) and max_pulses >= 1):
            raise ValueError(f"max_pulses={max_pulses!r}: expected an integer >= 1")

    def refresh(
        self,
        t_s: float,
        *,
        upper_frac: float = 0.75,
        lower_frac: float = 0.25,
        seed: int = 0,
        step: int = 0,
    ) -> Events:
        """Refresh saturated pairs: read both, RESET both, reprogram the difference.

        A pair is refreshed when its larger device exceeds ``upper_frac`` G_max and its smaller
        one ``lower_frac`` G_max (see ``kernels.update.refresh_pairs``).

        Parameters
        ----------
        t_s : float
            Device time of the refresh, s.
        upper_frac, lower_frac : float
            Fractions of G_max, 0 <= lower_frac <= upper_frac <= 1.
        seed, step : int
            Key of the refresh stream (>= 0).

        Returns
        -------
        Events
            RESETs on their own (one per pair: the programmed device's RESET is part of its
            program), programs, the two reads per pair and their conductance, refreshed pairs.
        """
        if not 0.0 <= lower_frac <= upper_frac <= 1.0:
            raise ValueError(
                f"lower_frac={lower_frac!r}, upper_frac={upper_frac!r}: expected"
                " 0 <= lower_frac <= upper_frac <= 1"
            )
        _check_seed(seed, step)
        t = self._check_write_time(t_s, "refresh")
        a = self._args
        refreshed = np.zeros(self.shape[0], np.int64)
        read_g = np.zeros(self.shape[0])
        update.refresh_pairs(
            float(upper_frac),
            float(lower_frac),
            seed,
            step,
            self._views(self.plus),
            self._views(self.minus),
            update.RefreshPhysics(
                t, a.g_min_uS, a.g_max_uS, a.drift, a.read, a.prog, a.reset_mean_uS, a.reset_std_uS
            ),
            refreshed,
            read_g,
        )
        n = int(refreshed.sum())
        # Each refreshed pair: a read and a RESET of both devices, one program of one device.
        read_g_each_uS = float(read_g.sum()) / 2
        self.plus.book(OpCounts(reads=n, reset_pulses=n, read_g_sum_uS=read_g_each_uS), t)
        self.minus.book(
            OpCounts(reads=n, reset_pulses=n, program_pulses=n, read_g_sum_uS=read_g_each_uS), t
        )
        # The programmed device's RESET is part of its program: one RESET on its own per pair.
        return Events(
            reset_pulses=n,
            program_pulses=n,
            cell_reads=2 * n,
            read_g_sum_uS=float(read_g.sum()),
            refreshed_pairs=n,
        )

    # -- MAC -----------------------------------------------------------------------------------
    def mac(self, x: np.ndarray, snap: Snapshot, **kwargs) -> tuple[np.ndarray, Events]:
        """Graded inputs through the DAC: ``kernels.crossbar.mac_dense`` on a snapshot.

        Parameters
        ----------
        x : numpy.ndarray
            (batch, n_in) inputs.
        snap : Snapshot
            A snapshot of this tile.
        **kwargs
            Converter, noise and key arguments of ``mac_dense``.

        Returns
        -------
        tuple of (numpy.ndarray, Events)
            Output currents and events.
        """
        kwargs.setdefault("scratch", self._mac_scratch)
        return crossbar.mac_dense(x, snap, **kwargs)

    def mac_spikes(self, spikes: np.ndarray, snap: Snapshot, **kwargs) -> tuple[np.ndarray, Events]:
        """Binary spikes as row activations: ``kernels.crossbar.mac_spikes`` on a snapshot.

        Parameters
        ----------
        spikes, snap, **kwargs
            (batch, n_in) binary spikes, a snapshot of this tile and the keyword arguments of
            ``mac_spikes``.

        Returns
        -------
        currents : numpy.ndarray
            (batch, n_out) column currents, uS.
        events : Events
            The MAC's events.
        """
        return crossbar.mac_spikes(spikes, snap, **kwargs)
