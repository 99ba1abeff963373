"""Differential PCM pairs as torch tensors: programming, reads with drift and read noise, the
crossbar product with DAC and ADC, and pulse updates.

The equations are those of ``devices.pcm`` (``devices.pcm.elementwise``, the array-API form
of ``devices.pcm.physics``); this module only holds state, draws the deviates from a
``torch.Generator`` and moves tensors. Device state is float64 on the device of the
tensors it holds (CPU or CUDA); products run in the dtype of the input.

A pair holds W in proportion to G+ - G-: index 0 of the leading axis of every state tensor
is G+, index 1 is G-.

Stuck-at faults follow ``devices.pcm``: ``init_pairs`` draws each device's fault with the
fractions of ``params.faults`` (stuck at G_min, at its own G_max,dev, or at a uniform value
in between), a stuck device does not drift (exponent 0), every write leaves it as it is,
and its reads carry the read noise of its stuck conductance, whose 1/f term grows from the
delivery time (its last write).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from devices.pcm import elementwise as ew
from devices.pcm.kernel_args import KernelArgs, kernel_args
from devices.pcm.params import PCMParams
from devices.pcm.state import (
    FAULT_NONE,
    FAULT_STUCK_G_MAX,
    FAULT_STUCK_G_MIN,
    FAULT_STUCK_RANDOM,
)

from .converters import adc, check_converters, dac

PLUS, MINUS = 0, 1


class PairState(NamedTuple):
    """Device state of differential pairs; every tensor is (2, *shape) float64, [0] = G+.

    Attributes
    ----------
    g_prog_uS : torch.Tensor
        Conductance at the end of the last write, uS.
    t_prog_s : torch.Tensor
        Device time of the last write, s.
    nu : torch.Tensor
        Drift exponent drawn at the last write, kept until the next.
    history : torch.Tensor
        Pulse-history term of the Nandakumar response.
    g_max_dev_uS : torch.Tensor
        Each device's own maximum conductance (device-to-device spread), uS.
    step_scale : torch.Tensor
        Each device's fixed pulse-step factor.
    fault : torch.Tensor
        (2, *shape) int8: ``devices.pcm``'s fault codes, 0 healthy, 1 stuck at G_min, 2
        stuck at G_max,dev, 3 stuck at a random value; a stuck device ignores every write.
    t_last_write_s : float
        The write clock: no operation may come earlier.
    """

    g_prog_uS: torch.Tensor
    t_prog_s: torch.Tensor
    nu: torch.Tensor
    history: torch.Tensor
    g_max_dev_uS: torch.Tensor
    step_scale: torch.Tensor
    fault: torch.Tensor
    t_last_write_s: float


class PairSnapshot(NamedTuple):
    """Pairs as read at one device time.

    Attributes
    ----------
    g_eff_uS : torch.Tensor
        *shape drifted G+_d - G-_d, uS (float64).
    var_uS2 : torch.Tensor
        *shape read-noise variance of the pair, s+^2 + s-^2, uS^2 (float32: it only sets a
        noise amplitude, as in ``kernels.crossbar``).
    t_s : float
        Device time of the read, s.
    """

    g_eff_uS: torch.Tensor
    var_uS2: torch.Tensor
    t_s: float


def _time(t_s, name: str = "t_s") -> float:
    try:
        t = float(t_s)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={t_s!r}: expected a finite time in s") from None
    if not math.isfinite(t):
        raise ValueError(f"{name}={t_s!r}: expected a finite time in s")
    return t


def _after_clock(state: PairState, t_s, what: str) -> float:
    t = _time(t_s)
    if t < state.t_last_write_s:
        raise ValueError(
            f"t_s={t!r}: {what} earlier than the last write at {state.t_last_write_s!r} s"
        )
    return t


def _args(params: PCMParams) -> KernelArgs:
    if not isinstance(params, PCMParams):
        raise ValueError(f"params={params!r}: expected a devices.pcm.PCMParams")
    return kernel_args(params)


def _normal(generator: torch.Generator | None, like: torch.Tensor) -> torch.Tensor:
    return torch.randn(like.shape, generator=generator, dtype=like.dtype, device=like.device)


def _uniform(generator: torch.Generator | None, like: torch.Tensor) -> torch.Tensor:
    return torch.rand(like.shape, generator=generator, dtype=like.dtype, device=like.device)


def _draw_faults(params: PCMParams, generator, like: torch.Tensor) -> torch.Tensor:
    """Fault codes drawn as ``devices.pcm.init`` draws them: one uniform deviate per device
    against the cumulative fractions (stuck at G_min, at G_max, at random; else healthy)."""
    f = params.faults
    edges = torch.tensor(
        np.cumsum([f.frac_stuck_g_min, f.frac_stuck_g_max, f.frac_stuck_random]),
        dtype=like.dtype,
        device=like.device,
    )
    bucket = torch.searchsorted(edges, _uniform(generator, like), right=True)
    return torch.where(bucket < 3, bucket + 1, FAULT_NONE).to(torch.int8)


def _keep_stuck(state: PairState, new: dict) -> dict:
    """The written tensors of ``new`` with every stuck device's values kept from ``state``:
    a stuck device ignores writes (``devices.pcm``'s compiled loops skip it)."""
    healthy = state.fault == FAULT_NONE
    return {name: torch.where(healthy, value, getattr(state, name)) for name, value in new.items()}


def init_pairs(
    shape: tuple[int, ...],
    params: PCMParams,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    t_start_s: float = 0.0,
) -> PairState:
    """New RESET pairs with their device-to-device spread and stuck-at faults, as
    ``devices.pcm.init`` draws them.

    A stuck device holds G_min, its own G_max,dev or a uniform value in [G_min, G_max,dev]
    (``params.faults``), with drift exponent 0 and the delivery time as its last write.

    Parameters
    ----------
    shape : tuple of int
        Shape of one polarity (e.g. (out_features, in_features)).
    params : devices.pcm.PCMParams
        Device preset.
    generator : torch.Generator, optional
        Source of every draw (on ``device``); torch's default generator if None.
    device : torch.device or str, optional
        Where the state lives (default: the generator's device, else CPU).
    t_start_s : float
        Device time of the delivery RESET, s.

    Returns
    -------
    PairState
    """
    a = _args(params)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise ValueError(f"shape={shape!r}: expected a tuple of ints") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"shape={shape!r}: expected non-negative dimensions")
    t0 = _time(t_start_s, "t_start_s")
    if device is None:
        device = generator.device if generator is not None else torch.device("cpu")
    like = torch.empty((2, *shape), dtype=torch.float64, device=device)
    floor, var = ew.relative_floor(), params.variability
    g_max = a.g_max_uS * torch.clamp(1.0 + var.g_max_rel_std * _normal(generator, like), min=floor)
    g_max = torch.clamp(g_max, min=a.g_min_uS)
    step = torch.clamp(1.0 + var.step_rel_std * _normal(generator, like), min=floor)
    # Without faults nothing is drawn for them: a fault-free device keeps the random stream
    # (and so the devices) it had before faults were modelled here.
    f = params.faults
    faulty = f.frac_stuck_g_min + f.frac_stuck_g_max + f.frac_stuck_random > 0
    if faulty:
        fault = _draw_faults(params, generator, like)
    else:
        fault = torch.full(like.shape, FAULT_NONE, dtype=torch.int8, device=like.device)
    g = ew.reset_conductance_uS(
        a.reset_mean_uS, a.reset_std_uS, a.g_min_uS, g_max, _normal(generator, like)
    )
    nu = ew.drift_exponent(g / a.g_max_uS, a.drift, _normal(generator, like))
    if faulty:
        # stuck devices: their value, and no drift (as devices.pcm.init sets them)
        g_random = a.g_min_uS + _uniform(generator, like) * (g_max - a.g_min_uS)
        g = torch.where(fault == FAULT_STUCK_G_MIN, torch.full_like(g, a.g_min_uS), g)
        g = torch.where(fault == FAULT_STUCK_G_MAX, g_max, g)
        g = torch.where(fault == FAULT_STUCK_RANDOM, g_random, g)
        nu = torch.where(fault == FAULT_NONE, nu, torch.zeros_like(nu))
    return PairState(
        g_prog_uS=g,
        t_prog_s=torch.full_like(like, t0),
        nu=nu,
        history=torch.ones_like(like),
        g_max_dev_uS=g_max,
        step_scale=step,
        fault=fault,
        t_last_write_s=t0,
    )


def weights_to_targets_uS(
    w: torch.Tensor, g_min_uS: float, g_max_uS: float, w_max: float | None = None
) -> tuple[torch.Tensor, float]:
    """Targets of a pair, G+ = max(s W, G_min), G- = max(-s W, G_min), with s W clipped to
    +-G_max: the rule of ``kernels.tile.DifferentialTile.program_weights``.

    Parameters
    ----------
    w : torch.Tensor
        Weights, finite.
    g_min_uS, g_max_uS : float
        The preset's range, uS.
    w_max : float, optional
        The weight mapped to G_max (default max |W|).

    Returns
    -------
    targets_uS : torch.Tensor
        (2, *w.shape) float64 targets, [0] for G+.
    scale_uS : float
        s = G_max / w_max, uS per unit of W.
    """
    w64 = w.detach().to(torch.float64)
    if not bool(torch.isfinite(w64).all()):
        raise ValueError("w: contains NaN or infinite values")
    w_max = float(w64.abs().max()) if w_max is None and w64.numel() else w_max
    if w_max is None or not float(w_max) > 0:
        raise ValueError(f"w_max={w_max!r}: expected a value > 0 (W is all zeros?)")
    scale = g_max_uS / float(w_max)
    g = torch.clamp(w64 * scale, -g_max_uS, g_max_uS)
    return torch.stack([torch.clamp(g, min=g_min_uS), torch.clamp(-g, min=g_min_uS)]), scale


def program_pairs(
    state: PairState,
    w: torch.Tensor,
    t_s: float,
    params: PCMParams,
    generator: torch.Generator | None = None,
    w_max: float | None = None,
) -> tuple[PairState, float]:
    """One-shot programming of W onto the pairs, with programming noise and a fresh drift
    exponent per device (``devices.pcm.program`` on both polarities); stuck devices are
    left as they are.

    Parameters
    ----------
    state : PairState
        Pairs of shape ``w.shape``.
    w : torch.Tensor
        Weights.
    t_s : float
        Device time of the programming, s (not before the last write).
    params : devices.pcm.PCMParams
        Device preset.
    generator : torch.Generator, optional
        Source of the deviates (programming noise, then drift exponents).
    w_max : float, optional
        The weight mapped to G_max (default max |W|).

    Returns
    -------
    state : PairState
        The new state (the one given is not changed).
    scale_uS : float
        uS per unit of W.
    """
    a = _args(params)
    if tuple(w.shape) != tuple(state.g_prog_uS.shape[1:]):
        raise ValueError(f"w: shape {tuple(w.shape)}: expected {tuple(state.g_prog_uS.shape[1:])}")
    t = _after_clock(state, t_s, "programming")
    targets, scale = weights_to_targets_uS(w, a.g_min_uS, a.g_max_uS, w_max)
    targets = targets.to(state.g_prog_uS.device)
    g = ew.programmed_conductance_uS(
        targets, a.g_min_uS, state.g_max_dev_uS, a.g_max_uS, a.prog, _normal(generator, targets)
    )
    # the exponent follows the target, as in devices.pcm.program
    nu = ew.drift_exponent(targets / a.g_max_uS, a.drift, _normal(generator, targets))
    written = {
        "g_prog_uS": g,
        "t_prog_s": torch.full_like(g, t),
        "nu": nu,
        "history": torch.zeros_like(g),
    }
    return state._replace(**_keep_stuck(state, written), t_last_write_s=t), scale


def drifted_uS(state: PairState, t_s: float, params: PCMParams) -> torch.Tensor:
    """Noise-free drifted conductances of both polarities at ``t_s`` (no read, no noise).

    Parameters
    ----------
    state : PairState
    t_s : float
        Device time, s (not before the last write).
    params : devices.pcm.PCMParams

    Returns
    -------
    torch.Tensor
        (2, *shape) float64, uS.
    """
    a = _args(params)
    t = _after_clock(state, t_s, "read")
    return state.g_prog_uS * ew.drift_factor(t - state.t_prog_s, state.nu, a.drift)


def read_pairs(
    state: PairState,
    t_s: float,
    params: PCMParams,
    generator: torch.Generator | None = None,
    noise: bool = True,
) -> torch.Tensor:
    """One read of every device: drift with the kept exponents, plus 1/f read noise redrawn
    at this read (``devices.pcm.read``).

    Parameters
    ----------
    state : PairState
    t_s : float
        Device time of the read, s.
    params : devices.pcm.PCMParams
    generator : torch.Generator, optional
    noise : bool
        Add read noise (default True).

    Returns
    -------
    torch.Tensor
        (2, *shape) float64 reads, uS (not clipped: read noise is sensing noise).
    """
    a = _args(params)
    g_d = drifted_uS(state, t_s, params)
    if not noise:
        return g_d
    q = ew.flicker_factor(state.g_prog_uS, a.g_max_uS, a.read)
    std = ew.read_noise_std_uS(g_d, q, float(t_s) - state.t_prog_s, a.drift, a.read)
    return g_d + std * _normal(generator, g_d)


def snapshot(state: PairState, t_s: float, params: PCMParams, drift: bool = True) -> PairSnapshot:
    """The pairs as read at ``t_s``: G+_d - G-_d and the pair's read-noise variance, the
    quantities of ``kernels.snapshot.take_snapshot``.

    Parameters
    ----------
    state : PairState
    t_s : float
        Device time, s (not before the last write).
    params : devices.pcm.PCMParams
    drift : bool
        Apply drift (default True).

    Returns
    -------
    PairSnapshot
    """
    a = _args(params)
    t = _after_clock(state, t_s, "read")
    t_since = t - state.t_prog_s if drift else torch.zeros_like(state.t_prog_s)
    g_d = state.g_prog_uS * ew.drift_factor(t_since, state.nu, a.drift)
    q = ew.flicker_factor(state.g_prog_uS, a.g_max_uS, a.read)
    std = ew.read_noise_std_uS(g_d, q, t_since, a.drift, a.read)
    var = (std * std).sum(dim=0).to(torch.float32)
    return PairSnapshot(g_d[PLUS] - g_d[MINUS], var, t)


def mac(
    x: torch.Tensor,
    snap: PairSnapshot,
    generator: torch.Generator | None = None,
    *,
    dac_bits: int = 0,
    adc_bits: int = 0,
    adc_range: float = 1.0,
    noise: bool = True,
) -> torch.Tensor:
    """Analog product y = DAC(x) @ G_eff.T + read noise, then the ADC (no gradient; see
    ``pcm_linear`` for the straight-through form).

    Every sample is a read of its own: the per-cell read noise, redrawn at each read and
    summed along a row of G_eff, is Gaussian with variance sum_i x_i^2 var_ji and is drawn
    once per output, as in ``kernels.crossbar.mac_dense``.

    Parameters
    ----------
    x : torch.Tensor
        (..., n_in) inputs, float32 or float64.
    snap : PairSnapshot
        Pairs of shape (n_out, n_in), read at the time of the product.
    generator : torch.Generator, optional
    dac_bits, adc_bits : int
        Converter resolutions (0: ideal).
    adc_range : float
        ADC full scale, uS x input units.
    noise : bool
        Add read noise.

    Returns
    -------
    torch.Tensor
        (..., n_out) output currents, uS x input units, dtype of ``x``.
    """
    check_converters(dac_bits, adc_bits, adc_range)
    if x.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"x: dtype {x.dtype}: expected torch.float32 or torch.float64")
    return mac_converted(dac(x, dac_bits), snap, generator, adc_bits, adc_range, noise)


def mac_converted(
    xq: torch.Tensor,
    snap: PairSnapshot,
    generator: torch.Generator | None,
    adc_bits: int,
    adc_range: float,
    noise: bool,
) -> torch.Tensor:
    """``mac`` after the DAC (inputs already converted, settings already checked).

    Parameters
    ----------
    xq : torch.Tensor
        (..., n_in) DAC outputs, float32 or float64.
    snap, generator, adc_bits, adc_range, noise
        As for ``mac``.

    Returns
    -------
    torch.Tensor
        (..., n_out), dtype of ``xq``.
    """
    y = xq @ snap.g_eff_uS.to(xq.dtype).T
    if noise:
        # float32 noise amplitude and deviates: ample for a noise term, and half the cost
        var = (xq * xq).to(torch.float32) @ snap.var_uS2.T
        z = torch.randn(var.shape, generator=generator, dtype=torch.float32, device=var.device)
        y = y + (torch.sqrt(var) * z).to(y.dtype)
    return adc(y, adc_bits, adc_range)


def nominal_step_uS(params: PCMParams, g_uS: float | None = None) -> float:
    """Mean conductance step of one nominal pulse on a nominal device at ``g_uS`` (default
    the middle of the range), history term 0: a ``dw_min_uS`` for ``weight_change_to_pulses``.

    Parameters
    ----------
    params : devices.pcm.PCMParams
    g_uS : float, optional
        Conductance before the pulse, uS.

    Returns
    -------
    float
        The mean step, uS (> 0 for the presets; a ValueError if not).
    """
    a = _args(params)
    g = 0.5 * (a.g_min_uS + a.g_max_uS) if g_uS is None else float(g_uS)
    one = np.ones(1)
    step = ew.partial_set_increment_uS(
        a.pulse_model, a.pulse, g * one, a.g_max_uS * one, a.g_max_uS, 0 * one, 1.0, one, 0 * one
    )
    step = float(step[0])
    if not step > 0:
        raise ValueError(f"g_uS={g!r}: the mean pulse step there is {step!r} uS, expected > 0")
    return step


def weight_change_to_pulses(
    delta_w: torch.Tensor, scale_uS: float, dw_min_uS: float, max_pulses: int = 15
) -> torch.Tensor:
    """Pulse counts that move G+ - G- by about ``delta_w``: round(|dW| s / dw_min), capped,
    on G+ where dW > 0 and on G- where dW < 0 (SET pulses only raise a conductance).

    Parameters
    ----------
    delta_w : torch.Tensor
        Desired weight change.
    scale_uS : float
        uS per unit of W (from ``program_pairs``).
    dw_min_uS : float
        Mean step of one pulse, uS (> 0; ``nominal_step_uS``).
    max_pulses : int
        Cap per device (>= 1).

    Returns
    -------
    torch.Tensor
        (2, *delta_w.shape) int64 counts, [0] for G+.
    """
    if not (isinstance(dw_min_uS, int | float) and dw_min_uS > 0):
        raise ValueError(f"dw_min_uS={dw_min_uS!r}: expected a step > 0 in uS")
    if not isinstance(max_pulses, int) or max_pulses < 1:
        raise ValueError(f"max_pulses={max_pulses!r}: expected an integer >= 1")
    d = delta_w.detach().to(torch.float64)
    if not bool(torch.isfinite(d).all()):
        raise ValueError("delta_w: contains NaN or infinite values")
    n = torch.clamp(torch.round(d.abs() * (float(scale_uS) / dw_min_uS)), max=max_pulses)
    n = n.to(torch.int64)
    zero = torch.zeros_like(n)
    return torch.stack([torch.where(d > 0, n, zero), torch.where(d < 0, n, zero)])


def pulse_pairs(
    state: PairState,
    n_pulses: torch.Tensor,
    t_s: float,
    params: PCMParams,
    generator: torch.Generator | None = None,
    amplitude_level: int = -1,
) -> PairState:
    """n partial-SET pulses per device from its drifted conductance, through the preset's
    pulse response (``devices.pcm.pulse``); a pulsed device gets a new drift exponent, a
    stuck one receives its pulses without effect.

    Parameters
    ----------
    state : PairState
    n_pulses : torch.Tensor
        (2, *shape) non-negative integer counts.
    t_s : float
        Device time of the pulses, s (not before the last write).
    params : devices.pcm.PCMParams
    generator : torch.Generator, optional
        One deviate per device per pulse round, then one per device for the exponents.
    amplitude_level : int
        Index into the preset's amplitude levels (default the nominal pulse).

    Returns
    -------
    PairState
        The new state.
    """
    a = _args(params)
    t = _after_clock(state, t_s, "pulses")
    if tuple(n_pulses.shape) != tuple(state.g_prog_uS.shape):
        raise ValueError(
            f"n_pulses: shape {tuple(n_pulses.shape)}: expected {tuple(state.g_prog_uS.shape)}"
        )
    if n_pulses.dtype.is_floating_point or bool((n_pulses < 0).any()):
        raise ValueError("n_pulses: expected non-negative integer counts")
    levels = a.amplitude_levels
    if not isinstance(amplitude_level, int) or not -len(levels) <= amplitude_level < len(levels):
        raise ValueError(
            f"amplitude_level={amplitude_level!r}: expected an index into the"
            f" {len(levels)} amplitude levels"
        )
    amplitude = float(levels[amplitude_level])
    n_pulses = n_pulses.to(state.g_prog_uS.device)
    g = state.g_prog_uS * ew.drift_factor(t - state.t_prog_s, state.nu, a.drift)
    h = state.history
    for k in range(int(n_pulses.max()) if n_pulses.numel() else 0):
        active = n_pulses > k
        g_new, h_new = ew.one_pulse(
            a.pulse_model,
            a.pulse,
            g,
            a.g_min_uS,
            state.g_max_dev_uS,
            a.g_max_uS,
            h,
            amplitude,
            state.step_scale,
            _normal(generator, g),
        )
        g, h = torch.where(active, g_new, g), torch.where(active, h_new, h)
    pulsed = n_pulses > 0
    nu = ew.drift_exponent(g / a.g_max_uS, a.drift, _normal(generator, g))
    written = {
        "g_prog_uS": torch.where(pulsed, g, state.g_prog_uS),
        "t_prog_s": torch.where(pulsed, torch.full_like(g, t), state.t_prog_s),
        "nu": torch.where(pulsed, nu, state.nu),
        "history": h,
    }
    return state._replace(**_keep_stuck(state, written), t_last_write_s=t)
