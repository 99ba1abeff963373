"""Scalar PCM physics, compiled with numba, written once.

Both the array loops of the functional core (``devices.pcm._ops``) and the crossbar kernels
(``kernels``) call these functions.
They take plain floats and float64 coefficient vectors (built by ``kernel_args``, the one
place where parameters become kernel arguments) and never draw random numbers: the caller
passes the standard-normal deviate ``z`` so that it controls the random stream (a numpy
Generator here, a counter-based generator in parallel kernels).
"""

from __future__ import annotations

import math

from ..jit import inlined_scalar_jit, scalar_jit
from ..vecmath import exp, log_positive, log_positive_normal

# Layout of the coefficient vectors -------------------------------------------------------
PROG_C0, PROG_C1, PROG_C2, PROG_G_REF, PROG_SCALE = range(5)
(
    DRIFT_T0,
    DRIFT_MEAN_SLOPE,
    DRIFT_MEAN_OFFSET,
    DRIFT_MEAN_MIN,
    DRIFT_MEAN_MAX,
    DRIFT_STD_SLOPE,
    DRIFT_STD_OFFSET,
    DRIFT_STD_MIN,
    DRIFT_STD_MAX,
    DRIFT_X_FLOOR,
    DRIFT_T_SHIFT,
) = range(11)
(READ_FLICKER, READ_EXPONENT, READ_FLOOR, READ_MAX, READ_T_READ, READ_REL, READ_ABS) = range(7)

PULSE_MODEL_NANDAKUMAR = 0
PULSE_MODEL_EXPSTEP = 1
# Nandakumar coefficients
# NK_HISTORY_FACTOR holds exp(-1 / history_decay_pulses), computed once here.
(NK_MEAN_G, NK_MEAN_0, NK_MEAN_P, NK_STD_G, NK_STD_0, NK_STD_P, NK_HISTORY_FACTOR) = range(7)
# Exp-step coefficients
(ES_W_RANGE, ES_A, ES_B, ES_GAMMA, ES_AMP, ES_DW_MIN, ES_STD, ES_STD_ADD, ES_STD_SLOPE) = range(9)


# Programming -------------------------------------------------------------------------------
@inlined_scalar_jit
def clip_conductance_uS(g_uS, g_min_uS, g_max_dev_uS):
    """The one range rule of every write: G_min <= G <= the device's own G_max,dev.

    Parameters
    ----------
    g_uS, g_min_uS, g_max_dev_uS : float
        Conductance and the device's range, in uS.

    Returns
    -------
    float
        min(max(g_uS, g_min_uS), g_max_dev_uS), in uS.
    """
    return min(max(g_uS, g_min_uS), g_max_dev_uS)


@scalar_jit
def programming_noise_std_uS(g_target_uS, g_max_uS, prog):
    """Standard deviation of one-shot programming, s_p = max(0, c0 + c1 x + c2 x^2) G_max /
    g_ref, x = G_T / G_max.

    Parameters
    ----------
    g_target_uS : float
        Target conductance, in uS.
    g_max_uS : float
        Nominal maximum conductance, in uS.
    prog : numpy.ndarray
        ``KernelArgs.prog``.

    Returns
    -------
    float
        s_p in uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); IBM aihwkit ``PCMLikeNoiseModel``.
    """
    x = g_target_uS / g_max_uS
    s = prog[PROG_C0] + prog[PROG_C1] * x + prog[PROG_C2] * x * x
    return max(0.0, s) * (g_max_uS / prog[PROG_G_REF]) * prog[PROG_SCALE]


@scalar_jit
def programmed_conductance_uS(g_target_uS, g_min_uS, g_max_dev_uS, g_max_uS, prog, z):
    """Conductance after one-shot programming.

    G_prog = clip(G_T' + s_p(G_T') z, G_min, G_max,dev) with G_T' = min(G_T, G_max,dev):
    a device is never programmed outside its own range [G_min, G_max,dev]. s_p is Joshi's
    fit at the nominal G_max (the fit describes the population, not one device).

    Parameters
    ----------
    g_target_uS : float
        Target conductance G_T, in uS.
    g_min_uS, g_max_dev_uS : float
        The device's range, in uS.
    g_max_uS : float
        Nominal maximum conductance, in uS.
    prog : numpy.ndarray
        ``KernelArgs.prog``.
    z : float
        A standard-normal deviate.

    Returns
    -------
    float
        G_prog in uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020).
    """
    target = min(g_target_uS, g_max_dev_uS)
    g = target + programming_noise_std_uS(target, g_max_uS, prog) * z
    return clip_conductance_uS(g, g_min_uS, g_max_dev_uS)


# Drift -------------------------------------------------------------------------------------
@scalar_jit
def drift_exponent_moments(x, drift):
    """Mean and spread of the drift exponent at relative conductance x.

    mu_nu = clip(a_mu ln x + b_mu, mu_min, mu_max), s_nu = clip(a_s ln x + b_s, s_min,
    s_max), ln x taken of max(x, x_floor).

    Parameters
    ----------
    x : float
        G / G_max (dimensionless).
    drift : numpy.ndarray
        ``KernelArgs.drift``.

    Returns
    -------
    mu_nu, s_nu : float

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); IBM aihwkit ``PCMLikeNoiseModel``.
    """
    lx = math.log(max(x, drift[DRIFT_X_FLOOR]))
    mu = drift[DRIFT_MEAN_SLOPE] * lx + drift[DRIFT_MEAN_OFFSET]
    mu = min(max(mu, drift[DRIFT_MEAN_MIN]), drift[DRIFT_MEAN_MAX])
    s = drift[DRIFT_STD_SLOPE] * lx + drift[DRIFT_STD_OFFSET]
    s = min(max(s, drift[DRIFT_STD_MIN]), drift[DRIFT_STD_MAX])
    return mu, s


@scalar_jit
def drift_exponent(x, drift, z):
    """Drift exponent nu = |mu_nu(x) + s_nu(x) z|, drawn once per write and kept.

    Parameters
    ----------
    x : float
        G / G_max after the write (dimensionless).
    drift : numpy.ndarray
        ``KernelArgs.drift``.
    z : float
        A standard-normal deviate.

    Returns
    -------
    float
        nu >= 0 (dimensionless).

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020).
    """
    mu, s = drift_exponent_moments(x, drift)
    return abs(mu + s * z)


@inlined_scalar_jit
def drift_factor(t_since_programming_s, nu, drift):
    """Drift factor G(t) / G_prog = (max(t + t_shift, t0) / t0)^(-nu); never above 1.

    t_shift = t0 ("end_of_programming", Joshi 2020 / aihwkit): ((t + t0)/t0)^(-nu), 1 at
    the end of programming. t_shift = 0 ("reference_read", Nandakumar 2018): G_prog is the
    conductance read t0 after the write and G(t) = G_prog (t/t0)^(-nu) for t >= t0; the
    fit says nothing before t0, where G is held at G_prog so that drift never raises G.

    Parameters
    ----------
    t_since_programming_s : float
        Time since the device's last write, in s (finite, >= 0: device arrays and tiles
        check every time they are given; a NaN or infinite time gives no meaningful value).
    nu : float
        The device's drift exponent (finite).
    drift : numpy.ndarray
        ``KernelArgs.drift``.

    Returns
    -------
    float
        The factor, in (0, 1].

    References
    ----------
    The power law of structural relaxation: M. Le Gallo and A. Sebastian, "An overview of
    phase-change memory device physics", J. Phys. D: Appl. Phys. 53, 213002 (2020);
    constants: Joshi et al., Nat. Commun. 11, 2473 (2020) and Nandakumar et al., J. Appl.
    Phys. 124, 152135 (2018).
    """
    if t_since_programming_s == 0.0 or nu == 0.0:
        return 1.0  # the common case inside an update: a scalar loop skips exp and ln
    t0 = drift[DRIFT_T0]
    t = t_since_programming_s + drift[DRIFT_T_SHIFT]
    if t <= t0:
        return 1.0  # the reference-read origin before t0: a scalar loop skips exp and ln
    # exp and ln of devices.vecmath (no pow): a loop over devices (a snapshot) vectorises,
    # the early returns as selects.
    return exp(-nu * log_positive_normal(t / t0))


# Read noise --------------------------------------------------------------------------------
@inlined_scalar_jit
def flicker_factor(g_prog_uS, g_max_uS, read):
    """The 1/f noise factor of a device, Q_s = min(c / max(x^e, floor), cap) with x =
    |G_prog| / G_max: it depends on the last write only, so a tile can keep it while
    device time moves (``read_noise_std_given_flicker_uS``).

    Parameters
    ----------
    g_prog_uS, g_max_uS : float
        Conductance at the end of the last write (finite) and nominal maximum, in uS.
    read : numpy.ndarray
        ``KernelArgs.read``.

    Returns
    -------
    float
        Q_s (dimensionless).
    """
    # x^e as exp(e ln x): plain arithmetic and selects, so that loops over devices
    # vectorise; 0^e is 0 for e > 0 and 1 for e = 0.
    x = abs(g_prog_uS) / g_max_uS
    exponent = read[READ_EXPONENT]
    x_pow = exp(exponent * log_positive(x if x > 0.0 else 1.0))
    x_pow = (0.0 if exponent > 0.0 else 1.0) if x == 0.0 else x_pow
    return min(read[READ_FLICKER] / max(x_pow, read[READ_FLOOR]), read[READ_MAX])


@inlined_scalar_jit
def read_noise_std_given_flicker_uS(g_drift_uS, flicker_q, t_since_programming_s, drift, read):
    """``read_noise_std_uS`` given the device's ``flicker_factor`` (the same operations).

    Parameters
    ----------
    g_drift_uS, flicker_q, t_since_programming_s, drift, read
        G_d in uS, the ``flicker_factor`` Q_s, and as for ``read_noise_std_uS``.

    Returns
    -------
    float
        The standard deviation in uS.
    """
    # ln(max(1, .)) for max(0, ln .): a select, so that loops over devices vectorise
    t = t_since_programming_s + drift[DRIFT_T0]
    t_read = read[READ_T_READ]
    flicker = flicker_q * math.sqrt(log_positive_normal(max(1.0, (t + t_read) / (2.0 * t_read))))
    return abs(g_drift_uS) * (flicker + read[READ_REL]) + read[READ_ABS]


@inlined_scalar_jit
def read_noise_std_uS(g_drift_uS, g_prog_uS, g_max_uS, t_since_programming_s, drift, read):
    """Standard deviation of one read: accumulated 1/f noise plus a time-independent part.

    std = |G_d| (Q_s sqrt(ln((t + t0 + t_r) / (2 t_r))) + rel) + abs, Q_s = min(c /
    max(x^e, floor), cap), x = |G_prog| / G_max.

    Parameters
    ----------
    g_drift_uS : float
        Drifted conductance G_d, in uS.
    g_prog_uS : float
        Conductance at the end of the last write, in uS (finite).
    g_max_uS : float
        Nominal maximum conductance, in uS.
    t_since_programming_s : float
        Time since the last write, in s (finite, >= 0, as for ``drift_factor``).
    drift, read : numpy.ndarray
        ``KernelArgs.drift`` and ``KernelArgs.read``.

    Returns
    -------
    float
        The standard deviation in uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020) (Nandakumar et al., ICECS 2019; aihwkit
    ``PCMLikeNoiseModel``); 0.03 G + 0.13 uS: Nandakumar et al., J. Appl. Phys. 124,
    152135 (2018).
    """
    q = flicker_factor(g_prog_uS, g_max_uS, read)
    return read_noise_std_given_flicker_uS(g_drift_uS, q, t_since_programming_s, drift, read)


@scalar_jit
def read_conductance_uS(g_drift_uS, noise_std_uS, z):
    """One read, G_read = G_d + std z, not clipped.

    Read noise is noise of the sensing, so a read of a low-conductance cell may be
    negative, as a sensed current may. This is the rule the crossbar MAC applies to a
    column sum, so single reads and MACs agree in distribution; a NaN is propagated, never
    hidden.

    Parameters
    ----------
    g_drift_uS : float
        Drifted conductance, in uS.
    noise_std_uS : float
        ``read_noise_std_uS``, in uS.
    z : float
        A standard-normal deviate.

    Returns
    -------
    float
        The conductance read, in uS.
    """
    return g_drift_uS + noise_std_uS * z


# Pulses ------------------------------------------------------------------------------------
@inlined_scalar_jit
def partial_set_increment_uS(
    model, pulse, g_uS, g_max_dev_uS, g_max_uS, history, amplitude, step_scale, z
):
    """Conductance change of one partial-SET pulse (before clipping to the device range).

    Nandakumar: dG = amp s (mu + sigma z), mu = m_G G + m_0 + m_P P, sigma = max(0, s_G G +
    s_0 + s_P P). Exp-step, in weight units w = G / g_unit: dw = dw_min s max(1 - A exp(gamma
    (2 a w / w_max,dev + b)), 0), dG = amp (dw + dw_std (|dw| + dw_std_add + dw_std_slope |w|)
    z) g_unit. Mean and spread scale linearly with the amplitude amp: an assumption (no
    source fits the response against amplitude); the nominal pulse, amp = 1, is the fitted
    one.

    Parameters
    ----------
    model : int
        ``PULSE_MODEL_NANDAKUMAR`` or ``PULSE_MODEL_EXPSTEP``.
    pulse : numpy.ndarray
        ``KernelArgs.pulse``.
    g_uS : float
        Conductance before the pulse, in uS.
    g_max_dev_uS : float
        The device's own maximum conductance, in uS.
    g_max_uS : float
        Nominal maximum conductance, in uS.
    history : float
        Pulse-history term P (Nandakumar only).
    amplitude : float
        Relative pulse amplitude amp, a quantized level in (0, 1].
    step_scale : float
        The device's fixed step factor s.
    z : float
        A standard-normal deviate.

    Returns
    -------
    float
        dG in uS.

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018); IBM aihwkit ``PCMPresetDevice``
    (Nandakumar et al., Front. Neurosci. 14, 406, 2020).
    """
    if model == PULSE_MODEL_NANDAKUMAR:
        mu = pulse[NK_MEAN_G] * g_uS + pulse[NK_MEAN_0] + pulse[NK_MEAN_P] * history
        s = max(0.0, pulse[NK_STD_G] * g_uS + pulse[NK_STD_0] + pulse[NK_STD_P] * history)
        return amplitude * step_scale * (mu + s * z)
    cell = expstep_cell(pulse, g_max_dev_uS, g_max_uS, amplitude, step_scale)
    return expstep_increment_uS(expstep_shape(pulse), cell, g_uS, z)


@inlined_scalar_jit
def expstep_shape(pulse):
    """(A, dw_std) of the exponential-step response: the coefficients that
    ``expstep_increment_uS`` takes as plain floats (read once, not per pulse).

    Parameters
    ----------
    pulse : numpy.ndarray
        ``KernelArgs.pulse`` of the exp-step model (``ES_*`` layout).

    Returns
    -------
    amp : float
        A, the factor of the exponential (dimensionless).
    std : float
        dw_std, the relative cycle-to-cycle spread of a step (dimensionless).
    """
    return pulse[ES_AMP], pulse[ES_STD]


@inlined_scalar_jit
def expstep_cell(pulse, g_max_dev_uS, g_max_uS, amplitude, step_scale):
    """What an exponential-step pulse on one device at one amplitude needs besides its
    conductance: (exp slope per uS, exp offset, mean step uS, noise floor uS, noise slope),
    so that ``expstep_increment_uS`` is a handful of operations and one exp per pulse.

    In weight units w = G / g_unit (g_unit = G_max / w_range, w_max = G_max,dev / g_unit)
    the response is dw = dw_min step_scale max(1 - A exp(gamma (2 a w / w_max + b)), 0) and
    dw_std = std (|dw| + std_add + std_slope |w|), and the increment amplitude (dw + dw_std z)
    g_unit; in uS with w / w_max = G / G_max,dev that is mean + (std |mean| + floor +
    slope |G|) z with the coefficients below (amplitude and g_unit are positive).

    Parameters
    ----------
    pulse : numpy.ndarray
        ``KernelArgs.pulse`` of the exp-step model (``ES_*`` layout).
    g_max_dev_uS : float
        The device's own maximum conductance G_max,dev, in uS.
    g_max_uS : float
        Nominal maximum conductance G_max, in uS.
    amplitude : float
        Relative pulse amplitude, in (0, 1].
    step_scale : float
        The device's fixed step factor.

    Returns
    -------
    tuple of float
        (exp slope in 1/uS, exp offset, mean step in uS, noise floor in uS, noise slope):
        the ``cell`` of ``expstep_exponent`` and ``expstep_increment_uS``.

    References
    ----------
    IBM aihwkit ``ExpStepDevice`` with the constants of ``PCMPresetDevice`` (Nandakumar et
    al., Front. Neurosci. 14, 406, 2020).
    """
    g_unit = g_max_uS / pulse[ES_W_RANGE]
    exp_slope_per_uS = pulse[ES_GAMMA] * 2.0 * pulse[ES_A] / g_max_dev_uS
    exp_offset = pulse[ES_GAMMA] * pulse[ES_B]
    step_uS = amplitude * g_unit * pulse[ES_DW_MIN] * step_scale
    noise_floor_uS = amplitude * g_unit * pulse[ES_STD] * pulse[ES_STD_ADD]
    noise_slope = amplitude * pulse[ES_STD] * pulse[ES_STD_SLOPE]
    return exp_slope_per_uS, exp_offset, step_uS, noise_floor_uS, noise_slope


@inlined_scalar_jit
def expstep_exponent(cell, g_uS):
    """The argument of the exp of an exponential-step pulse, gamma (2 a w / w_max + b).

    Parameters
    ----------
    cell : tuple of float
        The device's ``expstep_cell`` coefficients (the first two are read).
    g_uS : float
        Conductance before the pulse, in uS.

    Returns
    -------
    float
        The exponent (dimensionless).
    """
    return g_uS * cell[0] + cell[1]


@inlined_scalar_jit
def expstep_increment_given_exp_uS(shape, cell, g_uS, exp_value, z):
    """Conductance change of one exponential-step pulse (before clipping) once
    exp(``expstep_exponent``) is known, from the response's ``expstep_shape`` and the
    device's ``expstep_cell``; nothing is read from memory, so that a loop vectorises.

    Parameters
    ----------
    shape : tuple of float
        ``expstep_shape`` of the response.
    cell : tuple of float
        ``expstep_cell`` of the device at the pulse's amplitude.
    g_uS : float
        Conductance before the pulse, in uS.
    exp_value : float
        exp(``expstep_exponent(cell, g_uS)``).
    z : float
        A standard-normal deviate.

    Returns
    -------
    float
        dG = mean + (dw_std |mean| + floor + slope |G|) z with mean = step max(1 - A
        exp_value, 0), in uS.
    """
    amp, std = shape
    _, _, step_uS, noise_floor_uS, noise_slope = cell
    y = max(1.0 - amp * exp_value, 0.0)
    mean_uS = step_uS * y
    std_uS = std * abs(mean_uS) + (noise_floor_uS + noise_slope * abs(g_uS))
    return mean_uS + std_uS * z


@inlined_scalar_jit
def expstep_increment_uS(shape, cell, g_uS, z):
    """Conductance change of one exponential-step pulse (before clipping); its exp is
    ``devices.vecmath.exp``, which vectorises.

    Parameters
    ----------
    shape, cell, g_uS, z
        As for ``expstep_increment_given_exp_uS``.

    Returns
    -------
    float
        dG in uS.
    """
    exp_value = exp(expstep_exponent(cell, g_uS))
    return expstep_increment_given_exp_uS(shape, cell, g_uS, exp_value, z)


@inlined_scalar_jit
def history_after_pulse(model, pulse, history):
    """Pulse-history term after one more pulse: P exp(-1/2.6) (Nandakumar et al., J. Appl.
    Phys. 124, 152135, 2018); unchanged for the exp-step model, which has none.

    Parameters
    ----------
    model, pulse
        As for ``partial_set_increment_uS``.
    history : float
        P before the pulse.

    Returns
    -------
    float
        P after the pulse.
    """
    if model == PULSE_MODEL_NANDAKUMAR:
        return history * pulse[NK_HISTORY_FACTOR]
    return history


@inlined_scalar_jit
def one_pulse(
    model, pulse, g_uS, g_min_uS, g_max_dev_uS, g_max_uS, history, amplitude, step_scale, z
):
    """One partial-SET pulse: ``partial_set_increment_uS``, then the range rule.

    Parameters
    ----------
    model, pulse, g_uS, g_max_dev_uS, g_max_uS, history, amplitude, step_scale, z
        As for ``partial_set_increment_uS``.
    g_min_uS : float
        The device's minimum conductance, in uS (its range is [g_min_uS, g_max_dev_uS]).

    Returns
    -------
    g_uS : float
        Conductance after the pulse, clipped to [G_min, G_max,dev], in uS.
    history : float
        ``history_after_pulse``.

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018); IBM aihwkit ``PCMPresetDevice``.
    """
    dg = partial_set_increment_uS(
        model, pulse, g_uS, g_max_dev_uS, g_max_uS, history, amplitude, step_scale, z
    )
    g_new = clip_conductance_uS(g_uS + dg, g_min_uS, g_max_dev_uS)
    return g_new, history_after_pulse(model, pulse, history)


@scalar_jit
def reset_conductance_uS(reset_mean_uS, reset_std_uS, g_min_uS, g_max_dev_uS, z):
    """Conductance after a RESET: clip(mean + std z, G_min, G_max,dev).

    Parameters
    ----------
    reset_mean_uS, reset_std_uS : float
        RESET distribution, in uS.
    g_min_uS, g_max_dev_uS : float
        The device's range, in uS.
    z : float
        A standard-normal deviate.

    Returns
    -------
    float
        G in uS.

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018): N(0.1, 0.01) uS.
    """
    return clip_conductance_uS(reset_mean_uS + reset_std_uS * z, g_min_uS, g_max_dev_uS)
