"""Characterise a preset: Monte Carlo statistics next to the closed-form expectations."""

from __future__ import annotations

import math

import numpy as np

from .array import PCMArray
from .kernel_args import kernel_args
from .params import PCMParams
from .physics import (
    DRIFT_T_SHIFT,
    drift_exponent_moments,
    programming_noise_std_uS,
    read_noise_std_uS,
)

_HERMITE_NODES = 64


PULSE_COUNTS = (1, 5, 20)
RANGE_FRACTIONS = (0.2, 0.5, 0.8)
AMPLITUDE_NOTE = (
    "nominal pulse (the fitted one, amplitude level -1); lower amplitude levels scale the"
    " mean and spread of the response linearly: an assumption, not fitted to any source"
)


def expected_drift_factor(
    mu_nu: float, s_nu: float, t_since_s: float, t0_s: float, t_shift_s: float | None = None
) -> float:
    """E[(max(t + t_shift, t0)/t0)^(-|nu|)] for nu ~ N(mu_nu, s_nu), by Gauss-Hermite
    quadrature.

    Parameters
    ----------
    mu_nu, s_nu : float
        Mean and spread of the drift exponent before folding.
    t_since_s : float
        Time since programming, in s.
    t0_s : float
        Reference time of the drift law, in s.
    t_shift_s : float, optional
        Time shift, in s; default t0 (time origin at the end of programming).

    Returns
    -------
    float
        The expected drift factor.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020).
    """
    x, w = np.polynomial.hermite_e.hermegauss(_HERMITE_NODES)
    nu = np.abs(mu_nu + s_nu * x)
    shift = t0_s if t_shift_s is None else t_shift_s
    ratio = max(t_since_s + shift, t0_s) / t0_s
    return float(np.sum(w * ratio ** (-nu)) / math.sqrt(2 * math.pi))


def _moments(dg: np.ndarray) -> dict:
    return {
        "mean_dG_uS": float(dg.mean()),
        "sem_dG_uS": float(dg.std(ddof=1) / math.sqrt(dg.size)),
        "std_dG_uS": float(dg.std(ddof=1)),
        "frac_lowered": float(np.mean(dg < 0)),
    }


def pulse_response(params: PCMParams, n: int, seed: int) -> dict:
    """The curve a preset implies: nominal partial-SET pulses on ``n`` devices, without drift
    between pulses, stuck devices left out.

    ``from_reset``: dG = G_k - G_0 after k = 1, 5, 20 pulses from RESET (G_0 ~ G_min,
    history term 1). ``one_pulse_at``: dG of one pulse from G = G_min + f (G_max - G_min)
    (at most the device's own G_max), history term 0, for f = 20, 50, 80 % of the range.

    Parameters
    ----------
    params : PCMParams
        Device parameters.
    n : int
        Number of devices.
    seed : int
        Seed of the random generator.

    Returns
    -------
    dict
        ``amplitude`` (a note), ``from_reset`` and ``one_pulse_at``, each with mean,
        standard error and spread of dG in uS and the fraction of devices lowered.

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018); IBM aihwkit ``PCMPresetDevice``.
    """
    arr = PCMArray((n,), params, rng=np.random.default_rng(seed))
    healthy = arr.state.fault == 0
    arr.reset(np.ones(n, bool), t_s=0.0)
    g0 = arr.state.g_prog_uS.copy()
    from_reset = {"start_mean_uS": float(g0[healthy].mean())}
    done = 0
    for k in PULSE_COUNTS:
        arr.apply_pulses(np.full(n, k - done, np.int64), t_s=0.0)
        done = k
        from_reset[str(k)] = _moments((arr.state.g_prog_uS - g0)[healthy])
    at = {}
    lo, hi = params.g_min_uS, params.g_max_uS
    for f in RANGE_FRACTIONS:
        start = np.minimum(lo + f * (hi - lo), arr.state.g_max_uS)
        arr.state.g_prog_uS[:] = start
        arr.state.history[:] = 0.0
        arr.apply_pulses(np.ones(n, np.int64), t_s=0.0)
        at[f"{round(100 * f)}%"] = _moments((arr.state.g_prog_uS - start)[healthy])
    return {"amplitude": AMPLITUDE_NOTE, "from_reset": from_reset, "one_pulse_at": at}


# Most devices ``characterise`` simulates (a few GB of memory at the most).
MAX_DEVICES = 10_000_000


def characterise(params: PCMParams, g_target_uS: float, t_s: float, n: int, seed: int) -> dict:
    """Program ``n`` devices to ``g_target_uS`` at t = 0 and read them at ``t_s``.

    Returns measured moments (``g_prog_mean_uS``, ``g_prog_std_uS``, ``drift_factor_mean``,
    ``read_noise_rel_std``, ...) with their standard errors and the model's expectations,
    and the preset's ``pulse_response`` (see ``pulse_response``).

    Parameters
    ----------
    params : PCMParams
        Device parameters.
    g_target_uS : float
        Programming target, in uS.
    t_s : float
        Read time after programming, in s (>= 0).
    n : int
        Number of devices (>= 2).
    seed : int
        Seed of the random generator.

    Returns
    -------
    dict
        Measured moments and their standard errors next to the model's formulas
        (``formula``), and ``pulse_response``; JSON-serialisable.

    Raises
    ------
    ValueError
        Naming ``n`` or ``t_s``.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020).
    """
    if not (isinstance(n, int) and not isinstance(n, bool) and 2 <= n <= MAX_DEVICES):
        raise ValueError(
            f"n={n!r}: expected an integer in [2, {MAX_DEVICES}] (the moments converge long"
            " before; more devices exhaust memory)"
        )
    if not (math.isfinite(t_s) and t_s >= 0):
        raise ValueError(f"t_s={t_s!r}: expected a time >= 0 s")
    arr = PCMArray((n,), params, rng=np.random.default_rng(seed))
    arr.program(np.full(n, g_target_uS), t_s=0.0)
    g_prog = arr.g_prog_uS.copy()
    g_drift = arr.read(t_s, noise=False)
    g_read = arr.read(t_s, noise=True)
    ok = g_drift > 0
    factor = g_drift[ok] / g_prog[ok]
    rel = (g_read[ok] - g_drift[ok]) / g_drift[ok]

    a = kernel_args(params)
    x = g_target_uS / params.g_max_uS
    mu_nu, s_nu = drift_exponent_moments(x, a.drift)
    std_formula = np.array(
        [
            read_noise_std_uS(gd, gp, a.g_max_uS, t_s, a.drift, a.read)
            for gd, gp in zip(g_drift[ok], g_prog[ok], strict=True)
        ]
    )
    sem = math.sqrt(n)
    return {
        "preset": params.name,
        "source": params.source,
        "n": n,
        "seed": seed,
        "g_target_uS": g_target_uS,
        "t_s": t_s,
        "g_prog_mean_uS": float(g_prog.mean()),
        "g_prog_mean_sem_uS": float(g_prog.std(ddof=1) / sem),
        "g_prog_std_uS": float(g_prog.std(ddof=1)),
        "nu_mean": float(arr.nu.mean()),
        "nu_std": float(arr.nu.std(ddof=1)),
        "drift_factor_mean": float(factor.mean()),
        "drift_factor_sem": float(factor.std(ddof=1) / math.sqrt(factor.size)),
        "read_noise_rel_std": float(rel.std(ddof=1)),
        "n_zero_conductance": int((~ok).sum()),
        "formula": {
            "g_prog_std_uS": float(programming_noise_std_uS(g_target_uS, a.g_max_uS, a.prog)),
            "nu_mu": float(mu_nu),
            "nu_sigma": float(s_nu),
            "drift_factor_mean": expected_drift_factor(
                mu_nu, s_nu, t_s, params.drift.t0_s, float(a.drift[DRIFT_T_SHIFT])
            ),
            "read_noise_rel_std": float(np.sqrt(np.mean((std_formula / g_drift[ok]) ** 2))),
        },
        "pulse_response": pulse_response(params, n, seed),
    }
