"""The device equations of ``devices.pcm.physics`` for whole arrays, written against the
array API that numpy and torch share.

``physics`` holds the scalar equations compiled by numba for the functional core and the
crossbar kernels; this module holds the same equations, operation for operation, for any
array library that offers ``abs``, ``clip``, ``exp``, ``log``, ``sqrt``, ``minimum``,
``maximum`` and ``where`` (numpy, torch on any device). The namespace is taken from the
arguments, so this module imports neither torch nor anything compiled: ``devices.pcm``
stays a numpy and numba package, and the torch bridge (``devices.pcm_torch``) calls these
functions with tensors.

Operations without a transcendental function (clips, sums, products) give the same bits as
the compiled physics. ``exp`` and ``log`` are the library's own here and ``devices.vecmath``
there, both within about one unit in the last place of the exact value, so the drift factor
and the read-noise amplitude agree to a few units in the last place (tested in
``tests/devices/test_pcm_torch.py``).

Every function takes the coefficient vectors of ``pcm.kernel_args`` (numpy arrays; their
entries are read as Python floats) and arrays of one library, all broadcastable together.
Random deviates are passed in, as in ``physics``: the caller owns the random stream.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

from .core import _MIN_REL
from .physics import (
    DRIFT_MEAN_MAX,
    DRIFT_MEAN_MIN,
    DRIFT_MEAN_OFFSET,
    DRIFT_MEAN_SLOPE,
    DRIFT_STD_MAX,
    DRIFT_STD_MIN,
    DRIFT_STD_OFFSET,
    DRIFT_STD_SLOPE,
    DRIFT_T0,
    DRIFT_T_SHIFT,
    DRIFT_X_FLOOR,
    ES_A,
    ES_AMP,
    ES_B,
    ES_DW_MIN,
    ES_GAMMA,
    ES_STD,
    ES_STD_ADD,
    ES_STD_SLOPE,
    ES_W_RANGE,
    NK_HISTORY_FACTOR,
    NK_MEAN_0,
    NK_MEAN_G,
    NK_MEAN_P,
    NK_STD_0,
    NK_STD_G,
    NK_STD_P,
    PROG_C0,
    PROG_C1,
    PROG_C2,
    PROG_G_REF,
    PROG_SCALE,
    PULSE_MODEL_NANDAKUMAR,
    READ_ABS,
    READ_EXPONENT,
    READ_FLICKER,
    READ_FLOOR,
    READ_MAX,
    READ_REL,
    READ_T_READ,
)


def namespace(x) -> ModuleType:
    """The array library of ``x``: numpy for numpy arrays, the array's own package (torch
    for a ``torch.Tensor``) otherwise.

    Parameters
    ----------
    x : array
        A numpy array or an array of another library with numpy-like functions.

    Returns
    -------
    module
        numpy or the top-level package the array type comes from.
    """
    if isinstance(x, np.ndarray | np.generic):
        return np
    # torch.Tensor lives in the module "torch": the library is found without importing it here
    return importlib.import_module(type(x).__module__.split(".")[0])


def _c(vec, index: int) -> float:
    return float(vec[index])


def clip_conductance_uS(g_uS, g_min_uS: float, g_max_dev_uS):
    """The range rule of every write, min(max(G, G_min), G_max,dev) (``physics``'s
    ``clip_conductance_uS``).

    Parameters
    ----------
    g_uS : array
        Conductances, uS.
    g_min_uS : float
        Nominal minimum, uS.
    g_max_dev_uS : array
        Each device's own maximum, uS (same library as ``g_uS``).

    Returns
    -------
    array
        The clipped conductances, uS.
    """
    xp = namespace(g_uS)
    return xp.minimum(xp.clip(g_uS, g_min_uS, None), g_max_dev_uS)


def programming_noise_std_uS(g_target_uS, g_max_uS: float, prog):
    """s_p = max(0, c0 + c1 x + c2 x^2) G_max / g_ref x scale, x = G_T / G_max.

    Parameters
    ----------
    g_target_uS : array
        Targets, uS.
    g_max_uS : float
        Nominal maximum, uS.
    prog : numpy.ndarray
        ``KernelArgs.prog``.

    Returns
    -------
    array
        s_p, uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); IBM aihwkit ``PCMLikeNoiseModel``.
    """
    xp = namespace(g_target_uS)
    x = g_target_uS / g_max_uS
    s = _c(prog, PROG_C0) + _c(prog, PROG_C1) * x + _c(prog, PROG_C2) * x * x
    return xp.clip(s, 0.0, None) * (g_max_uS / _c(prog, PROG_G_REF)) * _c(prog, PROG_SCALE)


def programmed_conductance_uS(g_target_uS, g_min_uS: float, g_max_dev_uS, g_max_uS: float, prog, z):
    """G_prog = clip(G_T' + s_p(G_T') z, G_min, G_max,dev), G_T' = min(G_T, G_max,dev).

    Parameters
    ----------
    g_target_uS : array
        Targets, uS.
    g_min_uS : float
        Nominal minimum, uS.
    g_max_dev_uS : array
        Each device's own maximum, uS.
    g_max_uS : float
        Nominal maximum, uS.
    prog : numpy.ndarray
        ``KernelArgs.prog``.
    z : array
        Standard-normal deviates.

    Returns
    -------
    array
        G_prog, uS.
    """
    xp = namespace(g_target_uS)
    target = xp.minimum(g_target_uS, g_max_dev_uS)
    g = target + programming_noise_std_uS(target, g_max_uS, prog) * z
    return clip_conductance_uS(g, g_min_uS, g_max_dev_uS)


def drift_exponent_moments(x, drift):
    """(mu_nu, s_nu) = clipped log-linear fits in ln max(x, x_floor), x = G / G_max.

    Parameters
    ----------
    x : array
        Relative conductance.
    drift : numpy.ndarray
        ``KernelArgs.drift``.

    Returns
    -------
    mu_nu, s_nu : array

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020).
    """
    xp = namespace(x)
    lx = xp.log(xp.clip(x, _c(drift, DRIFT_X_FLOOR), None))
    mu = _c(drift, DRIFT_MEAN_SLOPE) * lx + _c(drift, DRIFT_MEAN_OFFSET)
    mu = xp.clip(mu, _c(drift, DRIFT_MEAN_MIN), _c(drift, DRIFT_MEAN_MAX))
    s = _c(drift, DRIFT_STD_SLOPE) * lx + _c(drift, DRIFT_STD_OFFSET)
    s = xp.clip(s, _c(drift, DRIFT_STD_MIN), _c(drift, DRIFT_STD_MAX))
    return mu, s


def drift_exponent(x, drift, z):
    """nu = |mu_nu(x) + s_nu(x) z|, drawn at each write and kept until the next.

    Parameters
    ----------
    x : array
        Relative conductance after the write.
    drift : numpy.ndarray
        ``KernelArgs.drift``.
    z : array
        Standard-normal deviates.

    Returns
    -------
    array
        nu >= 0.
    """
    mu, s = drift_exponent_moments(x, drift)
    return namespace(mu).abs(mu + s * z)


def drift_factor(t_since_programming_s, nu, drift):
    """G(t) / G_prog = (max(t + t_shift, t0) / t0)^(-nu), as exp(-nu ln(.)); 1 before t0.

    Parameters
    ----------
    t_since_programming_s : array
        Time since each device's last write, s (>= 0).
    nu : array
        Drift exponents.
    drift : numpy.ndarray
        ``KernelArgs.drift``.

    Returns
    -------
    array
        The factor, in (0, 1].
    """
    xp = namespace(nu)
    t0 = _c(drift, DRIFT_T0)
    t = t_since_programming_s + _c(drift, DRIFT_T_SHIFT)
    # where t <= t0 the ratio is 1 and ln 1 = 0: the factor is exactly 1, as in ``physics``
    ratio = xp.clip(t, t0, None) / t0
    return xp.exp(-nu * xp.log(ratio))


def flicker_factor(g_prog_uS, g_max_uS: float, read):
    """Q_s = min(c / max(x^e, floor), cap), x = |G_prog| / G_max, x^e as exp(e ln x).

    Parameters
    ----------
    g_prog_uS : array
        Conductances at the end of the last write, uS.
    g_max_uS : float
        Nominal maximum, uS.
    read : numpy.ndarray
        ``KernelArgs.read``.

    Returns
    -------
    array
        Q_s.
    """
    xp = namespace(g_prog_uS)
    x = xp.abs(g_prog_uS) / g_max_uS
    exponent = _c(read, READ_EXPONENT)
    x_pow = xp.exp(exponent * xp.log(xp.where(x > 0.0, x, 1.0)))
    x_pow = xp.where(x == 0.0, 0.0 if exponent > 0.0 else 1.0, x_pow)
    q = _c(read, READ_FLICKER) / xp.clip(x_pow, _c(read, READ_FLOOR), None)
    return xp.clip(q, None, _c(read, READ_MAX))


def read_noise_std_uS(g_drift_uS, flicker_q, t_since_programming_s, drift, read):
    """std = |G_d| (Q_s sqrt(ln max(1, (t + t0 + t_r) / (2 t_r))) + rel) + abs.

    Parameters
    ----------
    g_drift_uS : array
        Drifted conductances, uS.
    flicker_q : array
        ``flicker_factor`` of each device.
    t_since_programming_s : array
        Time since each device's last write, s.
    drift, read : numpy.ndarray
        ``KernelArgs.drift`` and ``KernelArgs.read``.

    Returns
    -------
    array
        Standard deviation of one read, uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); Nandakumar et al., J. Appl. Phys. 124,
    152135 (2018).
    """
    xp = namespace(g_drift_uS)
    t = t_since_programming_s + _c(drift, DRIFT_T0)
    t_read = _c(read, READ_T_READ)
    flicker = flicker_q * xp.sqrt(xp.log(xp.clip((t + t_read) / (2.0 * t_read), 1.0, None)))
    return xp.abs(g_drift_uS) * (flicker + _c(read, READ_REL)) + _c(read, READ_ABS)


def partial_set_increment_uS(
    model: int, pulse, g_uS, g_max_dev_uS, g_max_uS: float, history, amplitude, step_scale, z
):
    """dG of one partial-SET pulse before the range rule (``physics``'s equations).

    Parameters
    ----------
    model : int
        ``physics.PULSE_MODEL_NANDAKUMAR`` or ``physics.PULSE_MODEL_EXPSTEP``.
    pulse : numpy.ndarray
        ``KernelArgs.pulse``.
    g_uS, g_max_dev_uS : array
        Conductance before the pulse and the device's own maximum, uS.
    g_max_uS : float
        Nominal maximum, uS.
    history : array
        Pulse-history term P (Nandakumar only).
    amplitude : float or array
        Relative amplitude in (0, 1].
    step_scale : array
        Each device's fixed step factor.
    z : array
        Standard-normal deviates.

    Returns
    -------
    array
        dG, uS.

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018); IBM aihwkit ``PCMPresetDevice``.
    """
    xp = namespace(g_uS)
    if model == PULSE_MODEL_NANDAKUMAR:
        mu = _c(pulse, NK_MEAN_G) * g_uS + _c(pulse, NK_MEAN_0) + _c(pulse, NK_MEAN_P) * history
        s = _c(pulse, NK_STD_G) * g_uS + _c(pulse, NK_STD_0) + _c(pulse, NK_STD_P) * history
        return amplitude * step_scale * (mu + xp.clip(s, 0.0, None) * z)
    mean_uS, std_uS = expstep_moments_uS(pulse, g_uS, g_max_dev_uS, g_max_uS, amplitude, step_scale)
    return mean_uS + std_uS * z


def expstep_moments_uS(pulse, g_uS, g_max_dev_uS, g_max_uS: float, amplitude, step_scale):
    """Mean and cycle-to-cycle spread of the dG of one exponential-step pulse, before the
    range rule (``physics.expstep_cell``'s equations): dG = mean + std z.

    Parameters
    ----------
    pulse : numpy.ndarray
        ``KernelArgs.pulse`` of the exp-step model (``ES_*`` layout).
    g_uS, g_max_dev_uS : array
        Conductance before the pulse and the device's own maximum, uS.
    g_max_uS : float
        Nominal maximum, uS.
    amplitude : float or array
        Relative amplitude in (0, 1].
    step_scale : float or array
        The device's fixed step factor.

    Returns
    -------
    mean_uS, std_uS : array
        step max(1 - A exp(gamma (2 a G / G_max,dev + b)), 0) and dw_std |mean| + floor +
        slope |G|, uS.
    """
    xp = namespace(g_uS)
    g_unit = g_max_uS / _c(pulse, ES_W_RANGE)
    exp_slope_per_uS = _c(pulse, ES_GAMMA) * 2.0 * _c(pulse, ES_A) / g_max_dev_uS
    exp_offset = _c(pulse, ES_GAMMA) * _c(pulse, ES_B)
    step_uS = amplitude * g_unit * _c(pulse, ES_DW_MIN) * step_scale
    noise_floor_uS = amplitude * g_unit * _c(pulse, ES_STD) * _c(pulse, ES_STD_ADD)
    noise_slope = amplitude * _c(pulse, ES_STD) * _c(pulse, ES_STD_SLOPE)
    y = xp.clip(1.0 - _c(pulse, ES_AMP) * xp.exp(g_uS * exp_slope_per_uS + exp_offset), 0.0, None)
    mean_uS = step_uS * y
    std_uS = _c(pulse, ES_STD) * xp.abs(mean_uS) + (noise_floor_uS + noise_slope * xp.abs(g_uS))
    return mean_uS, std_uS


def history_after_pulse(model: int, pulse, history):
    """P exp(-1/2.6) after a Nandakumar pulse; unchanged for the exp-step model.

    Parameters
    ----------
    model : int
        Pulse model.
    pulse : numpy.ndarray
        ``KernelArgs.pulse``.
    history : array
        P before the pulse.

    Returns
    -------
    array
        P after the pulse.
    """
    if model == PULSE_MODEL_NANDAKUMAR:
        return history * _c(pulse, NK_HISTORY_FACTOR)
    return history


def one_pulse(
    model: int,
    pulse,
    g_uS,
    g_min_uS: float,
    g_max_dev_uS,
    g_max_uS: float,
    history,
    amplitude,
    step_scale,
    z,
):
    """One partial-SET pulse and the range rule: (G after, P after).

    Parameters
    ----------
    model, pulse, g_uS, g_max_dev_uS, g_max_uS, history, amplitude, step_scale, z
        As for ``partial_set_increment_uS``.
    g_min_uS : float
        Nominal minimum, uS.

    Returns
    -------
    g_uS, history : array
    """
    dg = partial_set_increment_uS(
        model, pulse, g_uS, g_max_dev_uS, g_max_uS, history, amplitude, step_scale, z
    )
    g_new = clip_conductance_uS(g_uS + dg, g_min_uS, g_max_dev_uS)
    return g_new, history_after_pulse(model, pulse, history)


def reset_conductance_uS(
    reset_mean_uS: float, reset_std_uS: float, g_min_uS: float, g_max_dev_uS, z
):
    """clip(mean + std z, G_min, G_max,dev) after a RESET.

    Parameters
    ----------
    reset_mean_uS, reset_std_uS : float
        RESET distribution, uS.
    g_min_uS : float
        Nominal minimum, uS.
    g_max_dev_uS : array
        Each device's own maximum, uS.
    z : array
        Standard-normal deviates.

    Returns
    -------
    array
        G, uS.
    """
    return clip_conductance_uS(reset_mean_uS + reset_std_uS * z, g_min_uS, g_max_dev_uS)


def relative_floor() -> float:
    """The floor of relative device-to-device factors (G_max,dev / G_max and the step
    factor), as in ``pcm.init``.

    Returns
    -------
    float
        0.05.
    """
    return float(_MIN_REL)


__all__ = [
    "clip_conductance_uS",
    "drift_exponent",
    "drift_exponent_moments",
    "drift_factor",
    "flicker_factor",
    "history_after_pulse",
    "namespace",
    "one_pulse",
    "partial_set_increment_uS",
    "programmed_conductance_uS",
    "programming_noise_std_uS",
    "read_noise_std_uS",
    "relative_floor",
    "reset_conductance_uS",
]
