"""Parameters flattened into the coefficient vectors the compiled physics reads.

``kernel_args`` is the one place where parameter dataclasses become kernel arguments; the
vector layouts (``PROG_*``, ``DRIFT_*``, ``READ_*``, ``NK_*``, ``ES_*``) are defined in
``devices.pcm.physics``, next to the functions that index them.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .params import ExpStepPulseParams, NandakumarPulseParams, PCMParams
from .physics import (
    PULSE_MODEL_EXPSTEP,
    PULSE_MODEL_NANDAKUMAR,
)


class KernelArgs(NamedTuple):
    """Parameters flattened for compiled code (float64 vectors and scalars only).

    Built by ``kernel_args``; the vectors are indexed by the module's ``PROG_*``,
    ``DRIFT_*``, ``READ_*``, ``NK_*`` and ``ES_*`` constants.

    Parameters
    ----------
    g_min_uS, g_max_uS : float
        Nominal conductance range, in uS.
    prog : numpy.ndarray of float64
        Programming-noise polynomial (``PROG_*``): c0, c1, c2 in uS, g_ref in uS, scale.
    drift : numpy.ndarray of float64
        Drift law (``DRIFT_*``): t0 in s, the clipped log-linear fits of mu_nu and s_nu,
        the floor of x, and the time shift in s (t0 or 0, by ``DriftParams.time_origin``).
    read : numpy.ndarray of float64
        Read noise (``READ_*``): 1/f coefficient, exponent, floor and cap, t_read in s,
        relative and absolute (uS) time-independent parts.
    pulse_model : int
        ``PULSE_MODEL_NANDAKUMAR`` or ``PULSE_MODEL_EXPSTEP``.
    pulse : numpy.ndarray of float64
        Pulse-response coefficients (``NK_*`` or ``ES_*``), offsets in uS.
    amplitude_levels : numpy.ndarray of float64
        Relative pulse amplitudes, in (0, 1], increasing.
    reset_mean_uS, reset_std_uS : float
        RESET conductance distribution, in uS.
    """

    g_min_uS: float
    g_max_uS: float
    prog: np.ndarray
    drift: np.ndarray
    read: np.ndarray
    pulse_model: int
    pulse: np.ndarray
    amplitude_levels: np.ndarray
    reset_mean_uS: float
    reset_std_uS: float


def kernel_args(params: PCMParams) -> KernelArgs:
    """The one conversion point from parameter dataclasses to kernel arguments.

    Parameters
    ----------
    params : PCMParams
        Device parameters.

    Returns
    -------
    KernelArgs
        Fresh arrays (the caller may hand them to compiled code).

    Notes
    -----
    The Nandakumar pulse fit is rescaled to the preset's range here: its constant terms
    are multiplied by r = G_max / g_ref_uS (see ``NandakumarPulseParams``).
    """
    p, d, r = params.programming, params.drift, params.read_noise
    prog = np.array([p.c0_uS, p.c1_uS, p.c2_uS, p.g_ref_uS, p.scale], dtype=np.float64)
    drift = np.array(
        [
            d.t0_s,
            d.nu_mean_log_slope,
            d.nu_mean_offset,
            d.nu_mean_min,
            d.nu_mean_max,
            d.nu_std_log_slope,
            d.nu_std_offset,
            d.nu_std_min,
            d.nu_std_max,
            d.x_floor,
            d.t0_s if d.time_origin == "end_of_programming" else 0.0,
        ],
        dtype=np.float64,
    )
    read = np.array(
        [
            r.flicker_coeff,
            r.flicker_exponent,
            r.flicker_floor,
            r.flicker_max,
            r.t_read_s,
            r.rel_std,
            r.abs_std_uS,
        ],
        dtype=np.float64,
    )
    q = params.pulse
    if isinstance(q, NandakumarPulseParams):
        model = PULSE_MODEL_NANDAKUMAR
        # The fit is rescaled to the preset's range in relative units x = G / G_max:
        # dx = g_coeff x + (offset + history P) / g_ref, i.e. dG = g_coeff G + r (offset +
        # history P) with r = G_max / g_ref (r = 1 on the range the fit was made for).
        r = params.g_max_uS / q.g_ref_uS
        pulse = [
            q.mean_g_coeff,
            q.mean_offset_uS * r,
            q.mean_history_uS * r,
            q.std_g_coeff,
            q.std_offset_uS * r,
            q.std_history_uS * r,
            math.exp(-1.0 / q.history_decay_pulses),
        ]
    elif isinstance(q, ExpStepPulseParams):
        model = PULSE_MODEL_EXPSTEP
        pulse = [
            q.w_range,
            q.a,
            q.b,
            q.gamma,
            q.A,
            q.dw_min,
            q.dw_std,
            q.dw_std_add,
            q.dw_std_slope,
        ]
    else:  # pragma: no cover - PCMParams validates the type
        raise ValueError(f"pulse={q!r}: unknown pulse model")
    return KernelArgs(
        g_min_uS=float(params.g_min_uS),
        g_max_uS=float(params.g_max_uS),
        prog=prog,
        drift=drift,
        read=read,
        pulse_model=model,
        pulse=np.array(pulse, dtype=np.float64),
        amplitude_levels=np.array(params.amplitude_levels, dtype=np.float64),
        reset_mean_uS=float(params.reset.g_mean_uS),
        reset_std_uS=float(params.reset.g_std_uS),
    )
