"""Idealised devices: a preset with chosen non-idealities switched off.

An accuracy-loss budget ("how good must my device be?") trains the same network on a chain
of devices that differ in one non-ideality at a time. ``idealised`` derives each link from a
preset: programming noise off, cycle-to-cycle pulse noise off, and a pulse response that
does not depend on the device's state (every pulse moves the conductance by the same step,
the preset's mean step at a quarter of G_max with no pulse history, which is also the
default accumulate-and-fire threshold of the learning rules), no drift (every drift
exponent 0) and no read noise. Drift and read noise are switched off in the parameters, not
only in the reads that take a flag, so that every path honours them: a pulse starts from
the drifted conductance, and a refresh reads both devices (with read noise) and reprograms
their drifted difference.
"""

from __future__ import annotations

from dataclasses import replace

from .kernel_args import kernel_args
from .params import (
    ExpStepPulseParams,
    FaultParams,
    NandakumarPulseParams,
    PCMParams,
    VariabilityParams,
)
from .physics import partial_set_increment_uS

# The conductance, relative to G_max, at which the reference step is taken.
REFERENCE_G_FRACTION = 0.25


def reference_step_uS(params: PCMParams) -> float:
    """Mean conductance step of one nominal pulse at a quarter of G_max, without pulse
    history: the learning rules' default accumulate-and-fire threshold, and the step of a
    state-independent device (``idealised``).

    Parameters
    ----------
    params : PCMParams
        The device population.

    Returns
    -------
    float
        The step, uS.
    """
    a = kernel_args(params)
    g = REFERENCE_G_FRACTION * a.g_max_uS
    return float(
        partial_set_increment_uS(
            a.pulse_model, a.pulse, g, a.g_max_uS, a.g_max_uS, 0.0, 1.0, 1.0, 0.0
        )
    )


def _constant_step_pulse(params: PCMParams, fraction: float):
    pulse = params.pulse
    if isinstance(pulse, NandakumarPulseParams):
        mean_uS = reference_step_uS(params)
        return replace(
            pulse, mean_offset_uS=fraction * mean_uS, mean_g_coeff=0.0, mean_history_uS=0.0
        )
    if isinstance(pulse, ExpStepPulseParams):
        # dw = dw_min: the same step at every state
        return replace(pulse, A=0.0, dw_min=fraction * pulse.dw_min)
    raise TypeError(f"pulse: {type(pulse).__name__}: no state-independent form is defined")


def _noise_free_pulse(pulse):
    if isinstance(pulse, NandakumarPulseParams):
        return replace(pulse, std_g_coeff=0.0, std_offset_uS=0.0, std_history_uS=0.0)
    if isinstance(pulse, ExpStepPulseParams):
        return replace(pulse, dw_std=0.0)
    raise TypeError(f"pulse: {type(pulse).__name__}: no noise-free form is defined")


def idealised(
    params: PCMParams,
    *,
    programming_noise: bool = True,
    pulse_noise: bool = True,
    state_dependent_step: bool = True,
    step_fraction: float = 1.0,
    drift: bool = True,
    read_noise: bool = True,
    variability: bool = True,
) -> PCMParams:
    """``params`` with the chosen non-idealities switched off.

    Parameters
    ----------
    params : PCMParams
        The device population (a preset).
    programming_noise : bool
        False: one-shot programs land exactly on their target.
    pulse_noise : bool
        False: a partial-SET pulse has no cycle-to-cycle spread.
    state_dependent_step : bool
        False: a pulse's mean step is the same at every conductance and pulse history (the
        preset's mean step at a quarter of G_max without history; for the exponential-step
        model its minimal step ``dw_min``).
    step_fraction : float
        Without ``state_dependent_step``: the constant step as a fraction of that step, in
        (0, 1] (finer steps approach a float weight in the conductance range).
    drift : bool
        False: every drift exponent is 0 (conductances keep their programmed value).
    read_noise : bool
        False: reads return the conductance without noise.
    variability : bool
        False: no device-to-device spread (of G_max and of the step) and no stuck devices.

    Returns
    -------
    PCMParams
        A new parameter set, named after the original with the switched-off parts listed.

    Raises
    ------
    TypeError
        A flag that is not a bool.
    ValueError
        ``step_fraction`` outside (0, 1], or below 1 with ``state_dependent_step``.
    """
    flags = {
        "programming_noise": programming_noise,
        "pulse_noise": pulse_noise,
        "state_dependent_step": state_dependent_step,
        "drift": drift,
        "read_noise": read_noise,
        "variability": variability,
    }
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{name}={value!r}: expected a bool")
    if isinstance(step_fraction, bool) or not 0.0 < step_fraction <= 1.0:
        raise ValueError(f"step_fraction={step_fraction!r}: expected a number in (0, 1]")
    if state_dependent_step and step_fraction != 1.0:
        raise ValueError(
            f"step_fraction={step_fraction!r}: only a state-independent step"
            " (state_dependent_step=False) can be scaled"
        )
    off = [name for name, value in flags.items() if not value]
    if not off:
        return params
    pulse = params.pulse
    if not state_dependent_step:
        pulse = _constant_step_pulse(params, step_fraction)
    if not pulse_noise:
        pulse = _noise_free_pulse(pulse)
    programming = params.programming
    if not programming_noise:
        programming = replace(programming, scale=0.0)
    drift_params = params.drift
    if not drift:
        drift_params = replace(
            drift_params,
            nu_mean_log_slope=0.0,
            nu_mean_offset=0.0,
            nu_mean_min=0.0,
            nu_mean_max=0.0,
            nu_std_log_slope=0.0,
            nu_std_offset=0.0,
            nu_std_min=0.0,
            nu_std_max=0.0,
        )
    read = params.read_noise
    if not read_noise:
        read = replace(read, flicker_coeff=0.0, flicker_max=0.0, rel_std=0.0, abs_std_uS=0.0)
    spread = params.variability if variability else VariabilityParams()
    faults = params.faults if variability else FaultParams()
    return replace(
        params,
        variability=spread,
        faults=faults,
        name=f"{params.name} without {', '.join(off)}"
        + (f", step x {step_fraction:g}" if step_fraction != 1.0 else ""),
        pulse=pulse,
        programming=programming,
        drift=drift_params,
        read_noise=read,
    )
