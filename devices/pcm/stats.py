"""Characterise a preset: Monte Carlo statistics next to the closed-form expectations."""

from __future__ import annotations

import math

import numpy as np

from .array import PCMArray
from .params import PCMParams
from .physics import (
    drift_exponent_moments,
    kernel_args,
    programming_noise_std_uS,
    read_noise_std_uS,
)

_HERMITE_NODES = 64


def expected_drift_factor(mu_nu: float, s_nu: float, t_since_s: float, t0_s: float) -> float:
    """E[((t + t0)/t0)^(-|nu|)] for nu ~ N(mu_nu, s_nu), by Gauss-Hermite quadrature."""
    x, w = np.polynomial.hermite_e.hermegauss(_HERMITE_NODES)
    nu = np.abs(mu_nu + s_nu * x)
    return float(np.sum(w * ((t_since_s + t0_s) / t0_s) ** (-nu)) / math.sqrt(2 * math.pi))


def characterise(params: PCMParams, g_target_uS: float, t_s: float, n: int, seed: int) -> dict:
    """Program ``n`` devices to ``g_target_uS`` at t = 0 and read them at ``t_s``.

    Returns measured moments (``g_prog_mean_uS``, ``g_prog_std_uS``, ``drift_factor_mean``,
    ``read_noise_rel_std``, ...) with their standard errors and the model's expectations.
    """
    if not (isinstance(n, int) and n >= 2):
        raise ValueError(f"n={n!r}: expected an integer >= 2")
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
            "drift_factor_mean": expected_drift_factor(mu_nu, s_nu, t_s, params.drift.t0_s),
            "read_noise_rel_std": float(np.sqrt(np.mean((std_formula / g_drift[ok]) ** 2))),
        },
    }
