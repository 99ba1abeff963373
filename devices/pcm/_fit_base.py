"""What every fit of ``devices.pcm.fit`` and ``devices.pcm.fit_pulse`` shares: the result
record, the input checks, the censored normal likelihood of a clipped step and the
numerical Hessian behind a maximum-likelihood fit's standard errors."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class Fit(NamedTuple):
    """A fitted parameter record.

    Attributes
    ----------
    params : dataclass
        The fitted record (``ProgrammingNoiseParams``, ``DriftParams``, ...).
    values : dict of str to float
        Fitted values by field name.
    std_errors : dict of str to float
        Their standard errors (same keys).
    levels : dict of str to numpy.ndarray
        Per-level estimates behind the fit (level, estimate, standard error, count).
    """

    params: Any
    values: dict
    std_errors: dict
    levels: dict


def checked_array(name: str, value, ndim: int | None = None) -> np.ndarray:
    """``value`` as a float64 array, refused (naming it) if of another dimension or not
    finite.

    Parameters
    ----------
    name : str
        The argument's name, for the error.
    value : array_like
    ndim : int, optional
        The expected number of dimensions.

    Returns
    -------
    numpy.ndarray
    """
    arr = np.asarray(value, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: {arr.ndim} dimension(s): expected {ndim}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def censored_normal_loglik(dg, mean, sd, low, high) -> float:
    """Sum of log-likelihoods of steps dG ~ N(mean, sd), where a step flagged ``low``
    (``high``) was clipped at the lower (upper) bound: it counts with the probability of the
    normal beyond that bound, ``dg`` holding the step to the bound (a censored likelihood:
    leaving such steps out would bias a fit).

    Parameters
    ----------
    dg, mean, sd : numpy.ndarray
        Steps (to the bound where censored), their means and spreads (> 0), uS.
    low, high : numpy.ndarray of bool
        Steps that ended at the lower and at the upper bound.

    Returns
    -------
    float
    """
    from scipy.special import log_ndtr

    z = (dg - mean) / sd
    ll = np.where(
        low, log_ndtr(z), np.where(high, log_ndtr(-z), -0.5 * z * z - np.log(sd) - _LOG_SQRT_2PI)
    )
    return float(ll.sum())


def numerical_hessian(f, theta: np.ndarray, args: tuple, rel_step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f(theta, *args)``, steps ``rel_step`` max(|theta|,
    1e-2) per coordinate: the inverse is the covariance of a maximum-likelihood estimate.

    Parameters
    ----------
    f : callable
        The negative log-likelihood.
    theta : numpy.ndarray
        The estimate.
    args : tuple
        Further arguments of ``f``.
    rel_step : float
        Relative finite-difference step.

    Returns
    -------
    numpy.ndarray
        (n, n) symmetric matrix.
    """
    h = rel_step * np.maximum(np.abs(theta), 1e-2)
    n = theta.size
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            fpp = f(theta + ei + ej, *args)
            fpm = f(theta + ei - ej, *args)
            fmp = f(theta - ei + ej, *args)
            fmm = f(theta - ei - ej, *args)
            hess[i, j] = hess[j, i] = (fpp - fpm - fmp + fmm) / (4 * h[i] * h[j])
    return hess


def clip_flags(g_uS: np.ndarray, g_min_uS: float, g_max_uS: float):
    """Steps of (devices, pulses + 1) curves, with the clipped ones flagged and taken to
    the bound they ended at.

    Parameters
    ----------
    g_uS : numpy.ndarray
        (n_devices, n_pulses + 1) conductance before the first pulse and after each, uS.
    g_min_uS, g_max_uS : float
        The range, uS.

    Returns
    -------
    g0, dg, k : numpy.ndarray
        Flat conductances before each step, the steps (to the bound where clipped) and the
        pulse index of each step.
    low, high : numpy.ndarray of bool
        Steps that ended at G_min and at G_max.

    Raises
    ------
    ValueError
        A range that is not 0 <= G_min < G_max, both finite.
    """
    if not (math.isfinite(g_min_uS) and math.isfinite(g_max_uS) and 0 <= g_min_uS < g_max_uS):
        raise ValueError(
            f"g_min_uS={g_min_uS!r}, g_max_uS={g_max_uS!r}: expected 0 <= g_min_uS < g_max_uS"
        )
    steps = g_uS.shape[1] - 1
    k = np.broadcast_to(np.arange(steps, dtype=np.float64), (g_uS.shape[0], steps)).ravel()
    g0, dg = g_uS[:, :-1].ravel(), np.diff(g_uS, axis=1).ravel()
    tol = 1e-9 * g_max_uS
    g1 = g0 + dg
    low, high = g1 <= g_min_uS + tol, g1 >= g_max_uS - tol
    dg = np.where(low, g_min_uS - g0, np.where(high, g_max_uS - g0, dg))
    return g0, dg, k, low, high
