"""The functional core of the PCM model: a state in, a new state and its events out.

Every write takes ``(state, ..., params, rng)`` and returns ``(new_state, events)``, as
norse's ``lif_feed_forward_step`` does for a LIF neuron: the caller holds the state
(``PCMState``, write clock included), the parameters (``PCMParams``) and the random
generator, so another simulator can keep devices wherever it keeps its own state::

    state = pcm.init((256, 64), params, rng)
    state, ev = pcm.program(state, g_target_uS, 0.0, params, rng)
    g_uS, ev_read = pcm.read(state, 3600.0, params, rng)

Copy-on-write: a write never changes the state it is given. It copies the four arrays a
write changes (``g_prog_uS``, ``t_prog_s``, ``nu``, ``history``: 32 bytes per device, about
1 ms per 1e5 devices, a few per cent of the write itself; checks add some 25 us per call)
and shares the three that are fixed when the population is made (``fault``,
``g_max_uS``, ``step_scale``).
Reads copy nothing and leave the state as it is (they do not move the write clock).

Randomness is explicit: each operation draws its deviates from ``rng`` (a
``numpy.random.Generator``, advanced by the call) in a fixed order, so the same generator
state gives the same result. ``PCMArray`` is a thin wrapper that holds a state, a
generator and the accumulated events and calls these functions.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from . import _checks, _ops
from .events import OpCounts
from .kernel_args import KernelArgs
from .params import PCMParams
from .state import (
    _WRITTEN_ARRAYS,
    FAULT_NONE,
    FAULT_STUCK_G_MAX,
    FAULT_STUCK_G_MIN,
    FAULT_STUCK_RANDOM,
    PCMState,
)

_MIN_REL = 0.05  # floor of device-to-device factors, so no device is dead by chance


def _written_copy(state: PCMState, shape: tuple[int, ...], t_s: float) -> PCMState:
    """The copy a write works on: the written arrays copied, the fixed ones shared."""
    copies = {name: getattr(state, name).copy() for name in _WRITTEN_ARRAYS}
    return replace(state, **copies, shape=shape, t_last_write_s=t_s)


def _checked_write(
    state: PCMState, t_s: float, params: PCMParams, rng, what: str
) -> tuple[KernelArgs, np.random.Generator, tuple[int, ...], float]:
    """The checks every write starts with, in this order (it sets which error a call with
    several bad arguments reports): parameters, generator, state and time."""
    a = _checks.check_params(params)
    rng = _checks.generator(rng)
    shape, t = _checks.check_time(state, t_s, what)
    return a, rng, shape, t


# -- in-place steps on a state the caller owns --------------------------------------------------
def _reset_into(state: PCMState, selected: np.ndarray, t: float, a: KernelArgs, rng) -> OpCounts:
    n = selected.size
    z_reset = rng.standard_normal(n)
    z_nu = rng.standard_normal(n)
    _ops.reset_devices(
        state.device_arrays(),
        selected,
        t,
        a.g_min_uS,
        a.g_max_uS,
        a.reset_mean_uS,
        a.reset_std_uS,
        a.drift,
        z_reset,
        z_nu,
    )
    return OpCounts(reset_pulses=int(selected.sum()))


def _program_into(
    state: PCMState, target: np.ndarray, selected: np.ndarray, t: float, a: KernelArgs, rng
) -> OpCounts:
    n = selected.size
    z_prog = rng.standard_normal(n)
    z_nu = rng.standard_normal(n)
    _ops.program_devices(
        state.device_arrays(),
        target,
        selected,
        t,
        a.g_min_uS,
        a.g_max_uS,
        a.prog,
        a.drift,
        z_prog,
        z_nu,
    )
    return OpCounts(program_pulses=int(selected.sum()))


def _read_selected(
    state: PCMState, t: float, noise: bool, selected: np.ndarray, verify: bool, a: KernelArgs, rng
) -> tuple[np.ndarray, OpCounts]:
    n = selected.size
    out = np.empty(n)
    z = rng.standard_normal(n) if noise else np.empty(0)
    g_sum_uS = float(
        _ops.read_devices(
            state.device_arrays(), t, a.g_max_uS, a.drift, a.read, z, noise, selected, out
        )
    )
    k = int(selected.sum())
    if verify:
        return out, OpCounts(verify_reads=k, verify_g_sum_uS=g_sum_uS)
    return out, OpCounts(reads=k, read_g_sum_uS=g_sum_uS)


# -- the public functions -----------------------------------------------------------------------
def init(
    shape: int | tuple[int, ...],
    params: PCMParams,
    rng: np.random.Generator,
    t_start_s: float = 0.0,
) -> PCMState:
    """A new population of devices, RESET at ``t_start_s``.

    Draws each device's range G_max,dev = G_max max(0.05, 1 + s_G N(0, 1)) and step factor
    max(0.05, 1 + s_step N(0, 1)) (``params.variability``), its fault (``params.faults``:
    stuck at G_min, at G_max,dev, or at a uniform random value), then RESETs every device
    (not counted as an event: the array is delivered that way). Stuck devices do not drift.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the population (any number of dimensions, each >= 0).
    params : PCMParams
        Device parameters (``pcm.preset(name)``).
    rng : numpy.random.Generator
        Source of every random draw; advanced by the call.
    t_start_s : float, default 0.0
        Absolute device time of the delivery RESET, in s: the write clock starts there.

    Returns
    -------
    PCMState
        The new state (arrays flat, one entry per device; ``state.shape == shape``).

    Raises
    ------
    ValueError
        Naming ``shape``, ``params``, ``rng`` or ``t_start_s`` when it is invalid.

    References
    ----------
    Device-to-device spread of G_max (10 %) and of the step (20 %): IBM aihwkit
    ``PCMPresetDevice`` (Nandakumar et al., Front. Neurosci. 14, 406, 2020).
    """
    a = _checks.check_params(params)
    shape = _checks.shape_of(shape)
    rng = _checks.generator(rng)
    t_start_s = _checks.finite_time(t_start_s, "t_start_s")
    n = math.prod(shape)
    var, faults = params.variability, params.faults
    g_max = params.g_max_uS * np.maximum(_MIN_REL, 1.0 + var.g_max_rel_std * rng.standard_normal(n))
    g_max = np.maximum(g_max, params.g_min_uS)  # a range never ends below G_min
    step = np.maximum(_MIN_REL, 1.0 + var.step_rel_std * rng.standard_normal(n))
    edges = np.cumsum([faults.frac_stuck_g_min, faults.frac_stuck_g_max, faults.frac_stuck_random])
    bucket = np.searchsorted(edges, rng.random(n), side="right")  # 3 means healthy
    fault = np.where(bucket < 3, bucket + 1, FAULT_NONE).astype(np.int8)
    state = PCMState(
        g_prog_uS=np.zeros(n),
        t_prog_s=np.full(n, t_start_s),
        nu=np.zeros(n),
        history=np.ones(n),
        fault=np.zeros(n, np.int8),
        g_max_uS=g_max,
        step_scale=step,
        shape=shape,
        t_last_write_s=t_start_s,
    )
    # The delivery RESET reaches every device, stuck ones too (their faults are set just
    # after it); it is how the array is delivered, not an event.
    _reset_into(state, np.ones(n, bool), t_start_s, a, rng)
    state.fault = fault
    stuck_max = fault == FAULT_STUCK_G_MAX
    stuck_rand = fault == FAULT_STUCK_RANDOM
    state.g_prog_uS[fault == FAULT_STUCK_G_MIN] = params.g_min_uS
    state.g_prog_uS[stuck_max] = g_max[stuck_max]
    state.g_prog_uS[stuck_rand] = params.g_min_uS + rng.random(int(stuck_rand.sum())) * (
        g_max[stuck_rand] - params.g_min_uS
    )
    state.nu[fault != FAULT_NONE] = 0.0  # a stuck device does not drift
    return state


def program(
    state: PCMState,
    g_target_uS,
    t_s: float,
    params: PCMParams,
    rng: np.random.Generator,
    mask=None,
) -> tuple[PCMState, OpCounts]:
    """One-shot programming (a RESET and a SET ramp) to ``g_target_uS`` at time ``t_s``.

    G_prog = clip(G_T' + s_p(G_T') N(0, 1), G_min, G_max,dev) with G_T' = min(G_T,
    G_max,dev) and s_p = max(0, c0 + c1 x + c2 x^2) G_max / 25 uS, x = G_T'/G_max; a fresh
    drift exponent nu = |N(mu_nu(x), s_nu(x))| (see ``pcm.read``); history term 0. Stuck
    devices are left as they are (the program is still counted).

    Parameters
    ----------
    state : PCMState
        Current state; not changed.
    g_target_uS : array_like of float
        Target conductances in uS, broadcastable to ``state.shape``, within
        [params.g_min_uS, params.g_max_uS].
    t_s : float
        Absolute device time of the write, in s; not before ``state.t_last_write_s``.
    params : PCMParams
        Device parameters.
    rng : numpy.random.Generator
        Source of the programming noise and of the drift exponents (2 n deviates).
    mask : array_like of bool, optional
        Devices to program (broadcastable to ``state.shape``); default all.

    Returns
    -------
    new_state : PCMState
        The state after the write; its write clock is ``t_s``.
    events : OpCounts
        ``program_pulses``: the number of selected devices.

    Raises
    ------
    ValueError
        Naming ``state``, ``t_s``, ``g_target_uS``, ``mask``, ``params`` or ``rng``.

    References
    ----------
    Joshi et al., "Accurate deep neural network inference using computational phase-change
    memory", Nat. Commun. 11, 2473 (2020); IBM aihwkit ``PCMLikeNoiseModel``.
    """
    a, rng, shape, t = _checked_write(state, t_s, params, rng, "program")
    target = _checks.targets(g_target_uS, shape, params)
    selected = _checks.mask_of(mask, shape)
    new = _written_copy(state, shape, t)
    return new, _program_into(new, target, selected, t, a, rng)


def pulse(
    state: PCMState,
    n_pulses,
    t_s: float,
    params: PCMParams,
    rng: np.random.Generator,
    amplitude_level=-1,
) -> tuple[PCMState, OpCounts]:
    """``n_pulses`` partial-SET pulses per device at time ``t_s``, one after another.

    Each device starts from its drifted conductance at ``t_s``; each pulse adds the
    preset's response dG (Nandakumar: dG ~ N(-0.084 G + r (0.880 + 1.40 P), 0.091 G + r
    (0.260 + 2.15 P)) with P *= exp(-1/2.6) per pulse; exp-step: aihwkit's
    ``PCMPresetDevice``), scaled by the relative amplitude of the level and the device's
    step factor, clipped to [G_min, G_max,dev]. Devices that received pulses draw a new
    drift exponent. Stuck devices receive the pulses without effect.

    Parameters
    ----------
    state : PCMState
        Current state; not changed.
    n_pulses : array_like of int
        Pulses per device (>= 0), broadcastable to ``state.shape``.
    t_s : float
        Absolute device time of the pulses, in s; not before ``state.t_last_write_s``.
    params : PCMParams
        Device parameters.
    rng : numpy.random.Generator
        Source of the pulse noise (one deviate per pulse) and drift exponents (n).
    amplitude_level : int or array_like of int, default -1
        Index into ``params.amplitude_levels`` (relative amplitudes in (0, 1]), per device
        or one for all; -1 is the largest, nominal (fitted) pulse.

    Returns
    -------
    new_state : PCMState
        The state after the pulses; its write clock is ``t_s``.
    events : OpCounts
        ``set_pulses`` and ``set_amplitude_sq_sum``.

    Raises
    ------
    ValueError
        Naming ``state``, ``t_s``, ``n_pulses``, ``amplitude_level``, ``params`` or ``rng``.

    References
    ----------
    Nandakumar et al., "A phase-change memory model for neuromorphic computing", J. Appl.
    Phys. 124, 152135 (2018); IBM aihwkit ``PCMPresetDevice`` (Nandakumar et al., Front.
    Neurosci. 14, 406, 2020).
    """
    a, rng, shape, t = _checked_write(state, t_s, params, rng, "pulse")
    counts = _checks.per_device(n_pulses, "n_pulses", np.int64, shape)
    if counts.size and counts.min() < 0:
        raise ValueError(f"n_pulses: minimum {counts.min()}: expected counts >= 0")
    levels = a.amplitude_levels
    idx = _checks.per_device(amplitude_level, "amplitude_level", np.int64, shape)
    # -1 (the largest level) is the one negative index documented: others would wrap.
    if idx.size and (idx.min() < -1 or idx.max() >= len(levels)):
        raise ValueError(
            f"amplitude_level: values in [{idx.min()}, {idx.max()}]: expected indices in"
            f" [0, {len(levels) - 1}] (or -1, the largest) into the {len(levels)} amplitude"
            f" levels {tuple(levels)}"
        )
    amplitude = levels[idx]
    total = int(counts.sum())
    new = _written_copy(state, shape, t)
    z_pulse = rng.standard_normal(total)
    z_nu = rng.standard_normal(counts.size)
    _ops.pulse_devices(
        new.device_arrays(),
        counts,
        amplitude,
        t,
        a.g_min_uS,
        a.g_max_uS,
        a.drift,
        a.pulse_model,
        a.pulse,
        z_pulse,
        z_nu,
    )
    events = OpCounts(set_pulses=total, set_amplitude_sq_sum=float(np.dot(counts, amplitude**2)))
    return new, events


def reset(
    state: PCMState, mask, t_s: float, params: PCMParams, rng: np.random.Generator
) -> tuple[PCMState, OpCounts]:
    """RESET the devices selected by ``mask`` at time ``t_s``.

    G = clip(N(g_mean_uS, g_std_uS), G_min, G_max,dev) (``params.reset``), history term
    P = 1, a fresh drift exponent. Stuck devices are left as they are.

    Parameters
    ----------
    state : PCMState
        Current state; not changed.
    mask : array_like of bool or None
        Devices to RESET, broadcastable to ``state.shape``; None selects all.
    t_s : float
        Absolute device time of the RESET, in s; not before ``state.t_last_write_s``.
    params : PCMParams
        Device parameters.
    rng : numpy.random.Generator
        Source of the RESET spread and of the drift exponents (2 n deviates).

    Returns
    -------
    new_state : PCMState
        The state after the RESET; its write clock is ``t_s``.
    events : OpCounts
        ``reset_pulses``: the number of selected devices.

    Raises
    ------
    ValueError
        Naming ``state``, ``t_s``, ``mask``, ``params`` or ``rng``.

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018): RESET to N(0.1, 0.01) uS.
    """
    a, rng, shape, t = _checked_write(state, t_s, params, rng, "reset")
    selected = _checks.mask_of(mask, shape)
    new = _written_copy(state, shape, t)
    return new, _reset_into(new, selected, t, a, rng)


def read(
    state: PCMState,
    t_s: float,
    params: PCMParams,
    rng: np.random.Generator | None = None,
    noise: bool = True,
    *,
    verify: bool = False,
) -> tuple[np.ndarray, OpCounts]:
    """Read every device at time ``t_s``: drifted conductance plus read noise.

    G_d = G_prog (max(t + t_shift, t0) / t0)^(-nu), t the time since the device's last
    write (t_shift = t0 for Joshi 2020's "end_of_programming" origin, 0 for Nandakumar
    2018's "reference_read"); G_read = G_d + std N(0, 1) with std = |G_d| (Q_s sqrt(ln((t +
    t0 + t_r) / (2 t_r))) + rel) + abs, not clipped (sensing noise). A read does not change
    the state and does not move the write clock; its energy is V_read^2 G_d t_read per cell.

    Parameters
    ----------
    state : PCMState
        Current state; not changed.
    t_s : float
        Absolute device time of the read, in s; not before ``state.t_last_write_s``.
    params : PCMParams
        Device parameters.
    rng : numpy.random.Generator, optional
        Source of the read noise (n deviates); needed only when ``noise`` is true.
    noise : bool, default True
        Add read noise; False gives the drifted conductance (still counted as a read).
    verify : bool, default False
        Count the reads as verify reads (``verify_reads``, ``verify_g_sum_uS``).

    Returns
    -------
    g_uS : numpy.ndarray of float64, shape ``state.shape``
        The conductances read, in uS.
    events : OpCounts
        ``reads`` and ``read_g_sum_uS`` (or their verify counterparts).

    Raises
    ------
    ValueError
        Naming ``state``, ``t_s``, ``params`` or ``rng``.

    References
    ----------
    Drift and 1/f read noise: Joshi et al., Nat. Commun. 11, 2473 (2020) (IBM aihwkit
    ``PCMLikeNoiseModel``); power-law drift from structural relaxation: M. Le Gallo and A.
    Sebastian, "An overview of phase-change memory device physics", J. Phys. D: Appl. Phys.
    53, 213002 (2020); Nandakumar et al., J. Appl. Phys. 124, 152135 (2018) for the
    ``nandakumar2018`` preset (t0 = 38.6 s, read noise 0.03 G + 0.13 uS).
    """
    a = _checks.check_params(params)
    noise = bool(noise)
    if noise:
        rng = _checks.generator(rng)
    shape, t = _checks.check_time(state, t_s, "read")
    _checks.readable(state, "read")
    n = math.prod(shape)
    g, events = _read_selected(state, t, noise, np.ones(n, bool), bool(verify), a, rng)
    return g.reshape(shape), events


def program_and_verify(
    state: PCMState,
    g_target_uS,
    t_s: float,
    tolerance_uS: float,
    params: PCMParams,
    rng: np.random.Generator,
    max_iterations: int = 10,
    mask=None,
) -> tuple[PCMState, OpCounts, np.ndarray, np.ndarray]:
    """Iterative programming: program, verify-read, reprogram the devices out of tolerance.

    Every iteration programs the pending devices (``pcm.program``) and reads them with
    noise at ``t_s`` (a verify read); a device stays pending while |read - target| >
    ``tolerance_uS``, for at most ``max_iterations`` iterations.

    Parameters
    ----------
    state : PCMState
        Current state; not changed.
    g_target_uS : array_like of float
        Target conductances in uS, broadcastable to ``state.shape``.
    t_s : float
        Absolute device time, in s; not before ``state.t_last_write_s``.
    tolerance_uS : float
        Accepted |verify read - target|, in uS (> 0).
    params : PCMParams
        Device parameters.
    rng : numpy.random.Generator
        Source of the programming and read noise (3 n deviates per iteration).
    max_iterations : int, default 10
        Most programming pulses per device (>= 1).
    mask : array_like of bool, optional
        Devices to program; default all.

    Returns
    -------
    new_state : PCMState
        The state after programming; its write clock is ``t_s`` if anything was programmed.
    events : OpCounts
        ``program_pulses``, ``verify_reads`` and ``verify_g_sum_uS``.
    pulses : numpy.ndarray of int64, shape ``state.shape``
        Programming pulses each device used (0 where not selected).
    last_verify_uS : numpy.ndarray of float64, shape ``state.shape``
        Each device's last verify read in uS (NaN where not selected); devices still out of
        tolerance have ``max_iterations`` pulses and |last_verify_uS - target| > tolerance.

    Raises
    ------
    ValueError
        Naming ``max_iterations``, ``tolerance_uS``, ``state``, ``t_s``, ``g_target_uS``,
        ``mask``, ``params`` or ``rng``.

    References
    ----------
    Iterative program-and-verify as used for PCM inference chips: Joshi et al., Nat.
    Commun. 11, 2473 (2020).
    """
    if not (isinstance(max_iterations, int | np.integer) and max_iterations >= 1):
        raise ValueError(f"max_iterations={max_iterations!r}: expected an integer >= 1")
    try:
        tolerance = float(tolerance_uS)
    except (TypeError, ValueError):
        tolerance = math.nan
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance_uS={tolerance_uS!r}: expected a value > 0")
    a, rng, shape, t = _checked_write(state, t_s, params, rng, "program_and_verify")
    target = _checks.targets(g_target_uS, shape, params)
    pending = _checks.mask_of(mask, shape).copy()
    n = pending.size
    new = _written_copy(state, shape, float(state.t_last_write_s))
    pulses = np.zeros(n, dtype=np.int64)
    last = np.full(n, np.nan)
    events = OpCounts()
    for _ in range(int(max_iterations)):
        if not pending.any():
            break
        events += _program_into(new, target, pending, t, a, rng)
        new.t_last_write_s = t
        pulses += pending
        verify, read_events = _read_selected(new, t, True, pending, True, a, rng)
        events += read_events
        last[pending] = verify[pending]
        pending &= np.abs(verify - target) > tolerance
    return new, events, pulses.reshape(shape), last.reshape(shape)


def conductance_uS(state: PCMState, t_s: float, params: PCMParams) -> np.ndarray:
    """Noise-free drifted conductance at ``t_s``, for inspection.

    Not a device read: no noise, no random draw, no events. The drift law is that of
    ``pcm.read``.

    Parameters
    ----------
    state : PCMState
        Current state; not changed.
    t_s : float
        Absolute device time, in s; not before ``state.t_last_write_s``.
    params : PCMParams
        Device parameters.

    Returns
    -------
    numpy.ndarray of float64, shape ``state.shape``
        G_d in uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); M. Le Gallo and A. Sebastian, J. Phys. D:
    Appl. Phys. 53, 213002 (2020).
    """
    a = _checks.check_params(params)
    shape, t = _checks.check_time(state, t_s, "conductance_uS")
    out = np.empty(math.prod(shape))
    _ops.drifted_conductance(state.device_arrays(), t, a.drift, out)
    return out.reshape(shape)
