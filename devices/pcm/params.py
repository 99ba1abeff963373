"""Frozen parameter dataclasses of the PCM model.

Units live in names: conductances in microsiemens (``_uS``), times in seconds (``_s``),
energies in joules (``_J``), voltages in volts (``_V``). Dimensionless fit constants have
no suffix. Every dataclass validates itself and names the offending field.

x = G / G_max throughout (relative conductance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import _validate as v


@dataclass(frozen=True, slots=True)
class ProgrammingNoiseParams:
    """Programming noise after one programming event.

    G_prog = clip(G_T + N(0, s_p), G_min, G_max,dev) with G_T at most G_max,dev,
    s_p = max(0, c0_uS + c1_uS x + c2_uS x^2) * G_max / g_ref_uS,  x = G_T / G_max.
    The polynomial was fitted on devices with G_max = g_ref_uS = 25 uS and is rescaled.
    The source (and aihwkit) clip at 0 only; clipping at the device's own range instead
    keeps a programmed device physically possible (it biases the mean within ~s_p of the
    range edges, as a saturating device does).

    Parameters
    ----------
    c0_uS, c1_uS, c2_uS : float
        Polynomial coefficients of s_p in x, in uS.
    g_ref_uS : float
        G_max of the devices the fit was made on, in uS (> 0).
    scale : float
        Factor on s_p (>= 0); 0 disables programming noise.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); IBM aihwkit ``PCMLikeNoiseModel``.
    """

    c0_uS: float = 0.26348
    c1_uS: float = 1.9650
    c2_uS: float = -1.1731
    g_ref_uS: float = 25.0
    scale: float = 1.0  # multiplies s_p; 0 disables programming noise

    def __post_init__(self) -> None:
        v.finite(self, "c0_uS", "c1_uS", "c2_uS")
        v.positive(self, "g_ref_uS")
        v.non_negative(self, "scale")


TIME_ORIGINS = ("end_of_programming", "reference_read")


@dataclass(frozen=True, slots=True)
class DriftParams:
    """Power-law drift with a per-device exponent (Joshi 2020; aihwkit ``PCMLikeNoiseModel``).

    t is counted from the end of the write. ``time_origin`` says what G_prog is:
    - "end_of_programming" (Joshi 2020 / aihwkit): G(t) = G_prog ((t + t0_s) / t0_s)^(-nu),
      G_prog being the conductance at the end of programming (factor 1 at t = 0);
    - "reference_read" (Nandakumar 2018): G_prog is the conductance read t0_s after the
      write, as in the source's G(t) = G(t0) (t / t0)^(-nu); G(t) = G_prog (t/t0_s)^(-nu)
      for t >= t0_s (factor exactly 1 at t0_s) and G_prog before (no fit covers t < t0_s;
      holding it keeps drift from ever raising G).
    nu = |N(mu_nu, s_nu)| drawn once per programming event and kept by the device, with
    mu_nu = clip(nu_mean_log_slope ln x + nu_mean_offset, nu_mean_min, nu_mean_max),
    s_nu  = clip(nu_std_log_slope ln x + nu_std_offset, nu_std_min, nu_std_max).

    Parameters
    ----------
    t0_s : float
        Reference time t0 of the power law, in s (> 0).
    nu_mean_log_slope, nu_mean_offset : float
        Slope (per unit of ln x) and offset of mu_nu (dimensionless).
    nu_mean_min, nu_mean_max : float
        Clip range of mu_nu, in [0, 1].
    nu_std_log_slope, nu_std_offset : float
        Slope and offset of s_nu (dimensionless).
    nu_std_min, nu_std_max : float
        Clip range of s_nu, in [0, 1].
    x_floor : float
        ln x is taken of max(x, x_floor): a RESET device has x ~ 0.
    time_origin : {"end_of_programming", "reference_read"}
        What G_prog is (see above).

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); IBM aihwkit ``PCMLikeNoiseModel``;
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018) (reference read at 38.6 s);
    power-law drift from structural relaxation: M. Le Gallo and A. Sebastian, J. Phys. D:
    Appl. Phys. 53, 213002 (2020).
    """

    t0_s: float = 20.0
    nu_mean_log_slope: float = -0.0155
    nu_mean_offset: float = 0.0244
    nu_mean_min: float = 0.049
    nu_mean_max: float = 0.1
    nu_std_log_slope: float = -0.0125
    nu_std_offset: float = -0.0059
    nu_std_min: float = 0.008
    nu_std_max: float = 0.045
    x_floor: float = 1e-7  # ln x is taken of max(x, x_floor): a RESET device has x ~ 0
    time_origin: str = "end_of_programming"  # or "reference_read" (see above)

    def __post_init__(self) -> None:
        v.positive(self, "t0_s")
        if self.time_origin not in TIME_ORIGINS:
            owner = type(self).__name__
            raise ValueError(
                f"{owner}.time_origin={self.time_origin!r}: expected one of {TIME_ORIGINS}"
            )
        v.finite(self, "nu_mean_log_slope", "nu_mean_offset", "nu_std_log_slope", "nu_std_offset")
        v.in_range(self, 0.0, 1.0, "nu_mean_min", "nu_mean_max")
        v.ordered(self, "nu_mean_min", "nu_mean_max")
        v.in_range(self, 0.0, 1.0, "nu_std_min", "nu_std_max")
        v.ordered(self, "nu_std_min", "nu_std_max")
        v.in_range(self, 1e-300, 1.0, "x_floor")


@dataclass(frozen=True, slots=True)
class ReadNoiseParams:
    """Read noise, redrawn at every read.

    std(G_read) = |G_d| (Q_s sqrt(ln((t + t_read_s) / (2 t_read_s))) + rel_std) + abs_std_uS,
    Q_s = min(flicker_coeff / max(x^flicker_exponent, flicker_floor), flicker_max),
    t = time since programming + drift t0 (accumulated 1/f noise, Joshi 2020 / aihwkit),
    x = G_prog / G_max. The last two terms express a time-independent read noise
    (Nandakumar 2018: 0.03 G + 0.13 uS). G_read = G_d + std * N(0, 1), not clipped at 0:
    the noise is that of the sensing, and the crossbar MAC sums exactly these unclipped
    reads, so a single read and a MAC agree in distribution. (aihwkit clips a read at 0; the
    two differ only where std is comparable to G_d, e.g. at G_d = 0.1 uS with 0.133 uS of
    noise the clipped mean would be 0.117 uS instead of 0.1 uS.)

    Parameters
    ----------
    flicker_coeff, flicker_exponent, flicker_floor, flicker_max : float
        Q_s = min(flicker_coeff / max(x^flicker_exponent, flicker_floor), flicker_max)
        (dimensionless).
    t_read_s : float
        Duration of one read, in s (> 0); also sets the read energy.
    rel_std : float
        Time-independent noise relative to |G_d| (dimensionless).
    abs_std_uS : float
        Time-independent noise, in uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020) (Nandakumar et al., ICECS 2019; aihwkit
    ``PCMLikeNoiseModel``); Nandakumar et al., J. Appl. Phys. 124, 152135 (2018).
    """

    flicker_coeff: float = 0.0088
    flicker_exponent: float = 0.65
    flicker_floor: float = 1e-3
    flicker_max: float = 0.2
    t_read_s: float = 250e-9
    rel_std: float = 0.0
    abs_std_uS: float = 0.0

    def __post_init__(self) -> None:
        v.non_negative(self, "flicker_coeff", "flicker_exponent")
        v.positive(self, "flicker_floor")
        v.non_negative(self, "flicker_max")
        v.positive(self, "t_read_s")
        v.non_negative(self, "rel_std", "abs_std_uS")


@dataclass(frozen=True, slots=True)
class NandakumarPulseParams:
    """Partial-SET response with a pulse-history term (Nandakumar et al., J. Appl. Phys. 124,
    152135, 2018; constants as in a third-party re-implementation of that paper's model).

    dG ~ N(mu, s) uS per pulse, mu = mean_g_coeff G + r (mean_offset_uS + mean_history_uS P),
    s = max(0, std_g_coeff G + r (std_offset_uS + std_history_uS P)). P is set to 1 by RESET
    and multiplied by exp(-1 / history_decay_pulses) after every pulse.

    The fit was made on devices of range g_ref_uS = 12 uS. On a preset of range G_max it is
    applied in relative units, x = G / G_max, dx = f(x) with the fitted f: hence the factor
    r = G_max / g_ref_uS on the constant terms (r = 1 for ``nandakumar2018``). The curve
    keeps its shape: the mean increment vanishes at the same fraction of the range,
    G_sat = r mean_offset_uS / -mean_g_coeff (10.5 of 12 uS, 21.8 of 25 uS), and is
    positive below it.

    Parameters
    ----------
    mean_g_coeff : float
        Slope of the mean step in G (dimensionless: uS per uS).
    mean_offset_uS, mean_history_uS : float
        Constant and history terms of the mean step, in uS.
    std_g_coeff : float
        Slope of the step's spread in G (dimensionless).
    std_offset_uS, std_history_uS : float
        Constant and history terms of the spread, in uS.
    history_decay_pulses : float
        Pulses over which P decays by 1/e (> 0).
    g_ref_uS : float
        Range of the devices the fit was made on, in uS (> 0).

    References
    ----------
    Nandakumar et al., "A phase-change memory model for neuromorphic computing", J. Appl.
    Phys. 124, 152135 (2018).
    """

    mean_g_coeff: float = -0.084
    mean_offset_uS: float = 0.880
    mean_history_uS: float = 1.40
    std_g_coeff: float = 0.091
    std_offset_uS: float = 0.260
    std_history_uS: float = 2.15
    history_decay_pulses: float = 2.6
    g_ref_uS: float = 12.0

    def __post_init__(self) -> None:
        v.finite(
            self,
            "mean_g_coeff",
            "mean_offset_uS",
            "mean_history_uS",
            "std_g_coeff",
            "std_offset_uS",
            "std_history_uS",
        )
        v.positive(self, "history_decay_pulses", "g_ref_uS")


@dataclass(frozen=True, slots=True)
class ExpStepPulseParams:
    """One-directional exponential-step response (aihwkit ``ExpStepDevice`` with the constants
    of ``PCMPresetDevice``, fitted to Nandakumar et al., Front. Neurosci. 14, 406, 2020).

    In weight units w = G / G_max * w_range:
    z = 2 a w / w_max_dev + b,  y = 1 - A exp(gamma z),
    dw = dw_min * step_scale * max(y, 0),
    dw += dw_std * (|dw| + dw_std_add + dw_std_slope |w|) * N(0, 1).

    Parameters
    ----------
    w_range : float
        Weight units per G_max (w = G / G_max * w_range), > 0.
    a, b, gamma, A : float
        Shape of the exponential step (dimensionless).
    dw_min : float
        Nominal step, in weight units (> 0).
    dw_std, dw_std_add, dw_std_slope : float
        Cycle-to-cycle noise of the step (dimensionless, >= 0).

    References
    ----------
    IBM aihwkit ``PCMPresetDevice`` / ``ExpStepDevice``; Nandakumar et al., "Mixed-precision
    deep learning based on computational memory", Front. Neurosci. 14, 406 (2020).
    """

    w_range: float = 2.0
    a: float = -1.0
    b: float = 0.0
    gamma: float = 2.5
    A: float = -27.235
    dw_min: float = 0.01
    dw_std: float = 0.6
    dw_std_add: float = 0.042
    dw_std_slope: float = 0.108

    def __post_init__(self) -> None:
        v.positive(self, "w_range")
        v.finite(self, "a", "b", "gamma", "A")
        v.positive(self, "dw_min")
        v.non_negative(self, "dw_std", "dw_std_add", "dw_std_slope")


PulseResponse = NandakumarPulseParams | ExpStepPulseParams


@dataclass(frozen=True, slots=True)
class ResetParams:
    """RESET brings a device to G ~ N(g_mean_uS, g_std_uS), clipped to [G_min, G_max,dev].

    Parameters
    ----------
    g_mean_uS, g_std_uS : float
        Mean and spread of the conductance after a RESET, in uS (>= 0).

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018): N(0.1, 0.01) uS.
    """

    g_mean_uS: float = 0.1
    g_std_uS: float = 0.01

    def __post_init__(self) -> None:
        v.non_negative(self, "g_mean_uS", "g_std_uS")


@dataclass(frozen=True, slots=True)
class VariabilityParams:
    """Device-to-device spread, fixed when the array is made: each device gets
    G_max,dev = G_max (1 + g_max_rel_std N) and a pulse step scale 1 + step_rel_std N
    (both floored at 5 % of nominal so that no device is dead by chance).

    Parameters
    ----------
    g_max_rel_std : float
        Relative spread of G_max,dev, in [0, 1].
    step_rel_std : float
        Relative spread of the pulse step, in [0, 2].

    References
    ----------
    IBM aihwkit ``PCMPresetDevice``: 10 % on w_max, 20 % on dw_min.
    """

    g_max_rel_std: float = 0.0
    step_rel_std: float = 0.0

    def __post_init__(self) -> None:
        v.in_range(self, 0.0, 1.0, "g_max_rel_std")
        v.in_range(self, 0.0, 2.0, "step_rel_std")


@dataclass(frozen=True, slots=True)
class FaultParams:
    """Fractions of devices stuck at G_min, at their G_max, or at a uniform random value.

    Stuck devices ignore every write; their reads return the stuck value with read noise.

    Parameters
    ----------
    frac_stuck_g_min, frac_stuck_g_max, frac_stuck_random : float
        Fractions of devices, each in [0, 1], summing to at most 1.
    """

    frac_stuck_g_min: float = 0.0
    frac_stuck_g_max: float = 0.0
    frac_stuck_random: float = 0.0

    def __post_init__(self) -> None:
        v.in_range(self, 0.0, 1.0, "frac_stuck_g_min", "frac_stuck_g_max", "frac_stuck_random")
        total = self.frac_stuck_g_min + self.frac_stuck_g_max + self.frac_stuck_random
        if total > 1.0:
            owner = type(self).__name__
            raise ValueError(
                f"{owner}: frac_stuck_g_min + frac_stuck_g_max + frac_stuck_random = {total!r}:"
                " expected a sum <= 1"
            )


@dataclass(frozen=True, slots=True)
class EnergyParams:
    """Energy and duration of each device operation. Estimates unless a source is given;
    edit them freely.

    - read: V_read^2 G t_read per cell (0.2 V, 25 uS, 250 ns -> 0.25 pJ), computed from the
      actual conductance; t_read is ``ReadNoiseParams.t_read_s``.
    - partial SET: ~100 uA x 1.2 V x 50 ns = 6 pJ at full amplitude, scaled by the square of
      the relative amplitude (Joule heating ~ I^2 R).
    - RESET: ~300 uA x 1.5 V x 50 ns ~ 22.5 pJ, rounded up to 30 pJ for the bit-line drive.
    - one-shot program: RESET + a SET ramp of 8 steps (Ambrogio et al., Nature 558, 60, 2018).

    Parameters
    ----------
    v_read_V : float
        Read voltage, in V.
    e_set_J : float
        Energy of a nominal (amplitude 1) partial-SET pulse, in J.
    set_pulse_width_s : float
        Its duration, in s (> 0).
    e_reset_J : float
        Energy of a RESET, in J.
    reset_pulse_width_s : float
        Its duration, in s (> 0).
    e_program_J : float
        Energy of a one-shot program (RESET + SET ramp), in J.
    program_duration_s : float
        Its duration, in s (> 0).

    References
    ----------
    Ambrogio et al., "Equivalent-accuracy accelerated neural-network training using
    analogue memory", Nature 558, 60 (2018). ``devices.pcm.device_energy`` applies them.
    """

    v_read_V: float = 0.2
    e_set_J: float = 6.0e-12
    set_pulse_width_s: float = 50e-9
    e_reset_J: float = 30.0e-12
    reset_pulse_width_s: float = 50e-9
    e_program_J: float = 30.0e-12 + 8 * 6.0e-12
    program_duration_s: float = 1.0e-6

    def __post_init__(self) -> None:
        v.non_negative(self, "v_read_V", "e_set_J", "e_reset_J", "e_program_J")
        v.positive(self, "set_pulse_width_s", "reset_pulse_width_s", "program_duration_s")


def _default_amplitude_levels() -> tuple[float, ...]:
    # 8 equally spaced current levels, the largest being the nominal fitted pulse. That the
    # response's mean and spread scale linearly with the level is an assumption (no source
    # fits the response against amplitude); stats and the README say so.
    return tuple((k + 1) / 8 for k in range(8))


@dataclass(frozen=True, slots=True)
class PCMParams:
    """Everything that defines a PCM device population. Build one with ``pcm.preset``.

    Parameters
    ----------
    name : str
        Name of the parameter set.
    source : str
        The work the constants come from.
    g_min_uS, g_max_uS : float
        Nominal conductance range, in uS (0 <= g_min_uS <= g_max_uS).
    programming : ProgrammingNoiseParams
    drift : DriftParams
    read_noise : ReadNoiseParams
    pulse : NandakumarPulseParams or ExpStepPulseParams
        Partial-SET response.
    amplitude_levels : tuple of float
        Quantized relative pulse amplitudes, increasing, in (0, 1] (default 8 levels,
        1/8 ... 1).
    reset : ResetParams
    variability : VariabilityParams
    faults : FaultParams
    energy : EnergyParams
    """

    name: str
    source: str
    g_min_uS: float
    g_max_uS: float
    programming: ProgrammingNoiseParams = field(default_factory=ProgrammingNoiseParams)
    drift: DriftParams = field(default_factory=DriftParams)
    read_noise: ReadNoiseParams = field(default_factory=ReadNoiseParams)
    pulse: PulseResponse = field(default_factory=NandakumarPulseParams)
    amplitude_levels: tuple[float, ...] = field(default_factory=_default_amplitude_levels)
    reset: ResetParams = field(default_factory=ResetParams)
    variability: VariabilityParams = field(default_factory=VariabilityParams)
    faults: FaultParams = field(default_factory=FaultParams)
    energy: EnergyParams = field(default_factory=EnergyParams)

    def __post_init__(self) -> None:
        owner = type(self).__name__
        if not isinstance(self.amplitude_levels, tuple | list):
            raise ValueError(
                f"{owner}.amplitude_levels={self.amplitude_levels!r}: expected a tuple of"
                " relative amplitudes"
            )
        # A tuple whatever sequence was given: parameters stay hashable (cached by value).
        object.__setattr__(self, "amplitude_levels", tuple(self.amplitude_levels))
        v.non_negative(self, "g_min_uS")
        v.positive(self, "g_max_uS")
        v.ordered(self, "g_min_uS", "g_max_uS")
        if len(self.amplitude_levels) == 0:
            raise ValueError(f"{owner}.amplitude_levels=(): expected at least one level")
        for level in self.amplitude_levels:
            if not isinstance(level, int | float) or not 0.0 < level <= 1.0:
                raise ValueError(
                    f"{owner}.amplitude_levels={self.amplitude_levels!r}: expected relative"
                    " amplitudes in (0, 1]"
                )
        if list(self.amplitude_levels) != sorted(self.amplitude_levels):
            raise ValueError(
                f"{owner}.amplitude_levels={self.amplitude_levels!r}: expected increasing levels"
            )
        checks = {
            "programming": ProgrammingNoiseParams,
            "drift": DriftParams,
            "read_noise": ReadNoiseParams,
            "pulse": (NandakumarPulseParams, ExpStepPulseParams),
            "reset": ResetParams,
            "variability": VariabilityParams,
            "faults": FaultParams,
            "energy": EnergyParams,
        }
        for name, expected in checks.items():
            if not isinstance(getattr(self, name), expected):
                raise ValueError(
                    f"{owner}.{name}={getattr(self, name)!r}: expected an instance of {expected}"
                )
