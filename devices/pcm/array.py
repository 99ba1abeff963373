"""``PCMArray``: a population of PCM devices of any shape, with state, counters and energy.

Device state is plain numpy arrays (``PCMState``); parameters stay in a frozen
``PCMParams``. Every operation draws its randomness from the ``numpy.random.Generator``
given at construction, so the same seed gives identical arrays.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from . import _ops
from .params import PCMParams
from .physics import kernel_args

_MIN_REL = 0.05  # floor of device-to-device factors, so no device is dead by chance


@dataclass
class PCMState:
    """Per-device state; every array has the array's shape.

    g_prog_uS: conductance at the end of the last write; t_prog_s: time of that write;
    nu: drift exponent drawn at that write; history: partial-SET history term;
    g_max_uS: the device's own maximum conductance; step_scale: its pulse step factor;
    fault: 0 healthy, 1 stuck at G_min, 2 stuck at G_max, 3 stuck at a random value.
    """

    g_prog_uS: np.ndarray
    t_prog_s: np.ndarray
    nu: np.ndarray
    history: np.ndarray
    g_max_uS: np.ndarray
    step_scale: np.ndarray
    fault: np.ndarray

    def copy(self) -> PCMState:
        return PCMState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


@dataclass
class OpCounts:
    """Device operations performed so far (one entry per device per event)."""

    reads: int = 0
    verify_reads: int = 0
    set_pulses: int = 0
    reset_pulses: int = 0
    program_pulses: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class EnergyTotals:
    """Energy (J) and summed device busy time (s) per kind of operation."""

    read_J: float = 0.0
    verify_read_J: float = 0.0
    set_J: float = 0.0
    reset_J: float = 0.0
    program_J: float = 0.0
    busy_time_s: float = 0.0

    @property
    def total_J(self) -> float:
        return self.read_J + self.verify_read_J + self.set_J + self.reset_J + self.program_J

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "total_J": self.total_J}


def _as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise ValueError(f"rng={rng!r}: expected a numpy.random.Generator, an int seed or None")


def _finite_time(t_s, name: str) -> float:
    try:
        t = float(t_s)
    except (TypeError, ValueError):
        t = float("nan")
    if not np.isfinite(t):
        raise ValueError(f"{name}={t_s!r}: expected a finite time in s")
    return t


class PCMArray:
    """An array of PCM devices. Conductances in uS, absolute device time in s.

    A new array is in the RESET state at ``t_start_s``. Device time only moves forward: an
    operation at time t requires t >= the time of the latest write.
    """

    def __init__(
        self,
        shape: int | tuple[int, ...],
        params: PCMParams,
        rng: np.random.Generator | int | None = None,
        t_start_s: float = 0.0,
    ):
        if not isinstance(params, PCMParams):
            raise ValueError(f"params={params!r}: expected a PCMParams (see pcm.preset)")
        self.shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
        if any(int(s) < 0 for s in self.shape):
            raise ValueError(f"shape={shape!r}: expected non-negative dimensions")
        self.params = params
        self.rng = _as_generator(rng)
        self._args = kernel_args(params)
        t_start_s = _finite_time(t_start_s, "t_start_s")
        self.counts = OpCounts()
        self.energy = EnergyTotals()
        self._t_last_write_s = t_start_s
        self.state = self._fresh_state(t_start_s)

    # -- construction ------------------------------------------------------------------
    def _fresh_state(self, t_start_s: float) -> PCMState:
        n, p = self.size, self.params
        var, faults = p.variability, p.faults
        g_max = p.g_max_uS * np.maximum(
            _MIN_REL, 1.0 + var.g_max_rel_std * self.rng.standard_normal(n)
        )
        g_max = np.maximum(g_max, p.g_min_uS)  # a range never ends below G_min
        step = np.maximum(_MIN_REL, 1.0 + var.step_rel_std * self.rng.standard_normal(n))
        edges = np.cumsum(
            [faults.frac_stuck_g_min, faults.frac_stuck_g_max, faults.frac_stuck_random]
        )
        bucket = np.searchsorted(edges, self.rng.random(n), side="right")  # 3 means healthy
        fault = np.where(bucket < 3, bucket + 1, _ops.FAULT_NONE).astype(np.int8)
        state = PCMState(
            g_prog_uS=np.zeros(n),
            t_prog_s=np.full(n, t_start_s),
            nu=np.zeros(n),
            history=np.ones(n),
            g_max_uS=g_max,
            step_scale=step,
            fault=fault,
        )
        # Start from a RESET (without counting it: the array is delivered that way).
        a = self._args
        _ops.reset_devices(
            state.g_prog_uS,
            state.t_prog_s,
            state.nu,
            state.history,
            np.zeros(n, np.int8),
            state.g_max_uS,
            np.ones(n, bool),
            t_start_s,
            a.g_min_uS,
            a.g_max_uS,
            a.reset_mean_uS,
            a.reset_std_uS,
            a.drift,
            self.rng.standard_normal(n),
            self.rng.standard_normal(n),
        )
        stuck_min = fault == _ops.FAULT_STUCK_G_MIN
        stuck_max = fault == _ops.FAULT_STUCK_G_MAX
        stuck_rand = fault == _ops.FAULT_STUCK_RANDOM
        state.g_prog_uS[stuck_min] = p.g_min_uS
        state.g_prog_uS[stuck_max] = g_max[stuck_max]
        state.g_prog_uS[stuck_rand] = p.g_min_uS + self.rng.random(int(stuck_rand.sum())) * (
            g_max[stuck_rand] - p.g_min_uS
        )
        state.nu[fault != _ops.FAULT_NONE] = 0.0  # a stuck device does not drift
        return state

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def energy_J(self) -> float:
        return self.energy.total_J

    @property
    def nu(self) -> np.ndarray:
        """Drift exponent of every device (kept until the device is written again)."""
        return self.state.nu.reshape(self.shape)

    @property
    def g_prog_uS(self) -> np.ndarray:
        """Conductance of every device at the end of its last write."""
        return self.state.g_prog_uS.reshape(self.shape)

    @property
    def faults(self) -> np.ndarray:
        return self.state.fault.reshape(self.shape)

    # -- argument checks ---------------------------------------------------------------
    @property
    def t_last_write_s(self) -> float:
        """Device time of the latest write (settable to restore a saved array)."""
        return self._t_last_write_s

    @t_last_write_s.setter
    def t_last_write_s(self, t_s: float) -> None:
        self._t_last_write_s = _finite_time(t_s, "t_last_write_s")

    def check_time(self, t_s: float, what: str) -> float:
        """``t_s`` as a float if it is finite and not before the latest write, else a
        ValueError naming ``what``."""
        t = _finite_time(t_s, f"{what}: t_s")
        if t < self._t_last_write_s:
            raise ValueError(
                f"{what}: t_s={t!r} is earlier than the latest write at {self._t_last_write_s!r} s;"
                " device time only moves forward"
            )
        return t

    def _flat(self, values, name: str, dtype) -> np.ndarray:
        arr = np.asarray(values)
        if arr.shape != self.shape:
            try:
                arr = np.broadcast_to(arr, self.shape)
            except ValueError:
                raise ValueError(
                    f"{name}: shape {np.shape(values)} does not broadcast to the array shape"
                    f" {self.shape}"
                ) from None
        if dtype is bool and arr.dtype != bool:
            raise ValueError(f"{name}: dtype {arr.dtype}: expected a boolean mask")
        if np.issubdtype(np.dtype(dtype), np.integer) and not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name}: dtype {arr.dtype}: expected integers")
        return np.ascontiguousarray(arr.reshape(-1), dtype=dtype)

    def _mask(self, mask, name: str = "mask") -> np.ndarray:
        if mask is None:
            return np.ones(self.size, dtype=bool)
        return self._flat(mask, name, bool)

    # -- operations --------------------------------------------------------------------
    def program(self, g_target_uS, t_s: float, mask=None) -> None:
        """One-shot programming to ``g_target_uS`` (with programming noise) at time ``t_s``."""
        t = self.check_time(t_s, "program")
        self._program_selected(self._target(g_target_uS), self._mask(mask), t)

    def _target(self, g_target_uS) -> np.ndarray:
        target = self._flat(g_target_uS, "g_target_uS", np.float64)
        lo, hi = self.params.g_min_uS, self.params.g_max_uS
        bad = ~np.isfinite(target) | (target < lo) | (target > hi)
        if bad.any():
            raise ValueError(
                f"g_target_uS: {int(bad.sum())} value(s) such as {float(target[bad][0])!r} uS:"
                f" expected finite targets in [g_min_uS={lo}, g_max_uS={hi}]"
                f" of preset {self.params.name!r}"
            )
        return target

    def _program_selected(self, target: np.ndarray, selected: np.ndarray, t: float) -> int:
        s, a, n = self.state, self._args, self.size
        written = _ops.program_devices(
            s.g_prog_uS,
            s.t_prog_s,
            s.nu,
            s.history,
            s.fault,
            s.g_max_uS,
            target,
            selected,
            t,
            a.g_min_uS,
            a.g_max_uS,
            a.prog,
            a.drift,
            self.rng.standard_normal(n),
            self.rng.standard_normal(n),
        )
        self.book_writes(t, program_pulses=int(selected.sum()))
        return written

    def read(self, t_s: float, noise: bool = True, *, verify: bool = False) -> np.ndarray:
        """Conductances (uS) at absolute time ``t_s``: drifted, plus read noise unless
        ``noise=False``. ``verify=True`` books the reads as verify reads."""
        t = self.check_time(t_s, "read")
        return self._read(t, bool(noise), np.ones(self.size, bool), verify).reshape(self.shape)

    def _read(self, t: float, noise: bool, selected: np.ndarray, verify: bool) -> np.ndarray:
        s, a, n = self.state, self._args, self.size
        out = np.empty(n)
        z = self.rng.standard_normal(n) if noise else np.empty(0)
        g_sum_uS = _ops.read_devices(
            s.g_prog_uS, s.t_prog_s, s.nu, t, a.g_max_uS, a.drift, a.read, z, noise, selected, out
        )
        self._book_reads(int(selected.sum()), g_sum_uS, verify)
        return out

    def book_writes(
        self,
        t_s: float,
        *,
        set_pulses: int = 0,
        set_amplitude_sq_sum: float = 0.0,
        reset_pulses: int = 0,
        program_pulses: int = 0,
        reads: int = 0,
        read_g_sum_uS: float = 0.0,
    ) -> None:
        """Count and charge writes performed on this array's state by compiled kernels (and
        by the methods above), and move the write clock to ``t_s``.

        ``set_amplitude_sq_sum`` is the sum over SET pulses of the squared relative
        amplitude; ``read_g_sum_uS`` the sum of the conductances read by ``reads`` reads."""
        t = self.check_time(t_s, "book_writes")
        e = self.params.energy
        self.counts.set_pulses += int(set_pulses)
        self.counts.reset_pulses += int(reset_pulses)
        self.counts.program_pulses += int(program_pulses)
        self.energy.set_J += set_amplitude_sq_sum * e.e_set_J
        self.energy.reset_J += reset_pulses * e.e_reset_J
        self.energy.program_J += program_pulses * e.e_program_J
        self.energy.busy_time_s += (
            set_pulses * e.set_pulse_width_s
            + reset_pulses * e.reset_pulse_width_s
            + program_pulses * e.program_duration_s
        )
        if reads:
            self._book_reads(int(reads), read_g_sum_uS, verify=False)
        self._t_last_write_s = t

    def _book_reads(self, n: int, g_sum_uS: float, verify: bool) -> None:
        t_read = self.params.read_noise.t_read_s
        e_J = self.params.energy.v_read_V**2 * g_sum_uS * 1e-6 * t_read
        if verify:
            self.counts.verify_reads += n
            self.energy.verify_read_J += e_J
        else:
            self.counts.reads += n
            self.energy.read_J += e_J
        self.energy.busy_time_s += n * t_read

    def conductance_uS(self, t_s: float) -> np.ndarray:
        """Noise-free drifted conductance at ``t_s``, for inspection: not a device read, so
        it is neither counted nor charged."""
        t = self.check_time(t_s, "conductance_uS")
        s = self.state
        out = np.empty(self.size)
        _ops.drifted_conductance(s.g_prog_uS, s.t_prog_s, s.nu, t, self._args.drift, out)
        return out.reshape(self.shape)

    def apply_pulses(self, n_pulses, t_s: float, amplitude_level=-1) -> None:
        """Apply ``n_pulses`` (non-negative integers, per device) partial-SET pulses at time
        ``t_s``. ``amplitude_level`` indexes ``params.amplitude_levels`` (per device or one
        for all; -1, the default, is the largest, nominal pulse)."""
        t = self.check_time(t_s, "apply_pulses")
        counts = self._flat(n_pulses, "n_pulses", np.int64)
        if counts.size and counts.min() < 0:
            raise ValueError(f"n_pulses: minimum {counts.min()}: expected counts >= 0")
        levels = self._args.amplitude_levels
        idx = self._flat(amplitude_level, "amplitude_level", np.int64)
        if idx.size and (idx.min() < -len(levels) or idx.max() >= len(levels)):
            raise ValueError(
                f"amplitude_level: values in [{idx.min()}, {idx.max()}]: expected indices into"
                f" the {len(levels)} amplitude levels {tuple(levels)}"
            )
        amplitude = levels[idx]
        s, a, n = self.state, self._args, self.size
        total = int(counts.sum())
        _ops.pulse_devices(
            s.g_prog_uS,
            s.t_prog_s,
            s.nu,
            s.history,
            s.fault,
            s.g_max_uS,
            s.step_scale,
            counts,
            amplitude,
            t,
            a.g_min_uS,
            a.g_max_uS,
            a.drift,
            a.pulse_model,
            a.pulse,
            self.rng.standard_normal(total),
            self.rng.standard_normal(n),
        )
        self.book_writes(
            t, set_pulses=total, set_amplitude_sq_sum=float(np.dot(counts, amplitude**2))
        )

    def reset(self, mask, t_s: float) -> None:
        """RESET the devices selected by the boolean ``mask``."""
        t = self.check_time(t_s, "reset")
        selected = self._mask(mask)
        s, a, n = self.state, self._args, self.size
        _ops.reset_devices(
            s.g_prog_uS,
            s.t_prog_s,
            s.nu,
            s.history,
            s.fault,
            s.g_max_uS,
            selected,
            t,
            a.g_min_uS,
            a.g_max_uS,
            a.reset_mean_uS,
            a.reset_std_uS,
            a.drift,
            self.rng.standard_normal(n),
            self.rng.standard_normal(n),
        )
        self.book_writes(t, reset_pulses=int(selected.sum()))

    def program_and_verify(
        self, g_target_uS, t_s: float, tolerance_uS: float, max_iterations: int = 10, mask=None
    ) -> np.ndarray:
        """Iterative programming: program, verify-read, and reprogram every device whose read
        is farther than ``tolerance_uS`` from its target, at most ``max_iterations`` times.

        Returns the number of programming pulses each device used (0 where not selected);
        devices still out of tolerance are those with ``max_iterations`` pulses and
        ``|read - target| > tolerance_uS`` (see ``last_verify_uS``)."""
        if not (isinstance(max_iterations, int | np.integer) and max_iterations >= 1):
            raise ValueError(f"max_iterations={max_iterations!r}: expected an integer >= 1")
        if not (np.isfinite(tolerance_uS) and tolerance_uS > 0):
            raise ValueError(f"tolerance_uS={tolerance_uS!r}: expected a value > 0")
        t = self.check_time(t_s, "program_and_verify")
        target = self._target(g_target_uS)
        pending = self._mask(mask).copy()
        pulses = np.zeros(self.size, dtype=np.int64)
        last = np.full(self.size, np.nan)
        for _ in range(int(max_iterations)):
            if not pending.any():
                break
            self._program_selected(target, pending, t)
            pulses += pending
            verify = self._read(t, True, pending, verify=True)
            last[pending] = verify[pending]
            pending &= np.abs(verify - target) > tolerance_uS
        self.last_verify_uS = last.reshape(self.shape)
        return pulses.reshape(self.shape)
